"""What the app remembers between runs (QSettings): recent paths, folders, layout."""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSplitter, QStyle, QWidget

from ckpt_gui.core.write_guard import can_hold_files

MAX_RECENT = 10
# Below this height a first window takes the whole screen: at 90% of 1024x640 the
# plots and a restore report shared 40 px less and neither was readable.
SMALL_SCREEN_HEIGHT = 800
FIRST_SHARE = 0.75  # of a large screen, the first time
# The least size the window is made for (README: "works from 1024x640 up"); a restored
# window is never smaller unless its screen is. Qt's own least (780x462) cut the filter
# box to "Filter var..." and the variable count (review 6: reopened at 780x519).
LEAST_RESTORED = QSize(1024, 640)


def settings() -> QSettings:
    """The app's settings; CKPT_GUI_SETTINGS_DIR (tests) keeps them in a folder of one's own."""
    folder = os.environ.get("CKPT_GUI_SETTINGS_DIR")
    if folder:
        return QSettings(os.path.join(folder, "ckpt-gui.ini"), QSettings.Format.IniFormat)
    return QSettings("ckpt-gui", "ckpt-gui")


def allow_gpu() -> bool:
    """Whether the doctor's attempts see the GPUs (Restore > Allow GPUs); hidden by
    default. Here, not in the doctor's controller: the menu shows it at launch, before
    the doctor is made (on first use)."""
    value = settings().value("allow_gpu", False)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def recent_paths(store: QSettings | None = None) -> list[str]:
    value = (store if store is not None else settings()).value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if isinstance(p, str)]


def remember_opened(path: str | None, folder: str) -> None:
    """A checkpoint shown: ``path`` (None: not opened by a path, a switch in the picker)
    first among the recent ones, and the next Open dialog to start in its ``folder``
    (else in ``path``'s), in one write of the settings file. Each QSettings written
    waits for the disk as it goes (about 8 ms, 2 of them CPU): three writes, one for
    the recent paths and two for the folder, held the turn showing a checkpoint 24 ms.
    The folder, not its parent (opened from /tmp/rv4-data, the dialogs had started in
    /tmp, review 4); a URL's (gs://...) is no folder a file dialog shows."""
    store = settings()
    if path is not None:
        recent = [path] + [p for p in recent_paths(store) if p != path]
        store.setValue("recent", recent[:MAX_RECENT])
    fallback = None if path is None else path if os.path.isdir(path) else os.path.dirname(path)
    for candidate in (folder, fallback):
        if candidate and os.path.isdir(candidate):
            store.setValue("last_folder", candidate)
            return


def last_folder() -> str:
    value = settings().value("last_folder", "")
    return value if isinstance(value, str) and os.path.isdir(value) else os.path.expanduser("~")


def remember_export_folder(folder: str) -> None:
    """Where the user last saved an export (a tensor, a histogram, a report). Not a folder
    nothing can be written in: a report saved to /proc failed, and every later chooser,
    of any session, started in /proc (review 22 #12)."""
    if folder and os.path.isdir(folder) and can_hold_files(folder):
        settings().setValue("last_export_folder", folder)


def last_export_folder() -> str:
    """The last export's folder, or, before any, the last folder opened (the repair's
    output climbs out of a checkpoint's folder: the write guard refuses it)."""
    return remembered_export_folder() or last_folder()


def remembered_export_folder() -> str:
    """The last export's folder; "" before any (or when it is gone)."""
    value = settings().value("last_export_folder", "")
    return value if isinstance(value, str) and os.path.isdir(value) else ""


