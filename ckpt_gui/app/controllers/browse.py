"""Browsing one checkpoint: opening it, switching between the checkpoints of its
folder, and what the selected variable or group shows (details, statistics,
histogram, values), the NaN/Inf scan, and exporting a tensor or a histogram."""

from __future__ import annotations

import os
from collections import OrderedDict

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ckpt_gui.app import settings
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.jobs import JobContext
from ckpt_gui.app.large_values import LargeValues
from ckpt_gui.app.row_menu import row_menu
from ckpt_gui.app.status_style import finding_label
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.overview import NonFinite, first_pass, histogram_pass
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.analysis.summaries import all_stats, group_histogram, preview_summary
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_npy
from ckpt_gui.core.format.discovery import CheckpointRef
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.formatting import format_bytes
from ckpt_gui.core.views.describe import describe_finding, describe_group, describe_variable, value_text
from ckpt_gui.core.views.large_values import LARGE_VIEW_BYTES, streamed_envelope
from ckpt_gui.core.views.lazy_node import place
from ckpt_gui.core.views.planes import prepare_view
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import MODEL_ONLY, CheckpointTrees, TreeNode, VariableTree, first_to_show

PREVIEW_ELEMENTS = 1 << 20  # larger tensors get a histogram from a sample first
AUTO_SCAN_BYTES = 1 << 30  # checkpoints up to this size are scanned for NaN/Inf on open
AUTO_GROUP_BYTES = 1 << 30  # group histograms up to this size are computed on selection
RECENT_CHECKPOINTS = 4  # parsed checkpoints kept for instant switching back
SPLIT_MS = 20  # between showing a large tensor's statistics and drawing its envelope

Trees = dict[str, VariableTree]  # "objects" and "keys"


