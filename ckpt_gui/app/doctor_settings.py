"""How the doctor's restore attempts run, as the user set it in the Restore menu: the
Python interpreter, the time limit, the memory limit and the GPUs, each asked in a
dialog and kept in the settings. The doctor's controller reads them for each attempt.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QFileDialog, QInputDialog

from ckpt_gui.app import settings
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.diagnosis.runner import DEFAULT_MEMORY_LIMIT

DEFAULT_TIMEOUT = 120.0  # seconds an attempt may take, unless the settings say otherwise


def python() -> str:
    """The interpreter attempts run with: the one chosen, else the app's own."""
    value = settings.settings().value("python", "")
    return value if isinstance(value, str) and value else sys.executable


def timeout() -> float:
    """Seconds an attempt may take: at least one, since a limit of 0 would stop every attempt at once."""
    return _float_setting("diagnosis_timeout", DEFAULT_TIMEOUT, least=1.0)


def memory_limit() -> float:
    """GB an attempt's processes may use together; 0 means no limit."""
    return _float_setting("memory_limit_gb", DEFAULT_MEMORY_LIMIT, least=0.0)


def _float_setting(key: str, default: float, least: float) -> float:
    """A number the user set in a dialog, kept no lower than `least`; the default when the
    settings hold something else (a settings file edited by hand, or left by another version)."""
    value = settings.settings().value(key, default)
    try:
        return max(float(value), least)
    except (TypeError, ValueError):
        return default


# -- the Restore menu's dialogs: each returns what the status bar says of the choice, or None -------


def ask_python(parent) -> str | None:
    with fitted():
        path, _ = QFileDialog.getOpenFileName(parent, "Python interpreter with TensorFlow", python())
    if not path:
        return None
    settings.settings().setValue("python", path)
    return f"Restore attempts will run with {path}"


def ask_memory_limit(parent) -> str | None:
    limit, ok = QInputDialog.getDouble(parent, "Memory limit", _memory_limit_prompt(), memory_limit(), 0.0, 1e6, 1)
    if not ok:
        return None
    settings.settings().setValue("memory_limit_gb", limit)
    return f"Restore attempts may use up to {limit:g} GB" if limit else "No memory limit"


def ask_time_limit(parent) -> str | None:
    limit, ok = QInputDialog.getDouble(parent, "Time limit", _time_limit_prompt(), timeout(), 1.0, 1e6, 0)
    if not ok:
        return None
    settings.settings().setValue("diagnosis_timeout", limit)
    return f"Restore attempts may run for up to {limit:g} s"


def set_allow_gpu(allowed: bool) -> str:
    settings.settings().setValue("allow_gpu", bool(allowed))
    return "Restore attempts may use GPUs" if allowed else "GPUs are hidden from restore attempts"


def _time_limit_prompt() -> str:
    chosen = settings.settings().contains("diagnosis_timeout")
    shown = "your earlier choice" if chosen else "the default"
    return (
        "Stop a restore attempt (the script, the matching and the restore) after this many seconds,\n"
        "counted from the script's start: importing TensorFlow before it is not counted.\n"
        f"Shown: {shown}; the default is {DEFAULT_TIMEOUT:g} s."
    )


def _memory_limit_prompt() -> str:
    """The dialog's question, and where the figure it proposes comes from (review: "11.8"
    with no word on why)."""
    default = f"half of this machine's {2 * DEFAULT_MEMORY_LIMIT:g} GB of memory" if DEFAULT_MEMORY_LIMIT else "none"
    chosen = settings.settings().contains("memory_limit_gb")
    shown = "your earlier choice" if chosen else "the default"
    return (
        "Stop a restore attempt whose processes together use more than this many GB (0: no limit).\n"
        f"Shown: {shown}; the default is {default}."
    )
