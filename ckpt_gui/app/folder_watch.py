"""The picker follows the folder while training saves into it (review 20 G7): a
CheckpointManager saved ckpt-5 and deleted ckpt-2, and the picker still listed ckpt-2
(picking it failed, the list stayed) and not ckpt-5, "(latest)" on ckpt-4.

The folder shown is watched (QFileSystemWatcher: inotify, nothing written into it,
as the model script is watched) and listed again a moment after it changes (a save
writes several files), when the picker opens, and after a pick that failed. A listing
changes the list only: the checkpoint shown stays, marked when it left the folder.
"""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.folder_relist import can_relist, relisted

SETTLE_MS = 400  # a save writes the data, the index, then the state file: listed once, after the last


class FolderWatch(QObject):
    """Keeps ``picker`` (and the checkpoint shown's ``location``) as the folder is now."""

    listed = Signal(object)  # the Checkpoint whose folder was listed again (its history may have grown)

    def __init__(self, picker: CheckpointPicker, shown, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picker = picker
        self._shown = shown  # () -> the Checkpoint shown, or None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self._settle.start())
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._folder_changed)
        picker.about_to_open.connect(self.relist)

    @property
    def watched(self) -> list[str]:
        return self._watcher.directories()

    def follow(self, ckpt: Checkpoint | None) -> None:
        """Watch ``ckpt``'s folder (a local folder of saves), and no other."""
        wanted = [ckpt.location.directory] if ckpt is not None and can_relist(ckpt.location) else []
        if self._watcher.directories() != wanted:
            if self._watcher.directories():
                self._watcher.removePaths(self._watcher.directories())
            if wanted:
                self._watcher.addPaths(wanted)

    def relist(self) -> None:
        """The folder of the checkpoint shown listed again, into its location and the picker."""
        ckpt = self._shown()
        if ckpt is None or not can_relist(ckpt.location):
            return
        found = relisted(ckpt.location, ckpt.ref)
        if found.location == ckpt.location:
            return
        update(ckpt, found.location)
        self.picker.set_location(ckpt.location, ckpt.ref, gone=found.gone)
        self.listed.emit(ckpt)

    def _folder_changed(self) -> None:
        if self.picker.view().isVisible():  # not under the user's pointer: at its next opening
            return
        self.relist()


def update(ckpt: Checkpoint, location) -> None:
    """``ckpt`` with ``location``, the folder as listed now (its ref: the same checkpoint's
    entry there, whose marks may have changed)."""
    ckpt.location = location
    ckpt.ref = location.selected
