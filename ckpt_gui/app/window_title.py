"""What the window says of the checkpoint shown: the path bar above the panels (the
picker, then the checkpoint's path and format) and the window's title (the
checkpoint's name, a SavedModel's folder's; "Opening demo..." on the first frame).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar, QWidget

from ckpt_gui.app.widgets.layouts import ElidedLabel
from ckpt_gui.core.checkpoint import Checkpoint, shown_format
from ckpt_gui.core.format.graph_file import GRAPH_ONLY_FORMAT_NAMES
from ckpt_gui.core.format.keras_files import KERAS_FORMAT_NAMES

FORMAT_NAMES = {
    "tf2": "TF2 object-based",
    "tf1": "TF1 name-based",
    "savedmodel": "SavedModel variables",
    **KERAS_FORMAT_NAMES,
    **GRAPH_ONLY_FORMAT_NAMES,
}
NO_CHECKPOINT = "No checkpoint"
APP_NAME = "ckpt-gui"


def format_note(format_id: str) -> str:
    """What the path bar says after the path: "(TF2 object-based)"; a name with brackets
    of its own after a dot ("(Keras 3 model archive (.keras))" read badly, review 6)."""
    name = FORMAT_NAMES[format_id]
    return f"  · {name}" if "(" in name else f"  ({name})"


class CheckpointTitle:
    """The checkpoint toolbar (``picker`` and ``path_label``) added to ``window``, and
    the window's title; ``shown()``: the checkpoint browse shows (None before one opens)."""

    def __init__(self, window: QMainWindow, picker: QWidget, shown: Callable[[], Checkpoint | None]) -> None:
        self.window, self.shown = window, shown
        toolbar = QToolBar("Checkpoint")
        toolbar.setMovable(False)
        toolbar.setObjectName("checkpoint-toolbar")
        # It gives way to the picker beside it, cut at its start: the folder's own name
        # and the checkpoint's stay (review: "/work/shared/realworl…pt" said neither).
        self.path_label = ElidedLabel(NO_CHECKPOINT, mode=Qt.TextElideMode.ElideLeft)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        toolbar.addWidget(QLabel(" Checkpoint: "))
        toolbar.addWidget(picker)
        toolbar.addSeparator()
        toolbar.addWidget(self.path_label)
        window.addToolBar(toolbar)

    def show_checkpoint(self, ckpt: Checkpoint) -> None:
        """The path bar and the title of ``ckpt``, shown (or its index just read)."""
        folder, name = os.path.split(ckpt.prefix.rstrip("/"))
        keep = f"{os.path.basename(folder)}/{name}" if folder else name  # the folder's name and the checkpoint's
        self.path_label.setText(f" {ckpt.prefix}", format_note(shown_format(ckpt)), keep)
        self.show_title()

    def show_opening(self, path: str, loaded: SignalInstance) -> None:
        """The launch's checkpoint, before the window is shown: its first frame says it
        is opening it, under its name in the title (not "No checkpoint" under the
        checkpoint's title); a failed open (``loaded`` with nothing shown) goes back to
        "No checkpoint"."""
        name = os.path.basename(path.rstrip("/" + os.sep)) or path
        self.path_label.setText(f" Opening {name}...")
        self.window.setWindowTitle(f"{name} - {APP_NAME}")
        loaded.connect(self._after_first_open, Qt.ConnectionType.SingleShotConnection)

    def _after_first_open(self) -> None:
        if self.shown() is None:
            self.path_label.setText(NO_CHECKPOINT)
            self.window.setWindowTitle(APP_NAME)

    def show_title(self) -> None:
        """The window's title: the checkpoint shown, a SavedModel by its folder's name, not "variables"."""
        ckpt = self.shown()
        if ckpt is not None:
            saved_model = ckpt.location.kind == "savedmodel"
            name = os.path.basename(os.path.dirname(os.path.dirname(ckpt.prefix)) if saved_model else ckpt.prefix)
            self.window.setWindowTitle(f"{name} - {APP_NAME}")
