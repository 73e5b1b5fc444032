"""A re-run of the doctor over a shown report (review findings 28 and 35): while the new
attempt runs, the last report stays dimmed under a line naming its script and time,
and the tree's Restore column says its statuses are the previous attempt's; a cancelled
re-run shows the last report again and says whose it is, never "cancelled" over full
results as if they were current. Offscreen, no TensorFlow: the attempt is a stand-in
that waits for its cancel, the report is made of the demo's own keys and shapes."""

from __future__ import annotations

import dataclasses
import re
import threading
import time

from PySide6.QtCore import Qt

from ckpt_gui.app.models.tree_model import RESTORE
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding
from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_layout import _report_for_demo, _show_report


class _WaitingDiagnoser:
    """An attempt that says its first phase, then runs until it is cancelled."""

    keep_warm = False

    def __init__(self) -> None:
        self.running = threading.Event()

    def run(self, _request, on_phase, cancelled):
        on_phase("importing TensorFlow")
        self.running.set()
        while not cancelled():
            time.sleep(0.02)
        raise Cancelled()

    def warm_up(self, *_args) -> None:
        pass

    def close(self, wait: bool = True) -> None:
        pass


def _restore_header(window) -> str:
    return window.tree_panel.model.headerData(RESTORE, Qt.Orientation.Horizontal)


def test_a_rerun_dims_the_last_report_and_a_cancel_says_whose_it_is(qtbot, window, tmp_path):
    open_demo(qtbot, window)
    report = _report_for_demo(window)
    _show_report(qtbot, window, report)
    panel, doctor = window.report_panel, window.doctor
    assert panel.problems.isEnabled() and not panel.previous.isVisible()
    assert _restore_header(window) == "Restore"
    script = tmp_path / "other_model.py"
    script.write_text("# the model, edited\n")
    doctor.diagnoser = attempt = _WaitingDiagnoser()
    doctor.diagnose(str(script))
    qtbot.waitUntil(attempt.running.is_set, timeout=WAIT_MS)

    # Running: the new script in the headline, the last report dimmed and named.
    assert "other_model.py" in panel.headline.text()
    said = panel.previous.text()
    assert panel.previous.isVisible() and "previous attempt" in said
    assert re.search(r"demo_model_changed\.py, \d\d:\d\d", said), said
    assert panel.problems.topLevelItemCount() == len(report.problems)  # kept...
    assert not any(w.isEnabled() for w in (panel.problems, panel.notes_area, panel.detail_area))  # ...dimmed
    assert not any(b.isEnabled() for b in panel.legend.values())
    assert _restore_header(window) == "Restore (old)"  # the tree says it too

    with qtbot.waitSignal(window.diagnosis_done, timeout=WAIT_MS) as done:
        window._cancel_all()
    assert done.args == [None]
    headline = panel.headline.text()
    # Another script than the report's (Choose script...): not a re-run (review 7).
    shown = r"showing the report of \d\d:\d\d \(demo_model_changed\.py\)"
    assert re.search(r"The attempt with other_model\.py was cancelled; " + shown, headline), headline
    assert "incomplete" in headline  # the report's own verdict under it
    assert not panel.previous.isVisible()
    assert all(w.isEnabled() for w in (panel.problems, panel.notes_area, panel.detail_area))
    assert panel.export_button.isVisible() and panel.rerun_button.isEnabled()
    assert _restore_header(window) == "Restore"
    assert window.status_message().startswith("Attempt with other_model.py cancelled: Restore incomplete")


def test_a_cancelled_rerun_of_the_reports_script_says_re_run_and_the_progress_its_time_limit(qtbot, window, tmp_path):
    from ckpt_gui.app import settings

    open_demo(qtbot, window)
    script = tmp_path / "demo_model_changed.py"
    script.write_text("# the model\n")
    report = dataclasses.replace(_report_for_demo(window), script=str(script))
    _show_report(qtbot, window, report)
    panel, doctor = window.report_panel, window.doctor
    settings.settings().setValue("diagnosis_timeout", 45.0)
    doctor.diagnoser = attempt = _WaitingDiagnoser()
    doctor.diagnose(str(script))
    qtbot.waitUntil(attempt.running.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.phase.text().startswith("Importing TensorFlow..."), timeout=WAIT_MS)
    # The time limit in sight, and that the import is not counted in it (review 21, 4).
    said = r"Importing TensorFlow\.\.\. \d+ s \(not counted in the 45 s limit\)"
    assert re.fullmatch(said, panel.phase.text()), panel.phase.text()
    with qtbot.waitSignal(window.diagnosis_done, timeout=WAIT_MS):
        window._cancel_all()
    assert re.search(r"Re-run cancelled; showing the report of \d\d:\d\d \(demo_model_changed\.py\)",
                     panel.headline.text())  # fmt: skip
    assert window.status_message().startswith("Re-run cancelled: Restore incomplete")


