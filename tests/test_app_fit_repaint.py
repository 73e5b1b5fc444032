"""A column fit repaints a tree once, and only when a column changed (issue 11: the
event loop never blocked over 100 ms). A fit's steps (the name column stretched to be
measured, then set back; columns shown to be measured, hidden again) each told the
tree, which repainted from that column on a turn later: the whole tree (15 to 17 ms of
the GUI thread at 200,000 variables) after a fit that ended where it began, and again
after a paint that had shown the new widths. Counted, not timed (app_open_bench.py
times the open's turns)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QTreeView

from ckpt_gui.app.widgets.column_widths import repainted_once
from tests.test_app_desktop import open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Paints(QObject):
    """The paint events a widget gets: their rectangles."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.rects = []
        widget.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())
        return False


def _tree(qtbot) -> QTreeView:
    model = QStandardItemModel(0, 3)
    for row in range(20):
        model.appendRow([QStandardItem(f"layer_{row}/kernel"), QStandardItem("float32"), QStandardItem("[3, 3]")])
    view = QTreeView()
    view.setModel(model)
    view._model = model  # kept alive with the view
    view.header().setStretchLastSection(False)
    view.resize(600, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.setColumnWidth(0, 200)
    view.setColumnWidth(1, 80)
    view.setColumnWidth(2, 80)
    qtbot.wait(50)  # painted, the column timers run
    return view


def _columns(view) -> list[tuple[int, bool]]:
    return [(view.columnWidth(c), view.isColumnHidden(c)) for c in range(view.model().columnCount())]


def test_steps_that_end_where_they_began_do_not_repaint(qtbot):
    view = _tree(qtbot)
    before = _columns(view)
    paints = Paints(view.viewport())
    header = view.header()
    with repainted_once(view):  # a fit's steps: stretched, hidden and shown, set back
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        view.setColumnHidden(2, True)
        view.setColumnHidden(2, False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        view.setColumnWidth(0, 200)
        view.setColumnWidth(2, 80)
    qtbot.wait(100)
    assert _columns(view) == before
    assert paints.rects == []
    assert not header.signalsBlocked()


def test_a_changed_column_repaints_once_from_that_column_on(qtbot):
    view = _tree(qtbot)
    paints = Paints(view.viewport())
    with repainted_once(view):
        view.setColumnWidth(1, 100)  # shown, then its final width
        view.setColumnWidth(1, 120)
    qtbot.wait(100)
    assert len(paints.rects) == 1, paints.rects
    rect = paints.rects[0]
    assert rect.x() == view.columnViewportPosition(1)  # the name column left as it was
    assert rect.right() >= view.viewport().width() - 1
    assert view.columnWidth(1) == 120


def test_a_hidden_column_repaints_and_updates_the_scroll_bar(qtbot):
    view = _tree(qtbot)
    view.setColumnWidth(0, 700)  # wider than the tree: a horizontal scroll bar
    qtbot.wait(50)
    scroll = view.horizontalScrollBar()
    wide = scroll.maximum()
    assert wide > 0
    paints = Paints(view.viewport())
    with repainted_once(view):
        view.setColumnWidth(0, 300)
        view.setColumnHidden(2, True)
    qtbot.wait(100)
    assert paints.rects and paints.rects[0].x() == 0  # (the viewport resized too: the scroll bar gone)
    assert scroll.maximum() < wide  # the view's geometry told, as the header's signals did


def test_the_browse_trees_fit_without_a_change_does_not_repaint(qtbot, window):
    open_demo(qtbot, window)
    panel = window.tree_panel
    panel.fit_columns()
    qtbot.wait(100)
    before = _columns(panel.view)
    paints = Paints(panel.view.viewport())
    panel.fit_columns()
    qtbot.wait(100)
    assert _columns(panel.view) == before
    assert paints.rects == []


def test_the_first_selection_is_fitted_in_one_turn_and_painted_once_in_the_next(qtbot, window):
    """Opening: the first variable is selected and its groups opened, then the columns
    fitted to them in the next turn, both with the tree's updates held, then the tree
    paints in a turn of its own, once. The fit and the paint had made one turn of 60 to
    80 ms of the GUI thread at 200,000 variables (the selection and the fit, 40 to 50),
    and the name column, narrowed by the scroll bar the opened rows bring, had repainted
    the whole tree again a turn later."""
    from PySide6.QtCore import QTimer

    from ckpt_gui.resources import demo_path

    panel = window.tree_panel
    panel.view.setMaximumHeight(panel.view.fontMetrics().height() * 10)  # the rows opened: a scroll bar comes
    viewport = panel.view.viewport()
    events = []
    real, real_fit = panel.select_node, panel.fit_to_selection

    def select_node(node, **kwargs):
        selected = real(node, **kwargs)
        events.append(("selected", viewport.updatesEnabled()))
        return selected

    def fit_to_selection():
        real_fit()
        events.append(("fitted", viewport.updatesEnabled()))

    class Order(QObject):
        def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
            if event.type() == QEvent.Type.Paint and any(e[0] == "selected" for e in events):
                events.append(("painted", event.rect() == viewport.rect()))
            return False

    order = Order(viewport)
    viewport.installEventFilter(order)
    panel.select_node, panel.fit_to_selection = select_node, fit_to_selection
    ticker = QTimer(viewport, interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: events.append(("pass",)) if events and events[-1] != ("pass",) else None)
    ticker.start()
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(demo_path()))
    qtbot.wait(200)  # any repaint a resize timer of the tree's would ask for
    ticker.stop()
    assert panel.view.verticalScrollBar().isVisible(), events
    shown = [event for event in events if event != ("pass",)]
    assert shown == [("selected", False), ("fitted", False), ("painted", True)], events
    fitted = events.index(("fitted", False))
    assert events[fitted - 1] == ("pass",), f"the fit in a pass of its own: {events}"
    assert viewport.updatesEnabled()


def test_a_selection_that_brings_a_scroll_bar_repaints_the_tree_once(qtbot, window):
    """Selecting a variable inside closed groups opens them; the scroll bar the rows
    bring narrows the name column. The fit that follows holds the header's signals over
    both, so the tree paints once (it had repainted itself whole again a turn later)."""
    open_demo(qtbot, window)
    panel, view = window.tree_panel, window.tree_panel.view
    view.setMaximumHeight(view.sizeHintForRow(0) * 8)  # the demo's rows closed fit; its first variable's, opened, not
    node = panel.selected_node()
    view.collapseAll()
    qtbot.waitUntil(lambda: not view.verticalScrollBar().isVisible())
    qtbot.wait(100)
    paints = Paints(view.viewport())
    assert panel.select_node(node)
    qtbot.wait(200)
    assert view.verticalScrollBar().isVisible()
    assert len(paints.rects) == 1, paints.rects
