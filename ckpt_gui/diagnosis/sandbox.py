"""Keeping the user's script from changing the checkpoint it is diagnosed against.

A model script may write where it should not: a CheckpointManager pointed at the
checkpoint folder, a stray ``save()``. On Linux the child starts through
read_only_launcher.py, in user and mount namespaces of its own, and before the attempt
the checkpoint's folders (the real ones, through symlinks: the folder of every file
the attempt reads) are made read-only there: a write fails with "Read-only file
system" and the user's files stay as they were. Where that is not possible (another
OS, user namespaces disabled by sysctl or a container's seccomp policy, or turned off
with CKPT_GUI_NO_NAMESPACES=1) the folder is compared before and after the attempt,
and the report says what changed. The report always says which protection was in force.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import select
import shutil
import sys
import time
from dataclasses import dataclass

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "read_only_launcher.py")
NO_NAMESPACES_ENV = "CKPT_GUI_NO_NAMESPACES"  # set to 1: no namespaces, the after-the-fact check only
_REPLY_TIMEOUT_S = 10.0
_unavailable: str | None = None  # why the launcher cannot work here, once it said so


@dataclass(frozen=True, slots=True)
class FolderProtection:
    """How the checkpoint's folders were kept from the script during the attempt."""

    read_only: bool  # the attempt saw them read-only
    folders: tuple[str, ...]  # the real folders of the checkpoint's files
    reason: str = ""  # why they were not read-only

    def note(self) -> str:
        where = ", ".join(self.folders)
        if self.read_only:
            return f"the checkpoint folder was read-only for the attempt ({where}): the script could not change it"
        return (
            f"the checkpoint folder was not protected during the attempt ({self.reason}): it was compared before "
            "and after instead"
        )

    def to_json(self) -> dict:
        return {"read_only": self.read_only, "folders": list(self.folders), "reason": self.reason}


def checkpoint_folders(prefix: str) -> tuple[str, ...]:
    """The real folders of a checkpoint's files (a file may be a symlink into another
    folder): what the attempt reads, and so what it must not write. For a SavedModel's
    variables, the SavedModel's own folder (which holds them)."""
    folder = os.path.dirname(os.path.abspath(prefix))
    saved_model = os.path.dirname(folder)
    if os.path.basename(folder) == "variables" and any(
        os.path.isfile(os.path.join(saved_model, name)) for name in ("saved_model.pb", "saved_model.pbtxt")
    ):
        folder = saved_model
    folders = [os.path.realpath(folder)]
    escaped = glob.escape(prefix)
    for path in sorted(glob.glob(escaped + ".index") + glob.glob(escaped + ".data-*")):
        folders.append(os.path.dirname(os.path.realpath(path)))
    # A folder inside one already there is protected with it (a bind mount is recursive).
    return tuple(f for f in dict.fromkeys(folders) if not any(f.startswith(other + os.sep) for other in folders))


def read_only_folders(prefix: str) -> tuple[str, ...]:
    """The folders an attempt on ``prefix`` sees read-only where namespaces work (not the
    home folder or the root, which are never made read-only): a repair cannot write there."""
    return tuple(folder for folder in checkpoint_folders(prefix) if not _too_wide(folder))


def why_unavailable() -> str | None:
    """Why attempts cannot see the folder read-only here, or None."""
    if not sys.platform.startswith("linux"):
        return "read-only views of a folder need Linux user namespaces"
    if os.environ.get(NO_NAMESPACES_ENV, "") not in ("", "0"):
        return f"turned off by {NO_NAMESPACES_ENV}"
    return _unavailable


class Sandbox:
    """The read-only launcher of one child, and its helper's two pipes."""

    def __init__(self, program: list[str]) -> None:
        self.control_r, self.control_w = os.pipe()
        self.reply_r, self.reply_w = os.pipe()
        self.command = [sys.executable, "-I", "-S", LAUNCHER, str(self.control_r), str(self.reply_w), *program]
        self.pass_fds = (self.control_r, self.reply_w)
        self.first: str | None = None  # the launcher's first line, once read
        self.reason = ""  # why the child runs without namespaces after all

    @classmethod
    def for_program(cls, program: list[str]) -> Sandbox | None:
        """A launcher for ``program``, or None: unavailable here, or no such
        interpreter (started plainly, it fails with the error the user should see)."""
        found = shutil.which(program[0])
        if why_unavailable() is not None or found is None:
            return None
        return cls([os.path.abspath(found), *program[1:]])

    def launched(self) -> None:
        """Close the launcher's ends of the pipes, once it has them."""
        os.close(self.control_r)
        os.close(self.reply_w)

    def _first_reply(self) -> None:
        """The launcher's first line, read when the attempt needs it (it was written
        before the child imported TensorFlow): nothing waits for it at the start."""
        global _unavailable
        if self.first is not None:
            return
        self.first = self._reply()
        if self.first != "ready":
            kind, _, reason = self.first.partition(" ")
            reason = reason if kind == "unavailable" and reason else "the read-only launcher did not answer"
            self.reason = f"user namespaces are not available here: {reason}"
            if kind == "unavailable":
                _unavailable = self.reason  # the next children start without the launcher

    def protect(self, prefix: str) -> FolderProtection:
        """Make the checkpoint's folders read-only for the child (before its attempt)."""
        folders = checkpoint_folders(prefix)
        self._first_reply()
        if self.reason:
            return FolderProtection(False, folders, self.reason)
        too_wide = [folder for folder in folders if _too_wide(folder)]
        if too_wide:
            return FolderProtection(
                False, folders, f"the checkpoint lies directly in {too_wide[0]}: made read-only, it would stop the "
                "script's own writes there (caches, logs)"
            )  # fmt: skip
        try:
            os.write(self.control_w, (json.dumps(list(folders)) + "\n").encode())
        except OSError as exc:
            return FolderProtection(False, folders, f"the read-only helper is gone ({exc.strerror or exc})")
        answer = self._reply()
        if answer == "ok":
            return FolderProtection(True, folders)
        return FolderProtection(False, folders, answer.removeprefix("failed ") or "the read-only helper did not answer")

    def _reply(self) -> str:
        """One line from the launcher or its helper ('' when none came in time)."""
        deadline = time.monotonic() + _REPLY_TIMEOUT_S
        poller = select.poll()  # not select(): ckpt-gui may have more than 1024 files open
        poller.register(self.reply_r, select.POLLIN | select.POLLHUP)
        data = b""
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            if not poller.poll(max(deadline - time.monotonic(), 0) * 1000):
                break
            more = os.read(self.reply_r, 4096)
            if not more:
                break
            data += more
        return data.decode("utf-8", "replace").strip()

    def close(self) -> None:
        """The helper's end: its namespace lives on only as long as the child."""
        for fd in (self.control_w, self.reply_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.control_w = self.reply_r = -1


def _too_wide(folder: str) -> bool:
    """The home folder or the root: a checkpoint saved straight into it."""
    return folder in (os.path.realpath(os.path.expanduser("~")), os.path.realpath(os.sep))


def unprotected(prefix: str, reason: str | None = None) -> FolderProtection:
    """The protection of a child started without the launcher."""
    return FolderProtection(False, checkpoint_folders(prefix), reason or why_unavailable() or "not started")
