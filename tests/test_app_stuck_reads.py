"""A read that never returns on a normal file (a stuck NFS or FUSE mount, a file on a
network share that went away) no longer holds the app (issue 11): a later open or
selection goes on at once, the status bar names the file still being read, with a
Cancel that abandons it, and Quit does not wait for it.

The stuck read is made by the local files' raw reads (storage._raw_file) waiting on
an event for the files chosen; the test releases it at its end. No network mount."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThreadPool

from ckpt_gui.app import job
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight, storage
from ckpt_gui.resources import demo_path

WAIT_MS = 60_000
GAVE_UP = re.compile(r"^Gave up waiting for (?P<name>[^/]+) in (?P<folder>.+) \(cancelled: (?P<what>.+)\)$")
STILL_READING = re.compile(r"^Still reading (?P<name>[^/]+) in (?P<folder>.+) \((?P<seconds>\d+) s\)$")


class StuckFiles:
    """Reads of the files under ``folders`` wait for ``release`` while ``blocking``;
    clearing ``blocking`` lets later reads through (the stuck ones stay stuck)."""

    def __init__(self) -> None:
        self.folders: list[str] = []
        self.only = ""  # blocks only the files whose name holds it (".data-": the values, the object graph)
        self.blocking = False
        self.release = threading.Event()

    def stuck(self, path: str) -> bool:
        if not self.blocking or self.only not in os.path.basename(path):
            return False
        return any(os.path.abspath(path).startswith(folder + os.sep) for folder in self.folders)

    def block(self, folder) -> None:
        self.folders.append(os.path.abspath(folder))
        self.blocking = True

    def reads(self) -> list[reads_in_flight.Read]:
        """The reads in progress of the blocked folders' files."""
        return [r for r in reads_in_flight.in_flight() if any(r.path.startswith(f + os.sep) for f in self.folders)]

    def raw_file(self, path, mode="rb"):
        files = self

        class Raw(io.FileIO):
            def _wait(self) -> None:
                if files.stuck(path):
                    files.release.wait()

            def readinto(self, buffer):
                self._wait()
                return super().readinto(buffer)

            def readall(self):
                self._wait()
                return super().readall()

            def read(self, size=-1):
                self._wait()
                return super().read(size)

        return Raw(path, mode)


@pytest.fixture()
def stuck(window, monkeypatch):
    """Depends on ``window``: released before the window closes (its close waits for the pool)."""
    files = StuckFiles()
    monkeypatch.setattr(storage, "_raw_file", files.raw_file)
    yield files
    files.release.set()


@pytest.fixture()
def saves(tmp_path):
    """Two folders of checkpoints (copies of the demo's): ``a`` and ``b``."""
    return {name: shutil.copytree(demo_path(), tmp_path / name) for name in ("a", "b")}


def shown_prefix(window) -> str:
    return window.browse.ckpt.prefix if window.browse.ckpt is not None else ""


def still_reading(window) -> re.Match | None:
    return STILL_READING.match(window.job_label.text())


def gave_up(window) -> tuple[str, ...] | None:
    """What the status bar says Cancel gave up: the file, its folder, the jobs cancelled."""
    found = GAVE_UP.match(window.status_message())
    return found.groups() if found else None


def stuck_path(match: re.Match) -> str:
    return os.path.join(match["folder"], match["name"])


def test_a_later_open_goes_on_while_an_earlier_read_is_stuck(qtbot, window, stuck, saves):
    stuck.block(saves["a"])
    window.browse.open_path(str(saves["a"]))
    qtbot.waitUntil(lambda: bool(stuck.reads()), timeout=WAIT_MS)  # the open waits for a's file
    stuck.blocking = False  # the stuck read stays stuck; later reads go through

    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["b"]))
    assert shown_prefix(window).startswith(str(saves["b"]) + os.sep)

    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["a"]))  # the same path again: not behind its stuck read
    assert shown_prefix(window).startswith(str(saves["a"]) + os.sep)
    assert stuck.reads()  # still stuck, and no longer waited for:
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert not window.progress.isVisible() and not window.cancel_button.isVisible()
    assert not still_reading(window)


