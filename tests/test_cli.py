"""The CLI contract: ``inspect --json [--stats]`` and ``export``, run as a user would."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from tests.conftest import run_cli
from tests.helpers import assert_same_value, tf_value

VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.mark.parametrize("scenario", ["keras_seq", "tf1", "dtypes", "sharded", "savedmodel"])
def test_inspect_json_lists_what_tensorflow_lists(checkpoints, tf, scenario):
    result = run_cli("inspect", str(checkpoints / scenario), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    reader = tf.train.load_checkpoint(report["prefix"])
    dtypes = reader.get_variable_to_dtype_map()

    assert report["format"] == {"tf1": "tf1", "savedmodel": "savedmodel"}.get(scenario, "tf2")
    assert [v["key"] for v in report["variables"]] == [k for k, _ in tf.train.list_variables(report["prefix"])]
    for v in report["variables"]:
        assert v["dtype"] == dtypes[v["key"]].name
        assert v["shape"] == reader.get_variable_to_shape_map()[v["key"]]
        assert isinstance(v["shard"], int) and isinstance(v["size_bytes"], int)
        assert isinstance(v["object_paths"], list)
    assert any(c["prefix"] == report["prefix"] for c in report["checkpoints"])


def test_inspect_json_checkpoint_list(checkpoints):
    report = json.loads(run_cli("inspect", str(checkpoints / "keras_seq"), "--json").stdout)
    assert report["prefix"].endswith("/ckpt-4")
    assert [c["step"] for c in report["checkpoints"]] == [2, 3, 4]  # the manager's series (ckpt-N)
    # written by hand under another name (manual-99): the folder's other series (review 20 G8)
    assert [c["step"] for c in report["other_series"]] == [99]
    assert all(isinstance(c["time"], float) for c in report["checkpoints"])
    kernel = next(v for v in report["variables"] if v["shape"] == [12, 16] and "_trainable" in v["key"])
    assert kernel["object_paths"][0] == "model/_functional/_operations/1/_kernel"


def test_inspect_stats_match_numpy_on_tensorflow_values(checkpoints, tf):
    result = run_cli("inspect", str(checkpoints / "dtypes"), "--json", "--stats")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    reader = tf.train.load_checkpoint(report["prefix"])
    by_key = {v["key"]: v for v in report["variables"]}
    assert "stats" not in by_key["values/strings/.ATTRIBUTES/VARIABLE_VALUE"]
    stats = by_key["values/float32/.ATTRIBUTES/VARIABLE_VALUE"]["stats"]
    assert {k: stats[k] for k in ("min", "max", "nan", "posinf", "neginf", "zeros")} == {
        "min": -2.25, "max": 1.5, "nan": 1, "posinf": 1, "neginf": 1, "zeros": 1,
    }  # fmt: skip
    weights = reader.get_tensor("values/wide/.ATTRIBUTES/VARIABLE_VALUE").astype(np.float64)
    wide = by_key["values/wide/.ATTRIBUTES/VARIABLE_VALUE"]["stats"]
    assert wide["mean"] == pytest.approx(weights.mean()) and wide["std"] == pytest.approx(weights.std())
    # float64 values near 1e300 overflow the std: JSON gets null, not an invalid Infinity.
    assert by_key["values/float64/.ATTRIBUTES/VARIABLE_VALUE"]["stats"]["std"] is None


def test_inspect_table(checkpoints):
    result = run_cli("inspect", str(checkpoints / "keras_seq"), "--stats")
    assert result.returncode == 0, result.stderr
    assert "model/_functional/_operations/1/_kernel" in result.stdout
    assert "ckpt-2" in result.stdout and "not in the state file" in result.stdout
    assert "MEAN" in result.stdout


def test_inspect_stats_text_says_complex_statistics_are_of_magnitudes(checkpoints, tf):
    """Review 22 #16: the c64 row's MIN was |1+2j| with no word of it (the app and the
    JSON say it). TensorFlow reads the values; their magnitudes' minimum is the MIN shown."""
    from ckpt_gui.core.formatting import format_number

    result = run_cli("inspect", str(checkpoints / "dtypes"), "--stats")
    assert result.returncode == 0, result.stderr
    (note,) = [line for line in result.stdout.splitlines() if "magnitudes |z|" in line]
    assert note == (
        "MIN, MAX, MEAN and STD of complex values are of their magnitudes |z|: values/complex64, values/complex128"
    )
    reader = tf.train.load_checkpoint(
        json.loads(run_cli("inspect", str(checkpoints / "dtypes"), "--json").stdout)["prefix"]
    )
    magnitudes = np.abs(reader.get_tensor("values/complex64/.ATTRIBUTES/VARIABLE_VALUE"))
    (row,) = [line.split() for line in result.stdout.splitlines() if line.startswith("values/complex64 ")]
    assert row[:5] == ["values/complex64", "complex64", "[3]", "24", "B"]
    assert row[5] == format_number(float(np.nanmin(magnitudes)))  # MIN: |1+2j|, the NaN left out


