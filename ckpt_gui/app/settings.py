"""What the app remembers between runs (QSettings): recent paths, folders, layout."""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSplitter, QWidget

MAX_RECENT = 10
# Below this height a first window takes the whole screen: at 90% of 1024x640 the
# plots and a restore report shared 40 px less and neither was readable.
SMALL_SCREEN_HEIGHT = 800


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


def recent_paths() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if isinstance(p, str)]


def remember_path(path: str) -> list[str]:
    recent = [path] + [p for p in recent_paths() if p != path]
    recent = recent[:MAX_RECENT]
    store = settings()
    store.setValue("recent", recent)
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    store.setValue("last_folder", os.path.dirname(folder) or folder)
    return recent


def last_folder() -> str:
    value = settings().value("last_folder", "")
    return value if isinstance(value, str) and os.path.isdir(value) else os.path.expanduser("~")


def restore_layout(window: QWidget, splitters: dict[str, QSplitter]) -> bool:
    """The window's geometry and splitter positions as the user left them (a default
    size the first time); whether any splitter position was restored."""
    store = settings()
    geometry = store.value("geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:  # 1440x900, or 90% of a smaller screen: a window larger than the screen cuts its own edges
        screen = window.screen().availableGeometry() if window.screen() is not None else None
        width, height = (
            (1440, 900)
            if screen is None
            else (min(1440, int(screen.width() * 0.9)), min(900, int(screen.height() * 0.9)))
        )
        window.resize(width, height)
        small = screen is not None and screen.height() < SMALL_SCREEN_HEIGHT
        if small and QGuiApplication.platformName() != "offscreen":  # every pixel counts: the whole screen
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    restored = False
    for name, splitter in splitters.items():
        state = store.value(f"splitter/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            restored = splitter.restoreState(state) or restored
    return restored


def save_layout(window: QWidget, splitters: dict[str, QSplitter]) -> None:
    store = settings()
    store.setValue("geometry", window.saveGeometry())
    for name, splitter in splitters.items():
        store.setValue(f"splitter/{name}", splitter.saveState())
    store.sync()  # on disk now: the process may end without running destructors
