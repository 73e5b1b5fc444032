"""Review 6 (issue 11, a real window at 1024x640): the doctor's report was cramped, its
problem table three rows and a fourth cut, the selected problem two lines, beside the
plots; its Variable column cut "moving_mean" at both ends ("…oving_m…") and
"dense_1/kernel" to "…/kernel" beside a whole "dense_1/bias". Offscreen, no
TensorFlow: the reports are made of the demo checkpoint's keys (tests/test_app_layout.py)."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding
from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_doctor_columns import _shown, desktop_font  # noqa: F401 (a fixture)
from tests.test_app_doctor_review3 import full_report
from tests.test_app_layout import _show_report

REAL_WINDOW = (1024, 610)  # a 1024x640 screen less the window's title bar
LEAST_ROWS = 6  # problem rows a report shows at least (review: three and a fourth cut)


def _both_ends_cut(text: str) -> bool:
    return text.startswith("\u2026") and not text.startswith("\u2026/") and text.endswith("\u2026")


@pytest.fixture()
def doctor(qtbot, desktop_font, window):  # noqa: F811
    window.resize(*REAL_WINDOW)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == REAL_WINDOW, timeout=2000)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)  # the plots are made and drawn in turns of their own
    return window


@pytest.mark.parametrize("size", [(1024, 640), REAL_WINDOW, (1280, 800)], ids=["1024x640", "1024x610", "1280x800"])
def test_the_problem_table_and_the_selected_problem_get_room(qtbot, doctor, size):
    # Offscreen at 1024x640 (no title bar) the report had kept its least beside the plots,
    # as the real window had: 2.4 rows, the selected problem 3 lines of its 6.
    doctor.resize(*size)
    qtbot.waitUntil(lambda: doctor.size().toTuple() == size, timeout=2000)
    report = full_report(doctor)
    conflict = next(f for f in report.problems if f.status == RestoreStatus.SHAPE_CONFLICT)
    doctor.tree_panel.select_key(conflict.checkpoint_key)  # the report opens on it: status, shapes, a long suggestion
    _show_report(qtbot, doctor, report)
    panel = doctor.report_panel
    problems = panel.problems
    assert problems.currentItem().data(0, Qt.ItemDataRole.UserRole) is conflict
    rows = problems.viewport().height() / problems.sizeHintForRow(0)
    assert rows >= min(LEAST_ROWS, problems.topLevelItemCount()), f"{rows:.1f} rows"
    line = panel.fontMetrics().lineSpacing()
    detail = panel.detail_area
    assert detail.verticalScrollBar().maximum() == 0 or detail.viewport().height() >= 4 * line, (
        detail.viewport().height(), detail.widget().height())  # fmt: skip
    assert panel.notes_area.isVisible() and panel.notes_area.height() >= 2 * line  # the notes took less
    least = doctor.minimumSizeHint().expandedTo(doctor.minimumSize())
    assert least.height() <= REAL_WINDOW[1], least.toTuple()  # and the window still fits the screen
    if size[1] >= 800:  # a taller window has room for both: the plots stay
        assert doctor.views.isVisible()


def _keras_like(report, alone: bool):
    """A renamed Keras layer: the model's dense_1 missing, the file's dense_1 unmatched
    (two rows each named dense_1/kernel and dense_1/bias), ``alone`` or beside the demo's problems."""

    def finding(status, name, shape, ckpt):
        key = f"layers/{'head' if ckpt else 'dense_1'}/vars/{0 if name.endswith('kernel') else 1}"
        return RestoreFinding(status, key if ckpt else None, None if ckpt else key, shape if ckpt else None,
                              None if ckpt else shape, "float32" if ckpt else None, None if ckpt else "float32",
                              optimizer=False, suggestions=("likely the model's classifier/vars/0",),
                              checkpoint_name=name if ckpt else None, model_name=None if ckpt else name)  # fmt: skip

    # The doctor names a checkpoint value by its object path ("optimizer/_iterations").
    variables = tuple(dataclasses.replace(v, checkpoint_path=v.checkpoint_key.split("/.ATTRIBUTES")[0])
                      if v.status == RestoreStatus.UNMATCHED else v for v in report.variables)  # fmt: skip
    extra = tuple(finding(status, name, shape, status == RestoreStatus.UNMATCHED)
                  for status in (RestoreStatus.MISSING, RestoreStatus.UNMATCHED)
                  for name, shape in (("dense_1/kernel", (5, 3)), ("dense_1/bias", (3,))))  # fmt: skip
    summary = {status: 0 for status in RestoreStatus} | {RestoreStatus.MISSING: 2, RestoreStatus.UNMATCHED: 2}
    if alone:
        return dataclasses.replace(report, variables=extra, summary=summary)
    return dataclasses.replace(report, variables=variables + extra)