class BrowseController(Controller):
    about_to_show = Signal()  # a checkpoint is about to replace what is shown
    checkpoint_shown = Signal(object)  # the Checkpoint now in the tree (before a variable is selected)
    loaded = Signal()  # a checkpoint finished loading (or failed to)
    exportable = Signal(bool)  # whether the selected variable's values can be exported

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
        self.ckpt: Checkpoint | None = None
        self.current: TreeNode | None = None
        self.stats_cache: dict[str, TensorStats] = {}
        self.positions: dict[str, tuple[NonFinite, ...]] = {}  # first NaN/Inf of each variable read
        self._scan_wanted = False  # a scan waits for the selection's pass (not to read twice)
        self.large = LargeValues(self.runner, tensor, banner)
        # Checkpoints shown lately, so flipping between two steps is instant.
        self._recent: OrderedDict[str, tuple[tuple, Checkpoint, Trees]] = OrderedDict()
        self._stats_by_prefix: dict[str, dict[str, TensorStats]] = {}
        picker.ref_selected.connect(self.switch_checkpoint)
        tree_panel.node_selected.connect(self._on_node_selected)
        tree_panel.menu_requested.connect(lambda node, where: self.row_menu(node).exec(where))
        histogram.request.connect(lambda _bins, _range: self._start_histogram())
        histogram.save_requested.connect(self.export_histogram)

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
        path = os.path.abspath(os.path.expanduser(path))
        self.status.emit(f"Opening {path}...")

        def load(context: JobContext):
            context.progress(0, 0)
            ckpt = Checkpoint.open(path, progress=context.progress)  # the index's bytes read; cancellable
            context.progress(0, 0)  # busy again: the object graph and the tree
            return ckpt, _build_trees(ckpt)

        self.runner.submit(
            "open", load, lambda result: self._show_checkpoint(*result, path),
            lambda message, details: self._open_failed(message, details),
            label=f"Opening {os.path.basename(path) or path}",
        )  # fmt: skip

    def switch_checkpoint(self, ref: CheckpointRef) -> None:
        if self.ckpt is None or ref.prefix == self.ckpt.prefix:
            return
        previous = self.ckpt
        recent = self._recent.get(ref.prefix)
        if recent is not None and recent[0] == _index_stamp(ref.prefix):  # switching back: instant
            self._show_checkpoint(recent[1], recent[2], None)
            return

        def load(context: JobContext):
            ckpt = previous.sibling(ref, progress=context.progress)
            context.progress(0, 0)
            return ckpt, _build_trees(ckpt)

        self.runner.submit(
            "open", load, lambda result: self._show_checkpoint(*result, None),
            lambda message, details: self._open_failed(message, details),
            label=f"Opening {ref.name}",
        )  # fmt: skip

    def _show_checkpoint(self, ckpt: Checkpoint, trees: Trees, opened: str | None) -> None:
        self.about_to_show.emit()
        keep = self.current.variable.key if self.current is not None and self.current.variable else None
        self.runner.cancel("scan")
        if self.ckpt is not None:
            self._stats_by_prefix[self.ckpt.prefix] = self.stats_cache
        self.ckpt = ckpt
        self._remember(ckpt, trees)
        self.stats_cache = self._stats_by_prefix.get(ckpt.prefix, {})
        self.positions = {}
        self.large.forget()
        self.banner.hide()
        warnings = _warnings(ckpt)
        if warnings:
            self.banner.show_message("\n".join(warnings), "warning")
        self.picker.set_location(ckpt.location, ckpt.ref)
        if opened is not None:
            settings.remember_path(opened)
        variables = [v for v in ckpt.variables if not v.is_object_graph]
        total = sum(v.size_bytes for v in variables)
        self.status.emit(f"{len(variables):,} variables, {format_bytes(total)}")
        for tree in trees.values():
            tree.clear_report()  # a report belongs to the checkpoint it was made for
        self.tree_panel.set_trees(trees, keep)
        self.checkpoint_shown.emit(ckpt)
        if keep is None or self.current is None:
            tree = self.tree_panel.tree
            first = first_to_show(tree) if tree is not None else None
            if first is not None:
                self.tree_panel.select_node(first)
        if self.scan_on_open and total <= AUTO_SCAN_BYTES:
            self._scan_wanted = True
            self._maybe_scan()
        self.loaded.emit()

    def _remember(self, ckpt: Checkpoint, trees: Trees) -> None:
        self._recent[ckpt.prefix] = (_index_stamp(ckpt.prefix), ckpt, trees)
        self._recent.move_to_end(ckpt.prefix)
        while len(self._recent) > RECENT_CHECKPOINTS:
            dropped, _ = self._recent.popitem(last=False)
            self._stats_by_prefix.pop(dropped, None)

    def _open_failed(self, message: str, details: str) -> None:
        self.status.emit("Could not open the checkpoint")
        self.banner.show_message(message, "error", details)
        if self.ckpt is None:
            self.details.show_message("Open a checkpoint folder or file (File > Open, or drop it here).")
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
        return row_menu(self.tree_panel, self.ckpt, node, self.export_tensor, self.tree_panel.filter_to)

    # -- selection ---------------------------------------------------------------------------

    def _on_node_selected(self, node: TreeNode | None) -> None:
        self.current = node
        # Whatever was computed for the previous selection must not land in the panels
        # of this one (a string or a group starts no job that would replace it).
        self.runner.drop("preview", "histogram", "values")
        self.large.wanted = None
        if node is None or self.ckpt is None:
            self.details.show_message("Select a variable to see its details.")
            self.histogram.clear()
            self.tensor.show_message("Select a variable to see its values.")
            return
        # What the restore doctor said of it (status, both shapes, suggestions), if it ran.
        restore = describe_finding(node.finding, finding_label(node.status, node.finding)) if node.finding else []
        if node.variable is None and node.kind == MODEL_ONLY:
            self.details.show_facts(node.path, restore)
            self.tensor.show_message("Only in the model: the checkpoint has no value for it.")
        elif node.variable is None:
            self.details.show_facts(node.path or "Checkpoint", describe_group(node))
            self.tensor.show_message("A group: select one variable to see its values.")
        else:
            variable = node.variable
            self.details.show_facts(variable.display_path, restore + describe_variable(self.ckpt, node))
            self.exportable.emit(variable.dtype.is_numeric or variable.dtype.is_string)
            self._start_values(node)
        self._start_histogram()
        self._maybe_scan()

    def _start_histogram(self) -> None:
        node, ckpt = self.current, self.ckpt
        if node is None or ckpt is None:
            return
        bins, value_range = self.histogram.bins.value(), self.histogram.requested_range()
        if node.variable is None:
            self._start_group_histogram(node, bins, value_range)
            return
        variable = node.variable
        if not variable.dtype.is_numeric:
            what = "the object graph (metadata)" if variable.is_object_graph else f"{variable.dtype.name} values"
            self.histogram.clear(f"No histogram for {what}")
            self.details.show_stats(None, "Statistics: not numeric")
            return
        key, title = variable.key, variable.display_path
        cached = self.stats_cache.get(key)
        wanted = self.large.wanted_for(key)
        # One pass gives the statistics, the first NaN/Inf and the picture of a large
        # tensor; the histogram's pass follows. Without those to find, only the latter.
        first_needed = cached is None or wanted is not None or (cached.has_nonfinite and key not in self.positions)
        if cached is not None:
            self.details.show_stats(cached)
            self.details.show_positions(self.positions.get(key), cached)
        else:
            self.details.show_stats(None)
            if variable.num_elements > PREVIEW_ELEMENTS:
                self._start_preview(node, bins)

        def compute(context: JobContext):
            stats = cached
            progress = context.passes(variable.num_elements, 2 if first_needed else 1)
            if first_needed:
                envelope = streamed_envelope(tuple(variable.shape), wanted[1]) if wanted else None
                first = first_pass(ckpt, key, envelope, progress, context.cancelled)
                context.report(first)
                stats = first.stats
            return stats, histogram_pass(ckpt, key, stats, bins, value_range, progress, context.cancelled)

        def first_done(first) -> None:
            self.stats_cache[key], self.positions[key] = first.stats, first.positions
            self.details.show_stats(first.stats)
            self.details.show_positions(first.positions, first.stats)
            self.details.add_fact("CRC32C", "verified")
            if wanted is not None and first.envelope is not None:
                # Drawn a little later (a timer fires after the repaint queued now): the
                # statistics are painted first, the plot after, two short stalls, not one long.
                QTimer.singleShot(SPLIT_MS, lambda: self.large.built(wanted, first.envelope))

        def show(result) -> None:
            stats, histogram = result
            self.stats_cache[key] = stats
            self.histogram.show_histogram(histogram, title)
            if not first_needed:
                self.details.add_fact("CRC32C", "verified")
            self._maybe_scan()

        self._submit_histogram(compute, show, title, first_done)

    def _submit_histogram(self, compute, show, title: str, on_partial=None) -> None:
        self.runner.submit(
            "histogram", compute, show, self._histogram_failed,
            label=f"Histogram of {title}", on_cancelled=self._histogram_cancelled, on_partial=on_partial,
        )  # fmt: skip

    def _histogram_cancelled(self) -> None:
        self.histogram.mark_cancelled()
        if self.current is None or self.current.variable is None or self.current.variable.key not in self.stats_cache:
            self.details.show_stats(None, "Statistics: cancelled (select the variable again to compute them)")
        self._maybe_scan()

    def _histogram_failed(self, message: str, details: str) -> None:
        self._maybe_scan()
        self.banner.show_message(message, "error", details)
        self.histogram.clear("Could not compute the histogram")
        self.details.show_stats(None, "Statistics: failed (see the message above)")
        if "CRC32C" in message:
            self.details.add_fact("CRC32C", "MISMATCH: the data is corrupt")

    def _start_preview(self, node: TreeNode, bins: int) -> None:
        ckpt, key = self.ckpt, node.variable.key

        def sample(context: JobContext):
            return preview_summary(ckpt, key, bins)

        def show(result) -> None:
            stats, histogram, size = result
            if self.runner.is_running("histogram") and self.current is node:  # the exact one is not in yet
                self.details.show_stats(stats, f"preview from {size:,} sampled values; exact numbers coming")
                self.histogram.show_histogram(histogram, node.variable.display_path, preview=True)

        self.runner.submit("preview", sample, show, lambda _m, _d: None)

    def _start_group_histogram(self, node: TreeNode, bins: int, value_range) -> None:
        ckpt = self.ckpt
        chosen = node.model_variables()  # slots left out, as in the group's parameter count
        keys = [v.key for v in chosen if v.dtype.is_numeric and not v.dtype.is_complex]
        slots_left_out = len(chosen) < node.variable_count
        total = sum(ckpt.variable(k).size_bytes for k in keys)
        if not keys:
            self.histogram.clear("No numeric variables in this group")
            return
        if total > AUTO_GROUP_BYTES:
            self.histogram.clear(f"{format_bytes(total)} in this group: select a smaller group for a histogram")
            return
        self.details.show_stats(None)
        title = f"{node.path or 'all variables'} ({len(keys)} variables together)"
        elements = sum(ckpt.variable(k).num_elements for k in keys)

        def compute(context: JobContext):
            progress = context.passes(elements, 1 if value_range is not None else 2)
            return group_histogram(ckpt, keys, bins, value_range, progress, context.cancelled)

        def show(result) -> None:
            stats, histogram = result
            self.histogram.show_histogram(histogram, title)
            note = f"all {len(keys)} numeric variables together"
            self.details.show_stats(stats, note + (", optimizer slots not counted" if slots_left_out else ""))
            self._maybe_scan()

        self._submit_histogram(compute, show, title)

    def _start_values(self, node: TreeNode) -> None:
        ckpt, variable = self.ckpt, node.variable
        if variable.is_object_graph and ckpt.object_graph is not None:  # a serialized proto: no values to show
            self.tensor.show_message(f"{ckpt.object_graph.summary()}.\nThe object graph view shows its structure.")
            return
        if variable.dtype.is_variant or not (variable.dtype.is_numeric or variable.dtype.is_string):
            self.tensor.show_message(f"{variable.dtype.name} values cannot be shown.")
            return
        if variable.size_bytes > LARGE_VIEW_BYTES:
            self.large.show(ckpt, variable)
            return

        def read(context: JobContext):
            context.progress(0, 0)
            return prepare_view(ckpt.read(variable.key))

        def show(view) -> None:
            self.tensor.show_value(view, variable.display_path)
            text = value_text(variable, view.value)
            if text is not None:
                self.details.show_value(text)

        def failed(message: str, details: str) -> None:
            self.banner.show_message(message, "error", details)
            self.tensor.show_message("Could not read the values (see the message above).")

        self.runner.submit("values", read, show, failed)

    # -- whole-checkpoint scan ------------------------------------------------------------------

    def _maybe_scan(self) -> None:
        """Start the scan asked for on opening once the selection's pass is done: it
        then finds that variable's statistics known instead of reading it again."""
        if self._scan_wanted and not self.runner.is_running("histogram"):
            self._scan_wanted = False
            self.start_scan()

    def pause_scan(self) -> None:
        """Stop the NaN/Inf scan while other work needs the CPU (a comparison)."""
        self.runner.cancel("scan")

    def resume_scan(self) -> None:
        """Scan again after a pause, if opening the checkpoint started one that did not finish."""
        ckpt = self.ckpt
        unfinished = self.scan_on_open and ckpt is not None and self.tree_panel.nonfinite is None
        if unfinished and sum(v.size_bytes for v in ckpt.variables) <= AUTO_SCAN_BYTES:
            self.start_scan()

    def start_scan(self) -> None:
        ckpt = self.ckpt
        if ckpt is None:
            return
        keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
        known = dict(self.stats_cache)
        total = sum(ckpt.variable(k).num_elements for k in keys)

        def scan(context: JobContext):
            context.progress(0, total)
            return all_stats(ckpt, keys, known, context.progress, context.cancelled)

        def show(found: dict[str, TensorStats]) -> None:
            if self.ckpt is not ckpt:
                return
            self.stats_cache.update(found)
            bad = {key: badge_text(stats) for key, stats in found.items() if stats.has_nonfinite}
            self.tree_panel.set_nonfinite(set(bad), bad)
            message = f"{len(bad)} variable(s) hold NaN or Inf" if bad else "No NaN or Inf in any variable"
            self.status.emit(message)
            if bad:
                self.banner.show_message(message + ": tick 'NaN/Inf only' to list them.", "warning")

        def failed(message: str, details: str) -> None:
            kind = "error" if "CRC32C" in message else "warning"
            self.banner.show_message(f"Scanning for NaN/Inf stopped: {message}", kind, details)

        self.runner.submit("scan", scan, show, failed, label="Scanning for NaN/Inf")

    # -- export ---------------------------------------------------------------------------------

    def export_tensor(self) -> None:
        node = self.current
        if self.ckpt is None or node is None or node.variable is None:
            return
        name = node.variable.display_path.replace("/", "_") + ".npy"
        start = os.path.join(settings.last_folder(), name)
        path, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Export tensor", start, "NumPy array (*.npy)")
        if not path:
            return
        try:
            path, note = export_npy(self.ckpt, node.variable.key, path)
        except CheckpointError as exc:
            self.banner.show_message(str(exc), "error")
            return
        self.status.emit(f"Wrote {path}" + (f" ({note})" if note else ""))

    def export_histogram(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.dialog_parent, "Save histogram", "histogram.png", "PNG image (*.png)"
        )
        if path:
            self.save_histogram(path)

    def save_histogram(self, path: str) -> None:
        """The histogram's PNG to ``path``, through the write guard like every export."""
        self.write_export(path, self.histogram.png_bytes(), self.ckpt)