def test_the_status_bar_names_the_file_still_read_and_cancel_abandons_it(qtbot, window, stuck, saves):
    stuck.block(saves["a"])
    window.browse.open_path(str(saves["a"]))
    qtbot.waitUntil(lambda: still_reading(window) is not None, timeout=WAIT_MS)
    (read,) = stuck.reads()
    assert stuck_path(still_reading(window)) == read.path
    assert window.cancel_button.isVisible()
    seconds = int(still_reading(window)["seconds"])
    qtbot.waitUntil(lambda: still_reading(window) and int(still_reading(window)["seconds"]) > seconds, timeout=WAIT_MS)

    assert not window.progress.isVisible()  # no progress to show: no empty bar beside the message
    assert window.job_label.toolTip() == read.path

    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert not still_reading(window)  # gone with the job given up, at once
    assert gave_up(window) == (os.path.basename(read.path), os.path.dirname(read.path), "opening folder a")
    assert not window.busy and not window.cancel_button.isVisible()
    assert stuck.reads()  # the read itself cannot be stopped: it is left behind

    stuck.blocking = False
    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["a"]))
    assert shown_prefix(window).startswith(str(saves["a"]) + os.sep)


def test_a_later_open_decodes_its_object_graph_while_a_cancelled_opens_graph_read_is_stuck(qtbot, window, stuck, saves):
    """Review 15 (M1a): the later open waited at "decoding the object graph" for good,
    behind the class-wide lock of functools.cached_property that the stuck one held."""
    stuck.only = ".data-"  # the index reads; the object graph, in the data file, does not
    stuck.block(saves["a"])
    window.browse.open_path(str(saves["a"]))
    qtbot.waitUntil(lambda: still_reading(window) is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert gave_up(window)[2] == "opening folder a"

    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["b"]))
    assert shown_prefix(window).startswith(str(saves["b"]) + os.sep)
    assert window.browse.ckpt.graph_decoded and window.browse.ckpt.object_graph is not None
    assert window.tree_panel.current_view == "objects" and stuck.reads()


def test_the_message_goes_when_the_read_returns(qtbot, window, stuck, saves):
    stuck.block(saves["a"])
    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["a"]))
        qtbot.waitUntil(lambda: still_reading(window) is not None, timeout=WAIT_MS)
        stuck.blocking = False
        stuck.release.set()  # the mount came back
    assert shown_prefix(window).startswith(str(saves["a"]) + os.sep)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert not still_reading(window) and not stuck.reads()


@pytest.fixture()
def one_pool_thread():
    """The pool with one thread: one stuck job held every slot (on any machine)."""
    pool = QThreadPool.globalInstance()
    before = pool.maxThreadCount()
    pool.setMaxThreadCount(1)
    yield
    pool.setMaxThreadCount(before)


def test_a_later_selection_reads_its_values_while_an_earlier_read_is_stuck(
    qtbot, window, one_pool_thread, stuck, saves
):
    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["b"]))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    ckpt = window.browse.ckpt
    numeric = [v for v in ckpt.variables if v.dtype.is_numeric and not v.is_object_graph and v.size_bytes > 16]
    first, second = (v.key for v in numeric[:2])
    data_file = ckpt.index.data_path(0)

    stuck.block(saves["b"])
    assert window.tree_panel.select_key(first)
    qtbot.waitUntil(lambda: bool(stuck.reads()), timeout=WAIT_MS)  # its jobs wait for the data file
    stuck.blocking = False

    assert window.tree_panel.select_key(second)  # its values, statistics and histogram not behind the stuck read
    expected = Checkpoint.open(ckpt.prefix).read(second)
    qtbot.waitUntil(lambda: window.tensor.value is not None and window.tensor.value.shape == expected.shape and
                    np.array_equal(window.tensor.value, expected), timeout=WAIT_MS)  # fmt: skip
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert not still_reading(window) and stuck.reads()  # the stuck read left behind, not waited for
    assert job.unfinished_jobs()  # its jobs have not returned

    # Said while the selection waits for it, and no longer once another is selected.
    stuck.blocking = True
    assert window.tree_panel.select_key(first)
    qtbot.waitUntil(lambda: still_reading(window) is not None, timeout=WAIT_MS)
    assert stuck_path(still_reading(window)) == data_file
    stuck.blocking = False
    assert window.tree_panel.select_key(second)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert not still_reading(window)


@pytest.fixture()
def two_pool_threads():
    """The pool with two threads, as on the review's 2-core machine: the selection's
    values and statistics, both stuck, held them both."""
    pool = QThreadPool.globalInstance()
    before = pool.maxThreadCount()
    pool.setMaxThreadCount(2)
    yield
    pool.setMaxThreadCount(before)


