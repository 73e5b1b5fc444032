"""Browsing one checkpoint: opening it, switching between the checkpoints of its
folder, what the selected variable or group shows (details and values; its
statistics and histogram are app/selection_stats.py's), the NaN/Inf scan
(app/nan_scan.py), and exporting a tensor or a histogram. What the open job computes
is app/opening.py's."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ckpt_gui.app import background_work, gui_gc, plot_import, settings
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.jobs import JobContext
from ckpt_gui.app.large_values import LargeValues
from ckpt_gui.app.nan_scan import NanScan
from ckpt_gui.app.open_fallback import open_readable
from ckpt_gui.app.opening import STEPS, KeysFirst, Phase, Trees, index_stamp, keys_only, opener, warnings
from ckpt_gui.app.row_menu import row_menu
from ckpt_gui.app.selection_stats import SelectionStats
from ckpt_gui.app.status_style import finding_label
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_name, export_npy
from ckpt_gui.core.format.discovery import CheckpointRef
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.storage import absolute
from ckpt_gui.core.formatting import format_bytes
from ckpt_gui.core.views.describe import (
    describe_finding,
    describe_group,
    describe_keras,
    describe_variable,
    value_text,
)
from ckpt_gui.core.views.large_values import LARGE_VIEW_BYTES
from ckpt_gui.core.views.missing_data import missing_shard_of
from ckpt_gui.core.views.planes import prepare_view
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import MODEL_ONLY, TreeNode, first_to_show

RECENT_CHECKPOINTS = 4  # parsed checkpoints kept for instant switching back


class BrowseController(Controller):
    about_to_show = Signal()  # a checkpoint is about to replace what is shown
    checkpoint_shown = Signal(object)  # the Checkpoint now in the tree (before a variable is selected)
    loaded = Signal()  # a checkpoint finished loading (or failed to)
    index_read = Signal(object)  # the Checkpoint whose key view is shown while its object graph is decoded
    keys_shown = Signal()  # that key view is shown (usable: selecting, expanding, filtering)
    exportable = Signal(bool)  # whether the selected variable's values can be exported
    compare_requested = Signal(str)  # a row's "Compare this variable": its key

    def __init__(
        self,
        banner: Banner,
        picker: CheckpointPicker,
        tree_panel: TreePanel,
        details: DetailsPanel,
        histogram: HistogramPanel,
        tensor: TensorPanel,
        window: QWidget,
        scan_on_open: bool = True,
    ) -> None:
        super().__init__(banner, window)
        self.picker, self.tree_panel, self.details = picker, tree_panel, details
        self.histogram, self.tensor = histogram, tensor
        self.scan_on_open = scan_on_open
        # The name of the checkpoint a row's "Compare this variable" compares with (None: none); set by the window
        self.compare_partner: Callable[[], str | None] = lambda: None
        self.ckpt: Checkpoint | None = None
        self.current: TreeNode | None = None
        self._shown_key: str | None = None  # the variable whose values and statistics are shown
        self._early = None  # (checkpoint, key view, tree changes) while its object graph is decoded
        self._swapping = False  # the object view is replacing the key view of the same checkpoint
        self._opening = ""  # what the open job is labelled (the status bar's message names its steps)
        self._early_facts = ""  # the status bar's count and size, while a key view is shown early
        self.large = LargeValues(self.runner, tensor, banner)
        self.selection = SelectionStats(self.runner, histogram, details, self.large, self.banner, self._maybe_scan)
        self.selection.shown_filter = lambda: tree_panel.accept  # a group's histogram covers what the filter shows
        tree_panel.run_in_background = on_a_thread  # a large tree's filter: matched off the GUI thread
        tree_panel.filtering.prepare_later = prepare_later  # search texts made ahead: in their turn
        self._scan_voice = self.banner.banner.voice(object())  # its own: it must not replace what the open said
        self.scan = NanScan(self.runner, tree_panel, self._scan_voice, self.status.emit, lambda: self.ckpt)
        # Checkpoints shown lately, so flipping between two steps is instant.
        self._recent: OrderedDict[str, tuple[tuple, Checkpoint, Trees]] = OrderedDict()
        self._stats_by_prefix: dict[str, dict[str, TensorStats]] = {}
        self.releaser = gui_gc.TreeRelease(self)  # frees the trees of checkpoints forgotten
        picker.ref_selected.connect(self.switch_checkpoint)
        tree_panel.node_selected.connect(self._on_node_selected)
        tree_panel.menu_requested.connect(lambda node, where: self.row_menu(node).exec(where))
        histogram.request.connect(lambda _bins, _range: self.selection.restart())
        histogram.save_requested.connect(self.export_histogram)

    @property
    def stats_cache(self) -> dict[str, TensorStats]:
        """The statistics known of the shown checkpoint's variables, by key."""
        return self.selection.stats_cache

    # -- opening ---------------------------------------------------------------------------

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.dialog_parent, "Open checkpoint folder", settings.last_folder())
        if path:
            self.open_path(path)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.dialog_parent, "Open checkpoint file", settings.last_folder(),
            "Checkpoint files (*.index *.meta checkpoint saved_model.pb);;All files (*)",
        )  # fmt: skip
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        path = absolute(path)  # a URL (gs://, s3://...) stays one
        self.status.emit(f"Opening {path}...")
        self._open(lambda progress: open_readable(path, progress), path, f"Opening {os.path.basename(path) or path}")

    def switch_checkpoint(self, ref: CheckpointRef) -> None:
        if self.ckpt is None or ref.prefix == self.ckpt.prefix:
            return
        previous = self.ckpt
        recent = self._recent.get(ref.prefix)
        if recent is not None and recent[0] == index_stamp(ref.prefix):  # switching back: instant
            self._show_checkpoint(recent[1], recent[2], None)
            return
        self._open(lambda progress: previous.sibling(ref, progress=progress), None, f"Opening {ref.name}")

    def _open(self, make, opened: str | None, label: str) -> None:
        self._opening = label
        self.runner.submit(
            "open", opener(make), lambda result: self._show_checkpoint(*result, opened),
            lambda message, details: self._open_failed(message, details),
            label=label, on_partial=self._on_open_partial, on_cancelled=self._open_cancelled,
        )  # fmt: skip

    def _on_open_partial(self, part: KeysFirst | Phase) -> None:
        if isinstance(part, KeysFirst):
            self._show_keys_first(part)
            return
        step = f"{part.name.lower()}, step {part.number} of {len(STEPS)}"
        if self._early is not None:  # the key view is shown: its facts stay in the message (short: 1024 px)
            self.status.emit(f"{self._early_facts}; reading the object graph: {step}...")
        else:
            self.status.emit(f"{self._opening}: {step}...")
            if part.number > 2:  # the index is read and no key view comes first: a small checkpoint,
                plot_import.start()  # shown within a moment; its plots will be wanted at once

    def _open_cancelled(self) -> None:
        """The user cancelled the open. Once its key view is shown, that stays, as the
        checkpoint's only view (the object graph not read); before, nothing changes."""
        early, self._early = self._early, None
        if early is None:
            self.status.emit("Opening cancelled")
            self.loaded.emit()
            return
        ckpt, trees = keys_only(early[0], early[1], "opening was cancelled: the object graph was not read")
        self.ckpt, self._early = ckpt, (ckpt, *early[1:])
        self._show_checkpoint(ckpt, trees, None)

    def _show_keys_first(self, first: KeysFirst) -> None:
        """A large checkpoint's key view, shown while its object graph is decoded. Nothing
        here may ask for the object graph or ``ckpt.variables``: the GUI thread would wait
        for the decoding (see ``Checkpoint.graph_decoded``)."""
        ckpt, keys = first.ckpt, first.keys
        self.about_to_show.emit()
        keep = self._selected_key()
        self._take_over(ckpt)
        self.picker.set_location(ckpt.location, ckpt.ref)
        self._early_facts = f"{keys.variable_total:,} variables, {format_bytes(first.total_bytes)}"
        self.status.emit(f"{self._early_facts}; reading the object graph (checkpoint keys shown meanwhile)...")
        self.tree_panel.set_trees({"objects": keys, "keys": keys}, keep, objects_pending=True)
        self.index_read.emit(ckpt)
        self._early = (ckpt, keys, self.tree_panel.changes)
        gui_gc.settle()  # the checkpoint's objects live on: no collection walks them again
        QTimer.singleShot(0, self, lambda: self._finish_keys_first(ckpt, keep))

    def _finish_keys_first(self, ckpt: Checkpoint, keep: str | None) -> None:
        """The key view is painted: usable. It keeps the previous selection (``keep``,
        reselected by ``set_trees``) or has none: the object view makes the first."""
        if self._early is not None and self._early[0] is ckpt:
            self._early = (ckpt, self._early[1], self.tree_panel.changes)  # what the user does from now on
        plot_import.start()
        self.keys_shown.emit()

    def _take_over(self, ckpt: Checkpoint) -> None:
        """``ckpt`` replaces the checkpoint shown: its own statistics, no old scan or picture."""
        self.runner.cancel("scan")
        if self.ckpt is not None:
            self._stats_by_prefix[self.ckpt.prefix] = self.stats_cache
        self.ckpt = ckpt
        self.selection.stats_cache = self._stats_by_prefix.get(ckpt.prefix, {})
        self.selection.positions = {}
        self.large.forget()
        self.banner.hide()
        self._scan_voice.hide()  # the scan of the checkpoint shown before

    def _show_checkpoint(self, ckpt: Checkpoint, trees: Trees, opened: str | None) -> None:
        early = self._early if self._early is not None and self._early[0] is ckpt else None
        self._early = None
        keep = self._selected_key()
        if early is None:
            self.about_to_show.emit()
            self._take_over(ckpt)
            self.picker.set_location(ckpt.location, ckpt.ref)
        else:
            self.banner.hide()
        forgotten = self._remember(ckpt, trees)
        found = warnings(ckpt)
        if found:
            self.banner.show_message("\n".join(found), "warning")
        if opened is not None:
            settings.remember_path(opened)
        facts = trees["objects"]  # the count and size worked out by the job (200,000 variables: 0.1 s)
        self.status.emit(f"{facts.variable_total:,} variables, {format_bytes(facts.variable_bytes)}")
        for tree in {id(t): t for t in trees.values()}.values():
            tree.clear_report()  # a report belongs to the checkpoint it was made for
        if early is not None:
            self._merge_objects(trees, early, keep)
        else:
            self.tree_panel.set_trees(trees, keep)
        shown = {id(t) for t in self.tree_panel.trees.values()}
        self.releaser.release(t for t in forgotten if id(t) not in shown)
        gui_gc.settle()  # the checkpoint's objects live on: no collection walks them again
        self.checkpoint_shown.emit(ckpt)
        plot_import.start()
        # The first selection (details, values, the jobs it starts) on the event loop's
        # next turn: the tree is painted first, two shorter stalls instead of one long.
        QTimer.singleShot(0, self, lambda: self._finish_showing(ckpt, keep))

    def _finish_showing(self, ckpt: Checkpoint, keep: str | None) -> None:
        if self.ckpt is ckpt:  # not replaced by another meanwhile
            self._select_first_unless(keep)
            if self.scan_on_open and self.scan.want(ckpt):
                self._maybe_scan()
        self.loaded.emit()

    def _merge_objects(self, trees: Trees, early, keep: str | None) -> None:
        """The object view is ready for the checkpoint whose key view is shown. A user
        who has selected, expanded or filtered meanwhile stays in the key view as they
        left it (the same tree, its variables now with their object paths; the object
        view a click away); otherwise the object view replaces it, the selection kept."""
        _ckpt, keys, changes = early
        self._swapping = True
        try:
            if self.tree_panel.changes != changes or trees["objects"] is keys:
                self.tree_panel.adopt_trees(trees)
                if self.current is not None and self.current.variable is not None:
                    self._show_details(self.current)  # now with its object paths and TF name
            else:
                self.tree_panel.set_trees(trees, keep, show_objects=True)
        finally:
            self._swapping = False

    def _select_first_unless(self, keep: str | None) -> None:
        """Select the variable to show first, unless ``keep`` (the previous selection) was found."""
        if keep is None or self.current is None:
            first = self._first_to_select()
            if first is not None:
                self.tree_panel.select_node(first)

    def _first_to_select(self) -> TreeNode | None:
        """The variable to select first in the tree shown: the object view's choice
        (worked out by the open job, off the GUI thread), found by its key when the key
        view stays shown (the user worked in it while the object graph was decoded):
        working it out there walked every variable on the GUI thread (200,000: 0.3 s)."""
        panel = self.tree_panel
        tree, objects = panel.tree, panel.trees.get("objects")
        if tree is None:
            return None
        if objects is not None and objects is not tree and objects.first_choice is not False:
            chosen = objects.first_choice
            return tree.by_key.get(chosen.variable.key) if chosen is not None else None
        return first_to_show(tree)

    def _selected_key(self) -> str | None:
        return self.current.variable.key if self.current is not None and self.current.variable else None

    def _remember(self, ckpt: Checkpoint, trees: Trees) -> list:
        """Remember ``ckpt`` as shown lately; return the trees of the checkpoints it
        makes the app forget (the same one read before, the oldest beyond the limit)."""
        before = self._recent.get(ckpt.prefix)
        forgotten = list(before[2].values()) if before is not None and before[2] is not trees else []
        self._recent[ckpt.prefix] = (index_stamp(ckpt.prefix), ckpt, trees)
        self._recent.move_to_end(ckpt.prefix)
        while len(self._recent) > RECENT_CHECKPOINTS:
            dropped, (_stamp, _ckpt, old) = self._recent.popitem(last=False)
            self._stats_by_prefix.pop(dropped, None)
            forgotten += old.values()
        return forgotten

    def _open_failed(self, message: str, details: str) -> None:
        self.status.emit("Could not open the checkpoint")
        self.banner.show_message(message, "error", details)
        if self.ckpt is None:  # no checkpoint, no variable to select: every panel says the same
            message = "Open a checkpoint folder or file (File > Open, or drop it here)."
            self.details.show_message(message)
            self.histogram.clear(message)
            self.tensor.show_message(message)
        self.loaded.emit()

    def select_finding(self, finding: TreeFinding) -> None:
        """Select the variable a restore report's finding is about (its checkpoint key,
        or the model-only row the report added for it)."""
        tree = self.tree_panel.tree
        if tree is None:
            return
        node = tree.by_key.get(finding.checkpoint_key or "")
        if node is None:
            node = next((n for n in tree.model_only if n.finding is finding), None)
        if node is not None:
            self.tree_panel.select_node(node)

    def row_menu(self, node: TreeNode) -> QMenu:
        """A tree row's context menu: copy key, path, TF name or value, export, subtree."""
        partner = self.compare_partner()
        key = node.variable.key if node.variable is not None else ""
        compare = None
        if partner:
            compare = (f"Compare this variable with {partner}", lambda: self.compare_requested.emit(key))
        return row_menu(self.tree_panel, self.ckpt, node, self.export_tensor, self.tree_panel.filter_to,
                        self.status.emit, compare, self.tree_panel.current_view == "keys")  # fmt: skip

    # -- selection ---------------------------------------------------------------------------

    def _on_node_selected(self, node: TreeNode | None) -> None:
        self.current = node
        if self._swapping and node is not None and node.variable is not None and node.variable.key == self._shown_key:
            # The same variable in the object view that replaced the key view: what is
            # shown or being computed for it stays.
            self.selection.node = node
            self._show_details(node)
            return
        # Whatever was computed for the previous selection must not land in the panels
        # of this one (a string or a group starts no job that would replace it).
        self.runner.drop("preview", "histogram", "values")
        self.large.wanted = None
        if node is None or self.ckpt is None:
            self.selection.start(None, None)
            if self.ckpt is not None and self.ckpt.keras is not None:  # the file's own facts: architecture...
                self.details.show_facts(self.ckpt.ref.name, describe_keras(self.ckpt, ""))
            else:
                self.details.show_message("Select a variable to see its details.")
            self.histogram.clear()
            self.tensor.show_message("Select a variable to see its values.")
            return
        self._shown_key = node.variable.key if node.variable is not None else None
        self._show_details(node)
        if node.variable is not None:
            self.exportable.emit(node.variable.dtype.is_numeric or node.variable.dtype.is_string)
            self._start_values(node)
        self.selection.start(node, self.ckpt)
        self._maybe_scan()

    def _show_details(self, node: TreeNode) -> None:
        # What the restore doctor said of it (status, both shapes, suggestions), if it ran.
        restore = describe_finding(node.finding, finding_label(node.status, node.finding)) if node.finding else []
        if node.variable is None and node.kind == MODEL_ONLY:
            self.details.show_facts(node.path, restore)
            self.tensor.show_message("Only in the model: the checkpoint has no value for it.")
        elif node.variable is None:
            self.details.show_facts(node.path or "Checkpoint", describe_group(node, self.ckpt))
            self.tensor.show_message("A group: select one variable to see its values.")
        else:
            facts = describe_variable(self.ckpt, node, with_graph=self.ckpt.graph_decoded)
            self.details.show_facts(node.variable.display_path, restore + facts)

    def _start_values(self, node: TreeNode) -> None:
        ckpt, variable = self.ckpt, node.variable
        if (
            variable.is_object_graph and ckpt.graph_decoded and ckpt.object_graph is not None
        ):  # a serialized proto: no values to show
            self.tensor.show_message(f"{ckpt.object_graph.summary()}.\nThe object graph view shows its structure.")
            return
        if variable.dtype.is_variant or not (variable.dtype.is_numeric or variable.dtype.is_string):
            self.tensor.show_message(f"{variable.dtype.name} values cannot be shown.")
            return
        missing = missing_shard_of(ckpt, variable.key)
        if missing is not None:
            self.tensor.show_message(f"No values: its data file {missing} is missing (the index lists it).")
            return
        if variable.size_bytes > LARGE_VIEW_BYTES:
            self.large.show(ckpt, variable)
            return
        if variable.dtype.is_numeric:  # its plot made in a turn of its own while the values are read
            self.tensor.expect_picture(len(variable.shape))

        def read(context: JobContext):
            context.progress(0, 0)
            return prepare_view(ckpt.read(variable.key))

        def show(view) -> None:
            self.tensor.show_value(view, variable.display_path)
            text = value_text(variable, view.value)
            if text is not None:
                self.details.show_value(text)
            if variable.dtype.is_string:  # read whole, its CRC32C checked: as a numeric tensor's pass says
                self.selection.add_crc_fact(ckpt, variable.key)

        def failed(message: str, details: str) -> None:
            self.banner.show_message(message, "error", details)
            self.tensor.show_message("Could not read the values (see the message above).")

        self.runner.submit("values", read, show, failed)

    # -- whole-checkpoint scan ------------------------------------------------------------------

    def pause_scan(self) -> None:
        """Stop the NaN/Inf scan while other work needs the CPU (a comparison)."""
        self.scan.stop()
        self.scan.wanted = False  # nor start it when the selection's pass ends

    def resume_scan(self) -> None:
        """Scan again after a pause, if opening the checkpoint started one that did not finish."""
        if self.scan_on_open and self.scan.unfinished(self.ckpt):
            self.start_scan()

    def start_scan(self) -> None:
        if self._early is not None:  # it needs every variable: it starts once the object graph is read
            self.scan.wanted = True
            return
        self.scan.start(self.ckpt, self.stats_cache)

    def _maybe_scan(self) -> None:
        self.scan.maybe_start(self.ckpt, self.stats_cache)

    # -- export ---------------------------------------------------------------------------------

    def export_tensor(self) -> None:
        node = self.current
        if self.ckpt is None or node is None or node.variable is None:
            return
        name = export_name(node.variable.display_path)
        path = self.ask_save_path("Export tensor", name, "NumPy array (*.npy)", self.ckpt)
        if not path:
            return
        try:
            path, note = export_npy(self.ckpt, node.variable.key, path)
        except CheckpointError as exc:
            self.banner.show_message(str(exc), "error")
            return
        self.status.emit(f"Wrote {path}" + (f" ({note})" if note else ""))

    def export_histogram(self) -> None:
        node = self.current  # named after what it shows, as an exported tensor is
        shown = (node.variable.display_path if node.variable is not None else node.path) if node is not None else ""
        name = export_name(shown, "_histogram.png") if shown else "histogram.png"
        path = self.ask_save_path("Save histogram", name, "PNG image (*.png)", self.ckpt)
        if path:
            self.save_histogram(path)

    def save_histogram(self, path: str) -> None:
        """The histogram's PNG to ``path``, through the write guard like every export."""
        self.write_export(path, self.histogram.png_bytes(), self.ckpt)


def on_a_thread(work: Callable[[], None]) -> None:
    """``work`` on a thread of its own (it reports back through a Qt signal)."""
    threading.Thread(target=work, name="tree-filter", daemon=True).start()


def prepare_later(work: Callable[[Callable[[], None]], None], cancelled: Callable[[], bool]) -> None:
    """A large tree's search texts made ahead, one background extra at a time."""
    background_work.run_later("search texts", background_work.SEARCH_TEXTS, work, cancelled)
