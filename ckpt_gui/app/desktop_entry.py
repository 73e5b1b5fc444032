"""``ckpt-gui --install-desktop-file``: puts ckpt-gui in the desktop's application menu.

pip cannot install files outside the environment, so the .desktop file and the icon
ship as package data and this copies them into the user's XDG data folder
(~/.local/share): ``applications/<APP_ID>.desktop`` and the icon under
``icons/hicolor/scalable/apps/<APP_ID>.svg``. The Exec line names this very
interpreter (``python -m ckpt_gui``), which works whether or not the venv is on PATH.

Qt-free: only files are copied.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from ckpt_gui.resources import APP_ID, desktop_file_path, icon_path


def install_desktop_file(environ: Mapping[str, str] | None = None) -> int:
    """Install the .desktop file and icon for this user; print where; exit code."""
    environ = os.environ if environ is None else environ
    data_home = Path(environ.get("XDG_DATA_HOME") or Path(environ.get("HOME", "~")).expanduser() / ".local/share")
    entry = data_home / "applications" / f"{APP_ID}.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        icon.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(icon_path(), icon)
        entry.write_text(desktop_entry_text(), encoding="utf-8")
    except OSError as exc:
        print(f"ckpt-gui: error: {exc.filename}: cannot write ({exc.strerror})", file=sys.stderr)
        return 2
    print("ckpt-gui is in the desktop's application menu now (log in again if it does not show yet):")
    print(f"  desktop entry: {entry}")
    print(f"  icon:          {icon}")
    return 0


def desktop_entry_text(python: str | None = None) -> str:
    """The shipped .desktop file with its Exec line naming ``python`` (this one)."""
    exec_line = f"Exec={_quoted(python or sys.executable)} -m ckpt_gui %f"
    lines = Path(desktop_file_path()).read_text(encoding="utf-8").splitlines()
    return "\n".join(exec_line if line.startswith("Exec=") else line for line in lines) + "\n"


def _quoted(path: str) -> str:
    # The desktop entry spec's quoting is a subset of the shell's double quotes.
    return path if shlex.quote(path) == path else '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
