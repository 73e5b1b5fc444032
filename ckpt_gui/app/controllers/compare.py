"""Comparing two checkpoints side by side: with a chosen one, or with the checkpoint
saved before the one shown; every pair compared in the background, the selected
pair's histograms and heatmaps on demand."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from ckpt_gui.app.background_work import on_a_thread, prepare_later
from ckpt_gui.app.checkpoint_gone import deleted_note
from ckpt_gui.app.compare_partner import PartnerChoice, same_prefix
from ckpt_gui.app.compare_selection import SelectionShown
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.status_style import DIFF_STYLES
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.value_comparison import compare_all, elements_to_compare
from ckpt_gui.core.analysis.variable_pairing import find_renames, pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_name, export_npy
from ckpt_gui.core.format.checkpoint_order import order_known
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.locations import series_apart_note
from ckpt_gui.core.open_fallback import compared_instead, open_readable
from ckpt_gui.core.statuses import NONFINITE, DiffStatus
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.core.views.pairing import pairing_note
from ckpt_gui.core.write_guard import Protected

if TYPE_CHECKING:  # pair_panel imports pyqtgraph: made (and imported) with the first comparison
    from ckpt_gui.app.widgets.pair_panel import PairPanel

REFRESH_MS = 250  # how often the trees show the pairs compared meanwhile
COMPARE_AGAIN = "Compare again"  # the stopped comparison's banner button

Views = tuple[CompareTrees, "PairPanel"]


GONE_WHY = (
    "its values cannot be read (a training job's CheckpointManager keeps only its newest saves)."
    " F5 opens the folder's latest."
)


class CompareController(PartnerChoice, SelectionShown, Controller):
    """A comparison's making and ending (which checkpoint it is made with:
    app/compare_partner.py; what its details show for the row selected:
    app/compare_selection.py)."""

    starting = Signal()  # a comparison was asked for: B opens, then the pairs are paired
    failed = Signal()  # it could not be made (B did not open, pairing failed)
    opened = Signal(str, str)  # a comparison is shown: the names of A and B
    closed = Signal()
    done = Signal()  # every pair of the comparison has been compared

    def __init__(self, banner: Banner, make_views: Callable[[], Views], bins: Callable[[], int], window: QWidget):
        """``make_views`` builds the trees and the pair panel on the first comparison;
        ``bins`` is the number of histogram bins to use."""
        super().__init__(banner, window)
        self._make_views, self._bins = make_views, bins
        self.trees: CompareTrees | None = None
        self.pair_panel: PairPanel | None = None
        self.ckpt: Checkpoint | None = None  # the checkpoint shown, A of "compare with..."
        self.diff: CheckpointDiff | None = None  # the comparison shown, if any
        self._wanted_key: str | None = None  # "Compare this variable": the pair to select once shown
        self._partner_note = ""  # the checkpoint compared instead of a folder's unreadable newest
        # What holds while the comparison is shown (pairs matched by key, the checkpoint
        # compared instead), under a voice of its own and standing: the comparison's own
        # errors (stopped, moved variables not found) had taken its place for good, and
        # the close button had taken it with them (review 19).
        self._standing = banner.voice(object())
        # The pairs ``diff``'s renames (find_renames, as ``ckpt-gui diff`` proposes them) tie
        # together, each only-A or only-B pair to the other: filled when the comparison ends.
        self.moved: dict[int, Pair] = {}
        # The variable selected in browse (its key, or None): a comparison opens on its pair,
        # not on the largest change (review 6: conv2's kernel selected, it opened on gamma).
        self.browse_key: Callable[[], str | None] = lambda: None
        # The reverse on closing: the key of the variable selected in the comparison, on
        # the side browse shows (None: none, or only on the other side), for browse to
        # select (review 11: browse came back on its old selection, and Ctrl+K with it).
        self.closed_on: str | None = None
        # (A, B) prefixes of the comparison the app closed (a script dropped, another
        # checkpoint shown): Compare with... proposes it again, in its order, while the
        # checkpoint shown is one of the two (review 11: the banner said "compares again"
        # and the dialog proposed the folder's newest other checkpoint).
        self.closed_pair: tuple[str, str] | None = None
        self._refresh = QTimer(self, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._show_progress)

    def set_checkpoint(self, ckpt: Checkpoint) -> None:
        self.ckpt = ckpt

    # -- starting and ending ------------------------------------------------------------------

    def compare_with(self, path_b: str, shown_is_a: bool = True, at_largest: bool = False) -> None:
        """A = the checkpoint shown, B = ``path_b`` (anything inspect accepts); the
        other way round unless ``shown_is_a``. Opens on the pair of the variable selected
        in browse, or with ``at_largest`` on the largest change (a launch with --compare:
        browse's first variable was none of the user's choosing)."""
        if self.ckpt is None:
            return
        shown = self.ckpt
        self.starting.emit()

        def load(context: JobContext):
            context.progress(0, 0)
            # A folder whose newest checkpoint cannot be read: its newest readable, as
            # browse and `diff` open it, said when shown (review 15 #3: "Cannot compare").
            return open_readable(path_b)

        def opened(other: Checkpoint) -> None:
            instead = compared_instead(other.location) if not same_prefix(other.prefix, shown.prefix) else ""
            self._partner_note = f"{'B' if shown_is_a else 'A'}: {instead}" if instead else ""
            self.compare(*((shown, other) if shown_is_a else (other, shown)), at_largest=at_largest)

        self.runner.submit(
            "open_b", load, opened,
            self._cannot_compare,
            label=f"Opening {'folder ' if os.path.isdir(path_b) else ''}{os.path.basename(path_b)}",  # as browse's
        )  # fmt: skip

    def compare(self, a: Checkpoint, b: Checkpoint, at_largest: bool = False) -> None:
        if self._wanted_key is None and not at_largest:  # "Compare this variable" named its own
            self._wanted_key = self.browse_key()
        self.banner.hide()  # "cannot compare", an earlier comparison's failure
        self._standing.hide()
        # A side a training job's CheckpointManager deleted since it was shown: said, not
        # every pair "unreadable ... the checkpoint is incomplete" (review 23 #5).
        gone = [f"{side}: {note}" for side, ckpt in (("A", a), ("B", b)) if (note := deleted_note(ckpt.prefix))]
        if gone:
            self.starting.emit()
            self._cannot_compare(f"{'; '.join(gone)}: {GONE_WHY}", "")
            return
        if same_prefix(a.prefix, b.prefix):  # through a link too (review 21 #7)
            self.banner.show_message(
                f"A and B are the same checkpoint ({b.prefix}): every variable compares the same. "
                "File > Compare with... picks another one.", "warning",
            )  # fmt: skip
        self.starting.emit()

        # Pairing and the pair tree are O(variables): seconds at 200,000, off the GUI thread.
        # Counted (review finding 21: minutes of "Pairing variables" with no count): A's
        # variables paired, then the pairs placed in their tree.
        def pair_up(context: JobContext):
            context.progress(0, 0)  # reading both indexes' names: busy
            diff = pair_variables(a, b, context.progress)
            return diff, PairTree(diff, context.progress), elements_to_compare(diff)

        self.runner.submit(
            "pairing", pair_up, lambda result: self._show_comparison(a, b, *result), self._cannot_compare,
            label="Pairing variables", counted=True,
        )  # fmt: skip

    def _say_pairing(self, diff: CheckpointDiff) -> None:
        """Once, with what the comparison said already (A and B the same checkpoint): the
        folder's newest checkpoint B took the place of, and pairs matched by key because
        an object graph cannot be read (review 15 M2: it stopped the comparison)."""
        note, self._partner_note = self._partner_note, ""
        # Two save() prefixes of one folder: the headings' "before"/"after" are by time only (review 20).
        apart = series_apart_note(diff.a.location, diff.a.ref, diff.b.location, diff.b.ref)
        # Why a Keras file's variables were not paired by their names with the other kind's (review 23 #13).
        unpaired = diff.unpaired_names
        said = [text for text in (self.banner.text, note, apart, diff.pairing_fallback, unpaired) if text]
        if note or apart or diff.pairing_fallback or unpaired:
            details = "\n".join(str(error) for error in diff.graph_errors.values())
            if diff.graph_errors:  # why matching by key pairs the same variables
                details += f"\n\n{diff.key_pairing_why}"
            self.banner.hide()  # (said in it)
            self._standing.show_message("\n".join(said), "warning", details, standing=True)

    def _cannot_compare(self, message: str, details: str) -> None:
        self._wanted_key = None  # not the next comparison's
        self._partner_note = ""
        self.banner.show_message(f"Cannot compare: {message}", "error", details)
        self.failed.emit()

    def _show_comparison(self, a: Checkpoint, b: Checkpoint, diff: CheckpointDiff, tree: PairTree, total: int) -> None:
        trees, panel = self._views()
        self.diff = diff
        name_a, name_b = _ref_name(a), _ref_name(b)
        trees.show_tree(tree, name_a, name_b, _roles(a, b), (a.prefix, b.prefix))
        self._say_pairing(diff)
        panel.path_of = trees.model.tree.path_of
        panel.note_of = lambda pair: pairing_note(pair, diff)
        self.moved = {}
        self.closed_pair = None  # another comparison since: not the one to propose again
        panel.moved_of = lambda pair: self.moved.get(id(pair))
        trees.show_moved([])
        panel.show_pair(None)
        self.opened.emit(name_a, name_b)
        wanted, self._wanted_key = self._wanted_key, None
        self._select_wanted(diff, wanted)
        trees.take_keys()  # with the pair wanted selected, if any: focus on no row makes the first current
        self._compare_values(diff, total)

    def _compare_values(self, diff: CheckpointDiff, total: int) -> None:
        """Every pair of ``diff`` not compared yet (``total`` elements), in the background."""

        def compare_everything(context: JobContext):
            context.progress(0, total)
            step, reported = max(1, total // 1000), [0]

            def progress(done: int) -> None:  # a call per pair is 200,000 calls: only each 0.1%
                if done - reported[0] >= step or done >= total:
                    reported[0] = done
                    context.progress(done)

            return compare_all(diff, progress, context.cancelled)

        # Each refresh repaints and recounts every pair: rarer for large comparisons
        # (10 s at 200,000 pairs), so that it costs the comparison itself little.
        self._refresh.start(max(REFRESH_MS, len(diff.pairs) // 20))
        self.runner.submit(
            "all_pairs", compare_everything, lambda _d: self._finished(diff),
            lambda m, d: self._stopped(diff, m, d),
            label="Comparing values", on_cancelled=self._refresh.stop,
        )  # fmt: skip

    def close(self) -> None:
        """Close comparison (the user's): browse selects the variable selected in it."""
        self._end(again=False, select=True)

    def close_for_script(self) -> None:
        """A script dropped or chosen: its report is shown in browse, on the variable
        selected in the comparison; Compare with... proposes the comparison again."""
        self._end(again=True, select=True)

    def _end(self, again: bool, select: bool) -> None:
        diff = self.diff
        self.closed_on = self._shown_side_key(diff) if select else None
        if diff is not None:  # else nothing was shown: the one closed before stays the one to propose
            self.closed_pair = (diff.a.prefix, diff.b.prefix) if again else None
        self.runner.cancel("pairing")
        self.runner.cancel("all_pairs")
        self.runner.cancel("renames")
        self._refresh.stop()
        self._wanted_key = None  # a comparison closed before it was shown: not the next one's
        self.diff = None
        self.banner.hide()
        self._standing.hide()
        self.withdraw_export_error()  # a pair's value not exported: the pairs are gone
        self.withdraw_status()  # "Compared: ..." described the comparison closed
        self.closed.emit()

    def closing(self) -> None:
        """Quit during a comparison: its jobs dropped (cancelled, and no result of theirs
        shown on the closing window: a pairing that returned meanwhile built the
        comparison's views), its recount of every pair no longer repeated."""
        self.runner.drop("open_b", "pairing", "all_pairs", "renames")
        self._refresh.stop()

    def close_for_another(self, incoming: Checkpoint | None = None) -> None:
        """Another checkpoint (``incoming``) is about to be shown (the picker, an open, a
        drop): the comparison closes, and says so (it had gone without a word, review
        finding 37). Compare with... compares it again only from one of its two: from a
        third checkpoint it is not promised (review 11)."""
        diff = self.diff
        self._end(again=True, select=False)  # browse keeps its own selection for the next checkpoint
        if diff is None:
            return
        closed = f"Comparison of {_ref_name(diff.a)} and {_ref_name(diff.b)} closed"
        if incoming is None:
            said = "another checkpoint is shown. File > Compare with... (Ctrl+K) compares it with another."
        elif any(same_prefix(c.prefix, incoming.prefix) for c in (diff.a, diff.b)):
            said = f"{_ref_name(incoming)} is shown. File > Compare with... (Ctrl+K) compares them again."
        else:
            name = _ref_name(incoming)
            said = f"{name} is shown. File > Compare with... (Ctrl+K) compares {name} with another checkpoint."
        self.banner.show_message(f"{closed}: {said}", "info")

    def _shown_side_key(self, diff: CheckpointDiff | None) -> str | None:
        """The key, on the side browse shows (A's unless browse shows B), of the variable
        selected in the comparison; None for a group, or a variable only on the other side."""
        pair = self.trees.selected_pair() if self.trees is not None and diff is not None else None
        if pair is None:
            return None
        shows_b = self.ckpt is not None and same_prefix(self.ckpt.prefix, diff.b.prefix)
        variable = pair.b if shows_b and not same_prefix(diff.a.prefix, diff.b.prefix) else pair.a
        return variable.key if variable is not None else None

    def _views(self) -> Views:
        if self.trees is None:
            self.trees, self.pair_panel = self._make_views()
            self.trees.pair_selected.connect(self._on_pair_selected)
            self.trees.group_selected.connect(self._on_group_selected)
            self.trees.said.connect(self.status.emit)
            self.trees.export_requested.connect(self.export_value)
            self.pair_panel.plane_wanted.connect(self._on_plane_wanted)
            self.trees.moved_chosen.connect(self._jump_to)
            self.pair_panel.jump_to.connect(self._jump_to)
            # A large comparison's filter typed: matched off the GUI thread, as browse's tree's.
            self.trees.typing.run_in_background = on_a_thread
            self.trees.typing.prepare_later = prepare_later  # its search texts made ahead, in their turn
        return self.trees, self.pair_panel

    def export_value(self, pair: Pair, side: str) -> None:
        """A's or B's value of ``pair`` to a ``.npy`` the user names: never into A's
        folder nor B's (the dialog refuses them before it closes, the export again)."""
        diff = self.diff
        variable = pair.a if side == "A" else pair.b
        if diff is None or variable is None:
            return
        ckpt = diff.a if side == "A" else diff.b
        protected = Protected.of(diff.a).joined(Protected.of(diff.b))
        # The side in the name: exporting both values of a pair keeps both files.
        # Named as the tree shows the row: B's raw key was proposed where the tree names
        # the pair by A's object graph (review 19 F10).
        shown = self.trees.model.tree.path_of(pair, side.lower()) if self.trees is not None else None
        name = export_name(shown or variable.display_path).removesuffix(".npy") + f"_{side}.npy"
        path = self.ask_save_path(f"Export {side}'s value", name, "NumPy array (*.npy)", None, protected)
        if not path:
            return
        try:
            path, note = export_npy(ckpt, variable.key, path, also=protected)
        except CheckpointError as exc:
            self.export_failed(path, self.named(str(exc), side))  # the value as its tree names it
            return
        self.withdraw_export_error()
        self.status.emit(f"Wrote {path}" + (f" ({note})" if note else ""))

    # -- progress and the end -------------------------------------------------------------------

    def _show_progress(self) -> None:
        if self.trees is not None and self.diff is not None and self.trees.refresh():
            self._refresh_group()

    def _finished(self, diff: CheckpointDiff) -> None:
        self._refresh.stop()
        if diff is not self.diff:
            return
        self.trees.refresh()  # every pair counted: the summary's counts are ``diff --json``'s
        if self.trees.filtering():
            self.trees.apply_filter()  # statuses and the flat list's order depend on the values
        self.trees.order_ahead()  # the flat list's order of every pair, kept from now on
        self._select_largest_change(diff)
        self._refresh_group()  # its summary, with every pair compared
        self.status.emit(f"Compared: {summary_text(diff.summary(), diff.nonfinite())}")
        self.done.emit()
        self._find_renames(diff)

    def _stopped(self, diff: CheckpointDiff, message: str, details: str) -> None:
        """The comparison stopped on an error (a value that cannot be read no longer
        stops it: its pair is "unreadable"; an object graph that cannot be read, storage
        that does not answer still do): the pairs left say "not compared", not
        "comparing" for good (review 14), and the banner says why."""
        self._refresh.stop()
        if diff is not self.diff:
            return
        self.trees.stop()
        again = (COMPARE_AGAIN, lambda: self.compare_again(diff))
        self.banner.show_message(f"Comparison stopped: {self.named(message)}", "error", details, action=again)
        self.status.emit(f"Comparison stopped: {summary_text(diff.summary(), diff.nonfinite()) or 'no pair compared'}")

    def compare_again(self, diff: CheckpointDiff) -> None:
        """The banner's "Compare again" after a comparison stopped (it had no way to try
        again but to close and compare anew). Storage that stopped answering: the pairs
        not compared are compared now, those compared kept. An object graph that could not
        be read: both checkpoints are opened again from their files and paired anew, as
        pairing reads the graph (a file copied again, a mount back)."""
        if diff is not self.diff:
            return
        self.banner.hide()
        if diff.a.graph_error is None and diff.b.graph_error is None:
            self.trees.resume()
            self._compare_values(diff, elements_to_compare(diff))
            return
        prefixes = (diff.a.prefix, diff.b.prefix)
        self.starting.emit()
        self.runner.submit(
            "open_b", lambda _context: tuple(Checkpoint.open(prefix) for prefix in prefixes),
            lambda both: self.compare(*both) if diff is self.diff else None, self._cannot_compare,
            label=f"Opening {_ref_name(diff.a)} and {_ref_name(diff.b)}",
        )  # fmt: skip

    def _find_renames(self, diff: CheckpointDiff) -> None:
        """Variables that moved (only in A, the same shape and values only in B), found by
        the CLI's own ``find_renames``: the app showed 2 only A + 2 only B and no word where
        `ckpt-gui diff` said "moved?" (review 7). A job of its own after the comparison:
        it reads the candidates' values, and the counts need not wait for it."""
        statuses = diff.summary()
        if not (statuses["only_a"] and statuses["only_b"]):
            return

        def found(_renames) -> None:
            if diff is self.diff and diff.renames:
                self._show_moved(diff)
                moved = f"; {len(diff.renames):,} perhaps moved (same values)"
                self.status.emit(f"Compared: {summary_text(diff.summary(), diff.nonfinite())}{moved}")

        self.runner.submit(
            "renames", lambda context: find_renames(diff, cancelled=context.cancelled), found,
            lambda m, d: self.banner.show_message(f"Looking for moved variables stopped: {self.named(m)}", "error", d),
            label="Looking for moved variables",
        )  # fmt: skip


def _folder_position(ckpt: Checkpoint, prefix: str) -> int | None:
    """Where ``prefix`` is among ``ckpt``'s folder's checkpoints (oldest first, every
    series: two Savers' files an hour apart are before and after), if it is."""
    real = os.path.realpath(prefix)
    saves = ckpt.location.checkpoints
    return next((i for i, ref in enumerate(saves) if os.path.realpath(ref.prefix) == real), None)


def _roles(a: Checkpoint, b: Checkpoint) -> tuple[str, str]:
    """What A and B are, for their headings: "before" and "after" when both are saves
    of one folder (by its order, oldest first) whose order is known (order_known),
    nothing otherwise (two folders, or two saves of the same time: which came first is
    not known)."""
    where_a, where_b = _folder_position(a, a.prefix), _folder_position(a, b.prefix)
    if where_a is None or where_b is None or where_a == where_b:
        return "", ""
    if not order_known(a.location.checkpoints[where_a], a.location.checkpoints[where_b]):
        return "", ""
    return ("before", "after") if where_a < where_b else ("after", "before")


def _ref_name(ckpt: Checkpoint) -> str:
    folder = os.path.basename(os.path.dirname(ckpt.prefix))
    return f"{folder}/{os.path.basename(ckpt.prefix)}" if folder else os.path.basename(ckpt.prefix)


def summary_text(summary: dict[str, int], nonfinite: int = 0) -> str:
    """A finished comparison's counts by status, in the chips' words and numbers
    ("195,000 same", "34 only A": the status bar said "195000 same", then "34 only a"
    under chips saying "195,000" and "only A"). A status without a chip keeps its own.
    ``nonfinite``: the pairs whose NaN/Inf changed, the chip's count (review 15 #9), said
    apart from the "changed" ones, as the chips count them (review 23 #12)."""
    summary = {**summary, DiffStatus.CHANGED: summary.get(DiffStatus.CHANGED, 0) - nonfinite}
    counts = [*summary.items(), *([(NONFINITE, nonfinite)] if nonfinite else [])]
    return ", ".join(
        f"{n:,} {DIFF_STYLES[status][1] if status in DIFF_STYLES else status.replace('_', ' ')}"
        for status, n in counts
        if n
    )