def select_with_stuck_values(qtbot, window, stuck, folder) -> tuple[str, str]:
    """Open ``folder``, then select a numeric variable whose values and statistics wait
    for its data file (the object graph read before): (its key, that file)."""
    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    ckpt = window.browse.ckpt
    key = next(v.key for v in ckpt.variables if v.dtype.is_numeric and not v.is_object_graph and v.size_bytes > 16
               and v.key != window.browse.current.variable.key)  # fmt: skip
    stuck.only = ".data-"
    stuck.block(folder)
    assert window.tree_panel.select_key(key)
    both = {"values", "histogram"}  # the two jobs that held the review's two pool threads
    qtbot.waitUntil(lambda: both <= {lane for lane, _read in window.browse.runner.stuck_reads()}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: still_reading(window) is not None, timeout=WAIT_MS)
    return key, ckpt.index.data_path(0)


def test_opening_another_checkpoint_goes_on_while_the_selections_reads_are_stuck(
    qtbot, window, two_pool_threads, stuck, saves
):
    """Review 15 (M1b): the open waited behind the stuck jobs holding every pool thread."""
    _key, data_file = select_with_stuck_values(qtbot, window, stuck, saves["b"])
    # The values pane says what it waits for (it said "Select a variable to see its values.").
    message = window.tensor.message.text()
    assert window.tensor.picture.currentWidget() is window.tensor.message
    assert os.path.basename(data_file) in message and message.startswith("Waiting for the values")
    # So do Details and the histogram (they said "computing..." for good: review 15).
    qtbot.waitUntil(lambda: "waiting" in window.details.stats_title.text(), timeout=WAIT_MS)  # its job's turn
    stats_title = window.details.stats_title.text()
    assert stats_title.startswith("Statistics: waiting for a read from ") and os.path.basename(data_file) in stats_title
    waiting = window.histogram.empty.text()
    assert waiting.startswith("No histogram yet: waiting for a read from ") and os.path.basename(data_file) in waiting

    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["a"]))
    assert shown_prefix(window).startswith(str(saves["a"]) + os.sep)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)  # the old selection's jobs replaced, not waited for
    assert not still_reading(window) and stuck.reads()


def test_cancel_gives_up_the_stuck_reads_and_not_the_open_queued_behind_them(
    qtbot, window, two_pool_threads, stuck, saves
):
    """Review 15 (M1b): Cancel cancelled the open the user wanted, not the stuck reads."""
    _key, data_file = select_with_stuck_values(qtbot, window, stuck, saves["b"])
    with qtbot.waitSignal(window.browse.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(saves["a"]))
        assert still_reading(window)
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        name, folder, what = gave_up(window)
        assert os.path.join(folder, name) == data_file and "histogram of" in what and "opening" not in what
        assert not still_reading(window)
        assert window.tensor.message.text().startswith(f"Values not read: Cancel gave up waiting for {name} ")
    assert shown_prefix(window).startswith(str(saves["a"]) + os.sep)  # the open went on
    assert stuck.reads()


# Quit while the open waits for a read that never returns: the process ends (the
# interpreter would join the stuck worker at exit; os._exit does not).
STUCK_DRIVER = """
import io, sys, threading
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.format import reads_in_flight, storage

never = threading.Event()

class Raw(io.FileIO):
    def readinto(self, buffer):
        never.wait()
    def readall(self):
        never.wait()
    def read(self, size=-1):
        never.wait()

storage._raw_file = Raw

def quit_when_stuck():
    if not reads_in_flight.in_flight():
        QTimer.singleShot(50, quit_when_stuck)
        return
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    quit_action = next(a for a in window.findChildren(type(window.export_action)) if a.text() == "&Quit")
    print("STUCK", reads_in_flight.in_flight()[0].path, flush=True)
    quit_action.trigger()

QTimer.singleShot(0, quit_when_stuck)
sys.exit(launch.run_gui(sys.argv[1:]))
"""


def test_quit_does_not_wait_for_a_stuck_read(tmp_path):
    env = {**os.environ, "CKPT_GUI_SETTINGS_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-c", STUCK_DRIVER, demo_path()]
    app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        code = app.wait(timeout=WAIT_MS / 1000)  # a process waiting for the read would never end
        printed = app.stdout.read()
    finally:
        app.kill()
        app.wait()
        app.stdout.close()
    assert printed.startswith(f"STUCK {demo_path()}{os.sep}")
    assert code == 0