def test_the_tree_counts_model_only_rows_apart_from_the_checkpoints_variables(qtbot, window):
    """Review finding 34: a report with two model-only variables made "34 variables" read "36 variables"."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    before = panel.count_label.text()
    report = _report_for_demo(window)
    model_only = tuple(
        RestoreFinding(RestoreStatus.MISSING, None, f"model/extra/{name}", None, (4,), None, "float32", optimizer=False)
        for name in ("bias_0", "weights")
    )
    _show_report(qtbot, window, dataclasses.replace(report, variables=report.variables + model_only))
    assert len(panel.tree.model_only) == 2
    assert before == f"{panel.tree.variable_total:,} variables + object graph"
    assert panel.count_label.text() == f"{panel.tree.variable_total:,} variables + object graph + 2 model only"


class _FailingDiagnoser(_WaitingDiagnoser):
    """An attempt that cannot run (the interpreter gone, a crash of the child)."""

    def run(self, _request, _on_phase, _cancelled):
        raise RuntimeError("the interpreter could not be started")


def test_a_rerun_that_cannot_run_shows_the_last_report_as_the_last_one(qtbot, window, tmp_path):
    open_demo(qtbot, window)
    _show_report(qtbot, window, _report_for_demo(window))
    panel, doctor = window.report_panel, window.doctor
    script = tmp_path / "other_model.py"
    script.write_text("# the model\n")
    doctor.diagnoser = _FailingDiagnoser()
    doctor.diagnose(str(script))
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
    said = panel.headline.text()
    shown = r"showing the report of \d\d:\d\d \(demo_model_changed\.py\)"
    assert re.search(r"The attempt with other_model\.py was stopped; " + shown, said), said
    assert "could not be started" in window.banner.label.text()  # why, on the banner
    assert panel.problems.isEnabled() and _restore_header(window) == "Restore"


def test_a_cancelled_attempt_with_another_script_keeps_the_panes_apart(qtbot, window, tmp_path):
    """Review 8: after an attempt with another script was cancelled, the longer headline
    ("The attempt with hangs.py was cancelled; showing the report of ...") squeezed the
    split under its panes' least heights, and the problem table's third row was painted
    under the selected problem's pane. Here the report starts at its least height beside
    the plots (as the review's window had it), then the headline grows."""
    window.resize(1024, 700)  # the plots beside the report
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 700), timeout=2000)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    _show_report(qtbot, window, _report_for_demo(window))
    panel, doctor, splitter = window.report_panel, window.doctor, window.right_splitter
    assert window.views.isVisible()
    least = window.info_tabs.minimumSizeHint().height()
    splitter.setSizes([least, sum(splitter.sizes()) - least])
    qtbot.wait(50)
    script = tmp_path / "a_script_with_a_rather_long_name_that_hangs.py"
    script.write_text("# the model\n")
    doctor.diagnoser = attempt = _WaitingDiagnoser()
    doctor.diagnose(str(script))
    qtbot.waitUntil(attempt.running.is_set, timeout=WAIT_MS)
    with qtbot.waitSignal(window.diagnosis_done, timeout=WAIT_MS):
        window._cancel_all()
    qtbot.wait(200)  # the splitters settle on the event loop
    assert "was cancelled; showing the report" in panel.headline.text()
    split = panel.problem_split
    panes = [split.widget(i) for i in range(split.count())]
    for pane in panes:
        assert pane.height() >= pane.minimumHeight(), (pane, pane.height(), pane.minimumHeight())
    for upper, lower in zip(panes, panes[1:], strict=False):
        assert not upper.geometry().intersects(lower.geometry()), (upper.geometry(), lower.geometry())
    for widget in (panel.headline, panel.phase, *panel.legend.values()):
        if widget.isVisible():
            top = widget.mapTo(panel, widget.rect().bottomLeft()).y()
            assert top < split.geometry().top(), (widget, top, split.geometry())