def restore_layout(window: QWidget, splitters: dict[str, QSplitter]) -> set[str]:
    """The window's geometry and splitter positions as the user left them (a default
    size the first time), fitted to the screen it opens on; the names of the splitters
    whose position was restored."""
    store = settings()
    geometry = store.value("geometry")
    # Qt refuses (returns False, the window left at its default size) a geometry saved on
    # a screen more than a quarter narrower or wider: that screen's size is no guide here,
    # so this screen's first-run size is used (review 6: 1022x614 saved on a 1024x640
    # screen reopened at 780x519 on a 2560x1440 one).
    restored_geometry = isinstance(geometry, QByteArray) and not geometry.isEmpty() and window.restoreGeometry(geometry)
    if not restored_geometry:
        window.resize(first_size(window))
    area = _screen_area(window)
    if not restored_geometry:  # a first run on a small screen: the whole screen
        fills = area is not None and area.height() < SMALL_SCREEN_HEIGHT
    else:  # Qt shrinks a saved size that does not fit the screen: this one says it did not
        saved = store.value("window_size")
        fills = (
            area is not None
            and isinstance(saved, QSize)
            and (saved.width() > area.width() or saved.height() > area.height())
        )
    fit_to_screen(window, fills)
    restored = set()
    for name, splitter in splitters.items():
        state = store.value(f"splitter/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty() and splitter.restoreState(state):
            restored.add(name)
    return restored


def first_size(window: QWidget) -> QSize:
    """A first run's size: 1440x900 or, on a large screen, a share of it (1440x900 on a
    2560x1440 screen looked small), never more than 90% of it (a window larger than the
    screen cuts its own edges)."""
    area = _screen_area(window)
    if area is None:
        return QSize(1440, 900)
    width = min(max(1440, int(area.width() * FIRST_SHARE)), int(area.width() * 0.9))
    height = min(max(900, int(area.height() * FIRST_SHARE)), int(area.height() * 0.9))
    return QSize(width, height)


def fit_to_screen(window: QWidget, small_fills: bool = False) -> None:
    """The window whole on its screen, at least its least size. A geometry saved on a
    larger screen came back cut (2400x1300 restored on a 1024x640 screen: 780x490, the
    panels below their least); on a screen too small for it (or ``small_fills``: a
    first run on a small screen) it is maximised: every pixel counts."""
    area = _screen_area(window)
    if area is None or window.isMaximized() or window.isFullScreen():
        return
    extra = window.frameGeometry().size() - window.size()  # the title bar, once framed
    # Not framed yet (as restored, before it is shown): room for a title bar all the same,
    # or a 1024x640 window on a 1024x640 screen had its status bar below the screen.
    title = extra if extra.height() > 0 else QSize(0, window.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight))
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    least = least.expandedTo(LEAST_RESTORED.boundedTo(area.size() - title))
    size = window.size().expandedTo(least)
    if small_fills or size.width() > area.width() or size.height() > area.height():
        window.resize(area.size() - extra)  # as maximised, where no window manager maximises
        window.move(area.topLeft())
        if QGuiApplication.platformName() != "offscreen":  # offscreen has no window manager to maximise
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
        return
    frame = window.frameGeometry()  # the title bar too, once the window manager framed it
    x = min(max(frame.x(), area.x()), area.x() + area.width() - size.width() - extra.width())
    y = min(max(frame.y(), area.y()), area.y() + area.height() - size.height() - extra.height())
    window.resize(size)
    place = (max(x, area.x()), max(y, area.y()))
    if place != (frame.x(), frame.y()):  # a first run's: the window manager places it (centred)
        window.move(*place)


def _screen_area(window: QWidget) -> QRect | None:
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else None


def save_layout(window: QWidget, splitters: dict[str, QSplitter]) -> None:
    write_layout(layout_of(window, splitters))


def layout_of(window: QWidget, splitters: dict[str, QSplitter]) -> dict[str, object]:
    """What :func:`write_layout` keeps of the window, read while it is shown (its
    geometry with its frame): Quit hides the window first, then writes this."""
    layout = {"geometry": window.saveGeometry(), "window_size": window.normalGeometry().size()}
    return layout | {f"splitter/{name}": splitter.saveState() for name, splitter in splitters.items()}


def write_layout(layout: dict[str, object]) -> None:
    store = settings()
    for key, value in layout.items():
        store.setValue(key, value)
    store.sync()  # on disk now: the process may end without running destructors