def test_diff_of_two_checkpoints_nothing_pairs_says_so(checkpoints, tf):
    """Review 22 nit 22: a TF1 checkpoint against a TF2 one printed "N only in A, M only
    in B" and no word of why. TensorFlow lists the two: no key in common."""
    a, b = checkpoints / "tf1", checkpoints / "keras_seq"
    prefixes = [json.loads(run_cli("inspect", str(p), "--json").stdout)["prefix"] for p in (a, b)]
    keys_a, keys_b = ({k for k, _s in tf.train.list_variables(p)} for p in prefixes)
    assert not keys_a & keys_b
    said = ("nothing pairs: no variable of A has a key or object path of B (A is a TF1 name-based checkpoint, "
            "B a TF2 object-based checkpoint)")  # fmt: skip
    text = run_cli("diff", str(a), str(b)).stdout.splitlines()
    assert text[2] == f"  note: {said}" and "only in A" in text[3], text[:4]
    assert said in json.loads(run_cli("diff", str(a), str(b), "--json").stdout)["warnings"]
    assert "nothing pairs" not in run_cli("diff", str(b), str(b / "ckpt-3")).stdout  # two saves of one model


def test_inspect_table_marks_an_incomplete_checkpoint_as_the_picker_does(scratch_copy):
    """Review: a latest checkpoint whose data file is gone was listed as "<- latest"
    only, while the app's picker said "(incomplete: data missing)"."""
    import glob

    folder = scratch_copy("keras_seq")
    latest = Checkpoint.open(str(folder)).location.latest
    for data in glob.glob(latest.prefix + ".data-*"):
        os.remove(data)
    result = run_cli("inspect", str(folder))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith(latest.name + " "))
    assert "incomplete: data missing" in line and "latest" in line, line


def test_inspect_table_lists_numbered_names_in_natural_order(checkpoints):
    result = run_cli("inspect", str(checkpoints / "many"))
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("model/blocks/")]
    blocks = list(dict.fromkeys(int(name.split("/")[2]) for name in names))
    assert blocks == sorted(blocks) and blocks[:12] == list(range(12))  # 2 before 10, not 1, 10, 100...


@pytest.mark.parametrize(
    ("scenario", "name", "key"),
    [
        ("tf1", "embedding/table", "embedding/table"),  # partitioned
        ("keras_seq", "model/_functional/_operations/1/_kernel", "optimizer/_trainable_variables/0" + VALUE),
        ("dtypes", "values/int32", "values/int32/.ATTRIBUTES/VARIABLE_VALUE"),
        ("dtypes", "values/strings/.ATTRIBUTES/VARIABLE_VALUE", "values/strings/.ATTRIBUTES/VARIABLE_VALUE"),
    ],
)  # fmt: skip
def test_export_writes_the_tensor(checkpoints, tf, tmp_path, scenario, name, key):
    out = tmp_path / "tensor.npy"
    result = run_cli("export", str(checkpoints / scenario), name, "-o", str(out))
    assert result.returncode == 0, result.stderr
    reader = tf.train.load_checkpoint(Checkpoint.open(checkpoints / scenario).prefix)
    expected = tf_value(reader, key)
    if expected.dtype == object:
        expected = np.array(expected.tolist(), dtype=bytes)
    assert_same_value(np.load(out, allow_pickle=False), expected, key)


