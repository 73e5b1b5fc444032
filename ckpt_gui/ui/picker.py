"""The checkpoint picker: every checkpoint of the folder, with step, time and size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from ..core.discovery import CheckpointRef, Location
from ..core.formatting import format_bytes, format_time


class CheckpointPicker(QComboBox):
    ref_selected = Signal(object)  # CheckpointRef

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.refs: list[CheckpointRef] = []
        self.setMinimumContentsLength(40)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setToolTip("Checkpoints in this folder (the state file's latest is marked)")
        self.activated.connect(self._on_activated)

    def set_location(self, location: Location, selected: CheckpointRef) -> None:
        self.blockSignals(True)
        self.clear()
        self.refs = list(reversed(location.checkpoints))  # newest first
        for ref in self.refs:
            self.addItem(describe_ref(ref, ref == location.latest))
        self.setCurrentIndex(self.refs.index(selected) if selected in self.refs else 0)
        self.setEnabled(len(self.refs) > 1)
        self.blockSignals(False)

    def _on_activated(self, row: int) -> None:
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
