"""Review 21 #8: a TF2 optimizer slot had two names. ``diff``, the doctor and ``inspect``'s
table name it by its variable (``model/_functional/_operations/1/_kernel/momentum``),
but ``export`` refused that name ("no tensor with key or object path", exit 2) and took
only ``optimizer/momentums/0`` or the key; ``inspect --json`` had no field for it, and
the repair plan's ``initial`` list named slots by the optimizer's path. Now every name
one command prints for a value is taken by the others: the key, the key without its
``/.ATTRIBUTES/VARIABLE_VALUE``, every object path, and a slot's name (``inspect --json``'s
``"name"``), a legacy optimizer's slot (``.../kernel/m``) too; the tree's filter finds a
slot by each of them in both views.

TensorFlow writes the checkpoints (tests/overlap_tie_cases.py: Keras 3 SGD with momentum;
checkpoint_factory's legacy_slots: a tf.compat.v1 Adam under tf.train.Checkpoint), and
``tf.train.load_checkpoint`` gives the values an export must hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import resolve_key
from ckpt_gui.core.format.conventions import VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.views.tree_build import CheckpointTrees
from ckpt_gui.repair.plan import read_plan
from tests import background
from tests.background import Writer
from tests.conftest import FACTORY, run_cli
from tests.repair_flow import written_cases

BACKGROUND_WRITERS = {
    "cases": Writer([sys.executable, "-m", "tests.overlap_tie_cases", "write", "{out}"]),
    "legacy": Writer([sys.executable, str(FACTORY), "{out}", "legacy_slots"]),
}
OPS = "model/_functional/_operations/"
SLOTS = [f"{OPS}{n}/{w}/momentum" for n in (1, 2) for w in ("_kernel", "bias")]  # as the tree places them


@pytest.fixture(scope="module")
def case(request) -> Path:
    return written_cases(request)


@pytest.fixture(scope="module")
def legacy(request) -> Path:
    root, result = background.result(request, "legacy")
    if result.returncode != 0:
        pytest.fail(f"writing the legacy-slot checkpoint failed:\n{result.stderr[-4000:]}")
    return root / "legacy_slots"


def _listing(path: Path) -> dict:
    result = run_cli("inspect", "--json", str(path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _table_names(path: Path) -> list[str]:
    """``inspect``'s NAME column."""
    result = run_cli("inspect", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("NAME "))
    return [line.split()[0] for line in lines[header + 1 :] if line.strip()]


@pytest.fixture(scope="module")
def printed(case) -> dict[str, set[str]]:
    """Every name ``inspect`` (table and JSON), ``diff --json`` and ``diagnose --json``
    print for each key of the source checkpoint, by key."""
    source = case / "source"
    names: dict[str, set[str]] = {}
    for v in _listing(source)["variables"]:
        if v["key"] != "_CHECKPOINTABLE_OBJECT_GRAPH":
            said = [v["key"], *v["object_paths"], *([v["name"]] if "name" in v else [])]
            names.setdefault(v["key"], set()).update(said)
    diff = run_cli("diff", "--json", str(source), str(source))
    assert diff.returncode == 0, diff.stderr
    for row in json.loads(diff.stdout)["variables"]:
        names[row["key"]].add(row["path"])
    doctor = run_cli("diagnose", str(source), "--model", str(case / "model.py"), "--json", timeout=600)
    assert doctor.returncode in (0, 1), doctor.stderr
    for finding in json.loads(doctor.stdout)["variables"]:
        said = [finding.get(field) for field in ("checkpoint_key", "checkpoint_name", "checkpoint_path")]
        names[finding["checkpoint_key"]].update(filter(None, said))
    return names


def test_every_name_printed_for_a_value_exports_that_value(tf, case, printed):
    source = case / "source"
    ckpt = Checkpoint.open(source)
    reader = tf.train.load_checkpoint(str(source))
    for key, names in printed.items():
        for name in names | {key.removesuffix(VARIABLE_VALUE_SUFFIX)}:
            assert resolve_key(ckpt, name) == key, name
        assert np.array_equal(ckpt.read(key), reader.get_tensor(key)), key
    # The slots' names came from every command alike, and the user's own command takes them.
    slots = {key: names & set(SLOTS) for key, names in printed.items() if names & set(SLOTS)}
    assert sorted(name for found in slots.values() for name in found) == sorted(SLOTS)
    for key, (name,) in slots.items():
        out = case / f"{name.replace('/', '_')}.npy"
        result = run_cli("export", str(source), name, "-o", str(out))
        assert result.returncode == 0, result.stderr
        assert np.array_equal(np.load(out), reader.get_tensor(key)), name


