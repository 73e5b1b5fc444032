"""The window's first frame at launch (review finding 8): it says which checkpoint it is
opening, with the busy indicator, under that checkpoint's name in the title; the
review saw "ckpt-300 - ckpt-gui" above "No checkpoint". In a subprocess: the app's
own entry point, the first paint of the window caught as it happens."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ckpt_gui.resources import demo_path

DRIVER = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch
from ckpt_gui.app.window import MainWindow

class FirstPaint(QObject):
    seen = None

    def eventFilter(self, watched, event):
        if self.seen is None and event.type() == QEvent.Type.Paint and isinstance(watched, MainWindow):
            self.seen = {"title": watched.windowTitle(), "path": watched.path_label.text().strip(),
                         "busy": watched.progress.isVisibleTo(watched),
                         "status": watched.status_message(), "loaded": watched.browse.ckpt is not None}
            print("FIRST", json.dumps(self.seen), flush=True)
            QTimer.singleShot(0, watched.close)
        return False

app = QApplication(sys.argv[:1])
first = FirstPaint()
app.installEventFilter(first)
sys.exit(launch.run_gui(sys.argv[1:]))
"""


def _first_frame(tmp_path, path: str) -> dict:
    env = {**os.environ, "CKPT_GUI_SETTINGS_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", DRIVER, path], env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("FIRST ")]
    assert lines, done.stderr[-2000:]
    return json.loads(lines[0].removeprefix("FIRST "))


def test_the_first_frame_says_which_checkpoint_is_opening_as_the_title_does(tmp_path):
    first = _first_frame(tmp_path, demo_path())
    assert not first["loaded"]  # the open has not ended: the frame shows its opening state
    assert first["title"] == "demo - ckpt-gui"
    assert first["path"] == "Opening demo..."
    assert first["busy"] and first["status"].startswith("Opening ")


def test_a_launch_path_that_does_not_open_goes_back_to_no_checkpoint(qtbot, window, tmp_path):
    missing = str(tmp_path / "no-such-checkpoint")
    window.show_opening(missing)
    assert window.windowTitle() == "no-such-checkpoint - ckpt-gui"
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.browse.open_path(missing)
    assert window.browse.ckpt is None and window.banner.isVisible()
    assert window.windowTitle() == "ckpt-gui" and window.path_label.text() == "No checkpoint"
