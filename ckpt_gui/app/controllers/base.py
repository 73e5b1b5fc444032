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
from ckpt_gui.app.save_path import ask_save_path
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.write_guard import Protected, write_file


class Controller(QObject):
    status = Signal(str)  # a message for the status bar

    def __init__(self, banner: Banner, window: QWidget) -> None:
        super().__init__(window)
        self.dialog_parent = window
        # Its own voice on the shared banner: ``self.banner.hide()`` withdraws this
        # workflow's message only (see Banner.voice).
        self.banner = banner.voice(self)
        self._export_banner = banner.voice(object())  # an export's failure, beside what the workflow says
        self.runner = JobRunner(self)
        self.runner.error.connect(lambda message, details: self.banner.show_message(message, "error", details))

    def withdraw_status(self) -> None:
        """What the status bar says for this workflow is no longer true: the window
        clears it if it is still this workflow's message."""
        self.status.emit("")

    def ask_save_path(self, title: str, name: str, filters: str, ckpt: Checkpoint | None,
                      protected: Protected | None = None) -> str | None:  # fmt: skip
        """Where to save an export (None: cancelled): the dialog starts outside ``ckpt``'s
        folder (or what ``protected`` names) and refuses a path inside it before it closes."""
        if protected is None:
            protected = Protected.of(ckpt) if ckpt is not None else Protected((), ())
        return ask_save_path(self.dialog_parent, title, name, filters, protected)

    def write_export(self, path: str, data: bytes, ckpt: Checkpoint | None, protected: Protected | None = None) -> None:
        """``data`` to ``path`` through the write guard, like every export (never into
        ``ckpt``'s folder, or what ``protected`` names); what went wrong on the banner,
        what was written in the status bar."""
        if protected is None:
            protected = Protected.of(ckpt) if ckpt is not None else Protected((), ())
        try:
            written = write_file(path, protected, lambda f: f.write(data))
        except CheckpointError as exc:
            self.export_failed(path, exc)
            return
        self.withdraw_export_error()  # an earlier export's "cannot write": this one was written
        self.status.emit(f"Wrote {written}")

    def export_failed(self, path: str, exc: Exception | str) -> None:
        """Why ``path`` was not written on the banner, and the status bar saying so: it
        kept the last export's "Wrote ..." under the banner's "cannot write" (review 10),
        as if this one had been written."""
        # Under its own voice: the workflow's standing message (a comparison's "pairs
        # matched by key") stays above it, not replaced for good (review 19 F10).
        self._export_banner.show_message(str(exc), "error")
        self.status.emit(f"Not written: {path}")

    def closing(self) -> None:
        """The window is closing (its jobs are cancelled): nothing of this workflow's
        runs on the GUI thread any more (a workflow with such work says what)."""

    def withdraw_export_error(self) -> None:
        """A failed export's message is no longer true: a later export was written, or
        what was exported is no longer shown (another checkpoint, the comparison closed);
        it had stayed above every checkpoint opened after (review 21 #1)."""
        self._export_banner.hide()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Cancel this workflow's jobs and wait for them to return (the app is closing)."""
        self.runner.cancel()
        self.runner.wait(timeout_ms)
