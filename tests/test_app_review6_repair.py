"""Review 6 (issue 11, a real window at 1024x640): the repair dialog. Its Source key
column read "…/0/.ATTRIBUTES/VARIABLE_VALUE", "…/_trainable_variables/7/…" (a user
had to click each line to learn which variable it was) and its targets "…/1/_kernel";
"Write repaired checkpoint..." opened its folder picker in the checkpoint's own folder,
which the write guard then refused. Offscreen, no TensorFlow."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from PySide6.QtWidgets import QFileDialog, QLineEdit

from ckpt_gui.app import settings
from ckpt_gui.app.widgets import folder_picker
from ckpt_gui.app.widgets.repair_lines import SOURCE, TARGET
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan
from ckpt_gui.repair.source_names import source_names, source_paths
from ckpt_gui.resources import demo_path
from tests.conftest import painted_texts
from tests.test_app_doctor_columns import desktop_font  # noqa: F401 (a fixture)

ATTRIBUTES = "/.ATTRIBUTES/VARIABLE_VALUE"


def _demo_plan(ckpt: Checkpoint) -> RepairPlan:
    """Like the plan for demo_model_changed.py: every model weight (kept by the optimizer's
    list) mapped to its object path, the BatchNorm statistics kept initial, the
    optimizer's own values dropped."""
    names = source_names(ckpt.variables)
    entries = []
    for variable in ckpt.variables:
        key = variable.key
        if not key.endswith(ATTRIBUTES):
            continue
        owner = names.get(key, "")
        if key.startswith("optimizer/_trainable_variables/"):
            entries.append(PlanEntry(key, Action.MAP, owner, "matched by path", (4,), (4,), "float32", "float32"))
        elif key.startswith("model/"):
            entries.append(PlanEntry(key, Action.KEEP_INITIAL, key.removesuffix(ATTRIBUTES),
                                     "shape conflict: the checkpoint has [16], the model [32]",
                                     (16,), (32,), "float32", "float32"))  # fmt: skip
        else:
            entries.append(PlanEntry(key, Action.DROP, None, "optimizer state: the script's model has no optimizer "
                                     "variable to take it", (4,), None, "float32", None))  # fmt: skip
    return RepairPlan(ckpt.prefix, "/m.py", "object", tuple(entries), ())


def _shown(table, column: int) -> list[str]:
    return painted_texts(table, column, margin=6)


@pytest.fixture()
def dialog(qtbot, desktop_font):  # noqa: F811
    ckpt = Checkpoint.open(demo_path())
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(_demo_plan(ckpt), source_names(ckpt.variables), source_paths(ckpt.variables))
    dialog.show()
    dialog.resize(920, 560)  # 90% of 1024x640, as the dialog opens there
    qtbot.wait(100)  # the columns refitted to the width
    return dialog


def test_the_source_column_names_the_variable_not_its_key(qtbot, dialog):
    plan, table = dialog.plan, dialog.table
    shown = _shown(table, SOURCE)
    assert not [s for s in shown if "ATTRIBUTES" in s or "VARIABLE_VALUE" in s or "_trainable_variables" in s], shown
    assert not [s for s in shown if s.endswith("/\u2026") or s.endswith("\u2026")], "each keeps its variable's name"
    assert not [s for s, n in Counter(shown).items() if n > 1], "rows told apart"
    for row, entry in enumerate(plan.entries):
        tip = table.item(row, SOURCE).toolTip()
        assert entry.source_key in tip  # the full key in the tooltip...
        if entry.target and entry.action == Action.MAP:  # a weight: its layer and name ("…/1/_kernel": which "1"?)
            layer, name = entry.target.split("/")[-3:-1], entry.target.rsplit("/", 1)[-1]
            assert shown[row].endswith("/".join([*layer, name])), (shown[row], entry.target)
    table.setCurrentCell(0, SOURCE)
    assert plan.entries[0].source_key in dialog.line.text()  # ...and under the table
    assert "key" not in table.horizontalHeaderItem(SOURCE).text().lower()  # the column shows paths


def test_a_target_keeps_its_layer(qtbot, dialog):
    shown = _shown(dialog.table, TARGET)
    for text, entry in zip(shown, dialog.plan.entries, strict=True):
        if entry.target:
            list_name, layer, name = entry.target.split("/")[-3:]
            assert text.endswith(f"{list_name}/{layer}/{name}"), (text, entry.target)


def _copy_of_the_demo(tmp_path) -> Checkpoint:
    folder = tmp_path / "demo"
    shutil.copytree(demo_path(), folder)
    settings.settings().setValue("last_folder", str(folder))  # as opening it sets
    return Checkpoint.open(str(folder))


