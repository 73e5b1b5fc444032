"""The window's layout on small and large screens (issue 11's review): plots that keep
their height under a restore report, a Graph tab that shows its tables, controls whose
text is never cut, and a colour bar that labels any range. Offscreen, no TensorFlow:
the report is made of the demo checkpoint's own keys and shapes."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import AttemptError, RestoreFinding, RestoreReport, TensorFlowVerdict
from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS, open_demo

SMALL = (1024, 640)  # the smallest screen issue 11 asks for
LEAST_PLOT = 140  # px: a histogram or heatmap lower than this shows no shape
SAVED_MODEL = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "corpus" / "rossman-sm-2022"


def _report_for_demo(window) -> RestoreReport:
    """A report like the doctor's for demo_model_changed.py: every kernel of the demo
    in conflict (the model's layers twice as wide), and six notes of real length."""
    ckpt = window.browse.ckpt
    entries = [v for v in ckpt.variables if v.key.startswith("model/") and len(v.shape) >= 1]
    findings = tuple(
        RestoreFinding(
            RestoreStatus.SHAPE_CONFLICT, e.key, e.key.split("/.ATTRIBUTES")[0], tuple(e.shape),
            (*e.shape[:-1], 2 * e.shape[-1]), e.dtype.name, e.dtype.name, optimizer=False,
            suggestions=(f"the checkpoint has {e.shape[-1]}, the model {2 * e.shape[-1]} (the layer went from "
                         f"{e.shape[-1]} to {2 * e.shape[-1]} units): build this layer with its old size",),
        )
        for e in entries[:7]
    )  # fmt: skip
    notes = (
        "0 of 12 model weights restored: TensorFlow's restore stopped at its first error; the 5 matching ones are"
        " restored once the conflicts are fixed",
        "optimizer state unmatched (22 values): expected for an inference restore",
        "save_counter unmatched (counters, harmless)",
        "2 model variables have no value in the checkpoint and keep their initial values",
        "7 variables match by path but not by shape or dtype: TensorFlow reports only the first of these and stops",
        "5 matching values were not restored because TensorFlow's restore stopped at its first error",
    )
    summary = {status: 0 for status in RestoreStatus} | {RestoreStatus.SHAPE_CONFLICT: len(findings)}
    return RestoreReport(
        ckpt.prefix, "/home/user/models/demo_model_changed.py", False, None, summary, findings, notes,
        TensorFlowVerdict(), "/usr/bin/python3", "2.21.0", 11.2,
    )  # fmt: skip


def _show_report(qtbot, window, report: RestoreReport | None = None) -> None:
    """What the doctor does when its attempt reports: the tab, then the report."""
    window.info_tabs.setCurrentWidget(window.report_panel)
    window.doctor.expect_report(report or _report_for_demo(window))
    with qtbot.waitSignal(window.diagnosis_done, timeout=WAIT_MS):
        window.doctor.set_checkpoint(window.browse.ckpt)
    qtbot.wait(100)  # the splitters settle on the event loop


@pytest.fixture()
def small(qtbot, window):
    window.resize(*SMALL)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == SMALL, timeout=2000)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    return window


# -- a restore report and the plots share the height ---------------------------------------------


def test_plots_keep_their_height_under_a_report_at_1024x640(qtbot, small):
    _show_report(qtbot, small)
    assert small.minimumSizeHint().height() <= SMALL[1]
    assert small.size().toTuple() == SMALL  # the window did not grow past the screen
    assert small.histogram.plot.height() >= LEAST_PLOT
    assert small.tensor.graphics.height() >= LEAST_PLOT
    panel = small.report_panel
    rows = panel.problems.viewport().height() / panel.problems.sizeHintForRow(0)
    assert rows >= 3, f"the problem table shows {rows:.1f} rows"
    assert panel.detail_area.height() >= 2 * panel.fontMetrics().lineSpacing()
    assert panel.notes_area.isVisible() and panel.notes_area.height() >= 2 * panel.fontMetrics().lineSpacing()


