"""Starts the doctor's child where the checkpoint folder can be made read-only (Linux).

Run by path, with the standard library only (``python -I -S read_only_launcher.py
CONTROL_FD REPLY_FD PROGRAM ARGS...``), by ckpt-gui's own Python, before PROGRAM (the
user's interpreter running child/main.py) starts:

1. It enters a new user namespace and a new mount namespace (unprivileged; the user's
   own uid and gid are mapped to themselves, so files the script writes elsewhere are
   the user's, as without it) and makes every mount private to it.
2. It forks a helper that keeps the namespace's capabilities. The checkpoint is not
   known yet (a child is started ahead, to import TensorFlow while the user picks the
   script): the helper waits for one line on CONTROL_FD, a JSON list of folders,
   bind-mounts each onto itself read-only, and answers ``ok`` or ``failed REASON`` on
   REPLY_FD. Mounts in a namespace are seen by every process in it: PROGRAM sees them.
3. This process then execs PROGRAM without capabilities (SECBIT_NOROOT: even as uid 0
   it gets none), so nothing the script does can undo the read-only mounts.

Its first line on REPLY_FD: ``ready``, or ``unavailable REASON`` (namespaces are not
allowed here: PROGRAM runs as it would without the launcher). Whether they are is
first tried in a forked process, so this one is never left in a namespace half made.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
# A mount's flags that a user namespace may not change: a read-only remount must
# repeat them (statvfs's ST_* values are the same bits).
LOCKED_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
PR_SET_PDEATHSIG, PR_SET_SECUREBITS = 1, 28
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1, 2
FAILED_EXIT = 111

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(errno)} (errno {errno})")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_namespaces() -> None:
    """A new user namespace (where this process has every capability) and mount namespace."""
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER | CLONE_NEWNS)")


def map_ids_and_privatise(uid: int, gid: int) -> None:
    """Own ids mapped to themselves; mounts made here stay here."""
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
        _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    except OSError as exc:
        raise SetupError(f"mapping the user and group ids: {exc}") from None
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making the mounts private")


def make_read_only(folder: str) -> None:
    path = os.fsencode(folder)
    _check(_libc.mount(path, path, None, MS_BIND | MS_REC, None), f"bind-mounting {folder}")
    locked = os.statvfs(folder).f_flag & LOCKED_FLAGS
    _check(_libc.mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | locked, None), f"remounting {folder}")
    if not os.statvfs(folder).f_flag & os.ST_RDONLY:
        raise SetupError(f"{folder} is still writable after the read-only remount")


def serve(control: int, reply: int) -> None:
    """The helper: one request, its answer, then wait until the parent closes CONTROL_FD."""
    with os.fdopen(control, "rb") as requests, os.fdopen(reply, "wb", buffering=0) as answers:
        line = requests.readline()
        if not line:
            return
        try:
            for folder in json.loads(line):
                make_read_only(folder)
            answers.write(b"ok\n")
        except (SetupError, OSError, ValueError, TypeError) as exc:
            answers.write(f"failed {exc}".replace("\n", " ").encode() + b"\n")
        requests.read()  # until the attempt ends: the namespace outlives no one


def start_helper(control: int, reply: int) -> None:
    if os.fork() != 0:
        return
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # it ends with the child
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # not the child's pipes: their ends must come when the child's do
            os.dup2(null, fd)
        keep = sorted({control, reply, 0, 1, 2})
        for low, high in zip(keep, keep[1:] + [os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)
        serve(control, reply)
    finally:
        os._exit(0)


def set_up() -> None:
    uid, gid = os.geteuid(), os.getegid()
    enter_namespaces()
    map_ids_and_privatise(uid, gid)


def probe() -> str:
    """Why namespaces cannot be set up here ('' when they can), tried in a forked process."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            set_up()
        except SetupError as exc:
            os.write(write, str(exc).encode())
        except BaseException as exc:  # noqa: BLE001 - anything: say it, do not run on as a copy
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        why = answer.read().decode("utf-8", "replace")
    os.waitpid(pid, 0)
    return why


def main(argv: list[str]) -> None:
    control, reply, program = int(argv[1]), int(argv[2]), argv[3:]
    why = probe()
    if why:
        os.write(reply, f"unavailable {why}\n".encode())
        _run(program, control, reply)
    try:
        set_up()
    except SetupError as exc:  # it worked in the probe: not expected
        sys.stderr.write(
            f"ckpt-gui: could not make the checkpoint folder read-only ({exc}); "
            "CKPT_GUI_NO_NAMESPACES=1 runs attempts without\n"
        )
        os._exit(FAILED_EXIT)
    start_helper(control, reply)
    os.write(reply, b"ready\n")
    # Without it uid 0 would keep every capability in the namespace across exec.
    _libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0)
    _run(program, control, reply)


def _run(program: list[str], control: int, reply: int) -> None:
    os.close(control)
    os.close(reply)
    try:
        os.execv(program[0], program)
    except OSError as exc:
        sys.stderr.write(f"{program[0]}: cannot start this Python ({exc.strerror or exc})\n")
        os._exit(127)


if __name__ == "__main__":
    main(sys.argv)
