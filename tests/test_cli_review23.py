"""Review 23: the CLI on damaged checkpoints and odd paths.

(#7) ``inspect --stats`` on a truncated data file printed one warning per tensor for its
one cause; one line now says the cause and how many tensors it leaves without
statistics (the JSON keeps each tensor's own error).
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
