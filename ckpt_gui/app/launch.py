"""``ckpt-gui [PATH] [--screenshot FILE.png] [--size WxH]``: the desktop app's entry point."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import sys
import tempfile

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ckpt_gui import __version__
from ckpt_gui.app import background_work, crash_log, first_frame, gui_first, gui_gc, plot_import, plot_turns, theme
from ckpt_gui.app.qt_messages import quiet_size_hints
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.format.discovery import names_nothing
from ckpt_gui.core.format.storage import absolute
from ckpt_gui.resources import APP_ID, demo_path, icon_path

SCREENSHOT_TIMEOUT_MS = 120_000
# How long a thread may hold the interpreter lock while another waits for it (Python's
# default: 5 ms). Qt calls the tree model's Python methods thousands of times per paint,
# taking the lock for each call; while a worker computes (an open), each time it took the
# lock in between, the GUI thread waited a whole interval to get it back: a paint of 40 ms
# of CPU took 0.26 to 0.30 s beside one busy worker, 0.14 to 0.18 s at 1 ms (load 11).
SWITCH_INTERVAL_S = 0.001


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ckpt-gui", description="Look inside TensorFlow checkpoints.")
    parser.add_argument("path", nargs="?", help="checkpoint folder, prefix or file (default: the bundled demo)")
    parser.add_argument("--model", metavar="SCRIPT", help="diagnose the restore into this model script once loaded")
    parser.add_argument("--compare", metavar="B", help="compare the checkpoint (A) with B side by side")
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the window to FILE once loading is done, print the path and exit",
    )
    parser.add_argument(
        "--size", metavar="WxH", type=_size, help="the window's size (e.g. 1024x640; default 1440x900 for a screenshot)"
    )
    return parser.parse_args(argv)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1024x640") from None
    return width, height


def run_gui(argv: list[str]) -> int:
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    quiet_size_hints(app)  # offscreen (--screenshot): a harmless warning per window shown
    hand_over_quickly()
    start_background()
    start_collector(app)
    name_application(app)
    theme.clear_indicators(app)
    if args.screenshot and "CKPT_GUI_SETTINGS_DIR" not in os.environ:
        # Screenshots must not depend on (or change) the user's remembered layout; the
        # folder goes with the process (hundreds were left in /tmp, one per screenshot).
        os.environ["CKPT_GUI_SETTINGS_DIR"] = temporary_folder("ckpt-gui-screenshot-")
    # A crash leaves a log and the next launch says so; after the application is named (its
    # folder) and a screenshot's folder is set (its picture must not show the user's crashes).
    previous_crash = crash_log.start_session()
    window = MainWindow(scan_on_open=args.screenshot is None)
    if args.size or args.screenshot:
        window.resize(*(args.size or (1440, 900)))
    crash_log.tell(window.banner, previous_crash)
    window.show_opening(args.path or demo_path())  # the first frame says so, its title too
    first_frame.hold(window)  # the open's work waits for it: a busy machine left the window black
    window.show()
    gui_gc.settle()  # Qt's, pyqtgraph's and the window's objects: never walked again
    act_once_loaded(window, args)
    window.browse.open_path(args.path or demo_path())  # its busy indicator is in the first frame too
    if args.screenshot:
        window.screenshot = ScreenshotWhenIdle(window, args.screenshot, app)  # kept alive by the window
    else:  # at once: the event loop would first work through what is queued (results, paints), seconds
        window.quit_wait_ms = 0  # the jobs are cancelled, not waited for: end_now ends them with the process
        window.ends_process = True  # the doctor's children too: end_now kills them (no careful shutdown)
        window.closed.connect(lambda: end_now(0))
        crash_log.end_on_terminate(end_now)  # SIGTERM: as Quit (children killed, no crash told)
    code = app.exec()
    end_now(code)
    return code


def act_once_loaded(window: MainWindow, args: argparse.Namespace) -> None:
    """``--model`` and ``--compare``: done once the checkpoint given with them is loaded,
    not again for every checkpoint the user opens afterwards."""
    once = Qt.ConnectionType.SingleShotConnection
    if args.model:
        script = os.path.abspath(args.model)
        if args.path:  # a Keras weights file is diagnosed even where it cannot be shown
            window.doctor.set_keras_file(args.path)
        window.loaded.connect(lambda: window.doctor.diagnose(script) if window.doctor.report is None else None, once)
    if args.compare:
        other = absolute(args.compare)  # a URL stays one
        missing = names_nothing(other)
        if missing is not None:  # a typo said now, not once A has loaded (review 24 #12)
            # Said by the launch, not by the comparison (made only when asked for), whose
            # words A's open withdraws; a comparison made later withdraws it.
            window.banner.show_message(f"Cannot compare: {missing}", "error", owner=act_once_loaded)
            window.compare_done.connect(lambda: window.banner.withdraw(act_once_loaded), once)
            return
        compare_once_shown(window, other)


def compare_once_shown(window: MainWindow, other: str) -> None:
    """``--compare B``: compared with the first checkpoint shown. An A that cannot be
    opened (a typo) leaves it waiting, said in the banner, until the user opens one (the
    comparison was dropped without a word, review 26 #5)."""

    def loaded() -> None:
        if window.browse.ckpt is None:
            name = os.path.basename(other.rstrip("/")) or other
            window.banner.show_message(
                f"The comparison with {name} (--compare) waits for a checkpoint to compare it with: open one",
                "warning", owner=compare_once_shown,
            )  # fmt: skip
            return
        window.loaded.disconnect(loaded)
        window.banner.withdraw(compare_once_shown)
        if window.compare.diff is None:
            window.compare.compare_with(other, at_largest=True)

    window.loaded.connect(loaded)


def hand_over_quickly() -> None:
    """A worker hands the interpreter lock to the GUI thread within SWITCH_INTERVAL_S,
    and steps aside while the GUI thread is awake (app/gui_first.py; once the
    application exists)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gui_first.install()


def start_background() -> None:
    """The background extras' thread (app/background_work.py), now: started later,
    beside a busy worker, starting it held the GUI thread until it first ran."""
    background_work.start()


def start_collector(app: QApplication) -> None:
    """Python's cyclic collector on the GUI thread only, never walking a checkpoint
    (app/gui_gc.py); kept alive by the application."""
    app.gui_thread_gc = gui_gc.GuiThreadCollector()


def name_application(app: QApplication) -> None:
    """Name, version, icon and app id (the desktop matches the window to the entry
    `ckpt-gui --install-desktop-file` installs by this id)."""
    app.setApplicationName("ckpt-gui")
    app.setOrganizationName("ckpt-gui")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(icon_path()))


_temporary: list[str] = []  # folders this process made for itself: removed when it ends


def temporary_folder(prefix: str) -> str:
    """A new folder in the temporary directory, removed when the process ends: by
    :func:`end_now` (whose os._exit skips atexit), else at the interpreter's exit (an
    error before the event loop ran)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    if not _temporary:
        atexit.register(remove_temporary_folders)
    _temporary.append(folder)
    return folder