def test_a_failed_attempt_with_a_long_word_leaves_the_window_its_size(qtbot, small):
    """A script's error of one 200-character word (a path, a dumped proto) had made the
    window's least width 1747 px: the headline wraps as long as it is."""
    word = "9f86d081884c7d65" * 12  # a 192-character digest: no space, no break
    error = AttemptError("ValueError", f"the model could not be built from {word}", f"Traceback...\n{word}")
    report = dataclasses.replace(_report_for_demo(small), error=error, variables=(), ok=False)
    _show_report(qtbot, small, report)
    assert small.report_panel.error.isVisible()
    assert small.minimumSizeHint().width() <= SMALL[0]
    assert small.size().toTuple() == SMALL


def test_the_plots_can_never_be_dragged_away(qtbot, small):
    _show_report(qtbot, small)
    splitter = small.right_splitter
    splitter.setSizes([sum(splitter.sizes()), 0])  # what dragging the line to the bottom asks
    qtbot.wait(50)
    assert small.histogram.plot.height() >= LEAST_PLOT and small.tensor.graphics.height() >= LEAST_PLOT


@pytest.mark.skipif(not SAVED_MODEL.is_dir(), reason=f"the real-world corpus is not at {SAVED_MODEL.parent}")
def test_the_graph_tab_shows_its_tables_at_1024x640(qtbot, window):
    window.resize(*SMALL)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(SAVED_MODEL))
    graph = window.graph_panel
    qtbot.waitUntil(lambda: window.info_tabs.isTabEnabled(window.info_tabs.indexOf(graph)), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: graph.variables.topLevelItemCount() > 0, timeout=WAIT_MS)
    window.info_tabs.setCurrentWidget(graph)
    graph.sections.setCurrentWidget(graph.variables)
    qtbot.wait(100)
    rows = graph.variables.viewport().height() / graph.variables.sizeHintForRow(0)
    assert rows >= 8, f"the graph's variables show {rows:.1f} rows"
    assert window.histogram.plot.height() >= LEAST_PLOT


# -- no control text is cut ------------------------------------------------------------------------


def _cut_controls(panel: QWidget) -> list[str]:
    """Visible buttons, check boxes, labels and combo boxes narrower than their text
    asks, or reaching past the panel's right edge."""
    cut = []
    for widget in panel.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QLabel | QComboBox) or not widget.isVisibleTo(panel):
            continue
        if isinstance(widget, QLabel) and (widget.wordWrap() or not widget.text().strip()):
            continue  # wrapped text and the plots' empty readouts cannot be cut
        right = widget.mapTo(panel, widget.rect().topRight()).x()
        if widget.width() < widget.sizeHint().width() or right >= panel.width():
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
            cut.append(f"{type(widget).__name__} {text!r}: {widget.width()} of {widget.sizeHint().width()} px")
    return cut


@pytest.mark.parametrize("narrow", ["histogram", "tensor"])
def test_no_plot_control_is_cut_at_its_panels_least_width(qtbot, small, narrow):
    """Each plot panel at the least width the splitter lets it have, in 1024x640."""
    _show_report(qtbot, small)
    # At 1024x640 the report takes the plots' place (review 6: beside them it kept three
    # rows); they come back with Details, the report still there.
    small.info_tabs.setCurrentWidget(small.details)
    # The tree follows the report to its first problem (a vector): the kernel again, for its heatmap.
    small.tree_panel.select_key(next(v.key for v in small.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: small.histogram.histogram is not None and not small.busy, timeout=WAIT_MS)
    total = sum(small.views.sizes())
    small.views.setSizes([1, total - 1] if narrow == "histogram" else [total - 1, 1])  # 0 would collapse it
    qtbot.wait(100)
    squeezed = small.histogram if narrow == "histogram" else small.tensor
    assert squeezed.width() == squeezed.minimumWidth()  # what dragging the line fully gives
    panel = small.histogram if narrow == "histogram" else small.tensor.picture.widget(1)
    assert panel.isVisible()
    assert _cut_controls(panel) == []
    assert small.histogram.plot.height() >= LEAST_PLOT and small.tensor.graphics.height() >= LEAST_PLOT
    # The plot inside its view: a long title had held it wider, its right end cut.
    for view, item in ((small.histogram.plot, small.histogram.plot.plotItem), (small.tensor.graphics, None)):
        item = item or small.tensor.image_plot
        assert item.mapRectToScene(item.boundingRect()).right() <= view.width() + 1


def test_no_report_control_is_cut_at_1024x640(qtbot, small):
    _show_report(qtbot, small)
    assert _cut_controls(small.report_panel) == []


# -- the colour bar's numbers -----------------------------------------------------------------------


def _bar_labels(qtbot, values: np.ndarray) -> list[str]:
    """The tick labels the heatmap's colour bar draws for ``values`` (a panel of a
    plot's least height)."""
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 260)
    panel.show()
    panel.show_value(values, "x")
    axis = panel.colorbar.axis
    # Laid out: its height, and its width for these labels (what the next paint draws in).
    qtbot.waitUntil(lambda: axis.geometry().height() > 100 and axis.geometry().width() == axis.fixedWidth, timeout=5000)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)  # what paint() draws: labels that fit
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


