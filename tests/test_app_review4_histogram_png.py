"""Review 4 (issue 11): a saved histogram's title is the variable's whole path and the
checkpoint's name; the on-screen title, cut to the panel, was saved as it was
("model/_functional…rations/3/_kernel" in an 800 px image, no checkpoint named)."""

from __future__ import annotations

import shutil

from PySide6.QtGui import QFont, QImage

from ckpt_gui.app.widgets import histogram_panel, titled_png
from ckpt_gui.resources import demo_path
from tests.conftest import wait_drawn

WAIT_MS = 60_000


def test_the_saved_histogram_is_titled_with_the_whole_path_and_the_checkpoint(qtbot, window, tmp_path, monkeypatch):
    folder = shutil.copytree(demo_path(), tmp_path / "rv4-data")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))
    tree = window.tree_panel.tree
    node = max(
        (n for n in tree.by_key.values() if n.variable is not None and len(n.variable.shape) == 2),
        key=lambda n: len(n.variable.display_path),
    )
    window.tree_panel.select_node(node)
    path = node.variable.display_path
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)  # the plots are made and drawn in turns of their own
    window.histogram.plot.resize(240, 200)  # a narrow panel: the title on screen is cut
    window.histogram._show_title(240)
    label = window.histogram.plot.plotItem.titleLabel
    on_screen = label.text
    assert "\u2026" in on_screen
    titles = []
    real = histogram_panel.with_title

    def spy(image, font, title, caption, scale=1.0):
        titles.append((title, caption, image.width()))
        return real(image, font, title, caption, scale)

    monkeypatch.setattr(histogram_panel, "with_title", spy)
    window.browse.save_histogram(str(tmp_path / "h.png"))
    ((title, caption, width),) = titles
    assert title == path and caption == f"checkpoint rv4-data/{window.browse.ckpt.ref.name}"
    saved = QImage(str(tmp_path / "h.png"))
    assert saved.width() == width >= 800 and saved.height() > 0
    assert label.text == on_screen  # the panel's own title is back


def test_a_path_an_image_can_hold_is_painted_whole():
    path = "model/_functional/_operations/3/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
    lines = titled_png.title_lines(QFont(), 800, path, "checkpoint run/ckpt-300", scale=3.0)
    assert [text for _font, text in lines] == [path, "checkpoint run/ckpt-300"]
    # Too long for any size down to the least: cut in the middle, its ends kept.
    long_path = "/".join(["layer"] * 60)
    ((_font, text), _caption) = titled_png.title_lines(QFont(), 800, long_path, "c")
    assert "\u2026" in text and text.startswith("layer") and text.endswith("layer")
