"""What every workflow's controller has: its own job runner, the window's banner for
problems, and a status bar message signal.

A controller decides when work runs (on its runner, off the GUI thread) and puts the
results in its panels; the computing itself is the core's. Controllers never know
each other: the window connects their signals.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.app.widgets.banner import Banner


class Controller(QObject):
    status = Signal(str)  # a message for the status bar

    def __init__(self, banner: Banner, window: QWidget) -> None:
        super().__init__(window)
        self.dialog_parent = window
        self.banner = banner
        self.runner = JobRunner(self)
        self.runner.error.connect(lambda message, details: banner.show_message(message, "error", details))

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Cancel this workflow's jobs and wait for them to return (the app is closing)."""
        self.runner.cancel()
        self.runner.wait(timeout_ms)
