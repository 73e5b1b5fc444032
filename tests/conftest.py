"""Shared fixtures: real checkpoints written by TensorFlow, once per test session.

The checkpoints are written by tests/checkpoint_factory.py in a child process; the
values they hold are compared with ``tf.train.load_checkpoint`` in the tests.
"""

from __future__ import annotations

import gc
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import background

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# A child that dies of a signal (the app, the CLI, a worker) prints its Python stacks: a
# failed return code alone says nothing of where.
os.environ.setdefault("PYTHONFAULTHANDLER", "1")

REPO = Path(__file__).resolve().parent.parent
FACTORY = Path(__file__).resolve().parent / "checkpoint_factory.py"
LEFTOVER_WAIT_S = 5.0  # how long work that is ending anyway may take after a test


_module_seconds: dict[str, float] = {}  # test module -> seconds of setup, call and teardown


def pytest_runtest_logreport(report):
    module = report.nodeid.partition("::")[0]
    _module_seconds[module] = _module_seconds.get(module, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """Where the time goes, by module (a module's fixtures count in its first test's setup)."""
    slowest = sorted(_module_seconds.items(), key=lambda item: -item[1])[:15]
    if not slowest:
        return
    terminalreporter.write_sep("=", f"slowest {len(slowest)} modules (setup + call + teardown)")
    for module, seconds in slowest:
        terminalreporter.write_line(f"{seconds:8.2f}s {module}")
    terminalreporter.write_line(f"{sum(_module_seconds.values()):8.2f}s in all {len(_module_seconds)} modules")


_session_status: list[int] = []  # pytest's exit status, kept for the process's own exit


def pytest_sessionfinish(session, exitstatus):
    _session_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the process with the tests' own result once pytest has said and written
    everything: the interpreter's shutdown, destroying the session's Qt widgets and
    pyqtgraph's items in whatever order, has crashed (SIGSEGV) after every test passed
    (1 run in 3 of four comparison modules together), as the app itself avoids by leaving
    through os._exit (app/launch.py). A crash during the tests is still theirs to report."""
    if not _session_status or os.environ.get("CKPT_GUI_TESTS_NORMAL_EXIT"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_session_status[-1])


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_main_thread():
    """As the app does (app/launch.py): no automatic cyclic collection, which a worker
    thread could run and so destroy an earlier test's widgets off the GUI thread (a
    deadlock inside Qt's destructors); the main thread collects after each test."""
    gc.disable()
    gc.collect()
    _freeze_tensorflow()  # imported at collection
    yield
    gc.enable()


@pytest.fixture(scope="session", autouse=True)
def _background_writers(request, tmp_path_factory):
    """The TensorFlow writers of the collected modules, started now in one child
    (tests/background.py) while the first tests run."""
    found = (getattr(item, "module", None) for item in request.session.items)
    modules = {module.__name__: module for module in found if module is not None}
    background.start(modules.values(), tmp_path_factory)
    yield
    background.stop()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    yield
    gc.collect()
    _freeze_tensorflow()


_frozen = {"modules": 0}  # how many TensorFlow/Keras modules were loaded at the last freeze


def _freeze_tensorflow() -> None:
    """TensorFlow, once in this process (an importorskip at collection, the tf fixture),
    holds some 300,000 objects for the rest of the session: each collection after a test
    walked them all (0.25 s of CPU, over 1 s of a busy machine, for each of ~900 tests).
    They are frozen (gc.freeze, as the app's gui_gc.py does), again when more of it is
    loaded or a test unfroze them; what else lives now is frozen with them."""
    loaded = sum(1 for name in list(sys.modules) if name.partition(".")[0] in ("tensorflow", "keras", "tf_keras"))
    if loaded and (loaded > _frozen["modules"] or gc.get_freeze_count() == 0):
        gc.freeze()
        _frozen["modules"] = loaded


@pytest.fixture(autouse=True)
def _nothing_left_running():
    """Fail a test that leaves work behind (napari's ``_dangling_qthreads``, widened):
    a job of the app's thread pool, a chunk worker of the core's pool, or a child
    process (a restore attempt's Python). What is ending anyway gets a few seconds."""
    before = {pid for pid, _state, _command in _children()}
    yield
    deadline = time.monotonic() + LEFTOVER_WAIT_S
    while (left := _leftovers(before)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        pytest.fail("left running after the test: " + "; ".join(left), pytrace=False)


def _leftovers(children_before: set[int]) -> list[str]:
    """What is still running; only what the test imported is asked (a CLI test has no Qt)."""
    left = []
    jobs = sys.modules.get("ckpt_gui.app.job")
    named = jobs.unfinished_jobs() if jobs is not None else []
    left += [f"job {job!r}" for job in named]
    qt = sys.modules.get("PySide6.QtCore")
    if qt is not None and not named:
        active = qt.QThreadPool.globalInstance().activeThreadCount()
        if active:
            left.append(f"{active} job(s) on Qt's global thread pool")
    parallel = sys.modules.get("ckpt_gui.core.values.parallel")
    if parallel is not None and parallel.busy_workers():
        left.append(f"{parallel.busy_workers()} chunk task(s) on the core's worker pool")
    for pid, state, command in _children():
        if pid not in children_before and state != "Z":  # a zombie is ended, only not reaped yet
            left.append(f"child process {pid} ({command})")
    return left


def _children() -> list[tuple[int, str, str]]:
    """This process's child processes (Linux /proc; elsewhere none): pid, state, command."""
    found = []
    for listing in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        try:
            with open(listing) as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:  # the thread ended meanwhile
            continue
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except (OSError, IndexError):  # it ended meanwhile
                continue
            found.append((pid, state, command[:200]))
    return found


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> Path:
    """A folder with one sub-folder per scenario (see checkpoint_factory.SCENARIOS)."""
    root = tmp_path_factory.mktemp("checkpoints")
    result = subprocess.run([sys.executable, str(FACTORY), str(root)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"writing the test checkpoints failed:\n{result.stderr[-4000:]}")
    return root


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported only by the tests that compare against it."""
    import tensorflow

    return tensorflow


@pytest.fixture()
def demo(tmp_path) -> Path:
    """A copy of the bundled demo folder (CheckpointManager saves the app may follow and
    a test may change); a module's own ``demo`` fixture takes its place there."""
    from ckpt_gui.resources import demo_path

    folder = tmp_path / "demo"
    shutil.copytree(demo_path(), folder)
    return folder


@pytest.fixture()
def scratch_copy(checkpoints, tmp_path):
    """Copy one scenario folder somewhere it may be damaged: ``scratch_copy("tf1")``."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(checkpoints / name, target)
        return target

    return copy


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m ckpt_gui ARGS`` as a user would, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "ckpt_gui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


# -- the app, for the app's tests (Qt imported only by the tests that ask for it) -----------------


@pytest.fixture()
def host(qtbot, tmp_path, monkeypatch):
    """The widget the controllers hang from (and open their dialogs on)."""
    from PySide6.QtWidgets import QWidget

    from ckpt_gui.app.controllers.base import Controller

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    widget = QWidget()
    qtbot.addWidget(widget)
    yield widget
    for controller in widget.findChildren(Controller):
        controller.shutdown()


@pytest.fixture()
def held_graph(monkeypatch):
    """Every object graph's decoding waits until the test lets it go (``.set()``, at
    most a minute), the key view shown meanwhile (as for a large object graph)."""
    import threading

    from ckpt_gui.app import opening
    from ckpt_gui.core.checkpoint import Checkpoint

    gate = threading.Event()
    decode = Checkpoint._read_object_graph

    def held(self):
        gate.wait(60)
        return decode(self)

    monkeypatch.setattr(opening, "EARLY_GRAPH_BYTES", 0)  # any object graph counts as large
    monkeypatch.setattr(Checkpoint, "_read_object_graph", held)
    yield gate
    gate.set()  # never leave a worker waiting


@pytest.fixture()
def window(request, qtbot, tmp_path, monkeypatch):
    """The main window, shown, without the NaN/Inf scan on open, with its own settings;
    a module's ``WINDOW_SIZE = (width, height)`` sizes it before it is shown (offscreen's
    "screen" is 800x600)."""
    size = getattr(request.module, "WINDOW_SIZE", None)
    yield from main_window(qtbot, tmp_path, monkeypatch, scan_on_open=False, size=size)


@pytest.fixture()
def scanning_window(request, qtbot, tmp_path, monkeypatch):
    """The main window with the NaN/Inf scan on open, as a user gets it (sized as ``window``)."""
    size = getattr(request.module, "WINDOW_SIZE", None)
    yield from main_window(qtbot, tmp_path, monkeypatch, scan_on_open=True, size=size)


def main_window(qtbot, tmp_path, monkeypatch, scan_on_open: bool, size=None, idle_after_close: bool = False):
    """The window fixtures' body (a module's own ``window`` fixture may yield from it):
    ``size`` is set before the window is shown; ``idle_after_close`` waits, after the
    jobs, for the results that came back after close() to be reported on the event loop."""
    from PySide6.QtCore import QThreadPool

    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    win = MainWindow(scan_on_open=scan_on_open)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    yield win
    win.close()  # cancels its jobs; waits for them only briefly, so quitting is immediate
    assert QThreadPool.globalInstance().waitForDone(10_000)
    if idle_after_close:
        qtbot.waitUntil(lambda: not win.busy, timeout=10_000)


def wait_drawn(qtbot, timeout: int = 5000) -> None:
    """Until the plots' pieces of work asked for are done (app/plot_turns.py: a plot is
    made, and drawn, in event-loop turns of their own, not in the call that asks)."""
    from ckpt_gui.app import plot_turns

    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=timeout)


def painted_texts(view, column: int, margin: int) -> list[str]:
    """What ``view``'s delegate paints in ``column`` of each top-level row: its text
    as the delegate sets it, cut to the cell's width less ``margin`` px."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    shown = []
    for row in range(view.model().rowCount()):
        index = view.model().index(row, column)
        option = QStyleOptionViewItem()
        option.rect = view.visualRect(index)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        shown.append(option.fontMetrics.elidedText(option.text, option.textElideMode, option.rect.width() - margin))
    return shown


@pytest.fixture(params=[9, 10], ids=["default-font", "desktop-10pt"])
def font_size(request, qapp):
    """Offscreen Qt's 9 pt font, and the 10 pt a gtk3 desktop theme (the dark one) sets."""
    from PySide6.QtGui import QFont

    font = qapp.font()
    qapp.setFont(QFont(font.family(), request.param))
    yield request.param
    qapp.setFont(font)
