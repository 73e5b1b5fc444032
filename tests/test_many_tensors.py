"""Many small tensors read in runs (core/values/runs.py) and summarised together
(core/analysis/many_stats.py): the same values, statistics and histograms as one
tensor at a time, against TensorFlow's own reading of a checkpoint it wrote."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

from ckpt_gui.core.analysis.summaries import all_stats, group_histogram, tensor_stats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import Cancelled, CorruptCheckpointError
from ckpt_gui.core.values.runs import SMALL_BYTES, read_runs, split_small
from tests import background
from tests.background import Writer
from tests.test_stats import assert_stats_match, reference_stats

# One TensorFlow process writes the checkpoint and saves what tf.train.load_checkpoint reads of it.
WRITER = textwrap.dedent(
    """
    import sys, numpy as np, tensorflow as tf
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    v = {}
    for i in range(300):
        v[f"f{i}"] = tf.Variable(rng.normal(size=(i % 7 + 1,)).astype(np.float32))
    for i in range(40):
        v[f"i{i}"] = tf.Variable(rng.integers(-50, 50, size=(3, i % 4 + 1)).astype(np.int32))
        v[f"h{i}"] = tf.Variable(rng.normal(size=(5,)).astype(np.float16))
        v[f"d{i}"] = tf.Variable(rng.normal(1e6, 1e-3, size=(4,)))
        v[f"b{i}"] = tf.Variable(rng.integers(0, 2, size=(6,)).astype(bool))
    v["nan"] = tf.Variable(np.array([1.0, np.nan, np.inf, -np.inf, 0.0], np.float32))
    v["empty"] = tf.Variable(np.zeros((0, 3), np.float32))
    v["big"] = tf.Variable(rng.normal(size=(BIG,)).astype(np.float32))
    v["zeros"] = tf.Variable(np.zeros((3,), np.int64))
    prefix = tf.train.Checkpoint(**v).write(out + "/ckpt")
    reader = tf.train.load_checkpoint(prefix)
    np.savez(out + "/oracle.npz", **{k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
                                    if k != "_CHECKPOINTABLE_OBJECT_GRAPH"})
    """
).replace("BIG", str(SMALL_BYTES // 4 + 100))


BACKGROUND_WRITERS = {"many": Writer([sys.executable, "-c", WRITER, "{out}"], timeout=600)}


@pytest.fixture(scope="module")
def written(request):
    folder, result = background.result(request, "many")  # started with the session
    if result.returncode != 0:
        pytest.fail(f"TensorFlow could not write the checkpoint:\n{result.stderr[-3000:]}")
    with np.load(folder / "oracle.npz") as oracle:
        return folder, {key: oracle[key] for key in oracle.files}


def test_runs_read_the_values_tensorflow_reads(written):
    folder, oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    entries = [ckpt.entry(key) for key in oracle]
    small, other = split_small(ckpt.reader, entries)
    assert {e.key for e in other} == {"big/.ATTRIBUTES/VARIABLE_VALUE"}  # the one over SMALL_BYTES
    seen = {}
    for entry, values in read_runs(ckpt.reader, small):
        seen[entry.key] = values
        theirs = oracle[entry.key].reshape(-1)
        assert values.dtype == theirs.dtype, entry.key
        assert values.tobytes() == theirs.tobytes(), entry.key
    assert set(seen) == {e.key for e in small}
    offsets = [ckpt.entry(key).offset for key in seen]
    assert offsets == sorted(offsets)  # one pass over the shard, in storage order


def test_statistics_of_all_match_numpy_on_tensorflow_values(written):
    folder, oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    found = all_stats(ckpt)
    numeric = [v.key for v in ckpt.variables if v.dtype.is_numeric]
    assert list(found) == numeric
    for key in numeric:
        assert_stats_match(found[key], reference_stats(oracle[key]), key)
        assert found[key].count == oracle[key].size
    nan = found["nan/.ATTRIBUTES/VARIABLE_VALUE"]
    assert (nan.nan, nan.posinf, nan.neginf) == (1, 1, 1)


def test_known_statistics_are_not_read_again_and_progress_reaches_the_total(written):
    folder, _oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    key = "f3/.ATTRIBUTES/VARIABLE_VALUE"
    marker = tensor_stats(ckpt, "f4/.ATTRIBUTES/VARIABLE_VALUE")
    seen = []
    found = all_stats(ckpt, known={key: marker}, progress=seen.append)
    assert found[key] is marker
    assert seen == sorted(seen)
    assert seen[-1] == sum(v.num_elements for v in ckpt.variables if v.dtype.is_numeric)


def test_group_histogram_equals_numpy_of_the_values_joined(written):
    folder, oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    keys = [key for key in oracle if oracle[key].dtype.kind in "iuf" and key != "nan/.ATTRIBUTES/VARIABLE_VALUE"]
    stats, hist = group_histogram(ckpt, keys, bins=50)
    joined = np.concatenate([oracle[key].reshape(-1).astype(np.float64) for key in keys])
    np.testing.assert_array_equal(hist.counts, np.histogram(joined, bins=50)[0])
    assert stats.count == joined.size
    assert stats.mean == pytest.approx(joined.mean(), rel=1e-9)


def test_a_corrupt_small_tensor_is_named_in_one_line(written, tmp_path):
    folder, _oracle = written
    for name in ("ckpt.index", "ckpt.data-00000-of-00001"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    ckpt = Checkpoint.open(tmp_path / "ckpt")
    key = "f100/.ATTRIBUTES/VARIABLE_VALUE"
    entry = ckpt.entry(key)
    with open(tmp_path / "ckpt.data-00000-of-00001", "r+b") as f:
        f.seek(entry.offset)
        byte = f.read(1)
        f.seek(entry.offset)
        f.write(bytes([byte[0] ^ 0x01]))
    for compute in (lambda: all_stats(ckpt), lambda: group_histogram(ckpt, [key, "f99/.ATTRIBUTES/VARIABLE_VALUE"])):
        with pytest.raises(CorruptCheckpointError, match="CRC32C") as caught:
            compute()
        message = str(caught.value)
        assert key in message and "ckpt.data-00000-of-00001" in message and "\n" not in message


def test_a_truncated_shard_names_the_first_tensor_past_its_end(written, tmp_path):
    folder, _oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    small, _other = split_small(ckpt.reader, [ckpt.entry(v.key) for v in ckpt.variables if v.dtype.is_numeric])
    last = max(small, key=lambda e: e.offset)
    (tmp_path / "ckpt.index").write_bytes((folder / "ckpt.index").read_bytes())
    data = (folder / "ckpt.data-00000-of-00001").read_bytes()
    (tmp_path / "ckpt.data-00000-of-00001").write_bytes(data[: last.offset + 1])
    cut = Checkpoint.open(tmp_path / "ckpt")
    with pytest.raises(CorruptCheckpointError, match="truncated") as caught:
        list(read_runs(cut.reader, [cut.entry(e.key) for e in small]))
    assert last.key in str(caught.value)


def test_reading_in_runs_can_be_cancelled(written):
    folder, _oracle = written
    ckpt = Checkpoint.open(folder / "ckpt")
    with pytest.raises(Cancelled):
        all_stats(ckpt, cancelled=lambda: True)
