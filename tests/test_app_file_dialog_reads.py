"""Qt's own file dialog opens no file it lists (review 11): its icons and types came
from the MIME database, which reads a file whose name does not settle its type, on the
GUI thread; typing "/proc/" as root froze the app on /proc/kmsg's read (a file under
/proc has no size and may never end). Watched with inotify: any open of the listed file
is an event."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import pytest
from PySide6.QtCore import QFileInfo
from PySide6.QtWidgets import QFileDialog, QTreeView

from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.app.widgets.name_only_icons import NameOnlyIcons

IN_OPEN, IN_ACCESS, IN_NONBLOCK = 0x20, 0x1, 0o4000

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


class Opens:
    """Counts the opens and reads of one file (inotify)."""

    def __init__(self, path: str) -> None:
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK)
        assert self.fd >= 0, ctypes.get_errno()
        assert self.libc.inotify_add_watch(self.fd, path.encode(), IN_OPEN | IN_ACCESS) >= 0, ctypes.get_errno()

    def seen(self) -> bool:
        try:
            return bool(os.read(self.fd, 4096))
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture()
def unnamed_file(tmp_path):
    """A file whose name says nothing of its type (as /proc/kmsg's), contents a PDF's start."""
    path = tmp_path / "contents"
    path.write_bytes(b"%PDF-1.4\n" + b"\0" * 100)
    opens = Opens(str(path))
    yield path, opens
    opens.close()


def test_the_apps_file_dialog_lists_a_folder_without_opening_its_files(qtbot, unnamed_file):
    path, opens = unnamed_file
    dialog = QFileDialog(None, "Open checkpoint file", str(path.parent), "All files (*)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # as on a desktop without one (offscreen has none)
    qtbot.addWidget(dialog)
    view = dialog.findChild(QTreeView, "treeView")
    with fitted():  # as the app opens each of its file dialogs
        dialog.show()
    model, root = view.model(), view.rootIndex()
    qtbot.waitUntil(lambda: model.rowCount(root) == 1, timeout=5000)
    row = model.index(0, 0, root)
    qtbot.waitUntil(lambda: bool(model.index(0, 2, root).data()), timeout=5000)  # its type told
    assert row.data() == "contents"
    # As typing the path does (the completer asks the same model for the typed file).
    assert model.index(str(path)).isValid() and model.index(str(path), 2).data()
    view.viewport().repaint()  # the icons painted
    assert not opens.seen()
    assert "PDF" not in model.index(0, 2, root).data()  # told by its name: no extension, no PDF


def test_icons_and_types_are_told_by_name(qtbot, unnamed_file, tmp_path):
    path, opens = unnamed_file
    provider = NameOnlyIcons()
    provider.icon(QFileInfo(str(path)))
    provider.type(QFileInfo(str(path)))
    assert not opens.seen()
    named = tmp_path / "notes.txt"
    named.write_text("x")
    assert provider.type(QFileInfo(str(named))) != provider.type(QFileInfo(str(path)))  # an extension still tells
    assert provider.type(QFileInfo(str(tmp_path))) == "Folder"