def test_a_name_no_command_prints_is_refused_with_the_names_that_are_close(case):
    result = run_cli("export", str(case / "source"), f"{OPS}1/momentum", "-o", str(case / "no.npy"))
    assert result.returncode == 2
    assert "no tensor with key, object path or slot name" in result.stderr
    assert f"similar: {SLOTS[0]}, {SLOTS[1]}" in result.stderr  # the names inspect lists
    assert not (case / "no.npy").exists()


def test_inspect_json_names_each_slot_as_the_table_diff_and_the_doctor_do(case, printed):
    source = case / "source"
    listed = _listing(source)["variables"]
    named = {v["key"]: v["name"] for v in listed if "name" in v}
    assert sorted(named.values()) == sorted(SLOTS)  # the slots, and only they
    for key, name in named.items():
        assert name in printed[key]  # diff's path and the doctor's checkpoint_name say it too
        assert not any(name in printed[other] for other in printed if other != key)
    table = _table_names(source)
    shown = [v.get("name") or (v["object_paths"] or [v["key"]])[0] for v in listed if v["object_paths"]]
    assert sorted(table) == sorted(shown)


def test_the_plans_initial_list_names_a_slot_as_its_entries_do(case, tmp_path):
    plan_path = tmp_path / "plan.json"
    result = run_cli("diagnose", str(case / "source"), "--model", str(case / "model.py"), "--plan", str(plan_path),
                     timeout=600)  # fmt: skip
    assert result.returncode == 1, result.stderr  # conflicts: the width changed
    document = json.loads(plan_path.read_text())
    entry_names = {e["target"]: e["target_name"] for e in document["entries"] if e.get("target_name")}
    initial = {v["target"]: v.get("target_name") for v in document["initial"]}
    slots = {target: name for target, name in initial.items() if name}
    # The three slots of the resized layers keep their initial value, named by their variable.
    assert sorted(slots.values()) == sorted(SLOTS[:3]), initial
    assert all(entry_names[target] == name for target, name in slots.items())
    assert all(target.startswith("optimizer/") for target in slots)  # the target stays the path
    assert not any(name for target, name in initial.items() if not target.startswith("optimizer/"))
    read = read_plan(str(plan_path))
    assert {v.target: v.target_name for v in read.initial} == initial  # read back as written


def test_a_legacy_optimizers_slot_is_named_and_exported_as_the_tree_names_it(tf, legacy):
    ckpt = Checkpoint.open(legacy)
    reader = tf.train.load_checkpoint(str(legacy / "ckpt"))
    tree = CheckpointTrees(ckpt)["objects"]
    slots = {node.variable.key: node.path for node in tree.by_key.values() if node.kind == "slot"}
    assert sorted(slots.values()) == ["model/dense/kernel/m", "model/dense/kernel/v"]
    listed = {v["key"]: v for v in _listing(legacy)["variables"]}
    table = _table_names(legacy)
    for key, name in slots.items():
        assert listed[key]["name"] == name and name in table
        assert listed[key]["object_paths"] == [f"model/dense/kernel/.OPTIMIZER_SLOT/optimizer/{name[-1]}"]
        # The doctor's model path of such a slot keeps .OPTIMIZER_SLOT before the slot's name.
        for said in (name, f"model/dense/kernel/.OPTIMIZER_SLOT/{name[-1]}", *listed[key]["object_paths"]):
            out = legacy.parent / f"{said.replace('/', '_')}.npy"
            result = run_cli("export", str(legacy), said, "-o", str(out))
            assert result.returncode == 0, result.stderr
            assert np.array_equal(np.load(out), reader.get_tensor(key)), said


@pytest.mark.parametrize("view", ["objects", "keys"])
def test_the_filter_finds_a_slot_by_every_name_printed_for_it(case, printed, view):
    """The tree's Find (Ctrl+F) takes what a user pastes from the CLI's output: in the key
    view the slot's name found nothing (its variable's path and "momentum" apart)."""
    ckpt = Checkpoint.open(case / "source")
    tree = CheckpointTrees(ckpt)[view]
    for key, names in printed.items():
        for name in names:
            found = {node.variable.key for node in tree.matching([name.lower()], None)}
            assert key in found, (view, name)