def remove_temporary_folders() -> None:
    while _temporary:
        shutil.rmtree(_temporary.pop(), ignore_errors=True)


def end_now(code: int) -> None:
    """Quit means quit: the process ends once the window has closed, without the
    interpreter's teardown (freeing Qt's, pyqtgraph's and the tree's objects one by
    one took 1-2.5 s on a busy machine after a diagnosis), nor the join of a cancelled
    job still inside a chunk of work. Background jobs only read (exports and settings
    are written on the GUI thread, and are on disk by now); the doctor's children, and
    whatever they started, are killed first, never left behind."""
    children = sys.modules.get("ckpt_gui.diagnosis.child_process")  # loaded only once the doctor ran
    if children is not None:
        children.kill_all()
    passes = sys.modules.get("ckpt_gui.core.analysis.pass_process")  # loaded once a large tensor was selected
    if passes is not None:
        passes.shutdown()  # it would end anyway once this process has (its lifeline), but not at once
    crash_log.end_session()  # a clean end: no log left to report at the next launch
    remove_temporary_folders()  # after the crash log's end, which is written in a screenshot's folder
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # a reader gone, a stream closed
            stream.flush()
    os._exit(code)


class ScreenshotWhenIdle:
    """Waits until the window has loaded and every job has reported, then saves it."""

    def __init__(self, window: MainWindow, path: str, app: QApplication) -> None:
        self.window, self.path, self.app = window, os.path.abspath(path), app
        self.loaded = False
        self.waited_ms = 0
        window.loaded.connect(self._on_loaded)
        self.timer = QTimer(interval=50)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _on_loaded(self) -> None:
        self.loaded = True

    def _poll(self) -> None:
        self.waited_ms += self.timer.interval()
        idle = self.loaded and not self.window.busy and not self._drawing()
        if idle or self.waited_ms >= SCREENSHOT_TIMEOUT_MS:
            self.timer.stop()
            QTimer.singleShot(200, self._save)  # let the last results paint

    @staticmethod
    def _drawing() -> bool:
        """Plots wait for pyqtgraph's import, or for their turn (app/plot_turns.py)."""
        return plot_import.drawing_waits() or plot_turns.busy()

    def _save(self) -> None:
        if (self.window.busy or self._drawing()) and self.waited_ms < SCREENSHOT_TIMEOUT_MS:
            # A result started a new job (e.g. a histogram after values), or the plots
            # wait for pyqtgraph's background import: saved, they would say "Drawing...".
            self.timer.start()
            return
        pixmap = self.window.grab()
        if not pixmap.save(self.path):
            print(f"ckpt-gui: error: {self.path}: cannot write the screenshot", file=sys.stderr)
            self.app.exit(2)
            return
        print(self.path)
        failed = self.window.browse.ckpt is None  # PATH did not open: the picture of the error (bug reports), exit 2
        if failed:
            print(f"ckpt-gui: error: {self.window.banner.text or 'cannot open it'}", file=sys.stderr)
        self.window.close()
        self.app.exit(2 if failed else 0)
