"""The main window: builds the panels and the workflows' controllers (browse,
doctor, compare), the menus (window_menus.py), the path bar and title
(window_title.py) and the status bar (window_status.py), and connects them.

Browsing is made at launch; the doctor, the comparison and the repair (their modules,
with the diagnosis and comparison machinery: a tenth of a second of CPU before the
first tree) are made on first use (``doctor``, ``compare``, ``repair``), connected then.

The controllers run their work off the GUI thread and never know each other; what
one workflow means for another (a new checkpoint closes the comparison and keeps or
drops the restore report) is the signal connections in ``_connect``.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import plot_turns, settings, window_focus, window_menus, window_workflows
from ckpt_gui.app.checkpoint_gone import in_its_folder
from ckpt_gui.app.controllers.browse import BrowseController
from ckpt_gui.app.controllers.graph import GraphController
from ckpt_gui.app.drops import Drops
from ckpt_gui.app.previous_checkpoint import GreyedPrevious
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.focus_ring import TabFocusFrame
from ckpt_gui.app.widgets.graph_panel import GraphPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.report_panel import REPAIR_HOW, ReportPanel
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.app.window_splits import Splits, StackedPages
from ckpt_gui.app.window_status import WindowStatus
from ckpt_gui.app.window_title import CheckpointTitle
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.storage_paths import is_url
from ckpt_gui.core.views.missing_data import no_values
from ckpt_gui.resources import icon_path

if TYPE_CHECKING:
    from ckpt_gui.app.controllers.base import Controller
    from ckpt_gui.app.controllers.compare import CompareController
    from ckpt_gui.app.controllers.doctor import DoctorController
    from ckpt_gui.app.controllers.repair import RepairController

QUIT_WAIT_MS = 300  # how long closing waits for cancelled jobs (all workflows together)
GRAPH_TAB_TIP = "The model's graph, from the SavedModel, .meta or .keras file opened or beside the checkpoint"
GRAPH_TAB_OFF_TIP = (
    "The model's graph: shown for a SavedModel (saved_model.pb), a .meta or a .keras file;"
    " this checkpoint has none beside it (its object graph is the _CHECKPOINTABLE_OBJECT_GRAPH row)"
)


class MainWindow(QMainWindow):
    loaded = Signal()  # a checkpoint finished loading (or failed to)
    diagnosis_done = Signal(object)  # the restore report (or None when cancelled)
    compare_done = Signal()  # every pair of the comparison has been compared
    closed = Signal()  # the window has closed, its jobs cancelled and its doctor children killed
    status_changed = Signal(str)  # the workflows' status-bar message (status_message())

    def __init__(self, scan_on_open: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("ckpt-gui")
        self.setWindowIcon(QIcon(icon_path()))
        self.banner = Banner()
        self.picker = CheckpointPicker()
        self.tree_panel = TreePanel()
        self.details = DetailsPanel()
        self.histogram = HistogramPanel()
        self.tensor = TensorPanel()
        self.report_panel = ReportPanel()
        self.graph_panel = GraphPanel()
        self.compare_trees = self.pair_panel = None  # built on the first comparison
        self.browse = BrowseController(
            self.banner, self.picker, self.tree_panel, self.details, self.histogram, self.tensor, self, scan_on_open
        )
        self.graph = GraphController(self.banner, self.graph_panel, self)
        self._doctor: DoctorController | None = None  # made on first use, as the two below
        self._compare: CompareController | None = None
        self._repair: RepairController | None = None
        self._shown_ckpt: Checkpoint | None = None  # the last checkpoint shown, for a workflow made later
        self._build_layout()
        window_menus.build_menus(self)
        window_focus.bind_escape(self)
        self.previous = GreyedPrevious(self, self.previous_action)
        self._menu_keys = window_focus.MenuKeysFirst(self)  # Ctrl+E from the filter box exports
        self._build_status_bar()
        self._connect()
        self._restored_splitters = settings.restore_layout(self, self.splits.by_name())
        # 0 where the process ends once the window has closed (launch.py): nothing is
        # left to wait for (it had waited QUIT_WAIT_MS for each workflow's job in turn).
        self.quit_wait_ms = QUIT_WAIT_MS
        # Set by the entry point: closing ends the process (launch.end_now). The doctor's
        # shutdown then had killed its warm child the careful way, walking every process's
        # /proc entry twice on the GUI thread: 0.4 s of the 1-2 s a busy machine took to
        # end after Ctrl+Q (review 20 G13); end_now kills them without that walk.
        self.ends_process = False
        self._splits_checked = False  # restored splits are checked against the window once shown
        self._splits_shown = False  # the splits not restored are set once shown (first_run)
        self.drops = Drops(
            self, lambda path: self.browse.open_path(path), lambda path: self.doctor.diagnose(path),
            lambda path: self.compare.compare_with(path), self.browse.checkpoint_shown, self.browse.loaded,
            # A warning, not information: what a workflow says next (the comparison made of
            # the drop: "Comparison stopped", a pairing note) no longer takes its place (review 15 #4).
            lambda note: self.banner.show_message(note, "warning", owner=self.drops, beside=True),
        )  # fmt: skip

    @property
    def controllers(self) -> tuple[Controller, ...]:
        """The workflows made so far."""
        made = (self.browse, self._doctor, self._compare, self.graph, self._repair)
        return tuple(controller for controller in made if controller is not None)

    @property
    def busy(self) -> bool:
        """Whether any workflow has a job that has not reported yet."""
        return any(controller.runner.busy for controller in self.controllers)

    _action = window_menus.add_action  # a menu's action: add_action(window, menu, text, slot, shortcut)

    # -- building ---------------------------------------------------------------------------

    def _build_layout(self) -> None:
        # The path bar first: Qt's Tab order is the order widgets join the window, and the
        # picker added after the panes was reached after them (review 20 G14).
        self.checkpoint_title = CheckpointTitle(self, self.picker, lambda: self.browse.ckpt)
        self.path_label = self.checkpoint_title.path_label  # the name tests use
        # Explicit minimum widths: without them the panels' control rows would add up
        # to a minimum that squeezes the tree's name column on smaller screens.
        self.tree_panel.setMinimumWidth(300)
        self.histogram.setMinimumWidth(220)
        self.tensor.setMinimumWidth(240)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.info_tabs = QTabWidget()
        self.info_tabs.addTab(self.details, "Details")
        self.info_tabs.addTab(self.report_panel, "Restore report")
        self.info_tabs.addTab(self.graph_panel, "Graph")  # saved_model.pb / .meta: enabled when there is one
        TabFocusFrame(self.info_tabs.tabBar())  # Tab from the tree lands here: shown (review 19, F7)
        self._enable_graph_tab(False)  # greyed, its tooltip saying why
        self.right_splitter.addWidget(self.info_tabs)
        self.views = QSplitter(Qt.Orientation.Horizontal)
        self.views.addWidget(self.histogram)
        self.views.addWidget(self.tensor)
        self.right_splitter.addWidget(self.views)
        self.right_splitter.setStretchFactor(0, 2)
        self.right_splitter.setStretchFactor(1, 3)
        self.right_splitter.setChildrenCollapsible(False)  # neither the report nor the plots vanish
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splits = Splits(self.main_splitter, self.right_splitter, self.views, self.info_tabs,
                             (self.report_panel, self.graph_panel))  # fmt: skip
        self.splits.watch_details(self.details)
        self.info_tabs.currentChanged.connect(lambda _i: self.splits.make_room_for_tab())
        self._browse_share: float | None = None  # the tree's share of browsing while comparing
        # Comparing two checkpoints swaps both halves for the side-by-side view.
        self.left_stack, self.right_stack = QStackedWidget(), QStackedWidget()
        self.left_pages, self.right_pages = StackedPages(self.left_stack), StackedPages(self.right_stack)
        self.left_pages.add(self.tree_panel)
        self.right_pages.add(self.right_splitter)
        self.main_splitter.insertWidget(0, self.left_stack)
        self.main_splitter.insertWidget(1, self.right_stack)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

    def _make_compare_views(self):
        """The comparison's two halves, built when first needed: they cost start-up
        time, and in the stacks they would count towards the window's minimum size."""
        from ckpt_gui.app.widgets.compare_trees import CompareTrees  # noqa: PLC0415 - start-up time
        from ckpt_gui.app.widgets.pair_panel import PairPanel  # noqa: PLC0415 - imports pyqtgraph: start-up time

        self.compare_trees, self.pair_panel = CompareTrees(), PairPanel()
        self.left_pages.add(self.compare_trees)
        self.right_pages.add(self.pair_panel)
        self.drops.watch(self.compare_trees, self.pair_panel)
        return self.compare_trees, self.pair_panel

    def _build_status_bar(self) -> None:
        self.status_bar = WindowStatus(self, self.status_changed, lambda: self.busy, self._cancel_pressed)
        self.status_label = self.status_bar.label  # the names tests and workflows use
        self.progress, self.cancel_button = self.status_bar.progress, self.status_bar.cancel_button
        self.job_label, self.fetched_label = self.status_bar.job_label, self.status_bar.fetched_label
        for controller in self.controllers:
            self.status_bar.watch(controller)

    def _connect(self) -> None:
        browse = self.browse
        browse.about_to_show.connect(self._close_comparison)
        browse.checkpoint_shown.connect(self._show_checkpoint_name)
        browse.index_read.connect(self._show_checkpoint_name)
        browse.folder_watch.listed.connect(self._show_checkpoint_name)  # "previous" follows the folder
        browse.folder_watch.listed.connect(lambda _ckpt: self._enable_diagnosis_actions())  # Repair: still there?
        browse.checkpoint_shown.connect(self._tell_workflows)
        browse.checkpoint_shown.connect(self.graph.set_checkpoint)
        browse.checkpoint_shown.connect(lambda ckpt: self.splits.show_plots(not no_values(ckpt)))
        self.graph.available.connect(self._enable_graph_tab)
        self.graph_panel.key_activated.connect(self.tree_panel.select_key)
        browse.exportable.connect(self.export_action.setEnabled)
        browse.checkpoint_shown.connect(self._after_open)  # after doctor.set_checkpoint: its report is decided
        browse.loaded.connect(self.loaded)
        browse.checkpoint_shown.connect(lambda _ckpt: self._enable_diagnosis_actions())  # after doctor.set_checkpoint
        browse.loaded.connect(lambda: window_focus.focus_the_tree(self.tree_panel))
        self.report_panel.status_filter_changed.connect(self.tree_panel.set_status_filter)
        self.tree_panel.node_selected.connect(self.report_panel.follow_tree)  # its problem row, if it has one
        # The report panel's buttons before the doctor is made (the doctor connects them itself).
        self.report_panel.rerun_requested.connect(lambda: self._doctor is None and self.doctor.rerun())
        self.report_panel.choose_script_requested.connect(lambda: self._doctor is None and self.doctor.choose_script())
        self.report_panel.repair_requested.connect(self._propose_repair)
        self.picker.compare_requested.connect(lambda path: self.compare.compare_in_folder(path))
        browse.compare_partner = lambda: self.compare.variable_partner()
        browse.compare_requested.connect(lambda key: self.compare.compare_variable(key))

    def _close_comparison(self, incoming=None) -> None:
        """Another checkpoint (``incoming``) is about to be shown: the comparison closes
        (with none made yet, the window is left as closing one leaves it, as when it was
        made at launch)."""
        if self._compare is not None:
            self._compare.close_for_another(incoming)  # says so, if one was shown
        else:
            self._comparison_closed()

    def _comparison_closed(self) -> None:
        self._show_browsing()
        # The variable selected in the comparison, as a comparison opens on browse's (review
        # 11); else the row of before the comparison, not the first the focus would make current.
        key = self._compare.closed_on if self._compare is not None else None
        if not (key and self.tree_panel.select_key(key)):
            self.tree_panel.select_again()
        if self._doctor is not None:
            self._doctor.say_outcome()  # the report shown again: its outcome in the status bar
        self.close_compare_action.setEnabled(False)

    def _tell_workflows(self, ckpt: Checkpoint) -> None:
        self._shown_ckpt = ckpt
        for workflow in (self._compare, self._doctor, self._repair):
            if workflow is not None:
                workflow.set_checkpoint(ckpt)

    # -- the workflows made on first use ---------------------------------------------------------

    @property
    def doctor(self) -> DoctorController:
        if self._doctor is None:
            self._doctor = window_workflows.make_doctor(self)
            self._made(self._doctor, window_workflows.connect_doctor)
        return self._doctor

    @property
    def compare(self) -> CompareController:
        if self._compare is None:
            self._compare = window_workflows.make_compare(self)
            self._made(self._compare, window_workflows.connect_compare)
        return self._compare

    @property
    def repair(self) -> RepairController:
        if self._repair is None:
            self._repair = window_workflows.make_repair(self)
            self.status_bar.watch(self._repair)
            if self._shown_ckpt is not None:  # what its messages will be about
                self._repair.set_checkpoint(self._shown_ckpt)
        return self._repair

    def _made(self, workflow, connect) -> None:
        """A workflow just made: connected, and told which checkpoint is shown."""
        self.status_bar.watch(workflow)
        connect(self, workflow)
        if self._shown_ckpt is not None:
            workflow.set_checkpoint(self._shown_ckpt)

    # -- what the workflows mean for the window ------------------------------------------------

    def _enable_diagnosis_actions(self) -> None:
        report = self._doctor.report if self._doctor is not None else None
        self.clear_diagnosis_action.setEnabled(report is not None)
        # Not for a checkpoint deleted from its folder since (a training job's CheckpointManager):
        # Repair... had stayed enabled, and failed only after a folder was chosen (review 21 #16).
        # Its files looked for only with a repair to offer: no stat in every open's turn.
        shown = self._shown_ckpt
        repairable = report is not None and report.error is None and not report.ok
        gone = repairable and shown is not None and not is_url(shown.prefix) and not in_its_folder(shown.prefix)
        self.repair_action.setEnabled(repairable and not gone)
        why = f"{os.path.basename(shown.prefix)} was deleted from its folder: nothing to repair from" if gone else ""
        self.repair_action.setToolTip(why)  # "": none (the menu would repeat the item's text)
        # The report panel's button says why too (review 22, 11: it kept its generic words).
        self.report_panel.repair_button.setToolTip(why or REPAIR_HOW)
        if gone:  # the report panel's button too (it enables itself with a report)
            self.report_panel.repair_button.setEnabled(False)

    def _propose_repair(self) -> None:
        self.repair.propose(self.doctor.report, self.doctor.ckpt)

    def _open_repaired(self, prefix: str, verification) -> None:
        """The repaired checkpoint, shown with its verification's diagnosis."""
        self.doctor.expect_report(verification)
        self.browse.open_path(prefix)

    def status_message(self) -> str:
        """The workflows' message the status bar shows."""
        return self.status_bar.message()

    def _cancel_pressed(self) -> None:
        """The Cancel button: while a stuck read is shown, the jobs waiting for it only
        (a later open queued behind them goes on); else every job."""
        if not self.status_bar.give_up_stuck():
            self._cancel_all()

    def _cancel_all(self) -> None:
        for controller in self.controllers:
            controller.runner.cancel()

    def _show_checkpoint_name(self, ckpt: Checkpoint) -> None:
        self.previous.follow(ckpt)  # greyed on the oldest and a lone checkpoint, saying why
        self.checkpoint_title.show_checkpoint(ckpt)

    def _after_open(self, ckpt: Checkpoint) -> None:
        """Every open ends in the tree (arrow keys move its selection, not the Bins box
        the review's Down changed), and Details is shown unless the restore report is
        this checkpoint's ("the last report was for another" is not worth the pane)."""
        report = self._doctor.report if self._doctor is not None else None
        ours = report is not None and os.path.realpath(report.checkpoint) == os.path.realpath(ckpt.prefix)
        if not (ours and self.info_tabs.currentWidget() is self.report_panel):
            self.info_tabs.setCurrentWidget(self.details)  # not the last checkpoint's Graph tab
        view = self.tree_panel.view
        if view.currentIndex().isValid():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:  # a view without a current row, given the focus, makes its first row current: the
            # object graph's row showed in every panel for a frame before the first selection.
            # Given with that selection, not at loaded a turn later: the focus repaints the
            # whole tree (17 ms at 200,000 variables), in the turn that fills Details.
            self.browse.tree_selected.connect(lambda: view.setFocus(Qt.FocusReason.OtherFocusReason),
                                              Qt.ConnectionType.SingleShotConnection)  # fmt: skip

    def _enable_graph_tab(self, available: bool) -> None:
        if not available and self.info_tabs.currentWidget() is self.graph_panel:
            self.info_tabs.setCurrentWidget(self.details)  # Qt would move to its neighbour, the report
        at = self.info_tabs.indexOf(self.graph_panel)
        self.info_tabs.setTabEnabled(at, available)
        # Greyed with no word, "Graph" read as the object graph's view (review 19 F8).
        self.info_tabs.setTabToolTip(at, GRAPH_TAB_TIP if available else GRAPH_TAB_OFF_TIP)
        if available and self.browse.ckpt is not None and self.browse.ckpt.location.kind == "graph":
            self.info_tabs.setCurrentWidget(self.graph_panel)  # a .meta alone: the graph is all there is

    def _show_comparison(self, name_a: str, name_b: str) -> None:
        self.browse.pause_scan()  # the comparison gets the CPU; the scan resumes after it
        if self.left_stack.currentWidget() is self.tree_panel:  # browsing's split comes back on close
            sizes = self.main_splitter.sizes()
            self._browse_share = sizes[0] / max(sum(sizes), 1)
        if self.banner.owner is self.browse and self.banner.kind == "error":
            self.banner.hide()  # a failed open (a URL's) is not about the comparison now shown
        self.left_pages.show(self.compare_trees)  # the pages not shown ask for no room
        self.views_switch.comparing(True)
        self.right_pages.show(self.pair_panel)
        width = sum(self.main_splitter.sizes())
        share = 0.6 if width < 1400 else 0.55  # two trees need the room, the more so on a small screen
        self.main_splitter.setSizes([int(width * share), int(width * (1 - share))])
        self.setWindowTitle(f"{name_a} vs {name_b} - ckpt-gui")

    def _show_browsing(self) -> None:
        self.browse.resume_scan()
        self.left_pages.show(self.tree_panel)
        self.right_pages.show(self.right_splitter)
        self.views_switch.comparing(False)
        if self._browse_share is not None:  # the comparison's wide trees would cut the browse controls
            width = sum(self.main_splitter.sizes())
            self.main_splitter.setSizes([int(width * self._browse_share), width - int(width * self._browse_share)])
            self._browse_share = None
        self.checkpoint_title.show_title()

    def show_opening(self, path: str) -> None:
        """The launch's checkpoint named before the window is shown (window_title.py)."""
        self.checkpoint_title.show_opening(path, self.loaded)

    # -- drops ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        self.drops.enter(event)

    def dragMoveEvent(self, event) -> None:
        self.drops.move(event)

    def dragLeaveEvent(self, event) -> None:
        self.drops.leave(event)

    def dropEvent(self, event) -> None:
        self.drops.drop(event)

    # -- window state ----------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._splits_shown:
            self._splits_shown = True
            missing = tuple(name for name in self.splits.by_name() if name not in self._restored_splitters)
            if missing:  # a first run (or a split not saved): proportions of the real window size
                self.splits.first_run(self.width(), self.height(), missing)
            if self._restored_splitters:
                self._splits_checked = True
                self.splits.keep_sensible()
        elif not self._splits_checked:
            self._splits_checked = True
            self.splits.keep_sensible()

    def closeEvent(self, event) -> None:
        """The window goes at once: the jobs are cancelled behind it and waited for
        briefly (on a busy machine a chunk of work may take seconds to notice; the
        entry point then ends the process without it, see launch.py). First the window
        is hidden and every job (a comparison's among them) told to stop; the layout
        is written after (on a busy machine its write took 0.1 to 0.4 s, the window
        still shown and the comparison's workers still holding the cores)."""
        self.splits.give_back_room()  # the next session starts on Details
        layout = settings.layout_of(self, self.splits.to_save())  # read while shown: the frame's geometry
        plot_turns.forget_within(self)  # no plot made nor drawn behind the closing window
        self.hide()  # (xcb flushes the unmap at once: no sync(), which would run the pending events first)
        self._cancel_all()
        for controller in self.controllers:
            controller.closing()
        settings.write_layout(layout)
        if not self.ends_process:  # else the process ends now (launch.end_now), its children killed at once
            deadline = time.monotonic() + self.quit_wait_ms / 1000
            for controller in self.controllers:
                controller.shutdown(max(0, round((deadline - time.monotonic()) * 1000)))
        elif self._doctor is not None and self._doctor.diagnoser is not None:
            self._doctor.diagnoser.keep_warm = False  # no new warm child between end_now's kills and the exit
        super().closeEvent(event)
        self.closed.emit()
