"""The doctor at 1024x640 in a desktop's 10 pt font (the gtk3 platform theme's, dark
or not: review 3): the tree's count whole, its columns whole or hidden, the report and
the tree selecting the same variable. Offscreen, no TensorFlow: the report is made of
the demo checkpoint's keys, as demo_model_changed.py's (shape conflicts, unmatched
optimizer values, two model-only variables)."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from ckpt_gui.app.models.tree_model import NAME
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding
from tests.conftest import wait_drawn
from tests.test_app_desktop import open_demo
from tests.test_app_doctor_columns import desktop_font  # noqa: F401 (a fixture)
from tests.test_app_layout import _report_for_demo, _show_report

WINDOW_SIZE = (1024, 640)  # the window fixture's size when first shown (the smallest screen issue 11 asks for)


def full_report(window):
    """Like the doctor's for demo_model_changed.py: conflicts, the optimizer's values
    unmatched, and two model-only variables (names with "(model only)" beside them)."""
    report = _report_for_demo(window)
    unmatched = tuple(
        RestoreFinding(RestoreStatus.UNMATCHED, v.key, None, tuple(v.shape), None, v.dtype.name, None,
                       optimizer=v.key.startswith("optimizer"))
        for v in window.browse.ckpt.variables
        if not v.key.startswith("model/") and not v.key.startswith("_CHECKPOINTABLE")
    )  # fmt: skip
    model_only = tuple(
        RestoreFinding(RestoreStatus.MISSING, None, f"model/_functional/_operations/8/{name}", None, shape, None,
                       "float32", optimizer=False)
        for name, shape in (("_kernel", (10, 5)), ("bias", (5,)))
    )  # fmt: skip
    return dataclasses.replace(report, variables=report.variables + unmatched + model_only)


@pytest.fixture()
def doctor(qtbot, desktop_font, window):  # noqa: F811
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 640), timeout=2000)
    _show_report(qtbot, window, full_report(window))
    qtbot.wait(100)
    return window


def test_the_trees_count_says_less_rather_than_losing_its_start(qtbot, doctor):
    # 1024 px, 10 pt: "35 variables + 2 model only" read "bles + 2 model only" (its start cut).
    label = doctor.tree_panel.count_label
    whole = f"{doctor.tree_panel.tree.variable_total:,} variables + object graph + 2 model only"
    assert label.text() == whole
    shown = label.shown()
    assert shown in (whole, f"{doctor.tree_panel.tree.variable_total:,} variables + 2 model only",
                     f"{doctor.tree_panel.tree.variable_total:,} + 2 model only",
                     f"{doctor.tree_panel.tree.variable_total:,}"), shown  # fmt: skip
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert shown == whole or whole in label.toolTip()
    for width in (1024, 1600):  # wider, it reads whole
        doctor.resize(width, 640)
        qtbot.wait(50)
    assert label.shown() == whole


def test_the_trees_columns_beside_the_name_are_whole_or_hidden(qtbot, doctor):
    # 1024 px, 10 pt: "float…" in DType, "○ unmatch…" in Restore, "2 model o…" in Shape:
    # every column shrunk a little together once Elements and Bytes had given way.
    view = doctor.tree_panel.view
    doctor.tree_panel.fit_columns()
    shown = [c for c in range(1, view.model().columnCount()) if not view.isColumnHidden(c)]
    assert shown
    cut = {}
    index = view.indexAt(view.rect().topLeft())
    while index.isValid():
        for column in shown:
            cell = index.siblingAtColumn(column)
            if view.sizeHintForIndex(cell).width() > view.columnWidth(column):
                cut[cell.data()] = column
        index = view.indexBelow(index)
    assert not cut, cut
    assert (
        sum(view.columnWidth(c) for c in range(view.model().columnCount()) if not view.isColumnHidden(c))
        <= view.viewport().width() + 1
    )
    assert view.columnWidth(NAME) >= 0.4 * view.viewport().width() - 1


def _current_problem(window):
    return window.report_panel.problems.currentItem().data(0, Qt.ItemDataRole.UserRole)


def _tree_key(window):
    node = window.tree_panel.selected_node()
    return node.variable.key if node is not None and node.variable is not None else None


def test_the_tree_selects_the_problem_the_report_opens_on(qtbot, doctor):
    # The report opened on moving_mean while the tree kept conv2/_kernel selected.
    qtbot.waitUntil(lambda: _tree_key(doctor) == _current_problem(doctor).checkpoint_key, timeout=2000)


def test_the_arrow_keys_in_the_report_move_the_trees_selection(qtbot, doctor):
    from PySide6.QtCore import Qt as _Qt

    problems = doctor.report_panel.problems
    problems.setCurrentItem(problems.topLevelItem(0))
    problems.setFocus()
    qtbot.keyClick(problems, _Qt.Key.Key_Down)
    assert problems.currentItem() is problems.topLevelItem(1)
    qtbot.waitUntil(lambda: _tree_key(doctor) == _current_problem(doctor).checkpoint_key, timeout=2000)


def test_the_report_opens_on_the_problem_the_tree_has_selected(qtbot, desktop_font, window):  # noqa: F811
    window.resize(1024, 640)
    open_demo(qtbot, window)
    report = full_report(window)
    second = report.problems[1]
    window.tree_panel.select_key(second.checkpoint_key)
    _show_report(qtbot, window, report)
    assert _current_problem(window) is second
    qtbot.wait(50)
    assert _tree_key(window) == second.checkpoint_key


def test_a_variable_selected_in_the_tree_selects_its_problem_or_none(qtbot, doctor):
    problems = doctor.report_panel.problems
    third = problems.topLevelItem(2).data(0, Qt.ItemDataRole.UserRole)
    doctor.tree_panel.select_key(third.checkpoint_key)
    assert _current_problem(doctor) is third and problems.currentItem().isSelected()
    fine = next(v.key for v in doctor.browse.ckpt.variables
                if v.key not in {p.checkpoint_key for p in doctor.report_panel.report.problems})  # fmt: skip
    doctor.tree_panel.select_key(fine)
    assert not problems.selectedItems()  # no problem row claims a variable that has none


def test_the_repair_dialog_gives_each_line_one_row_at_1024x640(qtbot, desktop_font):  # noqa: F811
    # Keys wrapped to four lines a row ("optimizer/_trainable_variables/ 0/.ATTRIBUTES/...
    # (model/...)"): 7 of 35 lines showed, the last reason clipped.
    from ckpt_gui.app.widgets.repair_lines import REASON, SOURCE
    from ckpt_gui.app.widgets.repair_panel import RepairDialog
    from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

    entries = tuple(
        PlanEntry(f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE", Action.MAP,
                  f"model/_functional/_operations/{i}/_kernel", "matched by path", (16,), (16,), "float32", "float32")
        for i in range(12)
    ) + tuple(
        PlanEntry(f"optimizer/_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE", Action.DROP, None,
                  "optimizer state: the script's model has no optimizer variable to take it (none built)",
                  (16,), None, "float32", None)
        for i in range(23)
    )  # fmt: skip
    names = {e.source_key: f"model/_functional/_operations/{i}/_kernel" for i, e in enumerate(entries[:12])}
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(RepairPlan("/src/ckpt", "/m.py", "object", entries, ()), names)
    dialog.show()
    dialog.resize(920, 560)  # 90% of 1024x640, as the dialog opens there
    qtbot.wait(100)
    table = dialog.table
    line = table.fontMetrics().height()
    assert all(table.rowHeight(r) < 2 * line for r in range(table.rowCount()))
    assert table.viewport().height() // table.rowHeight(0) >= 12, "a screenful of lines"
    for row, entry in enumerate(entries):
        assert entry.source_key in table.item(row, SOURCE).toolTip()
        assert table.item(row, REASON).toolTip() == entry.reason
    table.setCurrentCell(0, SOURCE)
    assert entries[0].source_key in dialog.line.text() and names[entries[0].source_key] in dialog.line.text()
    headline = dialog.headline.text()
    assert "Uncheck a line to drop its value" not in headline and "left out of the new checkpoint" in headline


def test_each_name_keeps_the_end_no_other_name_has():
    from ckpt_gui.app.widgets.distinct_names import distinct_ends

    names = ["dnn/hiddenlayer_0/kernel/part_0", "dnn/hiddenlayer_0/bias/part_0", "dnn/hiddenlayer_1/kernel/part_0",
             "dnn/hiddenlayer_1/bias/part_0", "dnn/logits/kernel/part_0", "global_step", "a/b", "b"]  # fmt: skip
    ends = distinct_ends(names)
    assert ends["dnn/hiddenlayer_0/kernel/part_0"].forms[:2] == [
        "\u2026/hiddenlayer_0/kernel/part_0", "\u2026/hiddenlayer_0/kernel/\u2026"]  # fmt: skip
    assert ends["dnn/logits/kernel/part_0"].forms[0] == "\u2026/logits/kernel/part_0"
    assert ends["global_step"].forms == ["global_step"]
    assert ends["a/b"].forms == ["a/b"] and ends["b"].forms == ["b"]  # "b" is its whole name and another's end
    forms = [form for found in ends.values() for form in found.forms]
    assert len(forms) == len(set(forms))  # no two names share a form
    # Kept, when nothing fits: up to where a name parts from the one most like it.
    last = ends["dnn/hiddenlayer_1/bias/part_0"]
    assert last.last[: last.head] == "\u2026/hiddenlayer_1/b"


@pytest.mark.parametrize("year", ["2019", "2022"])
def test_the_graph_tables_rows_stay_told_apart_and_its_headers_whole(qtbot, desktop_font, window, year):  # noqa: F811
    # A TF1 Estimator at 1024x640: every name read "dnn/hid…/part_0", the header "Name in the grap".
    from PySide6.QtWidgets import QStyleOptionViewItem

    from ckpt_gui.app.widgets.graph_panel import KEY, NAME
    from tests.test_app_review_rfbrowse import CORPUS, WAIT_MS, open_path

    estimator = CORPUS / f"tfx-est-{year}"
    if not estimator.is_dir():
        pytest.skip(f"the real-world corpus is not at {estimator}")
    window.resize(1024, 640)
    open_path(qtbot, window, estimator)
    graph = window.graph_panel
    qtbot.waitUntil(lambda: graph.variables.topLevelItemCount() > 0, timeout=WAIT_MS)
    window.info_tabs.setCurrentWidget(graph)
    table = graph.variables
    graph.sections.setCurrentWidget(table)
    qtbot.wait(200)  # the refit after the resize
    header = table.header()
    for column in range(table.columnCount()):
        assert table.columnWidth(column) >= header.sectionSizeHint(column), table.headerItem().text(column)
    for column in (NAME, KEY):
        shown = []
        for row in range(table.topLevelItemCount()):
            index = table.model().index(row, column)
            option = QStyleOptionViewItem()
            option.rect = table.visualRect(index)
            table.itemDelegateForColumn(column).initStyleOption(option, index)
            metrics = option.fontMetrics
            shown.append(metrics.elidedText(option.text, option.textElideMode, option.rect.width() - 10))
        texts = [table.topLevelItem(r).text(column) for r in range(table.topLevelItemCount())]
        assert any(s != t for s, t in zip(shown, texts, strict=True)), "cut at this width"
        distinct = {t for t in texts if t}
        from collections import Counter

        same = [(s, t) for s, t in zip(shown, texts, strict=True) if t and Counter(shown)[s] > 1]
        assert len({s for s, t in zip(shown, texts, strict=True) if t}) >= 0.9 * len(distinct), same


def test_a_groups_elements_count_the_strings_its_rows_count(qtbot, window):
    # jj-keras-cp-2019 cp-0005: layer-2/.ATTRIBUTES holds one scalar string, its row says 1
    # element, its group's Details said "Elements 0".
    from ckpt_gui.core.views.describe import describe_group

    open_demo(qtbot, window)
    panel = window.tree_panel
    for view in ("objects", "keys"):
        (panel.objects_button if view == "objects" else panel.keys_button).setChecked(True)
        tree = panel.tree
        strings = [n for n in tree.by_key.values() if not n.variable.dtype.is_numeric]
        assert strings, "the demo holds a string (its object graph)"
        root = tree.root
        assert root.elements == sum(n.variable.num_elements for n in tree.by_key.values()), view
        assert root.params <= root.elements - sum(n.variable.num_elements for n in strings)
        for node in strings:
            parent = node.parent
            if parent is not None and parent is not root:
                assert parent.elements >= node.variable.num_elements
                rows = dict(describe_group(parent))
                assert not rows["Elements"].startswith("0 "), rows


def test_a_keras_attributes_group_of_one_string_counts_its_element(qtbot, window):
    from ckpt_gui.core.views.describe import describe_group
    from tests.test_app_review_rfbrowse import CORPUS, open_path

    prefix = CORPUS / "jj-keras-cp-2019" / "cp-0005.ckpt"
    if not prefix.with_suffix(".ckpt.index").exists():
        pytest.skip(f"the real-world corpus is not at {prefix}")
    open_path(qtbot, window, prefix)
    panel = window.tree_panel
    panel.keys_button.setChecked(True)
    key = next(k for k, n in panel.tree.by_key.items() if not n.variable.dtype.is_numeric and "layer-" in k)
    assert panel.select_key(key)
    group = panel.selected_node().parent
    assert group.variable is None and group.elements >= 1
    assert dict(describe_group(group))["Elements"].startswith(f"{group.elements:,} ")
    assert panel.model.data(panel.model.index_of(group).siblingAtColumn(3)) == str(group.elements)


def test_a_first_runs_details_get_the_height_their_content_needs(qtbot, desktop_font, window):  # noqa: F811
    # 1024x640: Details showed six rows (statistics cut at "Std"); 2560x1440: 300 px empty.
    from tests.test_app_desktop import WAIT_MS

    assert window.size().toTuple() == WINDOW_SIZE  # as first shown: the split is fitted once, then
    open_demo(qtbot, window)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)  # the plots, made in turns of their own, bring their least heights
    qtbot.wait(100)
    splits, details = window.splits, window.details
    height = sum(splits.right.sizes())
    content = details.widget().sizeHint().height()
    chrome = window.info_tabs.height() - details.viewport().height()
    least = min(int(height * 0.5), height - splits.views.minimumSizeHint().height())
    top = splits.right.sizes()[0]
    assert top >= min(content + chrome, least) - 30, (splits.right.sizes(), content, chrome)  # (another variable's)
    assert top <= max(content + chrome, 150) + 30  # no room left empty under it
    assert splits.views.height() >= splits.views.minimumSizeHint().height()


@pytest.mark.parametrize("size", [(1440, 900), (2560, 1440), WINDOW_SIZE], ids=["1440", "2560", "1024"])
def test_a_first_runs_details_leave_no_room_empty_under_their_rows(qtbot, desktop_font, window, size):  # noqa: F811
    """Review: at 1440x900 the Details pane kept ~100 px empty under its last row (the
    tabs were grown to the size hint of its wrapped labels, which guesses a narrower
    width and so more lines), room the plots under it lacked. The tabs hold the rows
    as laid out at their width, no more (a line's height of slack), and the plots the
    rest; where the window is too short for both, the plots keep their least height
    (1024x640: Details scrolls, as before)."""
    from PySide6.QtWidgets import QLabel

    _first_run_on_a_kernel(qtbot, window, size, short_details=True)
    splits, details = window.splits, window.details
    body, line = details.widget(), details.fontMetrics().lineSpacing()
    least = splits.views.minimumSizeHint().height()
    assert splits.views.height() >= least
    if details.verticalScrollBar().maximum() > 0:  # rows cut: only where the plots are at their least
        assert splits.views.height() <= least + line, (size, splits.right.sizes())
        return
    lowest = max(label.geometry().bottom() for label in body.findChildren(QLabel) if label.isVisible())
    empty = details.viewport().height() - lowest
    assert empty <= 2 * line, (size, empty, splits.right.sizes())  # the layout's margin and a line at most


@pytest.mark.parametrize("size", [(1440, 900), (2560, 1440)], ids=["1440", "2560"])
def test_a_first_runs_details_stay_whole_when_a_banner_takes_room(qtbot, desktop_font, window, size):  # noqa: F811
    """Review 11: the NaN banner, shown once the scan found a NaN (after the tabs were
    grown to Details' rows), took its height from the tabs too (a splitter shrinks both
    sides): the last row, "NaN/Inf at [437, 23] NaN", went under a scroll bar at 1440x900
    and 2560x1440 with the plots far above their least. The tabs hold the rows again,
    the plots giving the room."""

    _first_run_on_a_kernel(qtbot, window, size)
    details, splits = window.details, window.splits
    assert details.verticalScrollBar().maximum() == 0  # whole before the banner (as tested above)
    window.banner.show_message("A note\non three\nlines", "warning")  # a tall banner: more than a row's worth
    qtbot.waitUntil(lambda: window.banner.isVisible())
    qtbot.wait(100)
    assert splits.views.height() > splits.views.minimumSizeHint().height() + 100  # the window has the room
    assert details.verticalScrollBar().maximum() == 0, (size, splits.right.sizes())


def _first_run_on_a_kernel(qtbot, window, size, short_details: bool = False) -> None:
    """The demo at ``size`` with a first run's split (``short_details``: made from a short
    Details), a conv kernel selected and its plots drawn."""
    from tests.test_app_desktop import WAIT_MS

    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    open_demo(qtbot, window)
    if short_details:
        window.details.show_message("")  # a first run's split, from a short Details (as tested above)
    window.splits.first_run(window.width(), window.height())
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)
    qtbot.wait(100)
