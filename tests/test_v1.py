"""V1 (pre-0.12) checkpoints, written here by TensorFlow's own V1 Saver and read back
against TensorFlow: ``tf.train.load_checkpoint`` where it reads them (nine dtypes, one
slice per tensor), and the values TensorFlow held when it saved them where its V1
reader refuses (complex, float16, uint16, partitioned variables)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from tests.conftest import run_cli

DTYPES = ["float32", "float64", "int32", "uint8", "int16", "int8", "int64", "bool", "complex64", "complex128",
          "float16", "uint16", "string"]  # fmt: skip


def _initial(dtype: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    if dtype == "string":
        return np.array([[b"a\0", b""], [b"xyz", b"\0\0"], [bytes(range(256)), b"\xff"]], dtype=object)
    if dtype == "bool":
        return rng.random((3, 5)) > 0.5
    if dtype.startswith("complex"):
        return (rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))).astype(dtype)
    if dtype.startswith("float"):
        values = rng.standard_normal((4, 3)).astype(dtype)
        values[0, :3] = [np.nan, np.inf, -0.0]
        return values
    info = np.iinfo(dtype)
    return np.array([[info.min, info.max, 0], [-1 if info.min else 1, 7, 3]], dtype=dtype)


@pytest.fixture(scope="module")
def v1(tf, tmp_path_factory):
    """One V1 checkpoint of every dtype plus a partitioned variable, and a sharded one;
    with what TensorFlow held for each variable when it saved them."""
    out = tmp_path_factory.mktemp("v1")
    (out / "sharded").mkdir()
    held = {}
    graph = tf.Graph()
    with graph.as_default():
        variables = [tf.compat.v1.Variable(_initial(d), name=f"v_{d}") for d in DTYPES]
        variables.append(tf.compat.v1.Variable(np.int64(-5), name="scope/scalar"))
        part = tf.compat.v1.get_variable("part", [10, 4], partitioner=tf.compat.v1.fixed_size_partitioner(3))
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            for v in variables:
                held[v.op.name] = sess.run(v)
            held["part"] = sess.run(tf.concat(list(part), axis=0))
            v1_format = tf.compat.v1.train.SaverDef.V1
            tf.compat.v1.train.Saver(write_version=v1_format).save(sess, str(out / "model.ckpt"))
            sharded = tf.compat.v1.train.Saver(write_version=v1_format, sharded=True)
            sharded.save(sess, str(out / "sharded" / "model.ckpt"), global_step=3)
    return out, held


def _same(mine: np.ndarray, theirs, key: str) -> None:
    theirs = np.asarray(theirs, dtype=object) if isinstance(theirs, bytes) else np.asarray(theirs)
    assert mine.shape == theirs.shape, key
    if theirs.dtype == object:
        assert [bytes(x) for x in mine.reshape(-1)] == list(theirs.reshape(-1)), key
        return
    assert mine.dtype == theirs.dtype, key
    assert np.ascontiguousarray(mine).tobytes() == np.ascontiguousarray(theirs).tobytes(), key


def test_listing_matches_tensorflow(tf, v1):
    out, _held = v1
    for path in (out / "model.ckpt", out / "sharded" / "model.ckpt-3-?????-of-00001"):
        listed = tf.train.list_variables(str(path))
        dtypes = tf.train.load_checkpoint(str(path)).get_variable_to_dtype_map()
        ckpt = Checkpoint.open(path)
        assert [(v.key, list(v.shape)) for v in ckpt.variables] == [(k, list(s)) for k, s in listed]
        assert [v.dtype.name for v in ckpt.variables] == [dtypes[k].name for k, _s in listed]


def test_values_match_tensorflow_bit_for_bit(tf, v1):
    out, held = v1
    reader = tf.train.load_checkpoint(str(out / "model.ckpt"))
    ckpt = Checkpoint.open(out / "model.ckpt")
    read_by_tf = 0
    for key in reader.get_variable_to_shape_map():
        try:
            theirs = reader.get_tensor(key)
        except tf.errors.UnimplementedError:  # complex, float16, uint16, partitioned: TF's V1 reader refuses
            theirs = held[key]
        else:
            read_by_tf += 1
            _same(np.asarray(held[key]) if key != "v_string" else held[key], theirs, f"{key} (TF vs what it saved)")
        _same(ckpt.read(key), theirs, key)
    assert read_by_tf >= 9


def test_folder_state_file_pattern_and_meta_open_it(v1):
    out, held = v1
    sharded = Checkpoint.open(out / "sharded")  # the state file names a pattern
    assert sharded.prefix.endswith("model.ckpt-3-?????-of-00001")
    assert sharded.ref.step == 3
    _same(sharded.read("part"), held["part"], "part")
    assert Checkpoint.open(out / "model.ckpt.meta").prefix == str(out / "model.ckpt")
    assert Checkpoint.open(out).prefix == str(out / "model.ckpt")


def test_cli_inspect_stats_and_export(v1, tmp_path):
    out, held = v1
    result = run_cli("inspect", str(out), "--json", "--stats")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "tf1"
    by_key = {v["key"]: v for v in report["variables"]}
    assert by_key["v_float32"]["stats"]["nan"] == 1
    assert by_key["part"]["partitioned"] is True
    # The same session saved both: every value the same, strings and partitioned ones too.
    same = run_cli("diff", str(out / "model.ckpt"), str(out / "sharded"), "--json")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["summary"]["same"] == len(report["variables"])
    result = run_cli("export", str(out), "v_int64", "-o", str(tmp_path / "x.npy"))
    assert result.returncode == 0, result.stderr
    _same(np.load(tmp_path / "x.npy"), held["v_int64"], "v_int64")


def test_damaged_v1_file_is_one_clear_error(v1, tmp_path):
    out, _held = v1
    data = bytearray((out / "model.ckpt").read_bytes())
    data[40] ^= 0xFF  # inside the first data block: its CRC32C no longer matches
    damaged = tmp_path / "model.ckpt"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="CRC32C") as raised:
        Checkpoint.open(damaged)
    assert str(damaged) in str(raised.value) and "\n" not in str(raised.value)
    result = run_cli("inspect", str(damaged))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_mutated_v1_files_give_only_checkpoint_errors(v1, tmp_path):
    """The index fuzzer's mutations (bit flips, splices, tables rebuilt with valid CRCs)
    applied to a V1 file: only the one-line CheckpointError may come out."""
    import importlib.util
    import random

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("fuzz_index", REPO / "tools" / "fuzz_index.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    out, _held = v1
    sources = [(out / "model.ckpt").read_bytes(), next((out / "sharded").glob("model.ckpt-3-*")).read_bytes()]
    rng = random.Random(10)
    target = tmp_path / "model.ckpt"
    outcomes = {"ok": 0, "error": 0}
    for _ in range(400):
        target.write_bytes(fuzz.mutant(rng, rng.choice(sources), rng.choice(sources)))
        try:
            fuzz.exercise(str(target))
            outcomes["ok"] += 1
        except CheckpointError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]  # both kinds of mutants were made


def _field(number: int, payload: bytes) -> bytes:
    from ckpt_gui.core.format.wire import encode_varint

    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def _rewrite_part(source, target, shape=None, drop_last_slice=False, raw_shape: bytes | None = None) -> None:
    """Rewrite a V1 file (CRCs valid): ``part``'s full shape set to ``shape``, or its last
    slice left out (from the table of contents and the data)."""
    import importlib.util

    from ckpt_gui.core.format.slices import decode_slice_key, parse_tensor_slice
    from ckpt_gui.core.format.table import SSTable
    from ckpt_gui.core.format.wire import encode_varint, iter_fields
    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("fuzz_index", REPO / "tools" / "fuzz_index.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    items = SSTable(source.read_bytes(), "x").items()
    (_f, _w, meta), *_rest = iter_fields(items[0][1])  # SavedTensorSlices.meta
    tensors = b""
    dropped = None
    for field, _wt, value in iter_fields(meta):
        if field == 1 and b"part" in value[:8]:
            fields = list(iter_fields(value))
            if drop_last_slice:
                last = max(i for i, (f2, _w2, _v2) in enumerate(fields) if f2 == 4)
                dropped = parse_tensor_slice(fields.pop(last)[2])
            rebuilt = b""
            for f2, wt2, v2 in fields:
                if f2 == 2 and shape is not None:
                    v2 = b"".join(_field(2, b"\x08" + encode_varint(n)) for n in shape)
                if f2 == 2 and raw_shape is not None:
                    v2 = raw_shape
                rebuilt += _field(f2, v2) if wt2 == 2 else encode_varint(f2 << 3) + encode_varint(v2)
            value = rebuilt
        tensors += _field(field, value)
    items[0] = (b"", _field(1, tensors))
    if drop_last_slice:
        items = [(k, v) for k, v in items if not k or decode_slice_key(k) != ("part", dropped)]
    target.write_bytes(fuzz.build_table([(items[-1][0], fuzz.build_block(items))]))


def test_a_partitioned_v1_tensor_larger_than_its_slices_is_refused_on_opening(v1, tmp_path):
    """``part`` given the full shape [2^62, 4]: inspect exits 2 naming the tensor, as
    for a V2 index."""
    out, _held = v1
    damaged = tmp_path / "model.ckpt"
    _rewrite_part(out / "model.ckpt", damaged, shape=(2**62, 4))
    with pytest.raises(CheckpointError, match="'part' has shape") as raised:
        Checkpoint.open(damaged)
    assert "\n" not in str(raised.value)
    result = run_cli("inspect", str(damaged))
    assert result.returncode == 2 and "'part'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("raw_shape", "why"),
    [(b"\x18\x01", "unknown rank"), (b"\x12\x0b\x08" + b"\xff" * 9 + b"\x01", "dimension size -1")],
)
def test_an_impossible_v1_shape_is_one_clear_error(v1, tmp_path, raw_shape, why):
    out, _held = v1
    damaged = tmp_path / "model.ckpt"
    _rewrite_part(out / "model.ckpt", damaged, raw_shape=raw_shape)
    with pytest.raises(CheckpointError, match=why) as raised:
        Checkpoint.open(damaged)
    assert str(damaged) in str(raised.value) and "\n" not in str(raised.value)


def test_one_file_of_a_sharded_set_lists_a_partly_stored_tensor(v1, tmp_path):
    """One file of a sharded V1 save may hold only some slices of a partitioned variable:
    opened alone (TF allows it), it is listed, and reading that tensor says what is
    missing; a whole checkpoint with the same hole is refused on opening."""
    out, held = v1
    one_of_two = tmp_path / "model.ckpt-00000-of-00002"
    _rewrite_part(out / "model.ckpt", one_of_two, drop_last_slice=True)
    ckpt = Checkpoint.open(one_of_two)
    assert ckpt.variable("part").shape == (10, 4)
    assert ckpt.read("v_int8").tobytes() == held["v_int8"].tobytes()
    with pytest.raises(CheckpointError, match="cover"):
        ckpt.read("part")
    whole = tmp_path / "model.ckpt"
    whole.write_bytes(one_of_two.read_bytes())
    with pytest.raises(CheckpointError, match="'part' has shape"):
        Checkpoint.open(whole)


def test_glob_characters_in_names_are_literal(v1, tmp_path):
    """TF's V1 reader takes a pattern; a folder or file whose name holds [ ] * ? is still
    itself (only a sharded set's ``-?????-of-`` name is a pattern)."""
    import shutil

    out, held = v1
    folder = tmp_path / "run[1]*"
    shutil.copytree(out / "sharded", folder)
    shutil.copy(out / "model.ckpt", folder / "m[1].ckpt")
    assert Checkpoint.open(folder / "m[1].ckpt").read("v_int16").tobytes() == held["v_int16"].tobytes()
    sharded = Checkpoint.open(folder / "model.ckpt-3-?????-of-00001")
    assert sharded.read("v_float64").tobytes() == held["v_float64"].tobytes()
