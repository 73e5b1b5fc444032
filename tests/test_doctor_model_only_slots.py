"""Review 23 #4: the optimizer slots of a variable only the model has (a layer inserted
since the save) were named by the optimizer's list, ``optimizer/_momentums/4``, in the
CLI, the plan and the tree, while the checkpoint's slots sit under their variables. The
doctor's child knows which model variable each Keras 3 slot is for (the optimizer's lists
go by position in its ``_trainable_variables``): named so everywhere. TensorFlow (Keras 3)
builds the model and runs the restore in the doctor's child; seed 002's checkpoint.
"""

from __future__ import annotations

import json

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import MODEL_ONLY, object_tree
from ckpt_gui.diagnosis.findings import RestoreFinding
from tests.conftest import run_cli
from tests.doctor_cli import script

# Seed 002's Sequential (Dense 16 -> Dense 3) with a Dense(8) inserted between: the
# old head meets the new layer; the new head, _operations/3, and its slots are the model's only.
INSERTED = """
import keras
import tensorflow as tf

def build():
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    optimizer = keras.optimizers.Adam(0.001)
    optimizer.build(model.trainable_variables)
    return tf.train.Checkpoint(model=model, optimizer=optimizer)
"""
HEAD = "model/_functional/_operations/3/"


@pytest.fixture(scope="module")
def diagnosed(checkpoints, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inserted")
    model = script(folder, INSERTED)
    source = locate(checkpoints / "keras_seq").selected.prefix
    plan = folder / "plan.json"
    args = ("diagnose", source, "--model", str(model))
    text = run_cli(*args, "--plan", str(plan), timeout=600)
    as_json = run_cli(*args, "--json", timeout=600)
    return source, text.stdout, json.loads(as_json.stdout), json.loads(plan.read_text())


def _model_only_slots(report: dict) -> list[dict]:
    return [v for v in report["variables"] if v["status"] == "missing" and v["optimizer"]]


def test_a_model_only_slot_is_named_by_its_variable_in_the_report_and_the_plan(diagnosed):
    _source, text, report, plan = diagnosed
    slots = _model_only_slots(report)
    assert len(slots) == 4, slots  # the new head's kernel and bias, momentum and velocity each
    missing = {v["model_path"]: v for v in report["variables"] if v["status"] == "missing" and not v["optimizer"]}
    assert set(missing) == {HEAD + "_kernel", HEAD + "bias"}
    for slot in slots:
        variable, _, word = slot["slot_name"].rpartition("/")
        assert variable in missing and word in ("momentum", "velocity"), slot
        assert slot["model_shape"] == missing[variable]["model_shape"]  # a slot has its variable's shape
        assert slot["model_path"].startswith("optimizer/_")  # the JSON keeps where it is
        assert f"MISSING  {slot['slot_name']}  ({slot['model_path']})" in text  # the CLI's row: its name first
    initial = {v["target"]: v for v in plan["initial"]}
    assert all(initial[s["model_path"]]["target_name"] == s["slot_name"] for s in slots)


def test_the_object_view_places_a_model_only_slot_under_its_variable(diagnosed):
    source, _text, report, _plan = diagnosed
    tree = object_tree(Checkpoint.open(source))
    tree.apply_report([RestoreFinding.from_fact(v) for v in report["variables"]])
    slots = [n for n in tree.model_only if n.finding.optimizer]
    assert len(slots) == 4
    for node in slots:
        assert node.parent.kind == MODEL_ONLY and node.parent.finding.status == RestoreStatus.MISSING
        assert "/".join((*_names(node.parent), node.name)) == node.finding.slot_name
        assert node.finding.model_path in node.search_text  # still found by its optimizer path


def _names(node) -> list[str]:
    names = []
    while node.parent is not None:
        names.insert(0, node.name)
        node = node.parent
    return names
