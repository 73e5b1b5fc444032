"""Escape in a real X11 window (Xvfb, openbox, xdotool's key presses): it clears the
filter with focus on the plots' side too (issue 11: only the tree's and the comparison's
panels had it), but an open list there takes its Escape itself, the filter kept (a
popup is a window of its own only on a real platform)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_app_x11_review6 import small_display  # noqa: F401 (the 1024x640 X server fixture)
from tests.test_app_x11_ux import _env, pytestmark  # noqa: F401 (pytestmark: the skips: Linux, Xvfb, openbox)

# The demo's 4-D kernel selected (its heatmap has boxes to choose the plane), the filter
# set, then Escape pressed: with the plane's "rows" list open, with focus on the
# histogram's Bins box, on the values table. Prints [filter text, list open] after each.
ESCAPES = """
import json, subprocess, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QComboBox
from ckpt_gui.app.window import MainWindow
from ckpt_gui.resources import demo_path

app = QApplication(sys.argv[:1])
win = MainWindow(scan_on_open=False)
win.show()
win.browse.open_path(demo_path())
panel = win.tree_panel
seen, steps = [], []

def escape(then):
    subprocess.run(["xdotool", "key", "Escape"], check=True)
    QTimer.singleShot(500, then)

def boxes():
    return [b for b in win.tensor.findChildren(QComboBox) if b.isVisible()]

def list_open():
    panel.search.setText("kernel")
    box = boxes()[0]
    box.setFocus()
    box.showPopup()
    QTimer.singleShot(500, lambda: escape(lambda: after(box.view().isVisible())))

def focused(widget):
    def step():
        panel.search.setText("kernel")
        widget.setFocus()
        QTimer.singleShot(300, lambda: escape(lambda: after(widget.hasFocus())))
    return step

def after(state):
    seen.append([panel.search.text(), state])
    if steps:
        QTimer.singleShot(300, steps.pop(0))
    else:
        print(json.dumps(seen), flush=True)
        app.quit()

def selected():
    if win.busy or not boxes():
        QTimer.singleShot(200, selected)
        return
    steps.extend([focused(win.histogram.bins), lambda: (win.tensor.setCurrentWidget(win.tensor.table),
                                                         focused(win.tensor.table.view)())])
    list_open()

def start():
    if panel.tree is None or win.busy or not win.isActiveWindow():
        win.activateWindow()
        QTimer.singleShot(200, start)
        return
    key = next(k for k, n in panel.tree.by_key.items() if n.variable is not None and len(n.variable.shape) == 4)
    panel.select_key(key)
    QTimer.singleShot(500, selected)

QTimer.singleShot(1000, start)
app.exec()
"""


def test_escape_clears_the_filter_from_the_plots_side_but_closes_an_open_list_first(small_display, tmp_path):  # noqa: F811
    done = subprocess.run(
        [sys.executable, "-c", ESCAPES], env=_env(small_display, tmp_path), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (list_text, list_still_open), (bins_text, bins_focused), (table_text, table_focused) = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    assert (list_text, list_still_open) == ("kernel", False)
    assert (bins_text, bins_focused) == ("", True)
    assert (table_text, table_focused) == ("", True)
