"""Repair (issue 13), end to end: TensorFlow writes each case's source checkpoint
(tests/repair_cases.py), `ckpt-gui diagnose --plan` proposes the plan, `ckpt-gui
repair` writes and verifies the new checkpoint, and the user's own restore code then
runs on it in a fresh TensorFlow process (one for all the cases): its
``assert_consumed()`` (``assert_existing_objects_matched()`` where optimizer state was
dropped on purpose, ``Saver.restore`` for TF1) passes and the values are the source's,
as TensorFlow reads them. The test process never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.diagnosis.value_names import source_paths
from ckpt_gui.repair.notes import restored_values
from ckpt_gui.repair.plan import Action, PlanError, RepairPlan, read_plan
from tests.conftest import run_cli
from tests.repair_flow import (
    case_writer,
    check_repaired,
    plan_entries,
    repair_writer,
    repaired_cases,
    written_cases,
)

# Started with the session (tests/background.py): the cases written, then repaired.
BACKGROUND_WRITERS = {"cases": case_writer("repair_cases"), "repaired": repair_writer("repair_cases")}


@pytest.fixture(scope="module")
def cases(request) -> Path:
    return written_cases(request)


@pytest.fixture(scope="module")
def repaired(cases, request) -> dict:
    """Every case through the CLI, then the user's restore code on all of them in one process."""
    return repaired_cases(request)


def _check_repaired(result: dict) -> None:
    """The CLI said verified, and the user's own restore code agrees."""
    assert result["diagnose_code"] == 1  # the source does not restore as is
    outcome, record = check_repaired(result)
    assert all(check["result"] in ("equal", "overlap") for check in outcome["verification"]["values"])
    assert (Path(outcome["written"]).parent / "checkpoint").is_file()  # tf.train.latest_checkpoint finds it
    assert record["ckpt_gui_version"]
    restore = result["restore"]
    assert restore["restored"], restore.get("error")
    assert restore["values"] and all(v in ("equal", "overlap") for v in restore["values"].values()), restore


K3 = "model/_functional/_operations/{}/{}/.ATTRIBUTES/VARIABLE_VALUE"


def test_attribute_rename_on_a_subclassed_model(repaired):
    result = repaired["attribute_rename"]
    entries = plan_entries(result["plan"])
    kernel = entries["model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"]
    assert kernel["action"] == "map" and kernel["target"] == "model/head/_kernel"
    assert "dense2" in kernel["reason"] and "head" in kernel["reason"]
    assert entries["model/dense1/bias/.ATTRIBUTES/VARIABLE_VALUE"]["target"] == "model/dense1/bias"
    _check_repaired(result)
    assert set(result["restore"]["values"].values()) == {"equal"}


def test_a_renamed_layer_whose_input_widened_carries_its_kernel_as_a_shape_conflict(repaired):
    """Review 12, 3: dense2 is now head, and dense1 went from 16 to 24 units. The bias
    establishes the rename; the kernel [16, 4] -> [24, 4] is proposed keep-initial under
    it (not dropped, its target not "a new variable"), and with copy-overlap chosen the
    user's assert_consumed() restore holds the old kernel's block."""
    result = repaired["renamed_widened"]
    entries = plan_entries(result["plan"])
    kernel = entries["model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"]
    assert (kernel["action"], kernel["target"]) == ("keep-initial", "model/head/_kernel")
    assert "'dense2' is now 'head'" in kernel["reason"]
    said = restored_values(RepairPlan.from_json(result["plan"], "plan"))
    assert said == ("1 with the old values, 3 left at the model's initial values: their saved values had another shape")
    _check_repaired(result)
    values = result["restore"]["values"]
    assert values["model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"] == "overlap"
    assert values["model/dense2/bias/.ATTRIBUTES/VARIABLE_VALUE"] == "equal"
    # The block copied holds the NaN and +Inf the case planted: "verified" comes with the
    # doctor's NaN/Inf note, its counts TensorFlow's own read of the new checkpoint (review 22 #7).
    held = result["restore"]["non_finite"]
    assert held == {"model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE": [1, 1, 0]}, held
    (note,) = [n for n in result["outcome"]["notes"] if "NaN or Inf" in n]
    said = "restored, but 1 variable holds NaN or Inf from the checkpoint: model/head/_kernel (1 NaN, 1 +Inf)"
    assert note.startswith(said), note


