"""core/views/missing_data.no_values: no value of a checkpoint can be read only when
every data file its index names is missing (the app then gives the plots' room to the
tabs, review 21 #15); one shard of seven missing leaves the others' values readable."""

from __future__ import annotations

import glob
import os

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.missing_data import no_values


def _prefix(folder) -> str:
    (index,) = glob.glob(os.path.join(folder, "**", "*.index"), recursive=True)
    return index[: -len(".index")]


def test_one_shard_missing_leaves_values_all_missing_leaves_none(scratch_copy, tf):
    prefix = _prefix(scratch_copy("sharded"))
    shards = sorted(glob.glob(f"{prefix}.data-*"))
    assert len(shards) > 2
    assert not no_values(Checkpoint.open(prefix))
    os.remove(shards[0])
    readable = [key for key, _shape in tf.train.list_variables(prefix) if _reads(tf, prefix, key)]
    assert readable, "TensorFlow reads the values of the shards left"
    assert not no_values(Checkpoint.open(prefix))
    for path in shards[1:]:
        os.remove(path)
    assert no_values(Checkpoint.open(prefix))


def _reads(tf, prefix: str, key: str) -> bool:
    try:
        tf.train.load_checkpoint(prefix).get_tensor(key)
    except Exception:  # noqa: BLE001 - TensorFlow's error for a value in a missing shard
        return False
    return True
