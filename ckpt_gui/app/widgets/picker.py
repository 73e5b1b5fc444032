"""The checkpoint picker: every checkpoint of the folder, with step, time and size."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox

from ckpt_gui.core.format.discovery import CheckpointRef, Location
from ckpt_gui.core.formatting import format_bytes, format_time

MAX_WIDTH = 640
_HINT = "Checkpoints in this folder (the state file's latest is marked)"


class CheckpointPicker(QComboBox):
    ref_selected = Signal(object)  # CheckpointRef

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.refs: list[CheckpointRef] = []
        # As wide as its longest entry, so "(latest)" is never cut, up to a limit that
        # leaves the toolbar room for the path; each entry's tooltip is whole.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMaximumWidth(MAX_WIDTH)
        self.setToolTip(_HINT)
        self.activated.connect(self._on_activated)

    def set_location(self, location: Location, selected: CheckpointRef) -> None:
        self.blockSignals(True)
        self.clear()
        self.refs = list(reversed(location.checkpoints))  # newest first
        for row, ref in enumerate(self.refs):
            text = describe_ref(ref, ref == location.latest)
            self.addItem(text)
            self.setItemData(row, text, Qt.ItemDataRole.ToolTipRole)
        self.setCurrentIndex(self.refs.index(selected) if selected in self.refs else 0)
        self.setToolTip(f"{self.currentText()}\n{_HINT}")
        self.setEnabled(len(self.refs) > 1)
        self.blockSignals(False)

    def _on_activated(self, row: int) -> None:
        self.setToolTip(f"{self.currentText()}\n{_HINT}")
        if 0 <= row < len(self.refs):
            self.ref_selected.emit(self.refs[row])


def describe_ref(ref: CheckpointRef, latest: bool) -> str:
    parts = [ref.name]
    if ref.step is not None:
        parts.append(f"step {ref.step:,}")
    parts.append(format_time(ref.time))
    parts.append(format_bytes(ref.size_bytes))
    text = "  ·  ".join(parts)
    if not ref.complete:
        text += "  (incomplete: data missing)"
    if latest:
        text += "  (latest)"
    elif not ref.in_state_file:
        text += "  (not in state file)"
    return text