def test_layer_rename(repaired):
    result = repaired["layer_rename"]
    entries = plan_entries(result["plan"])
    for weight in ("inner/_kernel", "inner/bias", "outer/_kernel", "outer/bias"):
        entry = entries[f"model/block/{weight}/.ATTRIBUTES/VARIABLE_VALUE"]
        assert (entry["action"], entry["target"]) == ("map", f"model/encoder/{weight}")
    _check_repaired(result)


def test_inserted_layer_in_a_sequential_model(repaired):
    result = repaired["inserted_layer"]
    entries = plan_entries(result["plan"])
    for weight in ("_kernel", "bias"):
        moved = entries[K3.format(2, weight)]
        assert (moved["action"], moved["target"]) == ("map", f"model/_functional/_operations/3/{weight}")
        assert "inserted" in moved["reason"]
    initial = {v["target"]: v["reason"] for v in result["plan"]["initial"]}
    assert "new layer" in initial["model/_functional/_operations/2/_kernel"]
    _check_repaired(result)


def test_optimizer_change_drops_the_other_optimizers_state(repaired):
    result = repaired["optimizer_change"]
    plan = result["plan"]
    optimizer_state = [e for e in plan["entries"] if e["source_key"].startswith("optimizer/_variables/")]
    assert optimizer_state and all(e["action"] == "drop" for e in optimizer_state)
    assert all("another optimizer" in e["reason"] for e in optimizer_state)
    weights = [e for e in plan["entries"] if e["source_key"].startswith("optimizer/_trainable_variables/")]
    assert len(weights) == 4 and all(e["action"] == "map" for e in weights)
    assert any(v["target"].startswith("optimizer/momentums/") for v in plan["initial"])
    _check_repaired(result)
    # Verified, and said plainly: training resumes with fresh optimizer state.
    dropped = result["outcome"]["dropped_optimizer_state"]
    drops = {e["source_key"] for e in plan["entries"] if e["action"] == "drop"}
    assert {e["source_key"] for e in optimizer_state} <= set(dropped) <= drops
    assert all(key.startswith("optimizer/") for key in dropped)
    assert any("fresh optimizer state" in note for note in result["outcome"]["notes"])


def test_an_object_based_repair_keeps_the_sources_number(repaired, cases):
    """Issue 11: a tf.train.Checkpoint repair was always ``ckpt-1`` (a Saver's kept
    ``model.ckpt-1000``). The source saved at step 42 is repaired as ``ckpt-42``, the
    folder's ``checkpoint`` file names it: TensorFlow's latest_checkpoint, in the user's
    restore process, returns it, and the restore from it holds the source's values."""
    result = repaired["optimizer_change"]
    source = Checkpoint.open(str(cases / "optimizer_change" / "source")).prefix
    assert os.path.basename(source) == "ckpt-42"
    _check_repaired(result)
    written = result["outcome"]["written"]
    assert os.path.basename(written) == os.path.basename(source)
    assert os.path.realpath(result["restore"]["latest"]) == os.path.realpath(written)
    assert set(result["restore"]["values"].values()) == {"equal"}


def test_the_plan_names_each_value_beside_its_key(repaired, cases):
    """Issue 11: the plan's entries carried only the key (``optimizer/_trainable_variables/0/
    .ATTRIBUTES/VARIABLE_VALUE``); now the readable name the Repair dialog shows is beside
    it, in the proposed plan, when read back and in repair.json; a plan without it (written
    before) still reads."""
    result = repaired["optimizer_change"]
    folder = cases / "optimizer_change"
    names = source_paths(Checkpoint.open(str(folder / "source")).variables)
    entries = result["plan"]["entries"]
    assert entries and all(e["source_name"] == names[e["source_key"]] for e in entries)
    weight = next(e for e in entries if e["source_key"].startswith("optimizer/_trainable_variables/"))
    assert weight["source_name"].startswith("model/")  # which weight, not its place in a list
    _check_repaired(result)  # the plan with names was read back and carried out
    record = json.loads((Path(result["outcome"]["written"]).parent / "repair.json").read_text())
    recorded = record["plan"]["entries"]
    assert recorded and all(e["source_name"] == names[e["source_key"]] for e in recorded)
    plan = read_plan(str(folder / "plan.json"))
    assert [e.source_name for e in plan.entries] == [e["source_name"] for e in entries]
    older = dict(result["plan"], entries=[{k: v for k, v in e.items() if k != "source_name"} for e in entries])
    read = RepairPlan.from_json(older, "older plan")
    assert all(e.source_name is None for e in read.entries)
    assert [dict(e.to_json(), source_name=None) for e in plan.entries] == [e.to_json() for e in read.entries]


