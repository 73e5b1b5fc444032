"""Review 23 #3: a TF1 model whose variable is partitioned. The repair cannot write
partitioned variables yet (README); the plan says so up front, on that line (keep-initial,
``not_writable``), instead of proposing map and refusing once the output folder was
chosen. The rest of the plan is written, and TensorFlow reads the values it carried.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.doctor_cli import script

# Seed 001's graph (tests/checkpoint_factory.tf1_saver) as it is now: the table in 2 parts
# (saved in 3), layer1 widened from 10 to 12 units.
TF1_NOW = """
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
with tf.compat.v1.variable_scope("layer1"):
    w = tf.compat.v1.get_variable("weights", [784, 12])
    b = tf.compat.v1.get_variable("biases", [12])
with tf.compat.v1.variable_scope("embedding"):
    table = tf.compat.v1.get_variable("table", [200, 8], partitioner=tf.compat.v1.fixed_size_partitioner(2))
"""
TABLE = "embedding/table"


@pytest.fixture(scope="module")
def planned(checkpoints, tmp_path_factory):
    """The proposed plan of the seed's checkpoint with the script above (one diagnosis)."""
    folder = tmp_path_factory.mktemp("partitioned")
    model = script(folder, TF1_NOW)
    plan = folder / "plan.json"
    result = run_cli("diagnose", str(checkpoints / "tf1"), "--model", str(model), "--plan", str(plan), timeout=600)
    assert plan.is_file(), result.stderr
    return folder, model, json.loads(plan.read_text())


def test_the_plan_marks_a_partitioned_target_not_writable_up_front(planned):
    _folder, _model, plan = planned
    line = next(e for e in plan["entries"] if e["source_key"] == TABLE)
    assert line["action"] == "keep-initial", line  # was "map", refused only at the write
    assert "partitioned" in line["not_writable"] and "2 parts" in line["not_writable"]
    assert "partitioned" in line["reason"] and "initial value" in line["reason"]
    kept = next(v for v in plan["initial"] if v["target"] == TABLE)
    assert "partitioned" in kept["reason"]


def test_the_rest_of_the_plan_is_written_and_a_map_onto_it_is_refused_before_tensorflow(planned, checkpoints, tf):
    folder, model, plan = planned
    source = checkpoints / "tf1"
    # The user asks map anyway: refused from the plan itself, naming why, nothing written.
    forced = [{**e, "action": "map"} if e["source_key"] == TABLE else e for e in plan["entries"]]
    (folder / "forced.json").write_text(json.dumps({**plan, "entries": forced}))
    refused = run_cli("repair", str(source), "--model", str(model), "--plan", str(folder / "forced.json"),
                      "-o", str(folder / "refused"), timeout=600)  # fmt: skip
    assert refused.returncode == 2 and "partitioned" in refused.stderr, refused.stderr
    assert "starting Python" not in refused.stderr and not (folder / "refused").exists()
    # The proposed plan, with copy-overlap for the widened layer: written and verified.
    edited = [{**e, "action": "copy-overlap"} if e["action"] == "keep-initial" and not e.get("not_writable") else e
              for e in plan["entries"]]  # fmt: skip
    (folder / "edited.json").write_text(json.dumps({**plan, "entries": edited}))
    repaired = run_cli("repair", str(source), "--model", str(model), "--plan", str(folder / "edited.json"),
                       "-o", str(folder / "repaired"), timeout=600)  # fmt: skip
    assert repaired.returncode == 0, repaired.stderr
    old = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(source)))
    new = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(folder / "repaired")))
    assert np.array_equal(new.get_tensor("layer1/weights")[:, :10], old.get_tensor("layer1/weights"))
    assert new.get_variable_to_shape_map()[TABLE] == [200, 8]  # the model's own, at its initial value
