"""The doctor, the comparison and the repair, made on first use and connected to the
main window then.

Importing them (the diagnosis and comparison machinery) and making their panels cost
a tenth of a second of CPU before the first tree; a user who only browses never needs
them. Each is made when first asked for (``MainWindow.doctor``, ``.compare``,
``.repair``: a menu action, a drop, a row's "Compare this variable", a report panel's
button) and then told which checkpoint is shown, as if it had been there all along.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer

if TYPE_CHECKING:
    from ckpt_gui.app.controllers.compare import CompareController
    from ckpt_gui.app.controllers.doctor import DoctorController
    from ckpt_gui.app.controllers.repair import RepairController


def make_doctor(window) -> DoctorController:
    from ckpt_gui.app.controllers.doctor import DoctorController  # noqa: PLC0415 - on first use

    return DoctorController(window.banner, window.report_panel, window)


def connect_doctor(window, doctor: DoctorController) -> None:
    doctor.started.connect(lambda asked: attempt_started(window, asked))
    doctor.phase.connect(lambda phase: window.job_label.setText(f"Diagnosing {doctor.attempt_of}: {phase}"))
    # The tree's Restore column as the report panel's: the previous attempt's, muted, while one runs.
    doctor.report_previous.connect(window.tree_panel.model.set_previous_report)
    doctor.report_previous.connect(lambda _previous: window.tree_panel.fit_columns())  # its header's new width
    doctor.statuses_changed.connect(lambda _entries: window.tree_panel.model.set_previous_report(False))
    doctor.statuses_changed.connect(window.tree_panel.show_report)
    # The tooltip of a value not restored says why as the status bar does (Keras skips a layer, TensorFlow stops).
    doctor.statuses_changed.connect(lambda _entries: _held_reason(window, doctor))
    doctor.finding_selected.connect(window.browse.select_finding)
    doctor.done.connect(window.splits.make_room_for_report)
    doctor.done.connect(window.diagnosis_done)
    doctor.done.connect(lambda report: report_behind_comparison(window, report))
    for changed in (doctor.done, doctor.statuses_changed):
        changed.connect(lambda _arg: window._enable_diagnosis_actions())
    window.report_panel.other_series_requested.connect(lambda prefix: diagnose_other_series(window, doctor, prefix))


def diagnose_other_series(window, doctor: DoctorController, prefix: str) -> None:
    """The report's "Diagnose ckpt-2": another series of the folder that fits the
    script's model better, shown as the picker shows it, then diagnosed with the same
    script (the doctor keeps a script for its folder's checkpoints)."""
    report = window.report_panel.report  # the report whose line was clicked: its script, if the doctor forgot it
    script, shown = doctor.script or (report.script if report is not None else None), window.browse.ckpt
    if not script or shown is None:
        return

    def diagnose_when_shown(ckpt) -> None:
        # After the open's own handlers (the window shows Details for a checkpoint without
        # a report): the attempt then brings the report panel forward.
        if os.path.realpath(ckpt.prefix) == os.path.realpath(prefix):
            QTimer.singleShot(0, lambda: doctor.diagnose(script))

    window.browse.checkpoint_shown.connect(diagnose_when_shown, Qt.ConnectionType.SingleShotConnection)
    ref = next((ref for ref in shown.location.checkpoints if ref.prefix == prefix), None)
    if ref is not None:
        window.browse.switch_checkpoint(ref)  # as the picker switches: its list stays the folder's
    else:
        window.browse.open_path(prefix)


def _held_reason(window, doctor: DoctorController) -> None:
    window.tree_panel.model.held_reason = doctor.report.held_reason if doctor.report is not None else ""


def attempt_started(window, asked: bool) -> None:
    """A restore attempt started: the report panel comes forward. One the user asked
    for now (a script dropped or chosen, Re-run) closes a comparison shown or being made:
    its report was made behind the comparison, seen only after Close comparison, and
    which of A and B it was for was not said (review 10). The tree then shows the
    checkpoint diagnosed. A re-run on the script's save leaves the comparison be
    (``report_behind_comparison`` says where its report is)."""
    compare = window._compare
    if asked and compare is not None and window.close_compare_action.isEnabled():
        compare.close_for_script()  # Compare with... proposes it again (its other checkpoint)
        shown = window.browse.ckpt
        name = os.path.basename(shown.prefix) if shown is not None else "the checkpoint"
        compare.banner.show_message(
            f"Comparison closed to show the restore report of {name}, the checkpoint shown. "
            "File > Compare with... (Ctrl+K) compares again.", "info",
        )  # fmt: skip
    elif asked and compare is not None:
        # No comparison shown: what the comparison said (a red "Cannot compare") is about
        # nothing on screen now, and stayed above the doctor's report (review 15 #4).
        compare.banner.hide()
    window.info_tabs.setCurrentWidget(window.report_panel)


def report_behind_comparison(window, report) -> None:
    """A report ready while a comparison is shown (a re-run on save): where it is."""
    if report is not None and window.left_stack.currentWidget() is not window.tree_panel:
        window.doctor.banner.show_message(
            f"The restore report of {os.path.basename(report.checkpoint)} is ready: "
            "File > Close comparison (Ctrl+Shift+K) shows it.", "info",
        )  # fmt: skip


def make_compare(window) -> CompareController:
    from ckpt_gui.app.controllers.compare import CompareController  # noqa: PLC0415 - on first use

    return CompareController(window.banner, window._make_compare_views, window.histogram.bins.value, window)


def _selected_key(tree_panel) -> str | None:
    """The key of the variable selected in browse (or picked last), if a variable is."""
    node = tree_panel.picked_node()
    return node.variable.key if node is not None and node.variable is not None else None


def connect_compare(window, compare: CompareController) -> None:
    def browsing() -> bool:
        return window.left_stack.currentWidget() is window.tree_panel

    # From the moment a comparison is asked for, it gets the CPU: the scan pauses
    # while B opens and is paired (seconds at 200,000 variables), not only once shown.
    compare.starting.connect(window.browse.pause_scan)
    compare.browse_key = lambda: _selected_key(window.tree_panel)
    compare.failed.connect(lambda: browsing() and window.browse.resume_scan())
    compare.opened.connect(window._show_comparison)
    compare.closed.connect(window._comparison_closed)
    compare.done.connect(window.compare_done)
    # Close comparison while one is shown or being made (closing stops it), not before.
    close = window.close_compare_action
    compare.starting.connect(lambda: close.setEnabled(True))
    compare.failed.connect(lambda: close.setEnabled(window.left_stack.currentWidget() is window.compare_trees))


def make_repair(window) -> RepairController:
    from ckpt_gui.app.controllers.repair import RepairController  # noqa: PLC0415 - on first use

    repair = RepairController(window.banner, window, lambda *args: window.doctor.request_for(*args))
    repair.open_repaired.connect(window._open_repaired)
    return repair


class MadeOnUse:
    """A workflow's methods as menu actions, the workflow made when one is chosen:
    ``MadeOnUse(lambda: window.doctor).rerun()`` calls ``window.doctor.rerun()``."""

    def __init__(self, workflow: Callable[[], object]) -> None:
        self._workflow = workflow

    def __getattr__(self, name: str) -> Callable:
        return lambda *args: getattr(self._workflow(), name)(*args)