def test_write_asks_for_a_new_folder_where_writing_is_allowed(window, tmp_path, monkeypatch):
    from ckpt_gui.repair.writer import prepare_output

    ckpt = _copy_of_the_demo(tmp_path)
    window.repair.ckpt, window.repair.script = ckpt, str(tmp_path / "model.py")
    dialog = window.repair._dialog()
    dialog.show_plan(_demo_plan(ckpt))
    starts = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start: starts.append(start) or "")
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, kinds: starts.append(start) or ("", ""))  # fmt: skip
    monkeypatch.setattr(folder_picker, "ask_folder", lambda parent, title, start: starts.append(start) or "")
    window.repair.write()
    (tmp_path / "ckpt-300-repaired").mkdir()  # taken: the next one is numbered
    window.repair.write()
    assert starts == [str(tmp_path / "ckpt-300-repaired"), str(tmp_path / "ckpt-300-repaired-2")]
    prepare_output(ckpt, starts[1], force=False)  # the write guard allows it
    assert not window.repair.runner.busy and not dialog.result.text()  # cancelled: nothing written, nothing said


def test_write_takes_a_new_folder_or_an_empty_one_and_refuses_a_full_one(window, tmp_path, monkeypatch):
    """Issue 11: the save dialog named a new folder only. A folder picked may be new or
    empty; one holding anything is refused, saying what it holds; the checkpoint's own
    folder, empty or not, by the write guard. Refused while choosing, as Export's save
    dialog refuses (said, the picker asked again), not after it closed (review 21 #17)."""
    from PySide6.QtWidgets import QMessageBox

    ckpt = _copy_of_the_demo(tmp_path)
    window.repair.ckpt, window.repair.script = ckpt, str(tmp_path / "model.py")
    dialog = window.repair._dialog()
    dialog.show_plan(_demo_plan(ckpt))
    written = []
    monkeypatch.setattr(window.repair.runner, "submit", lambda *a, **k: written.append(a))  # no TensorFlow here
    answers, warned = [], []
    monkeypatch.setattr(folder_picker, "ask_folder", lambda parent, title, start: answers.pop(0))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    answers.extend([str(full), ""])  # refused, then the picker again: cancelled
    window.repair.write()
    assert not answers and len(warned) == 1, (answers, warned)
    assert str(full) in warned[0] and "is not empty (it holds notes.txt)" in warned[0], warned
    assert not written and not dialog.result.text()  # cancelled: nothing written, "Not done" not said
    assert (full / "notes.txt").read_text() == "mine" and sorted(p.name for p in full.iterdir()) == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new"):
        answers.append(str(folder))
        window.repair.write()
        assert len(written) == 1, dialog.result.text()
        assert written.pop()[0] == "repair"
    # The checkpoint's folder: the write guard's refusal, then a new folder chosen in the picker again.
    answers.extend([str(tmp_path / "demo"), str(tmp_path / "new-2")])
    window.repair.write()
    assert "never writes into" in warned[-1] and len(warned) == 2, warned
    assert len(written) == 1 and written.pop()[0] == "repair"


@pytest.mark.parametrize("chosen", ["new", "empty", ""])
def test_the_folder_picker_takes_a_new_name_or_an_existing_folder(qtbot, tmp_path, monkeypatch, chosen):
    """Qt's folder dialog refuses a name that does not exist yet, its save dialog opens
    an existing folder instead of choosing it: this one chooses either (nothing typed:
    the folder shown)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    (tmp_path / "empty").mkdir()
    picked = []

    def run(dialog) -> int:
        dialog.selectFile(chosen) if chosen else dialog.findChild(QLineEdit, "fileNameEdit").clear()
        dialog.accept()
        picked.append(dialog.selectedFiles())
        return dialog.result()

    monkeypatch.setattr(folder_picker.NewOrExistingFolder, "exec", run)
    answer = folder_picker.ask_folder(None, "Write", str(tmp_path / "suggested"))
    assert picked and answer == str(tmp_path / chosen).rstrip("/")
    dialog = folder_picker.NewOrExistingFolder(None, "Write", str(tmp_path / "suggested"))
    qtbot.addWidget(dialog)
    assert dialog.findChild(QLineEdit, "fileNameEdit").text() == "suggested"  # the suggestion, ready to Choose
    dialog.selectFile("no_such_parent/new")  # a path whose parent is missing: not chosen
    warned = []

    def close_the_warning() -> None:  # Qt's own "Directory not found" box, modal
        box = QApplication.activeModalWidget()
        warned.append(box is not None and box is not dialog)
        if box is not None and box is not dialog:
            box.close()

    QTimer.singleShot(200, close_the_warning)
    dialog.accept()
    assert warned == [True] and dialog.result() != QDialog.DialogCode.Accepted
