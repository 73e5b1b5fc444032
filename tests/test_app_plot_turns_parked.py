"""The plots' pieces of work for a panel hidden in its window are parked, not run, until
the panel is shown again, and a closing window runs none of its pieces (app/plot_turns.py).

At load 20, Ctrl+Q during a comparison waited 3 to 9.5 s behind the pieces made for the
browse panels the comparison hides (benchmarks/quit_bench.py): each piece, 30 to 70 ms
of the GUI thread's CPU, took a turn of 1.7 s and more there. Offscreen."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from ckpt_gui.app import plot_turns
from ckpt_gui.resources import demo_path
from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _two_pages(qtbot):
    """A shown window whose stack shows ``other`` in the place of ``panel``."""
    window = QWidget()
    qtbot.addWidget(window)
    stack = QStackedWidget()
    QVBoxLayout(window).addWidget(stack)
    panel, other = QLabel("panel"), QLabel("other")
    stack.addWidget(panel)
    stack.addWidget(other)
    window.show()
    qtbot.waitExposed(window)
    stack.setCurrentWidget(other)
    assert not panel.isVisible()
    return window, stack, panel


def test_a_hidden_panels_pieces_wait_for_its_show_the_latest_of_a_key_in_its_place(qtbot):
    window, stack, panel = _two_pages(qtbot)
    log: list[str] = []
    plot_turns.later(panel, lambda: log.append("make"), key="make")
    plot_turns.run(panel, lambda: log.append("old draw"), key="draw")
    plot_turns.run(panel, lambda: log.append("first"))
    plot_turns.run(panel, lambda: log.append("table"), key="table")
    plot_turns.run(panel, lambda: log.append("draw"), key="draw")  # what the old one would draw is no more
    plot_turns.drop(panel, "table")
    qtbot.wait(200)
    assert log == [], "a hidden panel's piece ran"
    assert not plot_turns.busy(), "a parked piece counts as work waiting (a screenshot would wait for it forever)"
    stack.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=5000)
    assert log == ["make", "draw", "first"]


def test_a_shown_panels_pieces_run_past_a_hidden_ones(qtbot):
    window, stack, panel = _two_pages(qtbot)
    shown = stack.currentWidget()
    log: list[str] = []
    plot_turns.later(panel, lambda: log.append("hidden"))
    plot_turns.later(shown, lambda: log.append("shown"))
    qtbot.waitUntil(lambda: log == ["shown"], timeout=5000)
    qtbot.wait(100)
    assert log == ["shown"]


def test_in_a_window_not_shown_nothing_is_parked(qtbot):
    """No Show would come to wake a piece parked in a window hidden (or not shown yet)."""
    window, stack, panel = _two_pages(qtbot)
    log: list[str] = []
    plot_turns.later(panel, lambda: log.append("piece"))
    qtbot.wait(100)
    assert log == []
    window.hide()
    qtbot.waitUntil(lambda: log == ["piece"], timeout=5000)


def _values_histogram_shown(window, tf):
    """Whether the histogram drawn is the browse selection's, by TensorFlow's values."""
    node = window.tree_panel.selected_node()
    values = tf.train.load_checkpoint(window.browse.ckpt.prefix).get_tensor(node.variable.key)
    histogram = window.histogram
    counts, _edges = np.histogram(values, bins=histogram.histogram.edges)
    return histogram.stack.currentWidget() is histogram.plot and np.array_equal(histogram.curve.getData()[1], counts)


def test_the_browse_plots_behind_a_comparison_are_drawn_once_it_closes(qtbot, window, tf, monkeypatch):
    """A selection made in browse while the comparison covers it (its jobs report
    behind the comparison): no plot of it is made or drawn until browse is shown again,
    then the plots show what browse has selected."""
    from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
    from ckpt_gui.app.widgets.tensor_panel import TensorPanel

    window.resize(1024, 640)
    open_demo(qtbot, window)
    wait_drawn(qtbot)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    assert not window.histogram.isVisible() and not window.tensor.isVisible()
    ran: list[str] = []
    for panel_type, name in ((HistogramPanel, "_show_plot"), (TensorPanel, "_draw_pending")):
        real = getattr(panel_type, name)

        def spy(self, real=real, name=name):
            ran.append(name)
            return real(self)

        monkeypatch.setattr(panel_type, name, spy)
    tree = window.tree_panel
    others = [n for n in tree.tree.by_key.values() if n.variable is not None and n is not tree.selected_node()]
    other = next(n for n in others if len(n.variable.shape) == 2 and n.variable.dtype.name == "float32")
    assert tree.select_node(other)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)  # its statistics and histogram computed
    assert window.histogram.histogram is not None and window.histogram._waiting  # asked for, behind the comparison
    qtbot.wait(200)
    assert ran == [], "a plot of a hidden browse panel was drawn"
    assert not plot_turns.busy()
    window.compare.close()
    qtbot.waitUntil(lambda: "_show_plot" in ran and "_draw_pending" in ran, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)
    assert _values_histogram_shown(window, tf)


def test_a_closing_window_runs_none_of_its_queued_pieces(qtbot, window):
    """Quit (the window's close) with plot pieces queued: none runs behind it, the
    hidden window's panels' pieces not either (a window not shown parks nothing)."""
    open_demo(qtbot, window)
    wait_drawn(qtbot)
    log: list[str] = []
    for panel in (window.histogram, window.tensor, window.details):
        plot_turns.later(panel, lambda panel=panel: log.append(type(panel).__name__))
    plot_turns.later(window.browse, lambda: log.append("browse"))
    assert plot_turns.busy()
    window.close()
    qtbot.wait(200)
    assert log == []
    assert not plot_turns.busy()
