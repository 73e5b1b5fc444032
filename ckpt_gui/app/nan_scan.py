"""The whole-checkpoint NaN/Inf scan of the browse workflow: started on opening (once
the selection's own statistics pass is done, so that variable is not read twice),
paused while a comparison needs the CPU, and its findings as badges in the tree."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QTimer

from ckpt_gui.app import background_work, plot_import
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.app.widgets.banner import BannerVoice
from ckpt_gui.app.widgets.tree_panel import NAN_BOX_TIP, TreePanel
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.formatting import counted, format_bytes, nonfinite_text, sizes_apart
from ckpt_gui.core.views.missing_data import missing_files
from ckpt_gui.core.views.readable_stats import stats_skipping_unreadable, unreadable_badge, unreadable_summary
from ckpt_gui.core.views.shown_names import named_message

# Checkpoints with up to this much left to read (their variables whose statistics are not
# known yet: the selection's pass read a large tensor already) are scanned for NaN/Inf on
# open. It was the checkpoint's size: a 1 GiB tensor and a bias, the tensor's statistics
# known, got no badge and no filter for the bias's 64 bytes (review 16).
AUTO_SCAN_BYTES = 1 << 30
# The scan on open starts this long after the first selection's statistics: its plots are
# made and painted meanwhile (100 to 300 ms of the GUI thread's work, pyqtgraph's calls
# into Python thousands of times, each waiting for the interpreter lock beside the scan:
# 180 ms gaps instead of 100 ms at 200,000 variables).
SETTLE_S = 0.3
# Unless what is left to scan is this small: the selection's pass read the bulk of the
# checkpoint (a 512 MB vector and a bias), the rest is scanned in milliseconds, beside no
# paint worth waiting for; the wait was a fifth of everything the app shows of it.
SMALL_LEFT_VARIABLES = 100
SMALL_LEFT_BYTES = 16 << 20
SETTLE_STEP_S = 0.05  # how often the settling scan looks whether it was cancelled
MERGE_SLICE = 25_000  # statistics the scan found, merged into the known ones per event-loop turn
NAN_TIP = "tick 'NaN/Inf only' to list them."
SCAN_ACTION = "View > Scan all variables for NaN/Inf"  # the menu's action (window_menus.py), without its &


def waiting_tip(size: int, limit: int) -> str:
    """The NaN/Inf filter's tooltip while ``size`` bytes are left to read, more than the
    ``limit`` the open scans by itself. Named as a limit: "more than the 1 GB scanned on
    open" read as though 1 GB had been scanned, where nothing was (review 19 F5)."""
    left, _most = sizes_apart(size, limit)  # not "1.0 GB, more than the 1.0 GB": in bytes then
    bound = format_bytes(limit) + (f" ({limit:,} bytes)" if left.endswith(" bytes") else "")
    return (
        f"{NAN_BOX_TIP}: available once every variable's statistics are known. This checkpoint has"
        f" {left} left to read, more than the {bound} an open scans by itself: {SCAN_ACTION} reads it all."
    )


