"""The path beside the checkpoint picker at 1024 px (review 22, #25): for a long path,
"(TF2 object-based)" gave way and the path stayed whole. The kind stays now and the
path gives way: its start cut in its middle, the folder's and the checkpoint's names
whole, the whole path in the tooltip. Offscreen, in offscreen Qt's 9 pt font and the
10 pt a gtk3 desktop theme sets."""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ckpt_gui.app.widgets.layouts import ElidedLabel
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS

WINDOW_SIZE = (1024, 640)
KIND = "(TF2 object-based)"


def painted(label) -> str:
    return QLabel.text(label)  # what is painted, not ElidedLabel's whole text


def _versioned(folder) -> str:
    """The review's folder: two series, one with long names (the picker as wide as them),
    each checkpoint the demo's ckpt-300 under another name; the prefix of other_series-3."""
    folder.mkdir(parents=True)
    for name in ("model_v1_20250130_101500-1", "model_v1_20250130_101500-2", "other_series-3"):
        for suffix in (".index", ".data-00000-of-00001"):
            shutil.copy(os.path.join(demo_path(), "ckpt-300" + suffix), folder / (name + suffix))
    return str(folder / "other_series-3")


def test_the_kind_stays_beside_a_long_path_at_1024_px(qtbot, font_size, window, tmp_path):
    prefix = _versioned(tmp_path / "rev22" / "data" / "versioned")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(prefix)
    qtbot.waitUntil(lambda: window.width() == 1024 and not window.busy, timeout=WAIT_MS)
    label = window.path_label
    qtbot.wait(100)
    shown = painted(label)
    assert shown.endswith(f"other_series-3  {KIND}"), shown
    assert label.fontMetrics().horizontalAdvance(shown) <= label.width(), shown
    assert prefix in label.toolTip() and KIND in label.toolTip()


def test_the_path_gives_way_in_its_middle_then_the_folder_then_the_kind(qtbot):
    label = ElidedLabel(mode=Qt.TextElideMode.ElideLeft)
    qtbot.addWidget(label)
    label.show()
    path, tail, keep = " /tmp/rev22/data/versioned/other_series-3", f"  {KIND}", "versioned/other_series-3"
    label.setText(path, tail, keep)
    metrics = label.fontMetrics()
    # Room for the folder's and checkpoint's names, the kind and a little of the path's start.
    label.resize(metrics.horizontalAdvance(f" /tm\u2026a/{keep}{tail}") + 2, 30)
    shown = painted(label)
    assert shown.startswith(" /") and "\u2026" in shown and shown.endswith(keep + tail), shown
    # Less: the folder's name gives way to the kind, the checkpoint's name whole.
    label.resize(metrics.horizontalAdvance(f"\u2026ned/other_series-3{tail}") + 2, 30)
    shown = painted(label)
    assert shown.startswith("\u2026") and shown.endswith(f"/other_series-3{tail}") and keep not in shown, shown
    # Less than the checkpoint's name and the kind: the kind gives way (review 3: the names said first).
    label.resize(metrics.horizontalAdvance(f"\u2026{keep}") + 2, 30)
    assert painted(label) == f"\u2026{keep}", painted(label)
