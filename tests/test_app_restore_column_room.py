"""The Restore column beside columns the user chose to show (review 22, #9): at 1024x640,
DType, Elements and Bytes ticked back in the header's menu, a diagnosis squeezed every
column together, the Restore column to "✖ sha…", "○ un…". The restore status, the one
new fact, stays whole: the columns the user had ticked back give way to it (Elements,
Bytes, then DType, as for the names) while the report is shown, and come back with the
next checkpoint; a column ticked while the report is shown stays, the Restore column
keeping its status words whole beside it. Offscreen."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ckpt_gui.app.models.tree_model import BYTES, DTYPE, ELEMENTS, RESTORE, SHAPE
from ckpt_gui.app.widgets.tree_columns import COLUMN_LIMITS
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_layout import _report_for_demo, _show_report

WINDOW_SIZE = (1024, 640)
TICKED = (DTYPE, ELEMENTS, BYTES)


def _report(window):
    """The demo's report with every status word the tree shows at its longest: its
    kernels in conflict, the other values restored, save_counter unmatched."""
    report = _report_for_demo(window)
    named = {f.checkpoint_key for f in report.variables}
    others = tuple(
        RestoreFinding(
            RestoreStatus.UNMATCHED if v.key.startswith("save_counter") else RestoreStatus.CONSUMED, v.key,
            None if v.key.startswith("save_counter") else v.key.split("/.ATTRIBUTES")[0], tuple(v.shape), None,
            v.dtype.name, None, optimizer=v.key.startswith("optimizer"), verified=True, restored=True,
        )
        for v in window.browse.ckpt.variables
        if v.key not in named and "/.ATTRIBUTES/" in v.key
    )  # fmt: skip
    return dataclasses.replace(report, variables=report.variables + others)


def _tick(panel, columns) -> None:
    """What the header's menu does for a column ticked."""
    for column in columns:
        panel.view.setColumnHidden(column, False)
        panel.columns.chosen(column, True)
    panel.fit_columns()


def _needed(view, column: int) -> int:
    header = view.header()
    return min(max(view.sizeHintForColumn(column), header.sectionSizeHint(column)), COLUMN_LIMITS[column])


def _cut(view) -> dict[int, tuple[int, int]]:
    """The columns beside the name shown narrower than their contents: (width, needed)."""
    return {
        c: (view.columnWidth(c), _needed(view, c))
        for c in COLUMN_LIMITS
        if not view.isColumnHidden(c) and view.columnWidth(c) < _needed(view, c)
    }


@pytest.fixture()
def ticked(qtbot, window):
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=2000)
    panel = window.tree_panel
    panel.view.expandAll()
    _tick(panel, TICKED)
    qtbot.wait(100)
    assert all(not panel.view.isColumnHidden(c) for c in TICKED)
    return window


def test_the_restore_status_stays_whole_beside_columns_the_user_ticked(qtbot, ticked):
    window = ticked
    view = window.tree_panel.view
    _show_report(qtbot, window, _report(window))
    qtbot.wait(100)
    assert not view.isColumnHidden(RESTORE)
    assert not _cut(view), _cut(view)  # "✖ sha…" and "flo…" before
    assert not view.isColumnHidden(SHAPE)  # never the user's to tick, never giving way
    gave_way = [c for c in TICKED if view.isColumnHidden(c)]
    assert gave_way and gave_way[0] == ELEMENTS  # the least needed first


def test_the_columns_that_gave_way_to_the_report_come_back_without_it(qtbot, ticked):
    window = ticked
    view = window.tree_panel.view
    _show_report(qtbot, window, _report(window))
    qtbot.wait(100)
    assert any(view.isColumnHidden(c) for c in TICKED)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(os.path.join(demo_path(), "ckpt-100"))  # another checkpoint
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    qtbot.wait(100)
    assert view.isColumnHidden(RESTORE)
    assert all(not view.isColumnHidden(c) for c in TICKED)


def test_a_column_ticked_while_the_report_is_shown_stays_and_the_status_stays_whole(qtbot, ticked):
    window = ticked
    view, panel = window.tree_panel.view, window.tree_panel
    _show_report(qtbot, window, _report(window))
    qtbot.wait(100)
    gave_way = [c for c in TICKED if view.isColumnHidden(c)]
    _tick(panel, gave_way)  # the user's latest choice, made seeing the report
    qtbot.wait(100)
    assert all(not view.isColumnHidden(c) for c in TICKED), panel.columns.gave_way
    assert view.columnWidth(RESTORE) >= _needed(view, RESTORE)
