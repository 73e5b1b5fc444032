"""Screenshot of the Graph tab (README's docs/screenshot-graph.png), offscreen.

    QT_QPA_PLATFORM=offscreen python tools/graph_screenshot.py SAVED_MODEL OUT.png [--section N] [--size WxH]

Opens SAVED_MODEL (or a checkpoint with a .meta) in the app's window, waits until every
job has reported, shows the Graph tab (section N: 0 signatures, 1 variables, 2
collections) with room for it, and saves the window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--section", type=int, default=0)
    parser.add_argument("--size", default="1440x900")
    args = parser.parse_args()
    settings = tempfile.TemporaryDirectory(prefix="ckpt-gui-screenshot-")  # noqa: SIM115 - removed before os._exit
    os.environ.setdefault("CKPT_GUI_SETTINGS_DIR", settings.name)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app import plot_import, plot_turns
    from ckpt_gui.app.window import MainWindow

    app = QApplication([])
    window = MainWindow(scan_on_open=False)
    width, height = (int(x) for x in args.size.split("x"))
    window.resize(width, height)
    window.show()

    def save() -> None:
        # Its plots too, made a piece per turn (plot_turns), not "Drawing...".
        if window.busy or plot_import.drawing_waits() or plot_turns.busy():
            QTimer.singleShot(100, save)
            return
        window.info_tabs.setCurrentWidget(window.graph_panel)
        window.graph_panel.sections.setCurrentIndex(args.section)
        window.right_splitter.setSizes([int(height * 0.62), int(height * 0.38)])
        app.processEvents()
        ok = window.grab().save(args.out)
        print(args.out if ok else f"cannot write {args.out}", file=sys.stdout if ok else sys.stderr, flush=True)
        settings.cleanup()
        os._exit(0 if ok else 1)  # at once, as the app's own --screenshot leaves

    window.loaded.connect(lambda: QTimer.singleShot(300, save))
    window.browse.open_path(args.path)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
