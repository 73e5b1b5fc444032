"""Asking where to save an export: the file dialog starts in the last export's folder
(else the home folder), never in the checkpoint's, and a file the write guard refuses
is refused while the user is still saving (said, and the dialog asked again, near
where the user was: ``start_after_refusal``), not after the dialog has closed."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ckpt_gui.app import settings
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.write_guard import Protected, can_hold_files, check_output


def free_folder(protected: Protected, name: str, start: str | None = None) -> str:
    """Where a save dialog starts, a folder where ``name`` may be written: without
    ``start``, the last export's folder, else the home folder, else the current one
    (review 17, A: a first export had started in the checkpoint folder's parent, a runs
    or data set folder holding other checkpoints, often read-only); with ``start``,
    it or the nearest folder above it. The home folder when none will do."""
    home = os.path.expanduser("~")
    if start is None:
        candidates = [folder for folder in (settings.remembered_export_folder(), home, os.getcwd()) if folder]
        candidates = [folder for folder in candidates if os.access(folder, os.W_OK)]
    else:
        candidates = [start]
        while os.path.dirname(candidates[-1]) != candidates[-1]:
            candidates.append(os.path.dirname(candidates[-1]))
        candidates.append(home)
    for folder in candidates:
        try:
            check_output(os.path.join(folder, name), protected)
        except CheckpointError:
            continue
        return folder
    return home


def start_after_refusal(refused: str, allowed: Callable[[str], bool]) -> str | None:
    """Where a chooser asked again after ``refused`` was refused starts: the nearest
    existing folder at or above it, climbing out of what ``allowed`` refuses (the write
    guard's checkpoint folder tree). It had started at the last export's folder, of any
    session (review 22 #12), far from where the user was choosing. None where nothing
    can be written (a kernel's /proc or /sys, which every folder there exists in but
    holds no file; no write permission): the chooser's usual start then."""
    folder = os.path.abspath(os.path.expanduser(refused))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    while not allowed(folder):
        if os.path.dirname(folder) == folder:
            return None
        folder = os.path.dirname(folder)
    return folder if can_hold_files(folder) else None


def _guard_allows(protected: Protected, name: str) -> Callable[[str], bool]:
    def allows(folder: str) -> bool:
        try:
            check_output(os.path.join(folder, name), protected)
        except CheckpointError:
            return False
        return True

    return allows


def ask_save_path(parent: QWidget | None, title: str, name: str, filters: str, protected: Protected) -> str | None:
    """A path the write guard allows, or None when the user cancels."""
    start = os.path.join(free_folder(protected, name), name)
    while True:
        with fitted():
            path, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
        if not path:
            return None
        try:
            check_output(path, protected)
        except CheckpointError as exc:
            QMessageBox.warning(parent, title, str(exc))  # and the dialog again, outside that folder
            if not os.path.isdir(path):  # a folder given for the file: the name proposed stays
                name = os.path.basename(path) or name
            near = start_after_refusal(path, _guard_allows(protected, name))
            start = os.path.join(near or free_folder(protected, name), name)
            continue
        settings.remember_export_folder(os.path.dirname(path))
        return path
