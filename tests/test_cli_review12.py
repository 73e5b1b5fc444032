"""Review 12: the CLI answers a damaged checkpoint as the app does.

(#5) A folder whose newest index is cut short: the app opens the newest readable
checkpoint with a banner; ``inspect``, ``diff`` and ``export`` stopped on exit 2.
(#16c) ``inspect --stats`` on a checkpoint with one tensor failing its checksum, or a
data file gone: no listing at all, only the error; the app lists everything and marks
the one tensor."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import resolve_key
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.open_fallback import open_readable
from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice
from tests.conftest import run_cli


def _cut_newest(folder: Path) -> tuple[str, str]:
    """The folder's newest checkpoint with its index cut in half (a write killed midway):
    (its prefix, the prefix the app shows instead)."""
    location = Checkpoint.open(folder).location
    listed = [ref.prefix for ref in location.checkpoints if ref.in_state_file]
    broken = Path(listed[-1] + ".index")
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    return listed[-1], listed[-2]


def test_inspect_on_a_folder_whose_newest_index_is_cut_lists_the_newest_readable(scratch_copy):
    folder = scratch_copy("keras_seq")
    broken, readable = _cut_newest(folder)
    note = open_readable(str(folder)).location.warnings[0]  # the app's banner line (the same core code)
    assert note.startswith(f"{os.path.basename(broken)} cannot be read: showing {os.path.basename(readable)}")
    result = run_cli("inspect", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == readable
    assert f"ckpt-gui: warning: {note}" in result.stderr.splitlines()
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith(os.path.basename(broken) + " "))
    assert "cannot be read" in line  # as the app's picker marks it
    document = json.loads(run_cli("inspect", str(folder), "--json").stdout)
    assert document["prefix"] == readable and note in document["warnings"]
    unreadable = [c["prefix"] for c in document["checkpoints"] if c["unreadable"]]
    assert unreadable == [broken]
    # Named by its own prefix, the broken checkpoint is the answer: its error, exit 2.
    named = run_cli("inspect", broken)
    assert named.returncode == 2 and "ckpt-gui: error:" in named.stderr


def test_diff_and_export_on_such_a_folder_use_the_newest_readable_and_say_so(scratch_copy, tmp_path):
    folder = scratch_copy("keras_seq")
    _broken, readable = _cut_newest(folder)
    note = open_readable(str(folder)).location.warnings[0]
    # diff's one sentence says which it compares, not browse's "showing" (review 15 #3).
    name, instead = os.path.basename(_broken), os.path.basename(readable)
    compared = (
        f"{name} cannot be read ({name}.index: not a TensorFlow index table): "
        f"comparing {instead}, the newest readable checkpoint of this folder"
    )
    result = run_cli("diff", str(folder), readable)
    assert result.returncode == 0, result.stderr  # the same checkpoint on both sides: identical
    assert f"ckpt-gui: warning: A: {compared}" in result.stderr.splitlines(), result.stderr
    document = json.loads(run_cli("diff", readable, str(folder), "--json").stdout)
    # The folder's newest readable checkpoint is the one named: the same checkpoint, said first.
    same, *rest = document["warnings"]
    assert document["b"] == readable and same.startswith("A and B are the same checkpoint")
    assert rest == [f"B: {compared}"]
    key = "model/_functional/_operations/1/_kernel"
    result = run_cli("export", str(folder), key, "-o", str(tmp_path / "k.npy"))
    assert result.returncode == 0, result.stderr
    assert f"ckpt-gui: warning: {note}" in result.stderr.splitlines()
    shown = Checkpoint.open(readable)
    assert np.array_equal(np.load(tmp_path / "k.npy"), shown.read(resolve_key(shown, key)))


def _flip_tensor(folder: Path, key: str) -> None:
    ckpt = Checkpoint.open(folder)
    entry = ckpt.entry(key)
    data = Path(ckpt.index.data_path(entry.shard_id))
    content = bytearray(data.read_bytes())
    content[entry.offset + entry.size // 2] ^= 0xFF
    data.write_bytes(bytes(content))


def test_inspect_stats_json_lists_every_variable_when_one_fails_its_checksum(scratch_copy):
    folder = scratch_copy("tf1")
    _flip_tensor(folder, "layer1/weights")
    result = run_cli("inspect", str(folder), "--stats", "--json")
    assert result.returncode == 1, result.stderr  # listed, but not whole (README, --help)
    document = json.loads(result.stdout)
    by_key = {v["key"]: v for v in document["variables"]}
    assert set(by_key) == {v.key for v in Checkpoint.open(folder).variables}
    bad = by_key["layer1/weights"]
    assert bad["stats"] is None and "CRC32C" in bad["error"] and "layer1/weights" in bad["error"]
    readable = by_key["layer1/biases"]
    assert "error" not in readable
    values = Checkpoint.open(folder).read("layer1/biases")
    assert readable["stats"]["max"] == float(values.max())
    assert f"no statistics for 1 tensor: {bad['error']}" in result.stderr
    table = run_cli("inspect", str(folder), "--stats")
    assert table.returncode == 1
    row = next(line for line in table.stdout.splitlines() if line.startswith("layer1/weights "))
    assert row.split()[-1] == "unreadable"


def test_inspect_stats_with_a_data_shard_gone_lists_the_others_with_their_statistics(scratch_copy):
    folder = scratch_copy("sharded")
    gone = folder / "ckpt-1.data-00003-of-00007"
    os.remove(gone)
    result = run_cli("inspect", str(folder), "--stats", "--json")
    assert result.returncode == 1, result.stderr
    variables = json.loads(result.stdout)["variables"]
    ckpt = Checkpoint.open(folder)
    failed = {v["key"] for v in variables if v.get("error")}
    read = {v["key"]: v["stats"] for v in variables if v.get("stats")}
    assert failed and read
    for v in variables:
        if v["key"] in failed:
            assert v["stats"] is None and gone.name in v["error"], v
            with pytest.raises(CheckpointError, match="missing"):  # the reader cannot either
                ckpt.read(v["key"])
        elif v["key"] in read:
            assert read[v["key"]]["count"] == ckpt.read(v["key"]).size


def test_diagnose_and_repair_on_such_a_folder_use_the_newest_readable_and_say_so(scratch_copy, tmp_path):
    """Review 13 #5a: diagnose and repair stopped on the broken index (exit 2) where the
    app's doctor diagnoses the newest readable checkpoint. ``--python /bin/false``: no
    child runs, what is checked is which checkpoint the command took and what it said."""
    folder = scratch_copy("keras_seq")
    broken, readable = _cut_newest(folder)
    note = open_readable(str(folder)).location.warnings[0]
    script = tmp_path / "model.py"
    script.write_text("raise SystemExit('not to be run')\n")
    common = ("--model", str(script), "--python", "/bin/false", "--json")
    result = run_cli("diagnose", str(folder), *common)
    assert "ckpt-gui: error:" not in result.stderr, result.stderr
    said = f"ckpt-gui: warning: diagnosed {os.path.basename(readable)}: {os.path.basename(broken)}, which "
    assert any(line.startswith(said) for line in result.stderr.splitlines()), result.stderr  # the doctor's words
    document = json.loads(result.stdout)
    assert document["checkpoint"] == readable and document["warnings"] == [note]
    key = Checkpoint.open(readable).variables[0].key
    plan = tmp_path / "plan.json"
    from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

    entry = PlanEntry(key, Action.MAP, key, "matched by path")
    plan.write_text(json.dumps(RepairPlan(source="", script="", mode="name", entries=(entry,), initial=()).to_json()))
    result = run_cli("repair", str(folder), *common, "--plan", str(plan), "-o", str(tmp_path / "fixed"))
    assert "ckpt-gui: error:" not in result.stderr, result.stderr
    # Review 14: the one short sentence diagnose says, not the browse banner's note (path, "showing").
    why = f"{os.path.basename(broken)}.index: not a TensorFlow index table"
    said = f"ckpt-gui: warning: repairing {os.path.basename(readable)}: {os.path.basename(broken)}, which "
    said += f"tf.train.latest_checkpoint() returns, cannot be read ({why})"
    assert said in result.stderr.splitlines(), result.stderr
    assert result.stderr.count(why) == 1 and "showing" not in result.stderr and str(folder) not in result.stderr
    document = json.loads(result.stdout)
    assert document["source"] == readable and document["warnings"] == [note]  # the JSON keeps the note whole
    # Named by its own prefix, the broken checkpoint is still the answer: its error, exit 2.
    assert run_cli("diagnose", broken, *common).returncode == 2


def test_diagnose_on_such_a_folder_says_which_checkpoint_it_took_and_why_not_the_newer(scratch_copy, tmp_path, tf):
    """Issue 11: diagnose (CLI and the app's doctor) on the fallen-back folder said "the
    newest checkpoint in the folder (tf.train.latest_checkpoint returns ckpt-4)" of
    ckpt-3: not why ckpt-4 was skipped, nor that the user's latest_checkpoint() restore
    fails. Now open_fallback's note is the reason, and the warning says both."""
    folder = scratch_copy("keras_seq")
    broken, readable = _cut_newest(folder)
    # TensorFlow's side: what training scripts restore is the cut checkpoint, and it fails.
    latest = tf.train.latest_checkpoint(str(folder))
    assert os.path.realpath(latest) == os.path.realpath(broken)
    with pytest.raises(Exception):  # noqa: B017 (TensorFlow's own error class, whichever it raises)
        tf.train.load_checkpoint(latest).get_variable_to_shape_map()
    ckpt = open_readable(str(folder))
    banner = ckpt.location.warnings[0]  # the browse banner's note: path, error and all
    used, skipped = os.path.basename(readable), os.path.basename(broken)
    # The app's doctor: the choice as its controller makes it (the folder opened, its ref).
    choice = checkpoint_choice(ckpt.location.directory, ckpt.location, ckpt.ref)
    assert choice.used == readable and choice.reason == "the newest checkpoint of the folder that can be read"
    warning = choice.warning()
    # Review 14: one short sentence, said once: not the banner's note nested whole ("showing", the path).
    why = f"{skipped}.index: not a TensorFlow index table"
    assert warning.startswith(
        f"diagnosed {used}: {skipped}, which tf.train.latest_checkpoint() returns, cannot be read ({why}). "
    )
    assert "showing" not in warning and str(folder) not in warning and "::" not in warning.replace(" ", "")
    script = tmp_path / "model.py"
    script.write_text("raise SystemExit('not to be run')\n")
    common = ("--model", str(script), "--python", "/bin/false")  # no child: what is said of the choice
    result = run_cli("diagnose", str(folder), *common)
    text = result.stdout
    assert f"checkpoint: {readable}\n            ({choice.reason})\n" in text
    assert "newest checkpoint in the folder" not in text
    assert f"WARNING: {warning}" in text
    said = result.stdout + result.stderr
    assert said.count(why) == 1 and banner not in said, said
    json_run = run_cli("diagnose", str(folder), *common, "--json")
    document = json.loads(json_run.stdout)
    assert document["checkpoint_choice"]["reason"] == choice.reason and document["notes"][0] == warning
    assert document["checkpoint_choice"]["skipped"] == [{"prefix": broken, "note": f"{skipped} cannot be read ({why})"}]
    assert json_run.stderr.count(why) == 1  # JSON on stdout: the one sentence on stderr
    assert document["ok"] is False  # the user's own restore of the latest fails
