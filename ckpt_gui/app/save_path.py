"""Asking where to save an export: the file dialog starts outside the checkpoint's
folder, and a file the write guard refuses is refused while the user is still saving
(said, and the dialog asked again), not after the dialog has closed."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ckpt_gui.app import settings
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.write_guard import Protected, check_output


def free_folder(protected: Protected, name: str, start: str | None = None) -> str:
    """The last export's folder (else the last folder the user opened), or ``start``,
    or the nearest folder above it, or the home folder, where ``name`` may be written."""
    folder = settings.last_export_folder() if start is None else start
    candidates = []
    while True:
        candidates.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in [*candidates, os.path.expanduser("~")]:
        try:
            check_output(os.path.join(folder, name), protected)
        except CheckpointError:
            continue
        return folder
    return os.path.expanduser("~")


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
            start = os.path.join(free_folder(protected, os.path.basename(path)), os.path.basename(path))
            continue
        settings.remember_export_folder(os.path.dirname(path))
        return path