class NanScan:
    def __init__(
        self,
        runner: JobRunner,
        tree_panel: TreePanel,
        banner: BannerVoice,
        say: Callable[[str], None],
        shown: Callable[[], Checkpoint | None],
    ) -> None:
        self.runner, self.tree_panel, self.banner, self.say, self.shown = runner, tree_panel, banner, say, shown
        self.wanted = False  # a scan waits for the selection's pass (not to read twice)
        self._tip: tuple[str, Checkpoint | None] = ("", None)  # the status bar's tip, while the box waits
        self._holding = False  # a comparison shown: the tip is not said
        tree_panel.nan_box.toggled.connect(self._listed)

    def hold_tip(self, held: bool) -> None:
        """A comparison shown (``held``) or closed: the status bar's "tick 'NaN/Inf only'"
        is not said while the box is out of sight (review 12: it stayed over the
        comparison, which has no such box); the box, back with browse, is still red."""
        self._holding = held

    def _listed(self, on: bool) -> None:
        """'NaN/Inf only' ticked: the tip telling to tick it has done its job (rv-104)."""
        tip, self._tip = self._tip, ("", None)
        if on and tip[0] and tip[1] is self.shown():  # not a checkpoint shown before
            self.tree_panel.mark_nan_found(False)
            self.say(tip[0].removesuffix(f": {NAN_TIP}"))

    def want(self, ckpt: Checkpoint) -> bool:
        """Ask for a scan of a checkpoint just shown: it starts once the selection's pass
        is done if what is left to read then is small enough (maybe_start)."""
        # A missing data file: the index lists what cannot be read; no scan over it.
        self.wanted = not missing_files(ckpt)
        return self.wanted

    def maybe_start(self, ckpt: Checkpoint | None, known: dict[str, TensorStats]) -> None:
        """Start the scan asked for on opening once the selection's pass is done: it
        then finds that variable's statistics known instead of reading it again. With
        too much left to read, the NaN/Inf the statistics found are badged meanwhile."""
        if ckpt is None or self.shown() is not ckpt or self.runner.is_running("histogram"):
            return
        if not self.wanted or self._left(ckpt, known)[1] > AUTO_SCAN_BYTES:
            self._badge_known(ckpt, known)
            return
        if plot_import.drawing_waits():  # the first plots first: the scan beside them made them slow
            # Owned by the runner: a window closed before the import ends starts nothing
            # (its runner's signals gone: "Signal source has been deleted").
            again = lambda: self.maybe_start(ckpt, known) if self.shown() is ckpt else None  # noqa: E731
            plot_import.when_done(again, owner=self.runner)
            return
        self.wanted = False
        variables, size = self._left(ckpt, known)
        much = variables > SMALL_LEFT_VARIABLES or size > SMALL_LEFT_BYTES
        self.start(ckpt, known, SETTLE_S if much else 0.0)

    def _left(self, ckpt: Checkpoint, known: dict[str, TensorStats]) -> tuple[int, int]:
        """The variables, and their bytes, the scan would read besides those whose
        statistics are ``known``: the tree's totals, no walk (adding up 200,000
        variables here held the event loop 0.1 s)."""
        tree = self.tree_panel.trees.get("objects")
        if tree is None or self.shown() is not ckpt:
            variables = [v for v in ckpt.variables if not v.is_object_graph]
            by_key = {v.key: v for v in variables}
            done = [by_key[key] for key in known if key in by_key]
            total, size = len(variables), sum(v.size_bytes for v in variables)
        else:
            done = [tree.by_key[key].variable for key in known if key in tree.by_key]
            total, size = tree.variable_total, tree.variable_bytes
        return total - len(done), size - sum(variable.size_bytes for variable in done if not variable.is_object_graph)

    def _badge_known(self, ckpt: Checkpoint, known: dict[str, TensorStats]) -> None:
        """No scan now (too much left to read on open, or none asked for): the variables
        whose statistics found NaN/Inf badged all the same, and the filter's tooltip
        says why it waits (review 16: a 1 GiB tensor's NaN got no badge, and the tooltip
        said "available once statistics are computed" though they were)."""
        if self.tree_panel.nonfinite is not None or self.runner.is_running("scan"):
            return  # the scan's result, whole, or coming
        bad = {key: badge_text(stats) for key, stats in known.items() if stats.has_nonfinite}
        if bad != self.tree_panel.model.badges:
            self.tree_panel.badge(bad)
        if missing_files(ckpt):
            return
        size = self._left(ckpt, known)[1]
        if size > AUTO_SCAN_BYTES:
            self.tree_panel.nan_box.setToolTip(waiting_tip(size, AUTO_SCAN_BYTES))

    def stop(self) -> None:
        self.runner.cancel("scan")

    def unfinished(self, ckpt: Checkpoint | None, known: dict[str, TensorStats]) -> bool:
        """Whether a scan opening ``ckpt`` would have started has not finished."""
        if ckpt is None or self.tree_panel.nonfinite is not None or missing_files(ckpt):
            return False
        return self._left(ckpt, known)[1] <= AUTO_SCAN_BYTES

    def start(self, ckpt: Checkpoint | None, known: dict[str, TensorStats], settle: float = 0.0) -> None:
        """Scan every numeric variable of ``ckpt`` (those in ``known`` are not read
        again); ``known`` gets the statistics found. ``settle``: seconds the job waits
        before it scans (the first selection's plots drawn meanwhile)."""
        if ckpt is None:
            return
        if missing_files(ckpt):  # asked for from the menu: say why not, the headline stays
            first = missing_files(ckpt)[0]
            self.say(f"No NaN/Inf scan: {os.path.basename(first)} is {storage.absent_why(first)}")
            return
        before = dict(known)

        def scan(context: JobContext):
            for _ in range(round(settle / SETTLE_STEP_S)):  # a wait, not work: no CPU, no interpreter lock
                context.check()
                time.sleep(SETTLE_STEP_S)
            # In its turn of the background work (app/background_work.py): after the open
            # and pyqtgraph's import; it gives way to the search texts between two parts.
            with background_work.turns.turn("NaN scan", background_work.NAN_SCAN, context.cancelled) as give_way:
                # Off the GUI thread: 200,000 look-ups held the event loop 0.8 s at load 6.
                keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
                context.progress(0, sum(ckpt.variable(k).num_elements for k in keys))

                def progress(done: int) -> None:  # between two parts of the scan
                    context.progress(done)
                    give_way()

                # A tensor failing its checksum is skipped and badged, not the end of the scan.
                found, corrupt = stats_skipping_unreadable(ckpt, keys, before, progress, context.cancelled)
                # The badges too: a look at 200,000 results held the event loop 110 ms.
                bad = {key: badge_text(stats) for key, stats in found.items() if stats.has_nonfinite}
                return found, corrupt, bad

        def failed(message: str, details: str) -> None:
            if self.shown() is not ckpt:  # cancelled by a switch but failed first: about a checkpoint gone
                return
            kind = "error" if "CRC32C" in message else "warning"
            # The tensor named as the tree names it (its key is in its Details): review 21 #8.
            self.banner.show_message(f"Scanning for NaN/Inf stopped: {named_message(ckpt, message)}", kind, details)

        self.runner.submit("scan", scan, lambda result: self._show(ckpt, known, result), failed,
                           label="Scanning for NaN/Inf")  # fmt: skip

    def _show(self, ckpt: Checkpoint, known: dict[str, TensorStats], result) -> None:
        """The scan's result: badges in the tree, a line in the status bar (the banner
        for variables it could not read)."""
        found, corrupt, bad = result
        if self.shown() is not ckpt:
            return
        merge_in_turns(known, iter(found.items()))
        # Each unreadable value's badge says its own case: "[truncated]", "[data missing]", "[CRC mismatch]".
        self.tree_panel.set_nonfinite(set(bad), bad | {key: unreadable_badge(why) for key, why in corrupt.items()})
        holds = "holds" if len(bad) == 1 else "hold"
        message = f"{counted(len(bad), 'variable')} {holds} NaN or Inf" if bad else "No NaN or Inf in any variable"
        if corrupt:  # the one place the whole message is shown; the badge and the panels say it short
            if not bad:  # of those read only: "any variable" claimed it of the values never read (review 20, G4)
                message = f"No NaN or Inf in the {counted(len(found), 'variable')} read"
            skipped = f"{len(corrupt):,} could not be read ({unreadable_summary(corrupt)})"
            self.say(f"{message}; {skipped}")
            first = named_message(ckpt, next(iter(corrupt.values())))  # as the tree names it (review 21 #8)
            if CRC_FAILED in self.banner.banner.text:  # a read said one in full already: not another
                self.banner.show_message(f"{message}; {skipped}", "error", first)
            else:
                self.banner.show_message(f"{message}; {skipped}: {first}", "error")
            return
        tip = ""
        if bad and not self.tree_panel.nan_box.isChecked():
            # Said where nothing moves: the status bar, and the box it says to tick, in red.
            # A banner, coming seconds after the open, pushed the tree down under the
            # pointer: a click aimed at one row selected another (review 19, F6).
            tip = message + f": {NAN_TIP}"
            self.tree_panel.mark_nan_found(True)
        self._tip = (tip, ckpt)
        self.say(tip if tip and not self._holding else message)


def merge_in_turns(known: dict[str, TensorStats], found: Iterator[tuple[str, TensorStats]]) -> None:
    """The scan's statistics added to those ``known``, MERGE_SLICE per event-loop turn:
    200,000 at once held the loop 35 ms. Meanwhile a variable selected is read as if
    the scan had not run (the dict is the GUI thread's; a worker adding to it could
    change it under a loop over it)."""
    known.update(itertools.islice(found, MERGE_SLICE))
    if found.__length_hint__():  # more to merge
        # A real timer (1 ms): a 0 ms single shot is a posted call, and Qt ran the first
        # two slices back to back in one pass.
        QTimer.singleShot(1, lambda: merge_in_turns(known, found))


CRC_FAILED = "fails its CRC32C check"  # what the core says of a tensor whose data fails its checksum


def badge_text(stats: TensorStats) -> str:
    """A variable's NaN/Inf badge: "3 NaN, 2 +Inf" (as the histogram and heatmap say it)."""
    return nonfinite_text(stats.nan, stats.posinf, stats.neginf)
