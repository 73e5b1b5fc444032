"""Repair in the app (issue 13): TensorFlow writes a checkpoint of a subclassed model
whose attribute was renamed since (tests/repair_cases.py, one TensorFlow process for
the module's sources); the app diagnoses it, shows the proposed plan, writes the
repaired checkpoint and verifies it; then the user's own restore code runs on it in a
fresh TensorFlow process: ``assert_consumed()`` passes and the values are the
source's, as TensorFlow reads them. The test process never imports TensorFlow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from ckpt_gui.app.widgets.repair_lines import ACCEPT, ACTION, SOURCE, TARGET
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.repair.plan import Action, InitialVariable, PlanEntry, RepairPlan, read_plan
from tests.conftest import painted_texts
from tests.repair_flow import case_writer, run_cases, written_cases

CASE = "attribute_rename"
DOCTOR_MS = 600_000  # a diagnosis or a repair: TensorFlow children on a busy 2-core machine


BACKGROUND_WRITERS = {"cases": case_writer("repair_cases", CASE)}  # started with the session


@pytest.fixture(scope="module")
def cases(request) -> Path:
    return written_cases(request)


def _rows(dialog: RepairDialog) -> dict[str, tuple[str, str]]:
    table = dialog.table
    return {dialog.plan.entries[r].source_key: (table.item(r, ACTION).text(), table.item(r, TARGET).text())
            for r in range(table.rowCount())}  # fmt: skip


def test_repair_flow_diagnose_plan_write_verify_and_the_users_restore(qtbot, window, cases, tmp_path, monkeypatch):
    folder = cases / CASE
    with qtbot.waitSignal(window.loaded, timeout=DOCTOR_MS):
        window.browse.open_path(str(folder / "source"))
    qtbot.waitUntil(lambda: not window.busy, timeout=DOCTOR_MS)
    # No warm child for a next diagnosis (it never comes here: the repair has children of
    # its own): its TensorFlow import was 8 s of CPU beside the writing and verifying ones.
    window.doctor._diagnoser().keep_warm = False
    with qtbot.waitSignal(window.doctor.done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(str(folder / "model.py"))
    report = done.args[0]
    assert report is not None and report.error is None and not report.ok
    panel = window.report_panel
    assert panel.repair_button.isEnabled()
    panel.repair_button.click()
    dialog = window.repair.dialog
    assert dialog.isVisible()
    rows = _rows(dialog)
    # The renamed attribute's values go to the new attribute's variables.
    for key in ("model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model/dense2/bias/.ATTRIBUTES/VARIABLE_VALUE"):
        action, target = rows[key]
        assert action == Action.MAP.value and "head" in target and "dense2" not in target

    # Save plan... writes the CLI's JSON, Load plan... reads it back.
    plan_path = tmp_path / "plan.json"
    window.repair.save_plan(str(plan_path))
    saved = read_plan(str(plan_path))
    assert saved.to_json() == dialog.edited_plan().to_json()
    assert json.loads(plan_path.read_text())["kind"] == "ckpt-gui repair plan"
    window.repair.load_plan(str(plan_path))
    assert _rows(dialog) == rows
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    window.repair.load_plan(str(broken))  # one line naming the file, in the dialog; the plan shown stays
    assert str(broken) in dialog.result.text() and "not valid JSON" in dialog.result.text()
    assert _rows(dialog) == rows

    # Never into the source's folder: refused before any work starts.
    before = {p.name: p.read_bytes() for p in (folder / "source").iterdir()}
    window.repair.write(str(folder / "source"))
    assert not window.repair.runner.busy and "never writes into" in dialog.result.text()

    # Cancel stops the writing; the dialog says so and offers nothing to open.
    with qtbot.waitSignal(window.repair.runner.busy_changed, timeout=DOCTOR_MS, check_params_cb=lambda b: not b):
        window.repair.write(str(tmp_path / "cancelled"))
        dialog.cancel_button.click()
    assert "cancelled" in dialog.result.text() and not dialog.open_button.isVisible()
    assert window.repair.outcome is None

    phases = []
    monkeypatch.setattr(dialog, "show_phase", lambda phase: phases.append(phase) or dialog.phase.setText(phase))
    with qtbot.waitSignal(window.repair.runner.busy_changed, timeout=DOCTOR_MS, check_params_cb=lambda b: not b):
        window.repair.write(str(folder / "repaired"))
        assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    # Each phase reaches the dialog, said with its step: both steps import TensorFlow.
    assert "1/2 writing the repaired checkpoint: writing the repaired checkpoint" in phases, phases
    assert "2/2 verifying the new checkpoint: verifying the restored values" in phases, phases
    assert phases[-1] == "comparing the written values with the source's", phases
    outcome = window.repair.outcome
    assert outcome is not None and outcome.ok, dialog.result.text()
    assert "Verified" in dialog.result.text() and dialog.open_button.isVisible()
    assert before == {p.name: p.read_bytes() for p in (folder / "source").iterdir()}
    assert (folder / "repaired" / "checkpoint").is_file() and (folder / "repaired" / "repair.json").is_file()

    # Writing again into that folder asks first; "No" writes nothing.
    asked = []
    monkeypatch.setattr(window.repair, "confirm_overwrite", lambda path: asked.append(path) or False)
    window.repair.write(str(folder / "repaired"))
    assert asked and not window.repair.runner.busy

    # Open repaired checkpoint: shown with the verification's diagnosis, all green.
    with qtbot.waitSignal(window.doctor.done, timeout=DOCTOR_MS) as shown:
        dialog.open_button.click()
    assert not dialog.isVisible()  # its plan was the source's
    verification = shown.args[0]
    assert verification.checkpoint == outcome.written and verification.ok
    assert window.browse.ckpt.prefix == outcome.written
    assert not panel.repair_button.isEnabled()

    # The user's own restore code, in a fresh TensorFlow process.
    restored = json.loads(run_cases("repair_cases", "restore", str(cases), CASE).stdout)[CASE]
    assert restored["restored"], restored.get("error")
    assert restored["values"] and set(restored["values"].values()) == {"equal"}, restored

    # A value retargeted to a variable the model does not have: refused in the dialog at once.
    kernel_row = next(
        r for r in range(dialog.table.rowCount()) if "dense2/_kernel" in dialog.table.item(r, SOURCE).text()
    )
    kernel_target = dialog.table.item(kernel_row, TARGET).text()
    dialog.table.item(kernel_row, TARGET).setText("model/no_such_layer/kernel")
    assert dialog.table.item(kernel_row, TARGET).text() == kernel_target
    assert "no variable model/no_such_layer/kernel" in dialog.result.text()
    # A plan edited by hand can still name one (the dialog knows the model's variables from
    # the plan): the writing says so, in one line.
    document = json.loads(plan_path.read_text())
    for entry in document["entries"]:
        if entry["target"] == kernel_target:
            entry.update(target="model/no_such_layer/kernel", target_shape=None)
    plan_path.write_text(json.dumps(document))
    window.repair.load_plan(str(plan_path))
    with qtbot.waitSignal(window.repair.runner.busy_changed, timeout=DOCTOR_MS, check_params_cb=lambda b: not b):
        window.repair.write(str(tmp_path / "misfit"))
    assert "does not fit" in dialog.result.text() and "model/no_such_layer/kernel" in dialog.result.text()
    assert not dialog.open_button.isVisible() and "Traceback" not in dialog.result.text()


def test_the_plan_as_edited_rejects_retargets_and_chooses_copy_overlap(qtbot):
    """Reject = drop; an edited target is a map to it when the value fits (the model's
    variable's shape and dtype are the plan's); a shape conflict is the user's choice
    between keep-initial and copy-overlap."""
    entries = (
        PlanEntry("a", Action.MAP, "model/a", "renamed", (2,), (2,), "float32", "float32"),
        PlanEntry("b", Action.MAP, "model/b", "renamed", (3,), (3,), "float32", "float32"),
        PlanEntry("c", Action.KEEP_INITIAL, "model/c", "shape conflict", (2, 3), (2, 5), "float32", "float32"),
        PlanEntry("d", Action.DROP, None, "no place", (1,), None, "float32", None),
    )
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    others = (InitialVariable("model/other", "", (3,), "float32"), InitialVariable("model/d", "", (1,), "float32"))
    dialog.show_plan(RepairPlan("/src/ckpt", "/m.py", "object", entries, others))
    assert isinstance(dialog.table.cellWidget(2, ACTION), QComboBox)
    assert dialog.table.cellWidget(0, ACTION) is None  # a fitting map offers no reshape
    dialog.table.item(0, ACCEPT).setCheckState(Qt.CheckState.Unchecked)
    dialog.table.item(1, TARGET).setText("model/other")
    dialog.table.cellWidget(2, ACTION).setCurrentIndex(1)
    dialog.table.item(3, TARGET).setText("model/d")
    edited = {e.source_key: e for e in dialog.edited_plan().entries}
    assert edited["a"].action == Action.DROP and edited["a"].target is None
    assert edited["b"].action == Action.MAP and edited["b"].target == "model/other" and edited["b"].target_shape == (3,)
    assert edited["c"].action == Action.COPY_OVERLAP and edited["c"].target == "model/c"
    assert edited["d"].action == Action.MAP and edited["d"].target == "model/d"
    assert dialog.edited_plan().to_json()["summary"] == {"map": 2, "drop": 1, "keep-initial": 0, "copy-overlap": 1}
    initial = {v.target for v in dialog.edited_plan().initial}
    assert initial == {"model/a", "model/b"}  # no value goes to them any more
    assert "2 map, 1 drop, 1 copy-overlap" in dialog.headline.text()


def test_the_dialog_fits_the_screen_it_opens_on(qtbot):
    # Made once and sized on a larger screen (1632 px wide), it opens within this one.
    from PySide6.QtWidgets import QMainWindow

    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    long_key = "optimizer/_trainable_variables/4/.ATTRIBUTES/VARIABLE_VALUE" * 3
    entries = tuple(PlanEntry(f"{long_key}{i}", Action.MAP, f"model/{long_key}{i}", "matched by path " * 20)
                    for i in range(40))  # fmt: skip
    dialog = RepairDialog(parent)
    dialog.resize(1632, 900)
    dialog.show_plan(RepairPlan("/src/ckpt", "/m.py", "object", entries, ()))
    dialog.show()
    qtbot.waitExposed(dialog)
    room = parent.screen().availableGeometry()
    frame = dialog.frameGeometry()
    assert frame.width() <= room.width() * 0.9 + 1 and frame.height() <= room.height() * 0.9 + 1, (frame, room)
    assert room.contains(frame), (frame, room)


def show_save_counter_plan(window, ckpt, tmp_path):
    """The Repair dialog shown with a one-line plan of ``ckpt`` (save_counter mapped by
    path), as the doctor would propose it: here and in test_app_review21_banners."""
    key = "save_counter/.ATTRIBUTES/VARIABLE_VALUE"
    entries = (PlanEntry(key, Action.MAP, "save_counter", "matched by path", (), (), "int64", "int64"),)
    window.repair.ckpt, window.repair.script = ckpt, str(tmp_path / "model.py")
    dialog = window.repair._dialog()
    dialog.show_plan(RepairPlan(ckpt.prefix, str(tmp_path / "model.py"), "object", entries, ()))
    dialog.show()
    return dialog


def test_a_refused_output_folder_is_said_in_the_dialog(window, tmp_path):
    # The write guard's refusal shows in the dialog (the window's banner is behind it),
    # and Write stays there to choose another folder.
    import shutil

    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.resources import demo_path

    folder = tmp_path / "demo"
    shutil.copytree(demo_path(), folder)
    ckpt = Checkpoint.open(str(folder))
    dialog = show_save_counter_plan(window, ckpt, tmp_path)
    window.repair.write(str(folder))
    assert not window.repair.runner.busy and not window.banner.isVisible()
    text = dialog.result.text()
    assert "never writes into" in text and str(folder) in text and text.count("choose another folder") == 1
    assert dialog.write_button.isEnabled() and dialog.isVisible()


def test_a_folder_that_cannot_be_created_is_said_before_any_tensorflow(window, tmp_path):
    # /proc/rep22 cannot be made: said at once as "Repair failed: ... cannot be created"
    # (no job, so no TensorFlow), never the child's raw FileNotFoundError after its import,
    # and the status bar has no "NOT verified" for a checkpoint never written (review 22 #2).
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.resources import demo_path

    ckpt = Checkpoint.open(demo_path())
    dialog = show_save_counter_plan(window, ckpt, tmp_path)
    window.repair.write("/proc/rep22")
    assert not window.repair.runner.busy
    text = dialog.result.text()
    assert "Repair failed" in text and "/proc/rep22: cannot be created: No such file or directory" in text, text
    assert "FileNotFoundError" not in text and "Errno" not in text
    assert window.status_message().startswith("Repair failed: /proc/rep22: cannot be created")
    assert "NOT verified" not in window.status_message()
    assert dialog.write_button.isEnabled() and not dialog.open_button.isVisible()

    # The writing child failing (the script raised): nothing written, "failed", not "NOT verified".
    from ckpt_gui.diagnosis.findings import AttemptError
    from ckpt_gui.repair.writer import RepairOutcome

    failed = RepairOutcome(ckpt.prefix, str(tmp_path / "out"), dialog.edited_plan(), error=AttemptError("E", "x"))
    window.repair._done(failed)
    assert window.status_message() == "Repair failed: nothing was written"


def test_a_cut_key_or_target_keeps_what_tells_its_row_apart(qtbot):
    # At 1024x640 two BatchNorm lines both read "model/_function…/VARIABLE_VALUE" (cut in
    # the middle) and "key  (name)" kept the name's ")": a cut key is the key alone, cut to
    # the part no other row has, and so is a cut target.
    from collections import Counter

    from ckpt_gui.app.widgets.repair_lines import SOURCE, TARGET
    from ckpt_gui.app.widgets.repair_panel import RepairDialog

    layers = [f"model/_functional/_operations/{i}" for i in range(1, 8)]
    keys = [f"{layer}/{v}/.ATTRIBUTES/VARIABLE_VALUE" for layer in layers for v in ("moving_mean", "moving_variance")]
    keys += [f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE" for i in range(12)]
    entries = tuple(
        PlanEntry(key, Action.MAP, key.replace("/.ATTRIBUTES/VARIABLE_VALUE", "").replace("_functional", "_layers"),
                  "matched by path", (4,), (4,), "float32", "float32")
        for key in keys
    )  # fmt: skip
    names = {key: f"model/_functional/_operations/{i}/_kernel" for i, key in enumerate(keys) if "optimizer" in key}
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(RepairPlan("/src/ckpt", "/m.py", "object", entries, ()), names)
    dialog.show()
    table = dialog.table
    for width in (130, 200, 300):
        for column in (SOURCE, TARGET):
            table.setColumnWidth(column, width)
        qtbot.wait(20)
        for column in (SOURCE, TARGET):
            shown = painted_texts(table, column, margin=10)
            assert all(")" not in s for s in shown if "(" not in s), shown
            same = [s for s, n in Counter(shown).items() if n > 1]
            assert not same, (width, column, same)