def test_widened_layer_with_the_overlapping_block_copied(repaired):
    result = repaired["widened_layer"]
    proposed = plan_entries(result["plan"])
    # Proposed: never a reshape; the user chose copy-overlap in the test's edit.
    assert proposed[K3.format(1, "_kernel")]["action"] == "keep-initial"
    assert proposed[K3.format(2, "bias")]["action"] == "map"
    _check_repaired(result)
    values = result["restore"]["values"]
    assert values[K3.format(1, "_kernel")] == "overlap" and values[K3.format(2, "bias")] == "equal"
    checks = {c["source_key"]: c["result"] for c in result["outcome"]["verification"]["values"]}
    assert checks[K3.format(1, "bias")] == "overlap" and checks[K3.format(2, "bias")] == "equal"


def test_keras2_save_weights_into_the_same_architecture_in_keras3(repaired):
    result = repaired["keras2_to_keras3"]
    entries = plan_entries(result["plan"])
    first = entries["layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"]
    second = entries["layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE"]
    # The Dropout between them has no weights: Keras 3 numbers it, Keras 2 does not.
    assert (first["action"], first["target"]) == ("map", "_functional/_operations/1/_kernel")
    assert (second["action"], second["target"]) == ("map", "_functional/_operations/3/_kernel")
    _check_repaired(result)


def test_tf1_saver_checkpoint_into_a_tf2_keras_model(repaired):
    result = repaired["tf1_to_keras"]
    entries = plan_entries(result["plan"])
    assert (entries["dense/kernel"]["action"], entries["dense/kernel"]["target"]) == (
        "map", "_functional/_operations/1/_kernel")  # fmt: skip
    assert entries["dense_1/bias"]["target"] == "_functional/_operations/2/bias"
    assert entries["global_step"]["action"] == "drop"
    _check_repaired(result)


def test_tf1_scope_rename_in_graph_mode(repaired):
    result = repaired["tf1_scope_rename"]
    assert result["plan"]["mode"] == "name"
    entries = plan_entries(result["plan"])
    assert (entries["layer1/weights"]["action"], entries["layer1/weights"]["target"]) == ("map", "encoder/weights")
    assert entries["head/weights"]["target"] == "head/weights"
    _check_repaired(result)
    # Review 12, 6: global_step is a step counter, not optimizer state (no Keras advice for
    # a TF1 graph), and the Saver's name keeps the step: the user's latest_checkpoint() found it.
    step = entries["global_step"]
    assert step["action"] == "drop" and step["reason"].startswith("the training step counter")
    outcome = result["outcome"]
    assert outcome["written"].endswith("/model.ckpt-1000") and outcome["dropped_optimizer_state"] == []
    assert any(note.startswith("step counter dropped") and "1000" in note for note in outcome["notes"])
    assert not any("optimizer" in note for note in outcome["notes"])


# -- what is refused, without TensorFlow -------------------------------------------------------------


def test_repair_never_writes_into_the_source_folder_or_over_a_checkpoint(repaired, cases, tmp_path):
    folder = cases / "attribute_rename"
    args = ("repair", str(folder / "source"), "--model", str(folder / "model.py"), "--plan", str(folder / "plan.json"))
    before = sorted(os.listdir(folder / "source"))
    inside = run_cli(*args, "-o", str(folder / "source" / "fixed"))
    assert inside.returncode == 2 and "never writes into a checkpoint" in inside.stderr
    assert "Traceback" not in inside.stderr and len(inside.stderr.strip().splitlines()) == 1
    over = run_cli(*args, "-o", str(folder / "repaired"))  # written by the fixture already
    assert over.returncode == 2 and "already holds a checkpoint" in over.stderr and "--force" in over.stderr
    assert sorted(os.listdir(folder / "source")) == before


