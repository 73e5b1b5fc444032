"""Can Qt open a window here? Checked before Qt is imported, so a missing system
library or display gives a few lines saying what to install, not Qt's abort.

On a fresh Debian/Ubuntu machine Qt's own message blames ``xcb-cursor0`` whichever
library is missing, then aborts. Here every library the xcb platform plugin and
Qt's GUI module load from the system is tried by name (so all the missing ones are
named at once, with their apt and dnf packages), then the plugin itself (for a
library this list does not know), then the X display.

Qt-free: it uses ctypes only. Linux only; another platform than xcb (offscreen,
wayland, ...) is not checked.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SystemLibrary:
    soname: str
    apt: str  # Debian/Ubuntu package
    dnf: str  # Fedora/RHEL package


# What PySide6's libqxcb.so, libQt6XcbQpa and libQt6Gui need from the system (their
# NEEDED entries, `readelf -d`), minus what every system has (libc, libstdc++, zlib).
XCB_LIBRARIES = (
    SystemLibrary("libxcb.so.1", "libxcb1", "libxcb"),
    SystemLibrary("libX11.so.6", "libx11-6", "libX11"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    SystemLibrary("libfreetype.so.6", "libfreetype6", "freetype"),
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0", "glib2"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
)

HEADLESS = (
    "Without a display: QT_QPA_PLATFORM=offscreen ckpt-gui PATH --screenshot FILE.png renders the window\n"
    "  to an image; the CLI (ckpt-gui inspect|export|diagnose|diff) needs no Qt at all."
)


def platform_problem(
    environ: Mapping[str, str] | None = None,
    libraries: tuple[SystemLibrary, ...] | None = None,
    plugin: str | None = None,
) -> str | None:
    """Why Qt's xcb platform cannot start here (a few lines), or None when it can or
    when another platform is in use. ``libraries`` and ``plugin`` (the path of
    libqxcb.so; PySide6's own by default) are parameters for the tests."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or not _uses_xcb(environ):
        return None
    libraries = XCB_LIBRARIES if libraries is None else libraries
    missing = [lib for lib in libraries if not _loads(lib.soname)]
    if missing:
        names = ", ".join(lib.soname for lib in missing)
        return _advice(f"Qt's xcb platform plugin needs system libraries that are missing: {names}", missing)
    plugin = _pyside_xcb_plugin() if plugin is None else plugin
    failure = _load_error(plugin) if plugin and os.path.exists(plugin) else None
    if failure:
        return _advice(f"Qt's xcb platform plugin cannot be loaded: {failure}", list(libraries))
    return _display_problem(environ.get("DISPLAY", ""))


def _uses_xcb(environ: Mapping[str, str]) -> bool:
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    # Unset: under Wayland Qt tries its wayland plugin first, which this does not check.
    return not environ.get("WAYLAND_DISPLAY")


def _loads(soname: str) -> bool:
    return _load_error(soname) is None


def _load_error(name: str) -> str | None:
    try:
        ctypes.CDLL(name)
    except OSError as exc:
        return str(exc)
    return None


def _pyside_xcb_plugin() -> str | None:
    """PySide6's libqxcb.so, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(spec.submodule_search_locations[0], "Qt", "plugins", "platforms", "libqxcb.so")


def _display_problem(display: str) -> str | None:
    if not display:
        return f"ckpt-gui: error: no display to open the window on (DISPLAY is not set)\n  {HEADLESS}"
    xcb = ctypes.CDLL("libxcb.so.1")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: an error object at worst
    error = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    if error:
        return f"ckpt-gui: error: cannot connect to the X display {display!r} (DISPLAY)\n  {HEADLESS}"
    return None


def _advice(problem: str, libraries: list[SystemLibrary]) -> str:
    apt = " ".join(dict.fromkeys(lib.apt for lib in libraries))
    dnf = " ".join(dict.fromkeys(lib.dnf for lib in libraries))
    return (
        f"ckpt-gui: error: the window cannot open: {problem}\n"
        f"  Debian/Ubuntu: sudo apt-get install {apt}\n"
        f"  Fedora/RHEL:   sudo dnf install {dnf}\n"
        f"  {HEADLESS}"
    )
