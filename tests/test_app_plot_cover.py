"""Review 19, F4: a large tensor's picture while its min/max envelope is drawn, and once
that was cancelled, showed empty axes with "0" ticks (and a 0..1 colour bar beside a
matrix) under its message, the message wrapped to leave "it" alone on its last line. The
message stands alone, centred, in lines of even length (offscreen, DejaVu)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QWidget

from ckpt_gui.app import plot_import
from ckpt_gui.app.widgets.tensor_panel import ENVELOPE_CANCELLED
from tests.conftest import wait_drawn
from tests.helpers import open_with_a_held_pass
from tests.test_app_desktop import WAIT_MS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)  # the reviewer's screen
WAITING = "drawing the min/max envelope..."


def _drawn(window, plot: QWidget) -> QRect:
    """Where ``plot``'s picture (the message over it included) differs from its
    background: the box round every mark drawn on it."""
    image = plot.grab().toImage()
    background = window.palette().color(QPalette.ColorRole.Base)
    points = [
        (x, y) for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y) != background
    ]
    assert points, "nothing drawn"
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def _alone_and_centred(window, plot: QWidget, message: str) -> None:
    """Only ``message`` is drawn, centred, away from the edges where axes and a colour
    bar go; its lines even (the shortest at least half the longest, none a lone word)."""
    box, whole = _drawn(window, plot), plot.rect()
    edge = 8  # px: no axis line, tick or colour bar this close to the plot's edge
    assert whole.adjusted(edge, edge, -edge, -edge).contains(box), (box, whole)
    assert abs(box.center().x() - whole.center().x()) <= whole.width() // 10, (box, whole)
    assert abs(box.center().y() - whole.center().y()) <= whole.height() // 10, (box, whole)
    from ckpt_gui.app.widgets.plot_cover import cover

    shown = cover(plot)
    assert shown.isVisible() and shown.message == message
    lines = shown.text().split("\n")
    assert " ".join(lines) == message
    metrics = QFontMetrics(QFont(shown.font()))
    widths = [metrics.horizontalAdvance(line) for line in lines]
    assert all(" " in line for line in lines) or len(lines) == 1, lines
    assert min(widths) * 2 >= max(widths), lines


@pytest.mark.parametrize("shape", [(1000, 50), (50_000,)], ids=["matrix", "vector"])
def test_a_waiting_or_cancelled_envelope_shows_its_message_alone(qtbot, window, tmp_path, monkeypatch, shape):
    started = open_with_a_held_pass(qtbot, window, tmp_path, monkeypatch, shape, WAIT_MS)
    tensor = window.tensor
    qtbot.waitUntil(lambda: started.is_set() and not plot_import.pending(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tensor._pending_draw is None, timeout=WAIT_MS)
    wait_drawn(qtbot)
    plot = tensor.line if len(shape) == 1 else tensor.graphics
    assert tensor.picture.currentWidget().isAncestorOf(plot)
    _alone_and_centred(window, plot, WAITING)  # while the pass runs

    window.browse.runner.cancel("histogram")  # as Cancel in the status bar
    qtbot.waitUntil(lambda: not window.busy and tensor._pending_draw is None, timeout=WAIT_MS)
    wait_drawn(qtbot)
    _alone_and_centred(window, plot, ENVELOPE_CANCELLED)
