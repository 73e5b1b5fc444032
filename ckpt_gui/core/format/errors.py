"""Errors raised when a checkpoint cannot be found, read or trusted.

Every error names the file it is about, and its message fits on one line, because
the CLI prints it as is and the GUI shows it in a banner.
"""

from __future__ import annotations

import os


class CheckpointError(Exception):
    """A checkpoint could not be read. ``str(err)`` is ``"<file>: <what is wrong>"``."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class NotACheckpointError(CheckpointError):
    """The path exists (or not) but holds no TensorFlow checkpoint."""


class CorruptCheckpointError(CheckpointError):
    """A file is truncated, garbled or fails its checksum."""


class UnsupportedCheckpointError(CheckpointError):
    """A real checkpoint in a format this reader does not decode (e.g. V1 TensorSlice files)."""


class WireFormatError(ValueError):
    """Bytes that do not decode as the protobuf / table structure they should be.

    Raised by the low-level decoders, which do not know the file name; the reader
    catches it and re-raises a :class:`CorruptCheckpointError` that names the file.
    """


class Cancelled(Exception):  # noqa: N818 - it is an outcome, not an error
    """The user cancelled a long computation (core) or a restore attempt (diagnosis)."""