RANGES = {
    "tiny positive": (1e-8, 3e-8),
    "tiny negative": (-3e-8, -1e-8),
    "large": (1e8, 3e8),
    "small signed": (-2e-5, 1e-5),
    "ordinary": (-0.3, 0.28),
}


@pytest.mark.parametrize("name", list(RANGES))
def test_the_colour_bar_labels_any_range_with_readable_distinct_numbers(qtbot, name):
    low, high = RANGES[name]
    values = np.linspace(low, high, 64, dtype=np.float32).reshape(8, 8)
    labels = _bar_labels(qtbot, values)
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    numbers = [float(label) for label in labels]  # each one a number as Python reads it
    bound = max(abs(low), abs(high))
    assert all(-bound * 1.01 <= n <= bound * 1.01 for n in numbers), labels
    assert len(set(numbers)) == len(numbers), labels
    assert all(len(label) <= 8 for label in labels), labels  # short enough for the bar's side


@pytest.mark.parametrize("value", [0.123, 3e8, -2.5e-7, 0.0])
def test_the_colour_bar_of_a_constant_plane_names_its_value(qtbot, value):
    labels = _bar_labels(qtbot, np.full((4, 5), value, dtype=np.float32))
    assert len(labels) == 1 and math.isclose(float(labels[0]), float(np.float32(value)), rel_tol=1e-5), labels


def test_the_index_axes_of_a_one_column_matrix_are_not_scaled(qtbot):
    # pyqtgraph scales a small range with an SI prefix: "axis 1 (x0.001)" on a [42, 1] kernel.
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 260)
    panel.show()
    panel.show_value(np.linspace(-0.4, 0.4, 42, dtype=np.float32).reshape(42, 1), "x")
    for side in ("left", "bottom"):
        axis = panel.image_plot.getAxis(side)
        qtbot.waitUntil(lambda axis=axis: axis.labelText.startswith("axis"), timeout=5000)
        assert "(x" not in axis.labelString() and axis.autoSIPrefixScale == 1.0, axis.labelString()


def test_a_long_heatmap_title_wraps_instead_of_pushing_the_colour_bar_out(qtbot):
    """ "this plane holds 2 NaN, 1 +-Inf" on a panel of 260 px had held the plot 330 px
    wide: the colour bar and the last columns were off the window."""
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(260, 330)
    panel.show()
    values = np.random.default_rng(0).random((20, 30)).astype(np.float32)
    values[0, 0], values[1, 1], values[2, 2] = np.nan, np.inf, np.nan
    panel.show_value(values, "x")
    wait_drawn(qtbot)
    assert "NaN" in panel.image_plot.titleLabel.text
    for item in (panel.image_plot, panel.colorbar):
        assert item.mapRectToScene(item.boundingRect()).right() <= panel.graphics.width() + 1, type(item).__name__


