"""Errors raised when a checkpoint cannot be found, read or trusted.

Every error names the file it is about, and its message fits on one line, because
the CLI prints it as is and the GUI shows it in a banner.
"""

from __future__ import annotations

import os
import re

# C0 and C1 control characters and Unicode line/paragraph separators: a name holding
# one would break the one-line message (a newline in a folder name is legal on Linux).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# userinfo in a URL (scheme://user:password@host) and its query string (?sig=...&X-Amz-Signature=...)
_URL_SECRETS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@?#]*@|\?[^#]*")


def shown_path(path: str | os.PathLike[str] | bytes) -> str:
    """A path (or file name) as messages show it: as it is, or, when it holds a control
    character, quoted with escapes (``'run\\n1/ckpt-3'``), so the message stays one line
    and the name can still be read exactly. Every message that names a file uses it."""
    text = os.fsdecode(os.fspath(path))
    if "://" in text:  # a URL: never its password or its signed query (a SAS token, X-Amz-Signature)
        text = _URL_SECRETS.sub(r"\1", text)
    return repr(text) if _CONTROL.search(text) else text


def one_line(text: str) -> str:
    """Escape control characters a message picked up elsewhere (a name inside a problem
    text, an OS error): the last guard of the one-line promise."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class CheckpointError(Exception):
    """A checkpoint could not be read. ``str(err)`` is ``"<file>: <what is wrong>"``, on
    one line whatever the file is called."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{shown_path(self.path)}: {one_line(problem)}")


class NotACheckpointError(CheckpointError):
    """The path exists (or not) but holds no TensorFlow checkpoint."""


class CorruptCheckpointError(CheckpointError):
    """A file is truncated, garbled or fails its checksum."""


class UnsupportedCheckpointError(CheckpointError):
    """A real checkpoint in a format this reader does not decode (e.g. V1 TensorSlice files)."""


class StorageError(CheckpointError):
    """Object storage could not be used: no client installed, access denied."""

    def naming(self, path: str) -> StorageError:
        """The same failure, named after the path the user gave (discovery reads a
        folder above a URL first: the user should see the URL they typed)."""
        return type(self)(path, self.problem)


class StorageUnreachableError(StorageError):
    """Object storage did not answer (a dropped or refused connection), after retries.
    ``at`` is the object or folder asked for, when it is not the path the error names."""

    def __init__(self, path: str, what: str, failure: str, tries: int, at: str | None = None) -> None:
        self.what, self.failure, self.tries, self.at = what, failure, tries, at
        where = f" {shown_path(at)}" if at is not None and at != path else ""
        retried = f"{tries} tries" if tries > 1 else "the storage client's own retries"
        super().__init__(
            path, f"{what}{where} failed after {retried} ({failure}): the connection was dropped or refused"
        )

    def naming(self, path: str) -> StorageUnreachableError:
        """The same failure, named after the path the user gave."""
        return StorageUnreachableError(path, self.what, self.failure, self.tries, self.at or self.path)


class WireFormatError(ValueError):
    """Bytes that do not decode as the protobuf / table structure they should be.

    Raised by the low-level decoders, which do not know the file name; the reader
    catches it and re-raises a :class:`CorruptCheckpointError` that names the file.
    """


class Cancelled(Exception):  # noqa: N818 - it is an outcome, not an error
    """The user cancelled a long computation (core) or a restore attempt (diagnosis)."""
