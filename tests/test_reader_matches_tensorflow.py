"""Every key, dtype, shape and value, compared with TensorFlow's own reader."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from tests.helpers import assert_same_value, tf_value

SCENARIOS = ["keras_seq", "subclassed", "bare", "legacy_slots", "tf1", "dtypes", "sharded", "savedmodel", "many"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_keys_dtypes_shapes_match_tensorflow(checkpoints, tf, scenario):
    ckpt = Checkpoint.open(checkpoints / scenario)
    reader = tf.train.load_checkpoint(ckpt.prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()

    assert [v.key for v in ckpt.variables] == sorted(shapes)  # key order as list_variables
    for v in ckpt.variables:
        assert list(v.shape) == shapes[v.key], v.key
        assert v.dtype.name == dtypes[v.key].name, v.key


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_value_matches_tensorflow(checkpoints, tf, scenario):
    ckpt = Checkpoint.open(checkpoints / scenario)
    reader = tf.train.load_checkpoint(ckpt.prefix)
    compared = 0
    for v in ckpt.variables:
        if v.dtype.is_variant:  # TF's Python reader cannot return variants either
            continue
        assert_same_value(ckpt.read(v.key), tf_value(reader, v.key), v.key)
        compared += 1
    assert compared >= 3


def test_list_variables_hides_slice_keys(checkpoints, tf):
    for scenario in ("tf1", "sharded"):
        ckpt = Checkpoint.open(checkpoints / scenario)
        assert [v.key for v in ckpt.variables] == [k for k, _ in tf.train.list_variables(ckpt.prefix)]
        assert any(v.partitioned for v in ckpt.variables)


def test_partitioned_tf1_variable_is_listed_once_with_full_shape(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "tf1")
    table = ckpt.variable("embedding/table")
    assert table.partitioned and table.shape == (200, 8)
    assert len(ckpt.index.slice_parts(ckpt.entry("embedding/table"))) == 3
    assert table.size_bytes == 200 * 8 * 4
    reader = tf.train.load_checkpoint(ckpt.prefix)
    np.testing.assert_array_equal(ckpt.read("embedding/table"), reader.get_tensor("embedding/table"))


def test_sharded_checkpoint_spreads_one_variable_over_shards(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "sharded")
    assert ckpt.index.header.num_shards == 7
    big = ckpt.entry("big/.ATTRIBUTES/VARIABLE_VALUE")
    shards = {part.shard_id for _s, part in ckpt.index.slice_parts(big)}
    assert len(shards) > 1, "the 120 KB variable should be split across shards"
    reader = tf.train.load_checkpoint(ckpt.prefix)
    assert_same_value(ckpt.read(big.key), reader.get_tensor(big.key), big.key)


def test_all_dtypes_are_named_like_tensorflow(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    names = {v.dtype.name for v in ckpt.variables}
    expected = {
        "float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "uint16",
        "uint32", "uint64", "bool", "complex64", "complex128", "float8_e5m2", "float8_e4m3fn", "int4", "uint4",
        "string", "variant",
    }  # fmt: skip
    assert expected <= names


def test_scalars_strings_and_empty_tensors(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    assert ckpt.read("values/scalar_float/.ATTRIBUTES/VARIABLE_VALUE")[()] == np.float32(3.25)
    assert ckpt.read("values/scalar_string/.ATTRIBUTES/VARIABLE_VALUE")[()] == b"a scalar string"
    strings = ckpt.read("values/strings/.ATTRIBUTES/VARIABLE_VALUE")
    assert strings.tolist() == [[b"alpha", b""], [b"\x00\xffbinary", "h\u00e9llo".encode()]]
    assert ckpt.read("values/empty_float/.ATTRIBUTES/VARIABLE_VALUE").shape == (0, 3)
    assert ckpt.read("values/empty_string/.ATTRIBUTES/VARIABLE_VALUE").shape == (0,)


def test_variant_elements_are_summarised(checkpoints, tf):
    """One summary per element, as many as TensorFlow lists: how many variants an
    iterator's state holds is TensorFlow's choice (3 or 4 in different runs of tf.data)."""
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    key = "iterator/.ATTRIBUTES/ITERATOR_STATE"
    value = ckpt.read(key)
    assert value.shape == tuple(tf.train.load_checkpoint(ckpt.prefix).get_variable_to_shape_map()[key])
    assert value.size >= 1
    assert all(element.type_name for element in value.reshape(-1))


def test_unknown_dtype_is_listed_with_its_number():
    from ckpt_gui.core.format.dtypes import dtype_from_enum

    odd = dtype_from_enum(77)
    assert odd.name == "unknown(77)" and not odd.is_numeric and not odd.known
    assert dtype_from_enum(101).name == "float32"  # DT_FLOAT_REF decodes as its base type


def test_index_with_several_blocks(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "many")
    assert len(ckpt.variables) == 5001
    reader = tf.train.load_checkpoint(ckpt.prefix)
    key = "model/blocks/499/weight_9/.ATTRIBUTES/VARIABLE_VALUE"
    assert_same_value(ckpt.read(key), reader.get_tensor(key), key)


def test_bundled_demo_matches_tensorflow(tf):
    from ckpt_gui.resources import demo_path

    ckpt = Checkpoint.open(demo_path())
    assert [ref.step for ref in ckpt.checkpoints] == [100, 200, 300]
    assert ckpt.ref.step == 300
    reader = tf.train.load_checkpoint(ckpt.prefix)
    for v in ckpt.variables:
        assert_same_value(ckpt.read(v.key), tf_value(reader, v.key), v.key)