def test_export_prints_the_file_it_wrote(checkpoints, tmp_path):
    # numpy appends .npy to a name without it: the path printed must be that file.
    result = run_cli("export", str(checkpoints / "tf1"), "layer1/weights", "-o", str(tmp_path / "w"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "w.npy")
    assert [p.name for p in tmp_path.iterdir()] == ["w.npy"]


def test_export_widens_types_npy_cannot_hold(checkpoints, tf, tmp_path):
    out = tmp_path / "bf16.npy"
    result = run_cli("export", str(checkpoints / "dtypes"), "values/bfloat16", "-o", str(out))
    assert result.returncode == 0 and "float32" in result.stderr
    expected = tf.train.load_checkpoint(str(checkpoints / "dtypes" / "ckpt")).get_tensor(
        "values/bfloat16/.ATTRIBUTES/VARIABLE_VALUE"
    )
    np.testing.assert_array_equal(np.load(out), expected.astype(np.float32))


def test_export_never_writes_into_the_checkpoint_folder(scratch_copy):
    folder = scratch_copy("tf1")
    before = sorted(p.name for p in folder.iterdir())
    result = run_cli("export", str(folder), "layer1/weights", "-o", str(folder / "w.npy"))
    assert result.returncode == 2 and "never writes" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_export_unknown_key_suggests_names(checkpoints, tmp_path):
    result = run_cli("export", str(checkpoints / "tf1"), "weights", "-o", str(tmp_path / "x.npy"))
    assert result.returncode == 2 and "layer1/weights" in result.stderr


def test_python_dash_m_and_help(checkpoints):
    result = run_cli("--help")
    assert result.returncode == 0 and "inspect" in result.stdout
    result = run_cli("inspect", "--help")
    assert result.returncode == 0 and "--stats" in result.stdout


def _one_map_plan(path, source_key: str, mode: str):
    from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

    entry = PlanEntry(source_key, Action.MAP, source_key, "matched by path")
    path.write_text(json.dumps(RepairPlan(source="", script="", mode=mode, entries=(entry,), initial=()).to_json()))
    return path


def test_repair_refuses_an_output_the_doctor_keeps_read_only_before_any_tensorflow(scratch_copy, tmp_path):
    """A subfolder of a Keras file's folder is free for exports but read-only for the
    doctor's child: the repair says so at once (``--python /bin/false``: no child could
    even start), naming the folder the user gave, in one line. A TF checkpoint's refusal
    names the folder given, not a file inside it."""
    import h5py

    keras_folder = tmp_path / "k3"
    keras_folder.mkdir()
    with h5py.File(keras_folder / "m.weights.h5", "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((2, 3), "<f4"))
    script = tmp_path / "model.py"
    script.write_text("raise SystemExit('not to be run')\n")
    plan = _one_map_plan(tmp_path / "plan.json", "layers/dense/vars/0", "keras")
    common = ("--model", str(script), "--plan", str(plan), "--python", "/bin/false")
    result = run_cli("repair", str(keras_folder / "m.weights.h5"), *common, "-o", str(keras_folder / "fixed"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{keras_folder / 'fixed'}: is inside {keras_folder}" in result.stderr and "read-only" in result.stderr
    assert "choose a folder outside it" in result.stderr
    assert not (keras_folder / "fixed").exists()

    folder = scratch_copy("tf1")
    key = Checkpoint.open(folder).variables[0].key
    plan = _one_map_plan(tmp_path / "plan_tf.json", key, "name")
    common = ("--model", str(script), "--plan", str(plan), "--python", "/bin/false")
    for output in (folder / "fixed", folder):
        result = run_cli("repair", str(folder), *common, "-o", str(output))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"ckpt-gui: error: {output}: is "), result.stderr
        assert "never writes into a checkpoint" in result.stderr and "checkpoint:" not in result.stderr


def test_repair_says_an_output_folder_that_cannot_be_created_before_any_tensorflow(scratch_copy, tmp_path):
    """``-o /proc/rep22``: one line, "cannot be created" and why, before any child starts
    (``--python /bin/false``), not the writing child's FileNotFoundError (review 22 #2)."""
    folder = scratch_copy("tf1")
    script = tmp_path / "model.py"
    script.write_text("raise SystemExit('not to be run')\n")
    plan = _one_map_plan(tmp_path / "plan.json", Checkpoint.open(folder).variables[0].key, "name")
    common = ("--model", str(script), "--plan", str(plan), "--python", "/bin/false")
    result = run_cli("repair", str(folder), *common, "-o", "/proc/rep22")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr == "ckpt-gui: error: /proc/rep22: cannot be created: No such file or directory\n"


def test_help_says_what_a_checkpoint_can_be_and_the_defaults():
    """Every path argument names the forms the command takes (Keras files, URLs where
    they work); diff says what A and B can be; --timeout gives its default."""
    texts = {command: run_cli(command, "--help").stdout for command in ("inspect", "export", "diagnose", "diff")}
    flat = {command: " ".join(text.split()) for command, text in texts.items()}
    for command in ("inspect", "export", "diff"):
        assert ".weights.h5" in flat[command] and ".keras" in flat[command] and "s3://" in flat[command], command
    assert ".weights.h5" in flat["diagnose"] and "no URL" in flat["diagnose"]
    assert "the first checkpoint (before): a folder" in flat["diff"] and "in any of those forms" in flat["diff"]
    for command in ("diagnose", "repair"):
        assert "(default: 120)" in " ".join(run_cli(command, "--help").stdout.split()), command


def test_inspect_warns_of_a_missing_data_file_as_the_app_does(scratch_copy):
    """Review 7: a checkpoint whose data shard is gone was listed with exit 0 and not a word,
    while the app's banner warned; the listing's exit code stays (README: 1 only when the
    object graph cannot be read)."""
    import glob

    from ckpt_gui.core.views.missing_data import missing_headline

    folder = scratch_copy("tf1")  # name-based: the keys are all there is, so nothing else fails
    prefix = Checkpoint.open(str(folder)).prefix
    for data in glob.glob(prefix + ".data-*"):
        os.remove(data)
    said = missing_headline(Checkpoint.open(prefix))
    assert said is not None and "is missing" in said  # the app's banner line
    result = run_cli("inspect", prefix)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [f"ckpt-gui: warning: {said}"]  # said once
    document = json.loads(run_cli("inspect", prefix, "--json").stdout)
    assert document["warnings"][0] == said
