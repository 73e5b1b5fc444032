"""The README's repair screenshots: a repair plan, and the all-green diagnosis of the
repaired checkpoint. TensorFlow writes the widened-layer case of tests/repair_cases.py
(in a child), the app diagnoses it, proposes the plan (copy-overlap chosen for the
shape conflicts), writes, verifies and opens the repaired checkpoint.

    QT_QPA_PLATFORM=offscreen python tools/repair_screenshots.py [DOCS] [--size WxH] [--keep SECONDS]

``--keep`` leaves the windows up that long after each shot (to look at them in X11).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QComboBox

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CASE = "widened_layer"
WAIT_MS = 600_000


def _wait(signal, predicate=lambda *args: True) -> tuple:
    """Run the event loop until ``signal`` fires with arguments ``predicate`` accepts."""
    loop, seen = QEventLoop(), []

    def fired(*args) -> None:
        if predicate(*args):
            seen.append(args)
            loop.quit()

    signal.connect(fired)
    QTimer.singleShot(WAIT_MS, loop.quit)
    loop.exec()
    signal.disconnect(fired)
    if not seen:
        sys.exit(f"repair_screenshots: timed out waiting for {signal}")
    return seen[0]


def _pause(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("docs", nargs="?", default=os.path.join(REPO, "docs"))
    parser.add_argument("--size", default="1024x640")
    parser.add_argument("--keep", type=float, default=0.5)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    root = tempfile.mkdtemp(prefix="ckpt-gui-repair-shots-")
    os.environ.setdefault("CKPT_GUI_SETTINGS_DIR", os.path.join(root, "settings"))
    subprocess.run([sys.executable, "-m", "tests.repair_cases", "write", root, CASE], check=True, cwd=REPO)
    folder = os.path.join(root, CASE)

    from ckpt_gui.app.widgets.repair_lines import ACTION
    from ckpt_gui.app.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow(scan_on_open=False)
    window.resize(width, height)
    window.show()
    window.browse.open_path(os.path.join(folder, "source"))
    _wait(window.loaded)
    window.doctor.diagnose(os.path.join(folder, "model.py"))
    _wait(window.doctor.done)
    window.report_panel.repair_button.click()
    dialog = window.repair.dialog
    dialog.resize(width, int(height * 0.8))
    for row in range(dialog.table.rowCount()):
        choice = dialog.table.cellWidget(row, ACTION)
        if isinstance(choice, QComboBox):
            choice.setCurrentIndex(1)  # copy-overlap: the widened layer keeps its old units
    # A copy-overlap line made current: its reason shown whole under the table, as a
    # click shows it (the table's Reason column is one line a row).
    dialog.table.setCurrentCell(1, 1)
    _pause(args.keep)
    dialog.grab().save(os.path.join(args.docs, "screenshot-repair-plan.png"))
    window.repair.write(os.path.join(root, "repaired"))
    _wait(window.repair.runner.busy_changed, lambda busy: not busy)
    print(dialog.result.text().replace("<br>", "\n"))
    if window.repair.outcome is None or not window.repair.outcome.ok:
        return 1
    dialog.open_button.click()
    _wait(window.doctor.done)
    dialog.close()
    _pause(args.keep)
    window.grab().save(os.path.join(args.docs, "screenshot-repair-verified.png"))
    window.close()
    app.processEvents()
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
