"""File icons and types for Qt's own file dialog told by a file's name, never by its
contents. Qt's provider asks the MIME database, which reads the start of every listed
file whose name does not settle its type, on the GUI thread (QFileSystemModel fills a
row's icon and type there); a file under /proc reports no size and may never end:
typing "/proc/" as root froze the app on /proc/kmsg's read (review 11). A checkpoint's
extension-less "checkpoint" file was "Modelica model" by its contents; it is a file.
"""

from __future__ import annotations

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileIconProvider


class NameOnlyIcons(QFileIconProvider):
    """Qt's icons for folders, drives and the sidebar's places; a file's icon and type
    from its name (its extension's MIME type, else a generic file)."""

    def __init__(self) -> None:
        super().__init__()
        self._types = QMimeDatabase()

    def icon(self, what):  # Qt's two overloads: an IconType or a QFileInfo
        if isinstance(what, QFileInfo) and what.isFile():
            mime = self._types.mimeTypeForFile(what, QMimeDatabase.MatchMode.MatchExtension)
            for name in (mime.iconName(), mime.genericIconName()):
                found = QIcon.fromTheme(name)
                if not found.isNull():
                    return found
            return super().icon(QAbstractFileIconProvider.IconType.File)
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        if info.isFile():
            mime = self._types.mimeTypeForFile(info, QMimeDatabase.MatchMode.MatchExtension)
            return mime.comment() or mime.name()
        return super().type(info)


_SHARED: list[NameOnlyIcons] = []  # one for the app's life: a dialog does not own its provider


def shared() -> NameOnlyIcons:
    if not _SHARED:
        _SHARED.append(NameOnlyIcons())
    return _SHARED[0]