@pytest.mark.parametrize("alone", [True, False], ids=["keras", "beside-the-demos"])
@pytest.mark.parametrize("size", [REAL_WINDOW, (1280, 800)], ids=["1024x610", "1280x800"])
def test_a_short_name_reads_whole_and_a_cut_name_loses_one_end(qtbot, doctor, size, alone):
    doctor.resize(*size)
    qtbot.waitUntil(lambda: doctor.size().toTuple() == size, timeout=2000)
    _show_report(qtbot, doctor, _keras_like(full_report(doctor), alone))
    problems = doctor.report_panel.problems
    names = [problems.topLevelItem(r).text(VARIABLE_COLUMN) for r in range(problems.topLevelItemCount())]
    shown = _shown(problems, VARIABLE_COLUMN)
    assert [s for n, s in zip(names, shown, strict=True) if n.startswith("dense_1/")] == [
        n for n in names if n.startswith("dense_1/")]  # fmt: skip
    assert not [s for s in shown if _both_ends_cut(s)], shown
    for name, text in zip(names, shown, strict=True):
        if "moving_" in name:
            assert name.rsplit("/", 1)[-1] in text, (name, text)


def test_a_column_dragged_narrow_cuts_a_short_name_at_one_end(qtbot, doctor):
    _show_report(qtbot, doctor, full_report(doctor))
    problems = doctor.report_panel.problems
    metrics = problems.fontMetrics()
    for chars in ("…/moving_", "…/movi", "…/mo"):
        problems.setColumnWidth(VARIABLE_COLUMN, metrics.horizontalAdvance(chars) + 10)
        shown = _shown(problems, VARIABLE_COLUMN)
        names = [problems.topLevelItem(r).text(VARIABLE_COLUMN) for r in range(problems.topLevelItemCount())]
        moving = [s for n, s in zip(names, shown, strict=True) if n.rsplit("/", 1)[-1].startswith("moving_")]
        assert moving and not [s for s in moving if _both_ends_cut(s)], (chars, moving)


def test_a_short_table_leaves_the_notes_and_the_problem_whole(qtbot, doctor):
    # A real window at 1024x640: four problem rows had half the pane, empty, beside
    # scrolling notes (the split grown by its stretch factors once the report took the
    # plots' place); shared again when its height changes, the notes and the problem read whole.
    doctor.resize(1024, 640)
    qtbot.waitUntil(lambda: doctor.size().toTuple() == (1024, 640), timeout=2000)
    _show_report(qtbot, doctor, _keras_like(full_report(doctor), True))
    panel = doctor.report_panel
    split = panel.problem_split
    total = sum(split.sizes())
    split.setSizes([total // 6, total - total // 3, total // 6])  # as the stretch factors had left it
    doctor.resize(1024, 660)  # the pane's height changes: shared again
    qtbot.waitUntil(lambda: doctor.size().toTuple() == (1024, 660), timeout=2000)
    qtbot.wait(50)
    assert panel.problems.topLevelItemCount() == 4
    assert panel.notes_area.verticalScrollBar().maximum() == 0, panel.problem_split.sizes()
    assert panel.detail_area.verticalScrollBar().maximum() == 0, panel.problem_split.sizes()
    empty = panel.problems.viewport().height() - 4 * panel.problems.sizeHintForRow(0)
    assert empty >= 0
