"""Review 22 #12: a chooser asked again after a refusal (Export's, the report export's,
Repair's output folder) started at the last export's folder, of any session (/proc after a
report written there had failed), not near the location refused. It now starts at the
nearest existing folder at or above the refused one, out of the checkpoint's folder tree,
and never in a folder nothing can be written in. Offscreen, the dialogs stood in for."""

from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ckpt_gui.app import settings
from ckpt_gui.app.save_path import start_after_refusal
from ckpt_gui.app.widgets import folder_picker
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.write_guard import can_hold_files
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review6_repair import _demo_plan


@pytest.fixture()
def work(tmp_path):
    """tmp/work/demo (a copy of the demo) and tmp/last, the last export's folder."""
    (tmp_path / "work").mkdir()
    shutil.copytree(demo_path(), tmp_path / "work" / "demo")
    (tmp_path / "last").mkdir()
    return tmp_path / "work"


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def _save_dialog_starts(monkeypatch, answers: list[str]) -> tuple[list[str], list[str]]:
    starts, warned = [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, start, _k: starts.append(start) or (answers.pop(0), ""))  # fmt: skip
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    return starts, warned


def test_export_refused_inside_the_checkpoint_folder_reopens_just_outside_it(qtbot, window, work, monkeypatch):
    _open(qtbot, window, work / "demo")
    settings.remember_export_folder(str(work.parent / "last"))  # an export of another session
    refused = work / "demo" / "new" / "x.npy"  # inside the checkpoint folder, under a folder not made yet
    starts, warned = _save_dialog_starts(monkeypatch, [str(refused), ""])
    window.browse.export_tensor()
    assert len(warned) == 1 and "never writes into" in warned[0], warned
    assert os.path.dirname(starts[0]) == str(work.parent / "last")  # the first ask: the last export's folder
    assert os.path.dirname(starts[1]) == str(work)  # again: the refused location's nearest folder outside the tree
    assert os.path.basename(starts[1]) == "x.npy"  # the name the user typed


def test_the_report_export_refused_as_a_folder_reopens_in_that_folder(qtbot, window, work, monkeypatch):
    _open(qtbot, window, work / "demo")
    settings.remember_export_folder(str(work.parent / "last"))
    reports = work / "reports"
    reports.mkdir()
    starts, warned = _save_dialog_starts(monkeypatch, [str(reports), ""])  # a folder given for the file
    window.doctor.ask_export("json")
    assert len(warned) == 1 and "is a folder" in warned[0], warned
    assert starts[1] == str(reports / "restore-report.json")


def _repair_ready(window, work, monkeypatch) -> list:
    ckpt = Checkpoint.open(str(work / "demo"))
    window.repair.ckpt, window.repair.script = ckpt, str(work / "model.py")
    window.repair._dialog().show_plan(_demo_plan(ckpt))
    settings.remember_export_folder(str(work.parent / "last"))
    submitted = []
    monkeypatch.setattr(window.repair.runner, "submit", lambda *a, **k: submitted.append(a))  # no TensorFlow here
    return submitted


def test_repairs_folder_refused_reopens_near_it(qtbot, window, work, monkeypatch):
    submitted = _repair_ready(window, work, monkeypatch)
    full = work / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    answers, starts, warned = [str(full), str(work / "demo"), ""], [], []
    monkeypatch.setattr(folder_picker, "ask_folder", lambda _p, _t, start: starts.append(start) or answers.pop(0))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    window.repair.write()
    assert len(warned) == 2 and not answers and not submitted, warned
    assert starts[0] == str(work.parent / "last" / "ckpt-300-repaired")  # the first ask: the last export's folder
    assert starts[1] == str(full / "ckpt-300-repaired")  # a full folder refused: a new folder inside it proposed
    assert starts[2] == str(work / "ckpt-300-repaired")  # the checkpoint's folder refused: beside it


def test_repairs_folder_that_cannot_be_made_is_where_write_asks_again_unless_nothing_can_be_written_there(
    qtbot, window, work, monkeypatch
):
    submitted = _repair_ready(window, work, monkeypatch)
    (work / "file").write_text("in the way")
    answers, starts = [str(work / "file" / "out"), ""], []
    monkeypatch.setattr(folder_picker, "ask_folder", lambda _p, _t, start: starts.append(start) or answers.pop(0))
    window.repair.write()  # a file in the way: "Repair failed" in the dialog, nothing started
    assert not submitted and "Repair failed" in window.repair.dialog.result.text()
    window.repair.write()  # Write again
    assert starts[1] == str(work / "ckpt-300-repaired")  # the nearest folder above the one that failed
    answers.extend(["/proc/rep22", ""])
    window.repair.write()
    assert "Repair failed" in window.repair.dialog.result.text()
    window.repair.write()
    assert starts[3] == str(work.parent / "last" / "ckpt-300-repaired")  # not /proc: the usual start


def test_a_folder_nothing_can_be_written_in_is_never_a_start_nor_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    assert can_hold_files(str(tmp_path)) and not can_hold_files("/proc") and not can_hold_files("/sys")
    assert start_after_refusal("/proc/rep22/report.md", lambda _folder: True) is None
    assert start_after_refusal(str(tmp_path / "a" / "b" / "x.md"), lambda _folder: True) == str(tmp_path)
    settings.remember_export_folder(str(tmp_path))
    settings.remember_export_folder("/proc")  # a report written there failed
    assert settings.remembered_export_folder() == str(tmp_path)