def test_plan_errors_name_the_plan_and_what_is_wrong(repaired, cases, tmp_path):
    folder = cases / "widened_layer"
    proposed = repaired["widened_layer"]["plan"]
    reshaping = dict(proposed, entries=[
        {**e, "action": "map"} if e["action"] == "keep-initial" else e for e in proposed["entries"]
    ])  # fmt: skip
    unknown = dict(proposed, entries=[{**proposed["entries"][0], "source_key": "no/such/key"}])
    bad_action = dict(proposed, entries=[{**proposed["entries"][0], "action": "reshape"}])
    for document, words in ((reshaping, "shapes differ"), (unknown, "does not hold"), (bad_action, "not one of")):
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(document))
        result = run_cli("repair", str(folder / "source"), "--model", str(folder / "model.py"), "--plan", str(path),
                         "-o", str(tmp_path / "out"))  # fmt: skip
        assert result.returncode == 2 and words in result.stderr and str(path) in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out").exists()


def test_plan_round_trips_and_is_checked(repaired, cases):
    plan = read_plan(str(cases / "inserted_layer" / "plan.json"))
    assert RepairPlan.from_json(plan.to_json(), "again").to_json() == plan.to_json()
    assert plan.counts()[Action.MAP.value] == 4
    twice = plan.to_json()
    twice["entries"] = [dict(e, target="model/_functional/_operations/1/bias") for e in twice["entries"]
                        if e["action"] == "map"]  # fmt: skip
    with pytest.raises(PlanError, match="twice"):
        RepairPlan.from_json(twice, "plan.json")
    with pytest.raises(PlanError, match="schema"):
        RepairPlan.from_json({**plan.to_json(), "schema": 99}, "plan.json")


def test_a_plan_that_does_not_fit_the_model_is_a_one_line_error(repaired, cases, tmp_path):
    # The user retargets a value to a variable the script does not have: TensorFlow's
    # child finds out, nothing is written, and the message names the plan.
    folder = cases / "attribute_rename"
    proposed = repaired["attribute_rename"]["plan"]
    entries = [dict(e, target="model/nowhere/_kernel", target_shape=None) if e["target"] == "model/head/_kernel"
               else e for e in proposed["entries"]]  # fmt: skip
    path = tmp_path / "retargeted.json"
    path.write_text(json.dumps(dict(proposed, entries=entries)))
    result = run_cli("repair", str(folder / "source"), "--model", str(folder / "model.py"), "--plan", str(path),
                     "-o", str(tmp_path / "out"), timeout=600)  # fmt: skip
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ckpt-gui: error:")]
    assert len(errors) == 1 and str(path) in errors[0] and "model/nowhere/_kernel" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_exit_code_1_when_the_verification_does_not_pass(repaired, cases, tmp_path):
    # A script that builds another head on its second run: the checkpoint written on
    # the first run does not restore into what the verification builds.
    folder = cases / "attribute_rename"
    script = tmp_path / "changing_model.py"
    script.write_text(
        (folder / "model.py")
        .read_text()
        .replace(
            "class Net(keras.Model):",
            "import os\n_RUNS = os.path.join(os.path.dirname(__file__), 'runs.txt')\n"
            "_RUN = int(open(_RUNS).read()) if os.path.exists(_RUNS) else 0\n"
            "open(_RUNS, 'w').write(str(_RUN + 1))\n\nclass Net(keras.Model):",
        )
        .replace("keras.layers.Dense(4)", "keras.layers.Dense(4 if _RUN == 0 else 5)")
    )
    result = run_cli("repair", str(folder / "source"), "--model", str(script), "--plan", str(folder / "plan.json"),
                     "-o", str(tmp_path / "out"), "--json", timeout=600)  # fmt: skip
    assert (tmp_path / "runs.txt").read_text() == "2"  # written, then verified
    outcome = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert not outcome["ok"] and outcome["error"] is None and outcome["written"]
    assert "model/head/_kernel" in outcome["verification"]["unconsumed"]
    record = json.loads((tmp_path / "out" / "repair.json").read_text())
    assert record["verification"]["ok"] is False