def _build_trees(ckpt: Checkpoint) -> Trees:
    """Both views (the key view built when first shown; without an object graph there
    is only the key view). The variable to select first is found here, off the GUI
    thread, and the levels above it made (the tree is not shown yet)."""
    trees = CheckpointTrees(ckpt)
    first = first_to_show(trees["objects"])
    if first is not None:
        place(first)
    return trees


def _warnings(ckpt: Checkpoint) -> list[str]:
    """What the banner says about a checkpoint that opened (but not quite whole)."""
    warnings = list(ckpt.location.warnings)
    if not ckpt.ref.complete and not any(w.startswith(f"{ckpt.ref.name} is incomplete") for w in warnings):
        warnings.append(f"{ckpt.ref.name} is incomplete: its data file(s) are missing, values cannot be read")
    if ckpt.graph_error is not None:
        warnings.append(f"{ckpt.graph_error}; showing the checkpoint keys without the object graph")
    return warnings


def _index_stamp(prefix: str) -> tuple:
    """Identifies an index file's content cheaply: a rewritten checkpoint is re-read."""
    try:
        stat = os.stat(prefix + ".index")
    except OSError:
        return ()
    return (stat.st_size, stat.st_mtime_ns)


def badge_text(stats: TensorStats) -> str:
    """A variable's NaN/Inf badge: "3 NaN, 2 Inf"."""
    parts = []
    if stats.nan:
        parts.append(f"{stats.nan:,} NaN")
    if stats.posinf or stats.neginf:
        parts.append(f"{stats.posinf + stats.neginf:,} Inf")
    return ", ".join(parts)
