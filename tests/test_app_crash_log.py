"""The app never dies silently (review: the window vanished during a large comparison,
with no dialog, an empty log and nothing in dmesg). A session killed by a fatal signal
or from outside leaves its log, and the next launch says so on the banner; an
unhandled exception, of the GUI thread or another, reaches the user and the log."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QTimer

from ckpt_gui.app import crash_log
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.resources import demo_path

# The app's own entry point; once its window is up, ACTION: "segv" dies of a segmentation
# fault, "wait" says READY and waits to be killed, "idle" says READY and goes back to the
# event loop, "banner" prints the banner and quits.
DRIVER = """
import faulthandler, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch
from ckpt_gui.app.window import MainWindow

def act():
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    action = sys.argv[1]
    if action == "segv":
        faulthandler._sigsegv()
    elif action == "wait":
        print("READY", flush=True)
        time.sleep(600)
    elif action == "idle":  # back to Qt's event loop, which waits in C
        print("READY", flush=True)
    else:
        print("BANNER", repr(window.banner.text), flush=True)
        window.close()

QTimer.singleShot(0, act)
sys.exit(launch.run_gui(sys.argv[2:]))
"""


def _run(action: str, folder, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "CKPT_GUI_SETTINGS_DIR": str(folder), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONFAULTHANDLER", None)  # the app's own handler must be what writes the log
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, action, demo_path()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def _banner_of_next_launch(folder) -> str:
    app = _run("banner", folder)
    out, err = app.communicate(timeout=120)
    assert app.returncode == 0, err
    (line,) = [line for line in out.splitlines() if line.startswith("BANNER ")]
    return eval(line.partition(" ")[2])  # noqa: S307 - the repr of a string printed by the driver


def _logs(folder, prefix: str) -> list[str]:
    logs = os.path.join(folder, "logs")
    if not os.path.isdir(logs):
        return []
    return sorted(os.path.join(logs, n) for n in os.listdir(logs) if n.startswith(prefix))


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal")
def test_a_fatal_signal_leaves_its_log_and_the_next_launch_says_so(tmp_path):
    app = _run("segv", tmp_path)
    app.communicate(timeout=120)
    assert app.returncode == -signal.SIGSEGV
    (left,) = _logs(tmp_path, crash_log.SESSION_PREFIX)
    with open(left, encoding="utf-8") as f:
        text = f.read()
    assert "Fatal Python error: Segmentation fault" in text
    assert "in act" in text  # the stack of where it died

    banner = _banner_of_next_launch(tmp_path)

    (kept,) = _logs(tmp_path, crash_log.CRASHED_PREFIX)
    assert "stopped unexpectedly last time (Segmentation fault)" in banner
    assert kept in banner
    assert _logs(tmp_path, crash_log.SESSION_PREFIX) == []  # the clean end took its own log away
    assert "stopped unexpectedly" not in _banner_of_next_launch(tmp_path)  # said once


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal")
def test_a_kill_from_outside_is_told_at_the_next_launch(tmp_path):
    app = _run("wait", tmp_path)
    try:
        assert app.stdout.readline().strip() == "READY"
        app.send_signal(signal.SIGKILL)  # as the out-of-memory killer does: nothing can be written
        app.wait(timeout=30)
    finally:
        app.kill()
        app.communicate()

    banner = _banner_of_next_launch(tmp_path)

    assert "stopped unexpectedly last time (ended from outside" in banner
    assert "out of memory" in banner.replace("memory ran out", "out of memory")


def test_a_running_sessions_log_is_not_taken_for_a_crash(tmp_path):
    """Another window of the app, still open, has its log too."""
    os.makedirs(tmp_path / "logs")
    (tmp_path / "logs" / f"{crash_log.SESSION_PREFIX}{os.getpid()}.log").write_text("running\n")
    assert crash_log.keep_unfinished(str(tmp_path / "logs")) is None
    assert _logs(tmp_path, crash_log.SESSION_PREFIX)


@pytest.fixture
def session(tmp_path, monkeypatch):
    """A session log installed in this process; the hooks and the faulthandler given back."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(crash_log, "_session", None)
    was_enabled = faulthandler.is_enabled()
    crash_log.start_session(str(tmp_path / "logs"))
    yield crash_log._session
    crash_log.end_session()
    if was_enabled:
        faulthandler.enable(sys.__stderr__)


def test_an_exception_on_a_worker_thread_reaches_the_user(qtbot, session):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show()
    crash_log.tell(banner, None)

    def fail() -> None:
        raise RuntimeError("the worker lost its way")

    worker = threading.Thread(target=fail, name="worker")
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: "the worker lost its way" in banner.text)
    assert "RuntimeError" in banner.text and session.path in banner.text
    assert 'raise RuntimeError("the worker lost its way")' in banner.details  # the traceback, under Details
    with open(session.path, encoding="utf-8") as f:
        assert "in thread worker" in f.read()


def test_an_exception_in_a_slot_reaches_the_user_and_the_app_goes_on(qtbot, session):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show()
    crash_log.tell(banner, None)

    def slot() -> None:
        raise ValueError("a slot failed")

    QTimer.singleShot(0, slot)

    qtbot.waitUntil(lambda: "ValueError: a slot failed" in banner.text)
    with open(session.path, encoding="utf-8") as f:
        assert "a slot failed" in f.read()


def test_a_clean_end_leaves_no_log(session):
    assert os.path.exists(session.path)
    crash_log.end_session()
    assert not os.path.exists(session.path)


def test_an_exception_raised_again_and_again_is_told_once(qtbot, session):
    """One raised in a paint comes with every paint: the log must not grow with each."""
    told = []
    session.raised.connect(lambda line, _details: told.append(line))

    def paint() -> None:
        raise ZeroDivisionError("in a paint")

    for _ in range(3):
        QTimer.singleShot(0, paint)
    qtbot.waitUntil(lambda: bool(told))
    qtbot.wait(50)
    assert told == ["ZeroDivisionError: in a paint"]
    with open(session.path, encoding="utf-8") as f:
        assert f.read().count("in a paint") == 2  # the traceback's line and the message, once


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal")
def test_sigterm_ends_the_app_as_quit_does_and_is_no_crash(tmp_path):
    """A logout's or a ``kill``'s SIGTERM, while the event loop waits: the app ends (it
    had died without killing the doctor's children) and the next launch tells of no crash."""
    app = _run("idle", tmp_path)
    try:
        assert app.stdout.readline().strip() == "READY"
        app.send_signal(signal.SIGTERM)
        code = app.wait(timeout=30)
    finally:
        app.kill()
        app.communicate()
    assert code == 128 + signal.SIGTERM  # ended by the app's own handler, not by the signal
    assert _logs(tmp_path, crash_log.SESSION_PREFIX) == []
    assert "stopped unexpectedly" not in _banner_of_next_launch(tmp_path)
