"""Review 23: the CLI on damaged checkpoints and odd paths.

(#7) ``inspect --stats`` on a truncated data file printed one warning per tensor for its
one cause; one line now says the cause and how many tensors it leaves without
statistics (the JSON keeps each tensor's own error).
(#6) ``export`` by object path on such a checkpoint, whose object graph is in the cut
part: it said "no tensor with key, object path or slot name"; it says the object graph
cannot be read (why), so object paths are unknown, and that keys work.
(#14) A dangling link beside a checkpoint: "no such checkpoint; the folder holds ckpt-5",
not that it is a link to a path that does not exist.
"""

from __future__ import annotations

import json
import os

from ckpt_gui.core.checkpoint import Checkpoint
from tests.conftest import run_cli

CUT_AT = 3000


def _truncated(scratch_copy) -> str:
    """Seed 002's newest checkpoint with its data file cut to 3,000 bytes: its prefix."""
    prefix = Checkpoint.open(scratch_copy("keras_seq")).prefix
    data = prefix + ".data-00000-of-00001"
    with open(data, "r+b") as f:
        f.truncate(CUT_AT)
    return prefix


def test_inspect_stats_says_a_truncated_shard_once_with_how_many_tensors_it_cut(scratch_copy, tf):
    prefix = _truncated(scratch_copy)
    reader = tf.train.load_checkpoint(prefix)
    cut = []  # TensorFlow's own word: the numeric values it cannot read any more
    for key, dtype in reader.get_variable_to_dtype_map().items():
        if dtype != tf.string:
            try:
                reader.get_tensor(key)
            except Exception:  # noqa: BLE001 - TensorFlow's DataLossError, or its OutOfRange
                cut.append(key)
    assert len(cut) > 1
    result = run_cli("inspect", prefix, "--stats")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "no statistics" in line]
    data = os.path.basename(prefix) + ".data-00000-of-00001"
    assert len(lines) == 1, result.stderr  # one per tensor before
    assert f"no statistics for {len(cut)} tensors" in lines[0], lines
    assert data in lines[0] and "truncated at 3,000 bytes" in lines[0], lines
    document = json.loads(run_cli("inspect", prefix, "--stats", "--json").stdout)
    errors = {v["key"]: v["error"] for v in document["variables"] if v.get("error")}
    assert set(errors) == set(cut) and all("needs bytes" in e for e in errors.values())  # each its own


def test_export_by_object_path_without_the_object_graph_says_why_and_that_keys_work(scratch_copy, tf, tmp_path):
    prefix = _truncated(scratch_copy)
    graph = Checkpoint.open(prefix).object_graph
    assert graph is None  # the graph is in the cut part
    # The bias of the last layer, by its object path, as `inspect` of the whole checkpoint names it.
    path = "model/_functional/_operations/2/bias"
    key = path + "/.ATTRIBUTES/VARIABLE_VALUE"
    assert key not in tf.train.load_checkpoint(prefix).get_variable_to_shape_map()  # TensorFlow's key is another
    result = run_cli("export", prefix, path, "-o", str(tmp_path / "bias.npy"))
    assert result.returncode == 2
    assert "no tensor with key" not in result.stderr, result.stderr
    assert "object graph cannot be read" in result.stderr and "truncated" in result.stderr, result.stderr
    assert "name the tensor by its key" in result.stderr
    assert not (tmp_path / "bias.npy").exists()


def test_a_dangling_link_beside_a_checkpoint_is_said_to_be_one(scratch_copy):
    folder = scratch_copy("tf1")
    os.symlink("/nonexistent-review23", folder / "dangling")
    result = run_cli("inspect", str(folder / "dangling"))
    assert result.returncode == 2
    assert "a link to /nonexistent-review23, which does not exist" in result.stderr, result.stderr
    assert "no such checkpoint" not in result.stderr
    assert "the folder holds model.ckpt-" in result.stderr  # what is there instead, still said
