"""Browsing one checkpoint: the controller holding the browser's panels and state,
the NaN/Inf scan (app/nan_scan.py), a row's menu, and exporting a tensor or a
histogram. Opening a checkpoint and switching between those of its folder are
app/browse_opening.py's; what the selected variable or group shows,
app/browse_selection.py's (its statistics and histogram, app/selection_stats.py's)."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from ckpt_gui.app import gui_gc
from ckpt_gui.app.background_work import on_a_thread, prepare_later  # tests import them from here too
from ckpt_gui.app.browse_opening import CheckpointOpening
from ckpt_gui.app.browse_selection import SelectionShown
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.folder_watch import FolderWatch
from ckpt_gui.app.large_values import LargeValues
from ckpt_gui.app.nan_scan import NanScan
from ckpt_gui.app.opening import Trees
from ckpt_gui.app.row_menu import escaped, row_menu
from ckpt_gui.app.selection_stats import SelectionStats
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint, shown_name
from ckpt_gui.core.export import export_name, export_npy
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import TreeNode


class BrowseController(CheckpointOpening, SelectionShown, Controller):
    """Browsing one checkpoint (opening: app/browse_opening.py; what the selection
    shows: app/browse_selection.py)."""

    about_to_show = Signal(object)  # a checkpoint (the Checkpoint) is about to replace what is shown
    checkpoint_shown = Signal(object)  # the Checkpoint now in the tree (before a variable is selected)
    loaded = Signal()  # a checkpoint finished loading (or failed to)
    tree_selected = Signal()  # an open's first selection is made in the tree (the panels follow it a turn later)
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
        self._values_stuck_on: str | None = None  # the file the values' read was found stuck in
        # Reading the selected tensor has its own voice too: its CRC error had replaced
        # what the open said (the object graph or the newest save cannot be read).
        self._read_voice = self.banner.banner.voice(object())
        self.large = LargeValues(self.runner, tensor, self._read_voice)
        self.selection = SelectionStats(self.runner, histogram, details, self.large, self._read_voice, self._maybe_scan)
        self.selection.shown_filter = lambda: tree_panel.accept  # a group's histogram covers what the filter shows
        tree_panel.run_in_background = on_a_thread  # a large tree's filter: matched off the GUI thread
        tree_panel.filtering.prepare_later = prepare_later  # search texts made ahead: in their turn
        self._scan_voice = self.banner.banner.voice(object())  # its own: it must not replace what the open said
        self.scan = NanScan(self.runner, tree_panel, self._scan_voice, self.status.emit, lambda: self.ckpt)
        # Checkpoints shown lately, so flipping between two steps is instant.
        self._recent: OrderedDict[str, tuple[tuple, Checkpoint, Trees]] = OrderedDict()
        self._stats_by_prefix: dict[str, dict[str, TensorStats]] = {}
        self.releaser = gui_gc.TreeRelease(self)  # frees the trees of checkpoints forgotten
        self.runner.read_stuck.connect(self._on_read_stuck)  # the values pane says what it waits for
        picker.ref_selected.connect(self.switch_checkpoint)
        # The picker follows the folder while training saves into it (review 20 G7).
        self.folder_watch = FolderWatch(picker, lambda: self.ckpt, self)
        self.checkpoint_shown.connect(self.folder_watch.follow)
        tree_panel.node_selected.connect(self._on_node_selected)
        tree_panel.menu_requested.connect(lambda node, where: self.row_menu(node).exec(where))
        tree_panel.said.connect(self.status.emit)
        tensor.table.copying.said.connect(self.status.emit)  # the Values table's Ctrl+C, said as the tree's
        histogram.request.connect(lambda _bins, _range: self.selection.restart())
        histogram.save_requested.connect(self.export_histogram)

    @property
    def stats_cache(self) -> dict[str, TensorStats]:
        """The statistics known of the shown checkpoint's variables, by key."""
        return self.selection.stats_cache

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
            compare = (f"Co&mpare this variable with {escaped(partner)}", lambda: self.compare_requested.emit(key))
        return row_menu(self.tree_panel, self.ckpt, node, self.export_tensor, self.tree_panel.filter_to,
                        self.status.emit, compare, self.tree_panel.current_view == "keys")  # fmt: skip

    # -- whole-checkpoint scan ------------------------------------------------------------------

    def pause_scan(self) -> None:
        """Stop the NaN/Inf scan while other work needs the CPU (a comparison)."""
        self.scan.stop()
        self.scan.wanted = False  # nor start it when the selection's pass ends
        self.scan.hold_tip(True)  # its "tick 'NaN/Inf only'": no such box in a comparison

    def resume_scan(self) -> None:
        """Scan again after a pause, if opening the checkpoint started one that did not finish."""
        self.scan.hold_tip(False)
        if self.scan_on_open and self.scan.unfinished(self.ckpt, self.stats_cache):
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
        name = export_name(shown_name(self.ckpt, node.variable))  # a slot's by its variable, as the tree
        path = self.ask_save_path("Export tensor", name, "NumPy array (*.npy)", self.ckpt)
        if not path:
            return
        try:
            path, note = export_npy(self.ckpt, node.variable.key, path)
        except CheckpointError as exc:
            self.export_failed(path, exc)
            return
        self.withdraw_export_error()
        self.status.emit(f"Wrote {path}" + (f" ({note})" if note else ""))

    def export_histogram(self) -> None:
        node = self.current  # named after what it shows, as an exported tensor is
        shown = ""
        if node is not None:
            shown = shown_name(self.ckpt, node.variable) if node.variable is not None else node.path
        name = export_name(shown, "_histogram.png") if shown else "histogram.png"
        path = self.ask_save_path("Save histogram", name, "PNG image (*.png)", self.ckpt)
        if path:
            self.save_histogram(path)

    def save_histogram(self, path: str) -> None:
        """The histogram's PNG to ``path``, through the write guard like every export."""
        self.write_export(path, self.histogram.png_bytes(checkpoint_caption(self.ckpt)), self.ckpt)


def checkpoint_caption(ckpt: Checkpoint | None) -> str:
    """A saved image's second line: the checkpoint, by its folder's name and its own."""
    if ckpt is None:
        return ""
    folder, name = os.path.split(ckpt.prefix.rstrip("/"))
    return f"checkpoint {os.path.basename(folder)}/{name}" if folder else f"checkpoint {name}"
