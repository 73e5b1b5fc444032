"""The main window: composes the panels and runs the work they ask for off the GUI thread.

Widgets only draw; reading, statistics and histograms happen in the core, in jobs
on a thread pool (see workers.JobRunner), and their results come back here.
"""

from __future__ import annotations

import os
from collections import OrderedDict

from PySide6.QtCore import QByteArray, QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import settings
from ckpt_gui.app.jobs import JobContext, JobRunner
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.discovery import CheckpointRef
from ckpt_gui.core.formatting import format_bytes
from ckpt_gui.core.views.describe import describe_group, describe_variable, value_text
from ckpt_gui.core.views.planes import MAX_VIEW_BYTES
from ckpt_gui.core.views.tree import TreeNode, VariableTree, key_tree, object_tree
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport

PREVIEW_ELEMENTS = 1 << 20  # larger tensors get a histogram from a sample first
AUTO_SCAN_BYTES = 1 << 30  # checkpoints up to this size are scanned for NaN/Inf on open
AUTO_GROUP_BYTES = 1 << 30  # group histograms up to this size are computed on selection
RECENT_CHECKPOINTS = 4  # parsed checkpoints kept for instant switching back


class MainWindow(QMainWindow):
    loaded = Signal()  # a checkpoint finished loading (or failed to)
    selection_done = Signal()  # the jobs started by the last selection are all done
    diagnosis_done = Signal(object)  # the restore report (or None when cancelled)
    compare_done = Signal()  # every pair of the comparison has been compared

    def __init__(self, runner: JobRunner | None = None, scan_on_open: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("ckpt-gui")
        self.setAcceptDrops(True)
        self.runner = runner or JobRunner(self)
        self.scan_on_open = scan_on_open
        self.ckpt: Checkpoint | None = None
        self.stats_cache: dict[str, TensorStats] = {}
        self.current: TreeNode | None = None
        self._selection_jobs: set[str] = set()
        # Checkpoints shown lately, so flipping between two steps is instant.
        self._recent: OrderedDict[str, tuple[tuple, Checkpoint, dict[str, VariableTree]]] = OrderedDict()
        self._stats_by_prefix: dict[str, dict[str, TensorStats]] = {}

        self.banner = Banner()
        self.picker = CheckpointPicker()
        self.tree_panel = TreePanel()
        self.details = DetailsPanel()
        self.histogram = HistogramPanel()
        self.tensor = TensorPanel()
        self.report_panel = ReportPanel()
        self.diff = None  # the comparison shown, if any (core.diff.CheckpointDiff)
        self.compare_trees = None  # created on the first comparison
        self.compare_details = None
        self._compare_refresh = QTimer(self, interval=250)
        self._compare_refresh.timeout.connect(self._refresh_comparison)
        self.diagnoser = None  # created on the first diagnosis; keeps a warm TensorFlow child
        self.script: str | None = None
        self.report: RestoreReport | None = None
        self._phases = _PhaseRelay()
        self._phases.phase.connect(self._on_phase)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._script_changed)
        self._build_layout()
        self._build_menus()
        self._build_status_bar()

        self.picker.ref_selected.connect(self.switch_checkpoint)
        self.tree_panel.node_selected.connect(self._on_node_selected)
        self.histogram.request.connect(lambda _bins, _range: self._start_histogram())
        self.report_panel.rerun_requested.connect(self.rerun_diagnosis)
        self.report_panel.choose_script_requested.connect(self.choose_script)
        self.report_panel.status_filter_changed.connect(self.tree_panel.set_status_filter)
        self.report_panel.entry_selected.connect(self._select_finding)
        self.runner.error.connect(lambda message, details: self.banner.show_message(message, "error", details))
        self._restore_layout()

    # -- layout ---------------------------------------------------------------------------

    def _build_layout(self) -> None:
        # Explicit minimum widths: without them the panels' control rows would add up
        # to a minimum that squeezes the tree's name column on smaller screens.
        self.tree_panel.setMinimumWidth(360)
        self.histogram.setMinimumWidth(260)
        self.tensor.setMinimumWidth(280)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.info_tabs = QTabWidget()
        self.info_tabs.addTab(self.details, "Details")
        self.info_tabs.addTab(self.report_panel, "Restore report")
        self.right_splitter.addWidget(self.info_tabs)
        self.views = QSplitter(Qt.Orientation.Horizontal)
        self.views.addWidget(self.histogram)
        self.views.addWidget(self.tensor)
        self.right_splitter.addWidget(self.views)
        self.right_splitter.setStretchFactor(0, 2)
        self.right_splitter.setStretchFactor(1, 3)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        # Comparing two checkpoints swaps both halves for the side-by-side view.
        self.left_stack = QStackedWidget()
        self.left_stack.addWidget(self.tree_panel)
        self.right_stack = QStackedWidget()
        self.right_stack.addWidget(self.right_splitter)
        self.main_splitter.insertWidget(0, self.left_stack)
        self.main_splitter.insertWidget(1, self.right_stack)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)
        toolbar = QToolBar("Checkpoint")
        toolbar.setMovable(False)
        toolbar.setObjectName("checkpoint-toolbar")
        self.path_label = QLabel("No checkpoint")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        toolbar.addWidget(QLabel(" Checkpoint: "))
        toolbar.addWidget(self.picker)
        toolbar.addSeparator()
        toolbar.addWidget(self.path_label)
        self.addToolBar(toolbar)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self._action(menu, "Open &folder...", self.choose_folder, QKeySequence.StandardKey.Open)
        self._action(menu, "Open f&ile...", self.choose_file, "Ctrl+Shift+O")
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu.addSeparator()
        self._action(menu, "&Compare with...", self.choose_comparison, "Ctrl+K")
        self.previous_action = self._action(menu, "Compare with &previous checkpoint", self.compare_with_previous)
        self._action(menu, "C&lose comparison", self.close_comparison, "Ctrl+Shift+K")
        menu.addSeparator()
        self.export_action = self._action(menu, "&Export tensor as .npy...", self.export_tensor, "Ctrl+E")
        self._action(menu, "Save &histogram as PNG...", self.export_histogram)
        menu.addSeparator()
        self._action(menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view = self.menuBar().addMenu("&View")
        self._action(view, "&Find variable", self.tree_panel.focus_search, QKeySequence.StandardKey.Find)
        self._action(view, "Object &graph view", lambda: self.tree_panel.objects_button.setChecked(True), "Ctrl+1")
        self._action(view, "Checkpoint &keys view", lambda: self.tree_panel.keys_button.setChecked(True), "Ctrl+2")
        self._action(view, "&Scan all variables for NaN/Inf", self.start_scan)
        restore = self.menuBar().addMenu("&Restore")
        self._action(restore, "&Diagnose restore...", self.choose_script, "Ctrl+D")
        self._action(restore, "&Re-run diagnosis", self.rerun_diagnosis, "Ctrl+R")
        self._action(restore, "&Python interpreter...", self.choose_python)
        self._action(restore, "&Clear diagnosis", self.clear_diagnosis)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About ckpt-gui", self._about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(lambda: self.runner.cancel())
        self.job_label = QLabel()
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.runner.progress_changed.connect(self._on_progress)
        self.runner.busy_changed.connect(self._on_busy)

    def _on_progress(self, label: str, done: int, total: int) -> None:
        self.job_label.setText(label)
        self.progress.setMaximum(total if total > 0 else 0)  # 0..0 shows a busy indicator
        self.progress.setValue(min(done, total) if total > 0 else 0)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self.job_label.setText("")

    # -- opening -----------------------------------------------------------------------------

    def open_path(self, path: str) -> None:
        path = os.path.abspath(os.path.expanduser(path))
        self.statusBar().showMessage(f"Opening {path}...")

        def load(context: JobContext):
            context.progress(0, 0)
            ckpt = Checkpoint.open(path)
            return ckpt, _build_trees(ckpt)

        self.runner.submit(
            "open", load, lambda result: self._show_checkpoint(*result, path),
            lambda message, details: self._open_failed(path, message, details),
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
            ckpt = previous.sibling(ref)
            return ckpt, _build_trees(ckpt)

        self.runner.submit(
            "open", load, lambda result: self._show_checkpoint(*result, None),
            lambda message, details: self._open_failed(ref.prefix, message, details),
            label=f"Opening {ref.name}",
        )  # fmt: skip

    def _show_checkpoint(self, ckpt: Checkpoint, trees: dict[str, VariableTree], opened: str | None) -> None:
        if self.diff is not None:
            self.close_comparison()
        keep = self.current.variable.key if self.current is not None and self.current.variable else None
        self.runner.cancel("scan")
        if self.ckpt is not None:
            self._stats_by_prefix[self.ckpt.prefix] = self.stats_cache
        self.ckpt = ckpt
        self._recent[ckpt.prefix] = (_index_stamp(ckpt.prefix), ckpt, trees)
        self._recent.move_to_end(ckpt.prefix)
        while len(self._recent) > RECENT_CHECKPOINTS:
            dropped, _ = self._recent.popitem(last=False)
            self._stats_by_prefix.pop(dropped, None)
        self.stats_cache = self._stats_by_prefix.get(ckpt.prefix, {})
        self.banner.hide()
        warnings = list(ckpt.location.warnings)
        if not ckpt.ref.complete and not any(w.startswith(f"{ckpt.ref.name} is incomplete") for w in warnings):
            warnings.append(f"{ckpt.ref.name} is incomplete: its data file(s) are missing, values cannot be read")
        if ckpt.graph_error is not None:
            warnings.append(f"{ckpt.graph_error}; showing the checkpoint keys without the object graph")
        if warnings:
            self.banner.show_message("\n".join(warnings), "warning")
        self.picker.set_location(ckpt.location, ckpt.ref)
        self.previous_action.setEnabled(len(ckpt.checkpoints) > 1)
        self.path_label.setText(f" {ckpt.prefix}  ({_format_name(ckpt.format)})")
        self.setWindowTitle(f"{os.path.basename(ckpt.prefix)} - ckpt-gui")
        if opened is not None:
            settings.remember_path(opened)
        variables = [v for v in ckpt.variables if not v.is_object_graph]
        total = sum(v.size_bytes for v in variables)
        self.statusBar().showMessage(f"{len(variables):,} variables, {format_bytes(total)}")
        for tree in trees.values():
            tree.clear_report()  # a report belongs to the checkpoint it was made for
        self.tree_panel.set_trees(trees, keep)
        if self.report is not None and self.report.checkpoint != ckpt.prefix:
            self.report_panel.clear(
                f"The last report was for {os.path.basename(self.report.checkpoint)}: Re-run to try this checkpoint."
            )
            self.report = None
        elif self.report is not None:
            self.tree_panel.show_report(self.report.variables)
        if keep is None or self.current is None:
            self._select_interesting(trees)
        if self.scan_on_open and total <= AUTO_SCAN_BYTES:
            self.start_scan()
        self.loaded.emit()

    def _open_failed(self, path: str, message: str, details: str) -> None:
        self.statusBar().showMessage("Could not open the checkpoint")
        self.banner.show_message(message, "error", details)
        if self.ckpt is None:
            self.details.show_message("Open a checkpoint folder or file (File > Open, or drop it here).")
        self.loaded.emit()

    def _select_interesting(self, trees: dict[str, VariableTree]) -> None:
        """Start on the largest model weight matrix: the details, histogram and heatmap
        then show something meaningful straight away."""
        tree = self.tree_panel.tree
        if tree is None or not tree.by_key:
            return
        candidates = [n for n in tree.by_key.values() if n.kind == "variable" and n.variable.dtype.is_floating]
        if candidates:
            best = max(candidates, key=lambda n: (len(n.variable.shape) >= 2, n.variable.num_elements))
            self.tree_panel.select_key(best.variable.key)

    # -- selection --------------------------------------------------------------------------

    def _on_node_selected(self, node: TreeNode | None) -> None:
        self.current = node
        # Whatever was computed for the previous selection must not land in the panels
        # of this one (a string or a group starts no job that would replace it).
        self.runner.drop("preview", "histogram", "values")
        self._selection_jobs.clear()
        if node is None or self.ckpt is None:
            self.details.show_message("Select a variable to see its details.")
            self.histogram.clear()
            self.tensor.show_message("Select a variable to see its values.")
            self.selection_done.emit()
            return
        if node.variable is None:
            self.details.show_facts(node.path or "Checkpoint", describe_group(node))
            self.tensor.show_message("A group: select one variable to see its values.")
        else:
            variable = node.variable
            self.details.show_facts(variable.display_path, describe_variable(self.ckpt, node))
            self.export_action.setEnabled(variable.dtype.is_numeric or variable.dtype.is_string)
            self._start_values(node)
        self._start_histogram()

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
            self._job_finished("histogram")
            return
        key = variable.key
        cached = self.stats_cache.get(key)
        if cached is not None:
            self.details.show_stats(cached)
        else:
            self.details.show_stats(None)
            if variable.num_elements > PREVIEW_ELEMENTS:
                self._start_preview(node, bins)
        title = variable.display_path

        def compute(context: JobContext):
            passes = 1 if value_range is not None or cached is not None else 2
            progress = context.passes(variable.num_elements, passes)
            from ckpt_gui.core.analysis.summaries import tensor_histogram

            return tensor_histogram(ckpt, key, bins, value_range, cached, progress, context.cancelled)

        def show(result) -> None:
            stats, histogram = result
            self.stats_cache[key] = stats
            self.histogram.show_histogram(histogram, title)
            self.details.show_stats(stats)
            self.details.add_fact("CRC32C", "verified")
            self._job_finished("histogram")

        self._submit_histogram(compute, show, title)

    def _submit_histogram(self, compute, show, title: str) -> None:
        self._selection_jobs.add("histogram")
        self.runner.submit(
            "histogram", compute, show, lambda m, d: self._job_failed("histogram", m, d),
            label=f"Histogram of {title}", on_cancelled=self._histogram_cancelled,
        )  # fmt: skip

    def _histogram_cancelled(self) -> None:
        self.histogram.mark_cancelled()
        self.details.show_stats(None, "Statistics: cancelled (select the variable again to compute them)")
        self._job_finished("histogram")

    def _start_preview(self, node: TreeNode, bins: int) -> None:
        ckpt, key = self.ckpt, node.variable.key

        def sample(context: JobContext):
            from ckpt_gui.core.analysis.summaries import preview_summary

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
            self._job_finished("histogram")
            return
        if total > AUTO_GROUP_BYTES:
            self.histogram.clear(f"{format_bytes(total)} in this group: select a smaller group for a histogram")
            self._job_finished("histogram")
            return
        self.details.show_stats(None)
        title = f"{node.path or 'all variables'} ({len(keys)} variables together)"
        elements = sum(ckpt.variable(k).num_elements for k in keys)

        def compute(context: JobContext):
            from ckpt_gui.core.analysis.summaries import group_histogram

            progress = context.passes(elements, 1 if value_range is not None else 2)
            return group_histogram(ckpt, keys, bins, value_range, progress, context.cancelled)

        def show(result) -> None:
            stats, histogram = result
            self.histogram.show_histogram(histogram, title)
            note = f"all {len(keys)} numeric variables together"
            self.details.show_stats(stats, note + (", optimizer slots not counted" if slots_left_out else ""))
            self._job_finished("histogram")

        self._submit_histogram(compute, show, title)

    def _start_values(self, node: TreeNode) -> None:
        ckpt, variable = self.ckpt, node.variable
        if variable.is_object_graph and ckpt.object_graph is not None:  # a serialized proto: no values to show
            self.tensor.show_message(f"{ckpt.object_graph.summary()}.\nThe object graph view shows its structure.")
            return
        if variable.dtype.is_variant or not (variable.dtype.is_numeric or variable.dtype.is_string):
            self.tensor.show_message(f"{variable.dtype.name} values cannot be shown.")
            return
        if variable.size_bytes > MAX_VIEW_BYTES:
            self.tensor.show_message(
                f"{format_bytes(variable.size_bytes)} is too large to show as a picture; "
                "its statistics and histogram are computed in chunks."
            )
            return

        def read(context: JobContext):
            from ckpt_gui.core.views.planes import prepare_view

            context.progress(0, 0)
            return prepare_view(ckpt.read(variable.key))

        def show(view) -> None:
            self.tensor.show_value(view, variable.display_path)
            text = value_text(variable, view.value)
            if text is not None:
                self.details.show_value(text)
            self._job_finished("values")

        self._selection_jobs.add("values")
        self.runner.submit("values", read, show, lambda m, d: self._job_failed("values", m, d))

    def _job_finished(self, lane: str) -> None:
        self._selection_jobs.discard(lane)
        if not self._selection_jobs:
            self.selection_done.emit()

    def _job_failed(self, lane: str, message: str, details: str) -> None:
        self.banner.show_message(message, "error", details)
        if lane == "histogram":
            self.histogram.clear("Could not compute the histogram")
            self.details.show_stats(None, "Statistics: failed (see the message above)")
            if "CRC32C" in message:
                self.details.add_fact("CRC32C", "MISMATCH: the data is corrupt")
        else:
            self.tensor.show_message("Could not read the values (see the message above).")
        self._job_finished(lane)

    # -- whole-checkpoint scan ------------------------------------------------------------------

    def start_scan(self) -> None:
        ckpt = self.ckpt
        if ckpt is None:
            return
        keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
        known = dict(self.stats_cache)
        total = sum(ckpt.variable(k).num_elements for k in keys)

        def scan(context: JobContext):
            from ckpt_gui.core.analysis.summaries import all_stats

            context.progress(0, total)
            return all_stats(ckpt, keys, known, context.progress, context.cancelled)

        def show(found: dict[str, TensorStats]) -> None:
            if self.ckpt is not ckpt:
                return
            self.stats_cache.update(found)
            bad = {key: _badge(stats) for key, stats in found.items() if stats.has_nonfinite}
            self.tree_panel.set_nonfinite(set(bad), bad)
            message = f"{len(bad)} variable(s) hold NaN or Inf" if bad else "No NaN or Inf in any variable"
            self.statusBar().showMessage(message)
            if bad:
                self.banner.show_message(message + ": tick 'NaN/Inf only' to list them.", "warning")

        def failed(message: str, details: str) -> None:
            kind = "error" if isinstance(message, str) and "CRC32C" in message else "warning"
            self.banner.show_message(f"Scanning for NaN/Inf stopped: {message}", kind, details)

        self.runner.submit("scan", scan, show, failed, label="Scanning for NaN/Inf")

    # -- export ---------------------------------------------------------------------------------

    def export_tensor(self) -> None:
        node = self.current
        if self.ckpt is None or node is None or node.variable is None:
            return
        from ckpt_gui.core.export import export_npy
        from ckpt_gui.core.format.errors import CheckpointError

        name = node.variable.display_path.replace("/", "_") + ".npy"
        start = os.path.join(settings.last_folder(), name)
        path, _ = QFileDialog.getSaveFileName(self, "Export tensor", start, "NumPy array (*.npy)")
        if not path:
            return
        try:
            path, note = export_npy(self.ckpt, node.variable.key, path)
        except CheckpointError as exc:
            self.banner.show_message(str(exc), "error")
            return
        self.statusBar().showMessage(f"Wrote {path}" + (f" ({note})" if note else ""))

    def export_histogram(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save histogram", "histogram.png", "PNG image (*.png)")
        if path:
            self.histogram.save_png(path)
            self.statusBar().showMessage(f"Wrote {path}")

    # -- restore diagnosis ----------------------------------------------------------------------

    def choose_script(self) -> None:
        self._warm_up()  # TensorFlow imports while the user picks the file
        start = self.script or str(settings.settings().value("last_script", settings.last_folder()))
        path, _ = QFileDialog.getOpenFileName(self, "Model-definition script", start, "Python (*.py);;All files (*)")
        if path:
            self.diagnose(path)

    def choose_python(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python interpreter with TensorFlow", self._python())
        if path:
            settings.settings().setValue("python", path)
            self.statusBar().showMessage(f"Restore attempts will run with {path}")

    def diagnose(self, script: str) -> None:
        """Run a restore attempt of the current checkpoint into ``script``'s objects."""
        if self.ckpt is None:
            self.banner.show_message("Open a checkpoint first, then diagnose its restore.", "info")
            return
        from ckpt_gui.diagnosis.report import build_report
        from ckpt_gui.diagnosis.runner import DiagnosisRequest

        script = os.path.abspath(script)
        self._watch(script)
        settings.settings().setValue("last_script", script)
        request = DiagnosisRequest(self.ckpt.prefix, script, _diagnosis_timeout(), self._python())
        diagnoser = self._diagnoser()
        relay = self._phases
        self.info_tabs.setCurrentWidget(self.report_panel)
        self.report_panel.show_running(os.path.basename(script))

        ckpt = self.ckpt

        def attempt(context: JobContext):
            context.progress(0, 0)
            ckpt.shards.check_all_present()  # a restore needs every value: a missing file, said plainly
            result = diagnoser.run(request, relay.phase.emit, context.cancelled)
            return build_report(request, result)

        self.runner.submit(
            "diagnose", attempt, self._show_report, self._diagnosis_failed,
            label=f"Diagnosing with {os.path.basename(script)}", on_cancelled=self._diagnosis_cancelled,
        )  # fmt: skip

    def _diagnosis_failed(self, message: str, details: str) -> None:
        self.report_panel.clear(f"The restore attempt could not run: {message}")
        self.banner.show_message(f"The restore attempt could not run: {message}", "error", details)

    def rerun_diagnosis(self) -> None:
        if self.script is not None:
            self.diagnose(self.script)
        else:
            self.choose_script()

    def clear_diagnosis(self) -> None:
        self.report = None
        self.tree_panel.show_report(None)
        self.report_panel.clear()

    def _show_report(self, report: RestoreReport) -> None:
        if self.ckpt is None or report.checkpoint != self.ckpt.prefix:
            return  # the user moved on to another checkpoint meanwhile
        self.report = report
        self.report_panel.show_report(report)
        height = sum(self.right_splitter.sizes())
        if self.right_splitter.sizes()[0] < height * 0.5:  # room for the report's list
            self.right_splitter.setSizes([int(height * 0.55), int(height * 0.45)])
        self.tree_panel.show_report(report.variables if report.error is None else None)
        summary = ", ".join(f"{n} {s}" for s, n in report.summary.items() if n)
        outcome = "failed" if report.error else ("complete" if report.ok else "incomplete")
        self.statusBar().showMessage(f"Restore {outcome}" + (f": {summary}" if summary else ""))
        self.diagnosis_done.emit(report)

    def _diagnosis_cancelled(self) -> None:
        self.report_panel.show_cancelled()
        self.diagnosis_done.emit(None)

    def _on_phase(self, phase: str) -> None:
        self.report_panel.show_phase(phase)
        self.job_label.setText(f"Diagnosing: {phase}")

    def _select_finding(self, finding: RestoreFinding) -> None:
        tree = self.tree_panel.tree
        if tree is None:
            return
        node = tree.by_key.get(finding.checkpoint_key or "")
        if node is None:
            node = next((n for n in tree.model_only if n.finding is finding), None)
        if node is not None:
            self.tree_panel.select_node(node)

    def _watch(self, script: str) -> None:
        if self.script and self.script in self._watcher.files():
            self._watcher.removePath(self.script)
        self.script = script
        self._watcher.addPath(script)

    def _script_changed(self, path: str) -> None:
        if os.path.exists(path) and path not in self._watcher.files():
            self._watcher.addPath(path)  # editors that save by renaming drop the watch
        if path != self.script:
            return
        if self.report_panel.auto_rerun.isChecked():
            self.rerun_diagnosis()
        else:
            name = os.path.basename(path)
            self.banner.show_message(f"{name} changed: Restore > Re-run diagnosis (Ctrl+R) to try it again.", "info")

    def _diagnoser(self):
        if self.diagnoser is None:
            from ckpt_gui.diagnosis.runner import Diagnoser

            self.diagnoser = Diagnoser(keep_warm=True)
        return self.diagnoser

    def _warm_up(self) -> None:
        self._diagnoser().warm_up(self._python())

    def _python(self) -> str:
        import sys

        value = settings.settings().value("python", "")
        return value if isinstance(value, str) and value else sys.executable

    # -- comparing two checkpoints ---------------------------------------------------------------

    def choose_comparison(self) -> None:
        if self.ckpt is None:
            return
        path = QFileDialog.getExistingDirectory(self, "Compare with (checkpoint B)", self.ckpt.location.directory)
        if path:
            self.compare_with(path)

    def compare_with_previous(self) -> None:
        """A = the checkpoint saved before the one shown, B = the one shown."""
        if self.ckpt is None:
            return
        refs = list(self.ckpt.checkpoints)
        position = refs.index(self.ckpt.ref) if self.ckpt.ref in refs else -1
        if position <= 0:
            self.banner.show_message("This is the oldest checkpoint of the folder: nothing before it.", "info")
            return
        self.compare(self.ckpt.sibling(refs[position - 1]), self.ckpt)

    def compare_with(self, path_b: str) -> None:
        """A = the checkpoint shown, B = ``path_b`` (anything inspect accepts)."""
        if self.ckpt is None:
            return
        a = self.ckpt

        def load(context: JobContext):
            context.progress(0, 0)
            return Checkpoint.open(path_b)

        self.runner.submit(
            "compare_open", load, lambda b: self.compare(a, b),
            lambda m, d: self.banner.show_message(f"Cannot compare: {m}", "error", d),
            label=f"Opening {os.path.basename(path_b)}",
        )  # fmt: skip

    def compare(self, a: Checkpoint, b: Checkpoint) -> None:
        from ckpt_gui.app.widgets.compare_view import CompareDetails, CompareTrees
        from ckpt_gui.core.analysis.diff import compare_all, elements_to_compare, pair_variables

        if self.compare_trees is None:
            self.compare_trees = CompareTrees()
            self.compare_details = CompareDetails()
            self.left_stack.addWidget(self.compare_trees)
            self.right_stack.addWidget(self.compare_details)
            self.compare_trees.pair_selected.connect(self._on_pair_selected)
        diff = pair_variables(a, b)
        self.diff = diff
        self.compare_trees.set_diff(diff, _ref_name(a), _ref_name(b))
        self.compare_details.path_of = self.compare_trees.model.tree.path_of
        self.compare_details.show_pair(None)
        self.left_stack.setCurrentWidget(self.compare_trees)
        self.right_stack.setCurrentWidget(self.compare_details)
        width = sum(self.main_splitter.sizes())
        self.main_splitter.setSizes([int(width * 0.55), int(width * 0.45)])  # two trees need the room
        self.setWindowTitle(f"{_ref_name(a)} vs {_ref_name(b)} - ckpt-gui")
        total = elements_to_compare(diff)

        def compare_everything(context: JobContext):
            context.progress(0, total)
            return compare_all(diff, lambda n: context.progress(n), context.cancelled)

        self._compare_refresh.start()
        self.runner.submit(
            "compare_all", compare_everything, lambda _d: self._comparison_finished(diff),
            lambda m, d: self.banner.show_message(f"Comparison stopped: {m}", "error", d),
            label="Comparing values", on_cancelled=lambda: self._compare_refresh.stop(),
        )  # fmt: skip

    def close_comparison(self) -> None:
        self.runner.cancel("compare_all")
        self._compare_refresh.stop()
        self.diff = None
        self.left_stack.setCurrentWidget(self.tree_panel)
        self.right_stack.setCurrentWidget(self.right_splitter)
        if self.ckpt is not None:
            self.setWindowTitle(f"{os.path.basename(self.ckpt.prefix)} - ckpt-gui")

    def _refresh_comparison(self) -> None:
        if self.compare_trees is not None and self.diff is not None:
            self.compare_trees.model.refresh()
            self.compare_trees.update_summary()

    def _comparison_finished(self, diff) -> None:
        self._compare_refresh.stop()
        if diff is not self.diff:
            return
        self.compare_trees.update_summary()
        self.compare_trees.apply_filter()  # the flat list's order depends on the values
        if self.compare_trees.selected_pair() is None:
            changed = [p for p in diff.pairs if p.values is not None and p.status == "changed"]
            if changed:
                self.compare_trees.select_pair(max(changed, key=lambda p: p.values.rel_l2 or 0.0))
        summary = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in diff.summary().items() if n)
        self.statusBar().showMessage(f"Compared: {summary}")
        self.compare_done.emit()

    def _on_pair_selected(self, pair) -> None:
        diff = self.diff
        self.compare_details.show_pair(pair)
        if pair is None or diff is None:
            return
        from ckpt_gui.core.views.pair_view import pair_view

        bins = self.histogram.bins.value()

        def build(context: JobContext):
            context.progress(0, 0)
            return pair_view(diff, pair, bins, context.cancelled)

        def show(view) -> None:
            if self.diff is diff and self.compare_trees.selected_pair() is pair:
                self.compare_details.show_view(view)
                self.compare_trees.model.refresh()

        self.runner.submit(
            "pair_view",
            build,
            show,
            lambda m, d: self.banner.show_message(m, "error", d),
            label=f"Comparing {pair.path}",
        )

    # -- files, drops, recent ------------------------------------------------------------------

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open checkpoint folder", settings.last_folder())
        if path:
            self.open_path(path)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open checkpoint file", settings.last_folder(),
            "Checkpoint files (*.index *.meta checkpoint saved_model.pb);;All files (*)",
        )  # fmt: skip
        if path:
            self.open_path(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = settings.recent_paths()
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    def _about(self) -> None:
        QMessageBox.about(
            self, "About ckpt-gui",
            "ckpt-gui: look inside TensorFlow checkpoints without TensorFlow.\n"
            "Reads TF1 and TF2 checkpoints and SavedModel variables; every CRC is verified.",
        )  # fmt: skip

    # -- window state ----------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        store = settings.settings()
        geometry = store.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        self._restored_splitters = False
        for splitter, name in ((self.main_splitter, "main"), (self.right_splitter, "right"), (self.views, "views")):
            state = store.value(f"splitter/{name}")
            if isinstance(state, QByteArray) and not state.isEmpty():
                self._restored_splitters = splitter.restoreState(state) or self._restored_splitters

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._restored_splitters:  # first run: proportions of the real window size
            self._restored_splitters = True
            width, height = self.width(), self.height()
            self.main_splitter.setSizes([int(width * 0.42), int(width * 0.58)])
            self.right_splitter.setSizes([int(height * 0.34), int(height * 0.66)])
            self.views.setSizes([int(width * 0.3), int(width * 0.28)])

    def closeEvent(self, event) -> None:
        store = settings.settings()
        store.setValue("geometry", self.saveGeometry())
        for splitter, name in ((self.main_splitter, "main"), (self.right_splitter, "right"), (self.views, "views")):
            store.setValue(f"splitter/{name}", splitter.saveState())
        self.runner.cancel()
        self.runner.wait(3000)
        if self.diagnoser is not None:
            self.diagnoser.close()
        super().closeEvent(event)


class _PhaseRelay(QObject):
    """Carries phase names from the worker thread to the window (a queued signal)."""

    phase = Signal(str)


def _diagnosis_timeout() -> float:
    value = settings.settings().value("diagnosis_timeout", 120.0)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 120.0


def _build_trees(ckpt: Checkpoint) -> dict[str, VariableTree]:
    """Both views; without an object graph there is only the key view."""
    keys = key_tree(ckpt.variables)
    return {"objects": object_tree(ckpt) if ckpt.object_graph is not None else keys, "keys": keys}


def _ref_name(ckpt: Checkpoint) -> str:
    folder = os.path.basename(os.path.dirname(ckpt.prefix))
    return f"{folder}/{os.path.basename(ckpt.prefix)}" if folder else os.path.basename(ckpt.prefix)


def _index_stamp(prefix: str) -> tuple:
    """Identifies an index file's content cheaply: a rewritten checkpoint is re-read."""
    try:
        stat = os.stat(prefix + ".index")
    except OSError:
        return ()
    return (stat.st_size, stat.st_mtime_ns)


def _badge(stats: TensorStats) -> str:
    parts = []
    if stats.nan:
        parts.append(f"{stats.nan:,} NaN")
    if stats.posinf or stats.neginf:
        parts.append(f"{stats.posinf + stats.neginf:,} Inf")
    return ", ".join(parts)


def _format_name(fmt: str) -> str:
    return {"tf2": "TF2 object-based", "tf1": "TF1 name-based", "savedmodel": "SavedModel variables"}[fmt]
