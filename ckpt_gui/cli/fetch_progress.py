"""Bytes fetched from object storage, shown on stderr while a command runs (as curl
does): only when stderr is a terminal, never in stdout (which may be JSON), and only
once something was fetched (a local checkpoint shows nothing; its commands never load
the remote reader, so none is looked for).

The line is redrawn in place (``\\r``) a few times a second and erased when the command
ends. Anything else written to stderr meanwhile (a warning, an error) first erases it,
so messages stay whole lines.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ckpt_gui.core.format.storage import bytes_fetched
from ckpt_gui.core.formatting import format_bytes

INTERVAL_S = 0.25
_ERASE = "\r\x1b[K"


class _ProgressLine:
    """stderr with a progress line at its end: writes erase the line first."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.shown = ""

    def draw(self, text: str) -> None:
        with self.lock:
            if text != self.shown:
                self.stream.write(f"\r{text}\x1b[K")
                self.stream.flush()
                self.shown = text

    def erase(self) -> None:
        if self.shown:
            self.stream.write(_ERASE)
            self.stream.flush()
            self.shown = ""

    def write(self, text: str) -> int:
        with self.lock:
            self.erase()
            return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str):  # isatty, fileno, encoding...: the terminal's
        return getattr(self.stream, name)


@contextmanager
def fetch_progress(force: bool = False) -> Iterator[None]:
    """Show the bytes fetched on stderr while the block runs, if stderr is a terminal
    (or ``force``)."""
    stream = sys.stderr
    if stream is None or not (force or stream.isatty()):
        yield
        return
    line = _ProgressLine(stream)
    done = threading.Event()

    def poll() -> None:
        try:
            while not done.wait(INTERVAL_S):
                fetched = bytes_fetched()
                if fetched:
                    line.draw(f"ckpt-gui: {format_bytes(fetched)} fetched from object storage")
        except Exception:  # noqa: BLE001 - a progress line is never worth a traceback: it stops
            return

    thread = threading.Thread(target=poll, name="ckpt-gui-fetch-progress", daemon=True)
    sys.stderr = line
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        sys.stderr = stream
        with line.lock:
            line.erase()
