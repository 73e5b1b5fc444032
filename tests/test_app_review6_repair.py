"""Review 6 (issue 11, a real window at 1024x640): the repair dialog. Its Source key
column read "…/0/.ATTRIBUTES/VARIABLE_VALUE", "…/_trainable_variables/7/…" (a user
had to click each line to learn which variable it was) and its targets "…/1/_kernel";
"Write repaired checkpoint..." opened its folder picker in the checkpoint's own folder,
which the write guard then refused. Offscreen, no TensorFlow."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from PySide6.QtWidgets import QFileDialog

from ckpt_gui.app import settings
from ckpt_gui.app.widgets.repair_panel import SOURCE, TARGET, RepairDialog
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
    window.repair.write()
    (tmp_path / "ckpt-300-repaired").mkdir()  # taken: the next one is numbered
    window.repair.write()
    assert starts == [str(tmp_path / "ckpt-300-repaired"), str(tmp_path / "ckpt-300-repaired-2")]
    prepare_output(ckpt, starts[1], force=False)  # the write guard allows it
    assert not window.repair.runner.busy and not dialog.result.text()  # cancelled: nothing written, nothing said
