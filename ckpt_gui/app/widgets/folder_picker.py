"""A folder to write into: a new one named in the dialog, or an existing one picked in it.

Qt's save dialog names a new folder only: given an existing folder's name it opens it,
and its folder dialog refuses a name that does not exist yet. The repair writes a whole
checkpoint into a folder the user may have made empty for it (issue 11), so this one
takes both: a name that does not exist yet (its parent does) is a new folder, an
existing folder is chosen as it is (Choose with nothing typed: the folder shown).
Whether an existing one is fit to write into (empty, outside the checkpoint's folder)
is the caller's decision (app/controllers/repair.py and the write guard).

Qt's own dialog (not the desktop's): a native dialog would not call ``accept`` below.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLineEdit, QWidget

from ckpt_gui.app.widgets.file_dialog_fit import fitted


class NewOrExistingFolder(QFileDialog):
    """Folders only; a name typed that does not exist yet is accepted as a new folder."""

    def __init__(self, parent: QWidget | None, title: str, start: str) -> None:
        super().__init__(parent, title)
        self.setOption(QFileDialog.Option.DontUseNativeDialog)
        self.setOption(QFileDialog.Option.ShowDirsOnly)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setLabelText(QFileDialog.DialogLabel.FileName, "Folder:")
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Choose")
        # Qt's folder mode greys Choose out while the name typed does not exist: after
        # each of its own checks (connected first, so run first), a new folder's name
        # (its parent existing) enables it again.
        self._name = self.findChild(QLineEdit, "fileNameEdit")
        self._choose = self.findChild(QDialogButtonBox, "buttonBox").button(QDialogButtonBox.StandardButton.Save)
        self._name.textChanged.connect(lambda _text: self._allow_a_new_name())
        self.directoryEntered.connect(lambda _folder: self._allow_a_new_name())
        folder, name = os.path.split(start.rstrip(os.sep))
        self.setDirectory(folder or os.sep)
        if name:
            self.selectFile(name)  # suggested in the name box: Choose makes it
        self._allow_a_new_name()

    def _new_folder(self) -> str | None:
        """The folder the name box names, when it does not exist yet and its parent does."""
        text = self._name.text().strip()
        if not text:
            return None
        path = os.path.join(self.directory().absolutePath(), os.path.expanduser(text))
        return path if not os.path.exists(path) and os.path.isdir(os.path.dirname(path)) else None

    def _allow_a_new_name(self) -> None:
        if self._new_folder() is not None:
            self._choose.setEnabled(True)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().showEvent(event)
        self._allow_a_new_name()  # after Qt's last check of the name suggested

    def accept(self) -> None:
        """A new folder's name (its parent existing) is chosen as it is; Qt's folder
        dialog would say "Directory not found". The rest is Qt's: an existing folder
        is chosen, a path whose parent is missing is refused with Qt's message."""
        if self._new_folder() is not None:
            QDialog.accept(self)
            return
        super().accept()


def ask_folder(parent: QWidget | None, title: str, start: str) -> str:
    """The folder chosen ("" when cancelled): ``start`` is the folder shown and, after its
    last separator, the new folder's name suggested."""
    dialog = NewOrExistingFolder(parent, title, start)
    try:
        with fitted():
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if not accepted:
            return ""
        new = dialog._new_folder()  # noqa: SLF001 - its own dialog
        if new is not None:
            return new
        chosen = dialog.selectedFiles()
        return chosen[0] if chosen else ""
    finally:
        # Gone with its use: kept as the Repair dialog's child, its views' Delete
        # shortcuts (Del, and Ctrl+D on X11: Diagnose restore's key) stayed in the
        # window's F1 list for good (review 15).
        dialog.setParent(None)
        dialog.deleteLater()
