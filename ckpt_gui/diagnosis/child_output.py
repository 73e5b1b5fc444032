"""The child's two output streams: its protocol lines, split and size-checked, and the
script's own output, of which only the head and the tail are kept (a script may print
gigabytes). Read by threads that poll, so a grandchild that holds a pipe open never
blocks the attempt."""

from __future__ import annotations

import os
import select
import threading
from collections import deque
from collections.abc import Callable

LOG_KEEP_BYTES = 64 << 10  # of the script's output: this much of its start, and of its end
OUTPUT_LINES = 20  # of the script's output, the last lines a failed attempt's report shows
OUTPUT_LINE_CHARS = 500  # of each of those lines (one line may be megabytes)
POLL_S = 0.1  # how often a reader looks at its pipe and at the stop flag
MAX_MESSAGE_BYTES = 256 << 20  # one protocol line; a report of 100 000 variables is ~30 MB
# What TensorFlow logs (as an error) when it looks for the GPUs an attempt hid from it
# (CUDA_VISIBLE_DEVICES=-1, child_process.py): the doctor's doing, not the script's output.
GPUS_HIDDEN_NOISE = (b"failed call to cuInit",)


class CappedLog:
    """The script's output, within bounds: its first and its last LOG_KEEP_BYTES, and
    how much was cut between them (a script may print gigabytes)."""

    def __init__(self, keep: int = LOG_KEEP_BYTES) -> None:
        self.keep = keep
        self.head: list[bytes] = []
        self.tail: deque[bytes] = deque()
        self.sizes = [0, 0]  # bytes in head, in tail
        self.cut = [0, 0]  # bytes, lines
        self.count = 0  # lines appended
        self.recent: deque[tuple[int, bytes]] = deque(maxlen=OUTPUT_LINES)  # the last ones, numbered
        self._lock = threading.Lock()

    def append(self, line: bytes) -> None:
        with self._lock:
            self.recent.append((self.count, line[: OUTPUT_LINE_CHARS * 4]))  # (4 bytes: a character at most)
            self.count += 1
            room = self.keep - self.sizes[0]
            if not self.tail and room > 0:
                self.head.append(line[:room])
                self.sizes[0] += len(self.head[-1])
                line = line[room:]
            if line:
                self.tail.append(line)
                self.sizes[1] += len(line)
                self._trim()

    def _trim(self) -> None:
        while self.sizes[1] > self.keep:
            excess = self.sizes[1] - self.keep
            first = self.tail[0]
            dropped = first if len(first) <= excess else first[:excess]
            if dropped is first:
                self.tail.popleft()
            else:
                self.tail[0] = first[excess:]
            self.sizes[1] -= len(dropped)
            self.cut[0] += len(dropped)
            self.cut[1] += dropped.count(b"\n")

    def lines(self) -> list[str]:
        with self._lock:
            head, tail, (cut_bytes, cut_lines) = list(self.head), list(self.tail), self.cut
        middle = [f"[... {cut_bytes} bytes ({cut_lines} line ends) of output cut ...]"] if cut_bytes else []
        return [_text(line) for line in head] + middle + [_text(line) for line in tail]

    def text(self) -> str:
        return "\n".join(self.lines())

    def last_lines_since(self, mark: int, noise: tuple[bytes, ...] = ()) -> list[str]:
        """The last OUTPUT_LINES lines appended after ``mark`` (a ``count`` read before),
        each cut at OUTPUT_LINE_CHARS characters, but those holding one of ``noise``:
        what the script printed during the attempt, not what TensorFlow's import printed
        before it, nor what the attempt's own settings made TensorFlow print."""
        with self._lock:
            recent = [line for number, line in self.recent if number >= mark and not any(n in line for n in noise)]
        texts = [_text(line) for line in recent]
        return [t if len(t) <= OUTPUT_LINE_CHARS else t[:OUTPUT_LINE_CHARS] + " ..." for t in texts]


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\n")


class LineSplitter:
    """Bytes from a pipe, handed on one line at a time (None at the end)."""

    def __init__(self, on_line: Callable[[bytes | None], None], limit: int = MAX_MESSAGE_BYTES) -> None:
        self.on_line = on_line
        self.limit = limit
        self.pending = bytearray()

    def feed(self, data: bytes | None) -> None:
        if data is None:
            if self.pending:
                self.on_line(bytes(self.pending))
            self.pending.clear()
            self.on_line(None)
            return
        self.pending += data
        while (end := self.pending.find(b"\n")) >= 0:
            self.on_line(bytes(self.pending[: end + 1]))
            del self.pending[: end + 1]
        if len(self.pending) > self.limit:  # one endless line: hand it on in pieces
            self.on_line(bytes(self.pending))
            self.pending.clear()


def pump_lines(fd: int, lines: LineSplitter, stop: threading.Event) -> None:
    """Read ``fd`` until its end or ``stop``; never block longer than POLL_S."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    try:
        while not stop.is_set():
            if not poller.poll(POLL_S * 1000):
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                break
            lines.feed(data)
    except OSError:
        pass
    finally:
        os.close(fd)
        lines.feed(None)
