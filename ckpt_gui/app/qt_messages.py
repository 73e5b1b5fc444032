"""Qt's own warnings, less one known to be harmless: without a display (the offscreen
platform, ``--screenshot``), Qt says "This plugin does not support propagateSizeHints()"
whenever a window with a layout is shown or its minimum size changes, 1 to 3 times a run
(review 17). A window's size hints are for a window manager, and offscreen there is none:
nothing is lost, and the line read as a fault in a scripted run. Every other message goes
where it went (the handler before, else Qt's format on stderr)."""

from __future__ import annotations

import sys

from PySide6.QtCore import qFormatLogMessage, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication

SIZE_HINTS = "This plugin does not support propagateSizeHints()"
_installed: list = []  # the handler, kept alive while Qt calls it


def quiet_size_hints(app: QGuiApplication) -> None:
    """Drop SIZE_HINTS on the offscreen platform (only it says it); on a desktop, nothing."""
    if app.platformName() != "offscreen" or _installed:
        return
    previous = None

    def handler(mode, context, message: str) -> None:
        if message == SIZE_HINTS:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")

    _installed.append(handler)
    previous = qInstallMessageHandler(handler)