def test_one_long_name_does_not_cut_every_rows_dtype_and_shape_at_1024x640(qtbot, small):
    # The demo's _CHECKPOINTABLE_OBJECT_GRAPH row had made the name column take its
    # width, and every dtype read "flo..." and every shape "[3, 3, 1...".
    from ckpt_gui.app.widgets.tree_columns import COLUMN_LIMITS

    view = small.tree_panel.view
    small.tree_panel.fit_columns()
    for column, most in COLUMN_LIMITS.items():
        if not view.isColumnHidden(column):
            needed = min(max(view.sizeHintForColumn(column), view.header().sectionSizeHint(column)), most)
            assert view.columnWidth(column) >= needed, (column, view.columnWidth(column), needed)
    # ... while nine names in ten in view stay whole beside them.
    widths = []
    index = view.indexAt(view.rect().topLeft())
    while index.isValid():
        indent = view.visualRect(index).x() - view.columnViewportPosition(0)
        widths.append(indent + view.sizeHintForIndex(index).width())
        index = view.indexBelow(index)
    whole = sum(width <= view.columnWidth(0) for width in widths)
    assert whole >= 0.9 * len(widths) - 1, (whole, len(widths))


# -- tables on a large screen: short columns whole, the long text column the rest -------------------

LARGE = (1920, 1080)


def _whole(view, column: int, texts: list[str]) -> list[str]:
    """The texts of ``column`` its width cuts (the style's margins on both sides)."""
    margin = 2 * (view.style().pixelMetric(view.style().PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    metrics = view.fontMetrics()
    return [text for text in texts if metrics.horizontalAdvance(text) + margin > view.columnWidth(column)]


def test_the_doctors_table_shows_status_variable_and_shapes_whole_at_1920(qtbot, window):
    # Its Variable column stopped at 260 px ("model/_functional/...ions/4/moving_mean")
    # while the suggestion beside it took the rest of 1,100 px.
    window.resize(*LARGE)
    open_demo(qtbot, window)
    _show_report(qtbot, window)
    problems = window.report_panel.problems
    qtbot.wait(100)  # refitted once the panel has its width
    rows = [problems.topLevelItem(i) for i in range(problems.topLevelItemCount())]
    for column in (0, 1, 2):
        assert not _whole(problems, column, [row.text(column) for row in rows]), column
    last = problems.columnWidth(3)
    assert last >= 0.3 * problems.viewport().width() - 1  # the suggestions keep a third to be read in


def test_the_repair_dialog_shows_keys_targets_and_whole_reasons_when_wide(qtbot):
    from ckpt_gui.app.widgets.repair_lines import REASON, SOURCE, TARGET
    from ckpt_gui.app.widgets.repair_panel import RepairDialog
    from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

    conflict = "shape conflict: the checkpoint has [3, 3, 8, 16], the model [3, 3, 8, 32]; copy-overlap would copy "
    entries = tuple(
        PlanEntry(f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE", Action.KEEP_INITIAL,
                  f"model/_functional/_operations/{i}/moving_variance", conflict + "the overlapping block",
                  (3, 3, 8, 16), (3, 3, 8, 32), "float32", "float32")
        for i in range(12)
    )  # fmt: skip
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(RepairPlan("/src/ckpt", "/m.py", "object", entries, ()))
    dialog.show()
    dialog.resize(1700, 600)  # a large screen's dialog (it grows to 90% of the screen's width)
    qtbot.wait(150)
    table = dialog.table
    for column in (SOURCE, TARGET):
        assert not _whole(table, column, [table.item(r, column).text() for r in range(table.rowCount())]), column
    # Each reason whole: on its one line, else in its tooltip and, for the current line, under the table
    # (wrapped reasons and keys had made rows four lines high: 7 of 35 lines showed at 1024x640).
    for row in range(table.rowCount()):
        assert table.item(row, REASON).toolTip() == table.item(row, REASON).text()
    table.setCurrentCell(3, REASON)
    assert table.item(3, REASON).text() in dialog.line.text()
