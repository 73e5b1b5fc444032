"""Review 4 (issue 11, a real window): where the file dialogs start. Open starts in the
shown checkpoint's folder (not its parent: /tmp after opening /tmp/rv4-data), however it
was opened (a dialog, the picker); Export and Save PNG start in the last export's folder."""

from __future__ import annotations

import os
import shutil

from PySide6.QtWidgets import QFileDialog

from ckpt_gui.app import settings
from ckpt_gui.resources import demo_path

WAIT_MS = 60_000


def _open_copy_of_the_demo(qtbot, window, tmp_path) -> str:
    folder = str(tmp_path / "rv4-data")
    shutil.copytree(demo_path(), folder)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(folder)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    return folder


def _open_starts(window, monkeypatch) -> list[str]:
    starts = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start: starts.append(start) or "")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda parent, title, start, kinds: starts.append(start) or ("", "")
    )
    window.browse.choose_folder()
    window.browse.choose_file()
    return starts


def test_open_dialogs_start_in_the_folder_of_the_checkpoint_shown(qtbot, window, tmp_path, monkeypatch):
    folder = _open_copy_of_the_demo(qtbot, window, tmp_path)
    assert _open_starts(window, monkeypatch) == [folder, folder]  # its parent, tmp_path, before (review)


def test_a_checkpoint_chosen_in_the_picker_is_where_the_next_open_starts(qtbot, window, tmp_path, monkeypatch):
    folder = _open_copy_of_the_demo(qtbot, window, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings.settings().setValue("last_folder", str(elsewhere))  # e.g. a second window opened there
    refs = list(window.browse.ckpt.checkpoints)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(refs[0])
    assert _open_starts(window, monkeypatch) == [folder, folder]


def test_exports_start_in_the_last_exports_folder_never_in_the_checkpoints(qtbot, window, tmp_path, monkeypatch):
    folder = _open_copy_of_the_demo(qtbot, window, tmp_path)
    assert window.browse.current is not None and window.browse.current.variable is not None
    out = tmp_path / "exports"
    out.mkdir()
    starts, answers = [], [str(out / "hist.png"), ""]
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda parent, title, start, kinds: starts.append(start) or (answers.pop(0), "")
    )
    window.browse.export_histogram()
    assert os.path.isfile(out / "hist.png")
    assert os.path.dirname(starts[0]) != folder  # the write guard refuses the checkpoint's folder
    window.browse.export_tensor()  # the next export starts where the last one went
    assert os.path.dirname(starts[1]) == str(out)


def test_the_first_export_starts_in_the_home_folder_not_beside_the_checkpoint(qtbot, window, tmp_path, monkeypatch):
    """Review 17, A: before any export, Export as .npy started in the checkpoint folder's
    parent, a runs or data set folder holding other checkpoints (often read-only): the
    home folder, else the current one, where the checkpoint's folder is the home."""
    home, here = tmp_path / "home", tmp_path / "here"
    home.mkdir()
    here.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    folder = _open_copy_of_the_demo(qtbot, window, tmp_path)
    starts = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda parent, title, start, kinds: starts.append(start) or ("", "")
    )
    window.browse.export_tensor()
    assert os.path.dirname(starts[-1]) == str(home)
    monkeypatch.setenv("HOME", folder)  # the guard refuses it
    window.browse.export_tensor()
    assert os.path.dirname(starts[-1]) == str(here)
    monkeypatch.setenv("HOME", str(home))
    out = tmp_path / "exports"
    out.mkdir()
    settings.remember_export_folder(str(out))  # an export saved there
    window.browse.export_tensor()
    assert os.path.dirname(starts[-1]) == str(out)
    assert not any(os.path.dirname(start) == str(tmp_path) for start in starts)  # the checkpoint folder's parent
