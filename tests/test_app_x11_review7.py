"""Review 7 in a real X11 window (Xvfb, openbox, xdotool; see tests/test_app_x11_ux.py):
the menus' shortcuts from the filter box, and the window's size after a comparison."""

from __future__ import annotations

import time

import pytest

from ckpt_gui.resources import demo_path
from tests.test_app_x11_ux import App, private_display, pytestmark  # noqa: F401 (pytestmark: the skips)

# The window on the demo, every menu action with a shortcut recording its presses
# instead of doing its work (no dialog opens, Quit does not quit) and kept enabled.
SHORTCUTS_DRIVER = """
import json, os, sys
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication
from ckpt_gui.app.window import MainWindow

app = QApplication(sys.argv[:1])
win = MainWindow(scan_on_open=False)
win.resize(1024, 640)
win.move(0, 0)
win.show()
win.browse.open_path(sys.argv[1])
fired = []
actions = [a for a in win.findChildren(QAction, options=Qt.FindChildOption.FindDirectChildrenOnly)
           if not a.shortcut().isEmpty()]
for action in actions:
    action.triggered.disconnect()
    action.triggered.connect(lambda _checked=False, a=action: fired.append(a.shortcut().toString()))

def dump():
    for action in actions:
        action.setEnabled(True)
    search = win.tree_panel.search
    point = search.mapToGlobal(search.rect().center())
    state = {"title": win.windowTitle(), "busy": win.busy, "fired": fired,
             "shortcuts": [a.shortcut().toString() for a in actions],
             "filter_focused": app.focusWidget() is search, "filter": [point.x(), point.y()]}
    with open(sys.argv[2] + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])

timer = QTimer(interval=100)
timer.timeout.connect(dump)
timer.start()
app.exec()
"""


def xdotool_keys(shortcut: str) -> str:
    """Qt's "Ctrl+Shift+O" as xdotool's "ctrl+shift+o" (keysyms: a letter in lower case,
    "F1" as it is)."""
    *modifiers, key = shortcut.split("+")
    return "+".join([m.lower() for m in modifiers] + [key.lower() if len(key) == 1 else key])


@pytest.fixture(scope="module")
def display(tmp_path_factory):
    """A private X server at 1024x640 (the reviewer's screen) with openbox on it."""
    yield from private_display(tmp_path_factory.mktemp("x11") / "xvfb.log", "1024x640x24")


def test_every_menu_shortcut_works_from_the_filter_box(display, tmp_path):
    """Review 7: Ctrl+E (Export tensor as .npy) did nothing from the filter box: with X11's
    key bindings a QLineEdit takes Ctrl+E as end of line before any shortcut."""
    app = App(display, tmp_path, demo_path(), driver=SHORTCUTS_DRIVER)
    try:
        state = app.wait_for(lambda s: s["title"].startswith("ckpt-300") and not s["busy"], "the demo to open")
        app.xdotool("mousemove", *state["filter"], "click", 1)
        state = app.wait_for(lambda s: s["filter_focused"], "the filter box's focus")
        assert "Ctrl+E" in state["shortcuts"] and "Ctrl+K" in state["shortcuts"], state["shortcuts"]
        missed = []
        for shortcut in state["shortcuts"]:
            before = len(app.state()["fired"])
            app.xdotool("key", "--clearmodifiers", xdotool_keys(shortcut))
            deadline = time.monotonic() + 5
            while len(app.state()["fired"]) == before and time.monotonic() < deadline:
                time.sleep(0.1)
            fired = app.state()["fired"][before:]
            if fired != [shortcut]:
                missed.append((shortcut, fired))
            app.wait_for(lambda s: s["filter_focused"], "the filter box's focus, still")
        app.screenshot("shortcuts")
        assert not missed, missed
    finally:
        app.close()
