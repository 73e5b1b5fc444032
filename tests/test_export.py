"""What ``export`` writes reads back bit for bit, strings with trailing NUL bytes too."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_npy, read_strings
from tests.conftest import run_cli
from tests.helpers import assert_same_value, tf_value

NUL_STRINGS = [[b"ends in NUL\x00", b"\x00\x00"], [b"", b"mid\x00dle"]]
KEY = "s/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.fixture(scope="module")
def nul_checkpoint(tf, tmp_path_factory):
    """A TF2 checkpoint (written here, by TensorFlow) holding strings that end in NUL."""
    folder = tmp_path_factory.mktemp("nul_strings")
    root = tf.train.Checkpoint(s=tf.Variable(NUL_STRINGS), plain=tf.Variable([b"a", b"bc"]))
    prefix = root.write(str(folder / "ckpt"))
    return prefix, tf.train.load_checkpoint(prefix)


def test_strings_ending_in_nul_go_to_npz_and_read_back_exactly(nul_checkpoint, tmp_path):
    prefix, reader = nul_checkpoint
    result = run_cli("export", prefix, "s", "-o", str(tmp_path / "s.npy"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "s.npz")
    assert "NUL" in result.stderr and [p.name for p in tmp_path.iterdir()] == ["s.npz"]
    assert_same_value(read_strings(tmp_path / "s.npz"), tf_value(reader, KEY), KEY)


def test_the_object_graph_reads_back_exactly(checkpoints, tf, tmp_path):
    # The object graph is a serialized proto: any byte lost and it no longer parses.
    prefix = Checkpoint.open(checkpoints / "keras_seq").prefix
    key = "_CHECKPOINTABLE_OBJECT_GRAPH"
    written, _note = export_npy(Checkpoint.open(prefix), key, str(tmp_path / "graph.npz"))
    expected = tf_value(tf.train.load_checkpoint(prefix), key)
    assert_same_value(read_strings(written), expected, key)


def test_strings_npy_holds_exactly_stay_npy(nul_checkpoint, tmp_path):
    prefix, reader = nul_checkpoint
    key = "plain/.ATTRIBUTES/VARIABLE_VALUE"
    written, note = export_npy(Checkpoint.open(prefix), key, str(tmp_path / "p"))
    assert written.endswith("/p.npy") and note is None
    loaded = np.load(written, allow_pickle=False)
    assert loaded.tolist() == tf_value(reader, key).tolist()


def test_npz_asked_for_holds_strings_and_numbers(nul_checkpoint, checkpoints, tmp_path):
    prefix, reader = nul_checkpoint
    written, note = export_npy(Checkpoint.open(prefix), "plain" + KEY[1:], str(tmp_path / "p.npz"))
    assert note is None
    assert_same_value(read_strings(written), tf_value(reader, "plain/.ATTRIBUTES/VARIABLE_VALUE"))
    ckpt = Checkpoint.open(checkpoints / "tf1")
    written, _note = export_npy(ckpt, "layer1/weights", str(tmp_path / "w.npz"))
    with np.load(written, allow_pickle=False) as npz:
        assert_same_value(npz["value"], ckpt.read("layer1/weights"))


def test_empty_and_scalar_strings(checkpoints, tf, tmp_path):
    prefix = str(checkpoints / "dtypes" / "ckpt")
    reader = tf.train.load_checkpoint(prefix)
    ckpt = Checkpoint.open(prefix)
    for name in ("values/empty_string", "values/scalar_string", "values/strings"):
        key = name + "/.ATTRIBUTES/VARIABLE_VALUE"
        if key not in ckpt.index.entries:
            continue
        written, _note = export_npy(ckpt, key, str(tmp_path / (name.replace("/", "_") + ".npz")))
        assert_same_value(read_strings(written), tf_value(reader, key), key)
