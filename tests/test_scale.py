"""Scale: the object graph's bulk decoder, the streamed JSON listing, the benchmark's
bundle writer and the lazily built key view give what their slower or eager
counterparts give (no timings here: the figures are in benchmarks/scale_bench.py).

The bulk decoder is checked against the exact one on every object graph at hand:
the test checkpoints (written by TensorFlow in this session), the bundled demo, the
real-world corpus when present, and mutants of them.
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pytest

from ckpt_gui.cli.documents import inspect_report, versioned, write_inspect_json
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.errors import CheckpointError, WireFormatError
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.format.object_graph_wire import GraphColumns, decode_exactly, decode_in_bulk
from ckpt_gui.core.format.strings import decode_strings
from ckpt_gui.core.views.tree import CheckpointTrees, key_tree, variable_filter
from tests.conftest import REPO

DEMO = REPO / "ckpt_gui" / "resources" / "demo"
CORPUS = REPO.parent / "shared" / "realworld" / "corpus"
TF2_SCENARIOS = ("keras_seq", "subclassed", "keras_list", "bare", "legacy_slots", "dtypes", "sharded", "savedmodel")


def _graph_blob(prefix_or_folder) -> bytes | None:
    try:
        ckpt = Checkpoint.open(prefix_or_folder)
        entry = ckpt.index.entries.get(OBJECT_GRAPH_KEY)
        if entry is None:
            return None
        return decode_strings(entry, ckpt.shards.read(entry), "")[0]
    except (CheckpointError, IndexError):
        return None


def _normal(columns: GraphColumns) -> tuple:
    return [list(c) for c in columns.children], columns.attributes, columns.slot_variables


def _blobs(checkpoints: Path) -> dict[str, bytes]:
    blobs = {name: _graph_blob(checkpoints / name) for name in TF2_SCENARIOS}
    blobs["demo"] = _graph_blob(DEMO)
    if CORPUS.is_dir():
        for index in sorted(CORPUS.rglob("*.index")):
            blobs[str(index.relative_to(CORPUS))] = _graph_blob(str(index)[: -len(".index")])
    return {name: blob for name, blob in blobs.items() if blob}


def test_bulk_decoder_gives_what_the_exact_one_gives(checkpoints):
    blobs = _blobs(checkpoints)
    assert len(blobs) >= len(TF2_SCENARIOS) + 1
    bulk = 0
    for name, blob in blobs.items():
        exact = decode_exactly(blob)
        fast = decode_in_bulk(blob)
        if fast is not None:  # every graph TensorFlow wrote here should take the bulk path
            bulk += 1
            assert _normal(fast) == _normal(exact), name
    assert bulk == len(blobs)


@pytest.mark.parametrize("piece", [64, 1000])
def test_bulk_decoder_in_small_pieces_gives_what_the_exact_one_gives(checkpoints, monkeypatch, piece):
    """The graph is decoded a piece at a time (no single C call over a whole large
    graph): nodes cut by a piece's end, nodes larger than a piece and the exact path
    between pieces give what decoding whole gives; progress goes up to the graph's size."""
    from ckpt_gui.core.format import object_graph_bulk

    monkeypatch.setattr(object_graph_bulk, "_PIECE", piece)
    monkeypatch.setattr(object_graph_bulk, "_FIRST_PIECE", piece // 4)
    for name, blob in _blobs(checkpoints).items():
        done = []
        fast = decode_in_bulk(blob, lambda position, total, done=done: done.append((position, total)))
        assert fast is not None, name
        assert _normal(fast) == _normal(decode_exactly(blob)), name
        assert done[-1] == (len(blob), len(blob)) and done == sorted(done), name
        assert len(done) >= len(blob) // (piece * 8), name  # pieces, not one call


def test_paths_match_tensorflows_graph_on_a_large_nested_model(tf, tmp_path):
    """200 blocks of 10 variables in lists and attributes: every key's first path,
    followed edge by edge in TensorFlow's own parse of the graph, reaches its node."""

    class Block(tf.Module):
        def __init__(self):
            super().__init__()
            self.kernel = tf.Variable(tf.zeros([2, 2]))
            self.extra = [tf.Variable(tf.zeros([1])) for _ in range(9)]

    model = tf.Module()
    model.blocks = [Block() for _ in range(200)]
    prefix = tf.train.Checkpoint(model=model).write(str(tmp_path / "ckpt"))
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    proto = trackable_object_graph_pb2.TrackableObjectGraph()
    proto.ParseFromString(tf.train.load_checkpoint(prefix).get_tensor(OBJECT_GRAPH_KEY))
    ckpt = Checkpoint.open(prefix)
    assert decode_in_bulk(_graph_blob(prefix)) is not None
    variables = [v for v in ckpt.variables if not v.is_object_graph]
    assert len(variables) == 2000 == len(tf.train.list_variables(prefix)) - 1
    for variable in variables:
        node = 0
        for name in variable.object_paths[0].split("/"):
            node = next(c.node_id for c in proto.nodes[node].children if c.local_name == name)
        assert proto.nodes[node].attributes[0].checkpoint_key == variable.key


def test_mutated_graphs_give_the_same_answer_or_a_clear_error(checkpoints):
    """Bit flips and cut bytes: the bulk decoder either declines or agrees with the
    exact one; parsing raises WireFormatError or nothing."""
    rng = random.Random(10)
    blobs = list(_blobs(checkpoints).values())
    for _ in range(1500):
        blob = bytearray(rng.choice(blobs))
        for _ in range(rng.choice((1, 2, 4))):
            position = rng.randrange(len(blob))
            if rng.random() < 0.7:
                blob[position] ^= 1 << rng.randrange(8)
            else:
                del blob[position : position + rng.randrange(1, 4)]
        blob = bytes(blob)
        try:
            exact = decode_exactly(blob)
        except (WireFormatError, IndexError):
            exact = None
        fast = decode_in_bulk(blob)
        if fast is not None:
            assert exact is not None and _normal(fast) == _normal(exact)
        with contextlib.suppress(WireFormatError):  # the one error a bad graph may raise
            ObjectGraph.parse(blob)


@pytest.mark.parametrize("scenario", ["keras_seq", "tf1", "dtypes", "sharded", "many"])
def test_streamed_json_is_json_dumps_of_the_report(checkpoints, scenario):
    ckpt = Checkpoint.open(checkpoints / scenario)
    pieces: list[str] = []
    write_inspect_json(ckpt, None, pieces.append)
    expected = json.dumps(versioned(inspect_report(ckpt)), separators=(",", ":"), allow_nan=False)
    assert "".join(pieces) == expected
    if scenario == "tf1":
        assert '"partitioned":true' in expected
    if scenario == "keras_seq":  # Adam's slots, each with its name by its variable (review 21 #8)
        assert '/_kernel/velocity"' in expected and '"name":"model/_functional/_operations/' in expected


def test_bundle_writer_matches_tensorflow(tf, tmp_path):
    """tools/bundle_writer.py writes the benchmark's million-entry index: TensorFlow
    reads what it writes (keys, dtypes, shapes, values), and so do we."""
    import numpy as np

    from tools.bundle_writer import write_bundle

    rng = np.random.RandomState(0)
    tensors = {}
    for i in range(3000):  # one block of many restart runs, every shape kind
        dtype = ("float32", "int64", "float16", "bool")[i % 4]
        shape = (i % 5 + 1, 3) if i % 3 else (i % 7,)
        value = (rng.standard_normal(shape) * 10).astype(dtype)
        tensors[f"layer_{i // 100:02d}/expert_{i % 100:03d}/w"] = value
    prefix = str(tmp_path / "ckpt")
    write_bundle(prefix, ((k, str(v.dtype), v.shape, v.tobytes()) for k, v in tensors.items()))
    reader = tf.train.load_checkpoint(prefix)
    assert reader.get_variable_to_shape_map() == {k: list(v.shape) for k, v in tensors.items()}
    for key, value in tensors.items():
        np.testing.assert_array_equal(reader.get_tensor(key), value)
    ckpt = Checkpoint.open(prefix)
    assert [v.key for v in ckpt.variables] == sorted(tensors)
    key = "layer_07/expert_042/w"
    np.testing.assert_array_equal(ckpt.read(key), tensors[key])


def test_key_view_is_built_on_first_use_with_the_report(checkpoints):
    from types import SimpleNamespace

    from ckpt_gui.core.statuses import RestoreStatus

    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    trees = CheckpointTrees(ckpt)
    assert "keys" not in trees and "objects" in trees
    objects = trees["objects"]
    key = next(iter(objects.by_key))
    finding = SimpleNamespace(status=RestoreStatus.UNMATCHED, checkpoint_key=key, model_path=None, model_dtype=None)
    objects.apply_report([finding])
    keys = trees.get("keys")
    assert set(keys.by_key) == set(key_tree(ckpt.variables).by_key) == set(objects.by_key)
    assert keys.by_key[key].status == RestoreStatus.UNMATCHED
    assert CheckpointTrees(Checkpoint.open(checkpoints / "tf1")).get("objects") is not None
    # Search texts are made by the first filter: it finds what it found before.
    eager = key_tree(ckpt.variables)
    assert keys.apply_filter(variable_filter("optimizer")) == eager.apply_filter(variable_filter("optimizer")) > 0
    assert {n.variable.key for n in keys.by_key.values() if n.parent.shown and n in n.parent.shown} == {
        n.variable.key for n in eager.by_key.values() if n.parent.shown and n in n.parent.shown
    }


def test_a_large_comparison_opens_only_as_deep_as_a_screenful(qtbot, tmp_path):
    """A Keras model's chain of single groups opens on its own; a level of 2,500 blocks
    stays closed (expanding 20,000 blocks cost minutes on the GUI thread)."""
    from ckpt_gui.app.widgets.compare_trees import OPEN_ROWS, CompareTrees
    from ckpt_gui.core.analysis.variable_pairing import pair_variables
    from ckpt_gui.core.views.pair_tree import PairTree
    from tools.bundle_writer import write_bundle

    def shown_tree(entries) -> CompareTrees:
        for side in "ab":
            write_bundle(str(tmp_path / side), ((key, "float32", (2,), bytes(8)) for key in entries))
        trees = CompareTrees()
        qtbot.addWidget(trees)
        diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
        trees.show_tree(PairTree(diff), "a", "b")
        trees.expand_default()
        return trees

    def expanded(trees: CompareTrees, path: str) -> bool:
        node = trees.model.tree.root
        for name in path.split("/"):
            node = next(child for child in node.shown if child.name == name)
        return trees.view_a.isExpanded(trees.model.index_of(node))

    small = shown_tree(["model/dense/kernel", "model/dense/bias"])
    assert expanded(small, "model") and expanded(small, "model/dense")
    crowd = shown_tree([f"model/blocks/{i}/w" for i in range(OPEN_ROWS + 500)])
    assert expanded(crowd, "model") and not expanded(crowd, "model/blocks")  # not 2,500 blocks laid out


class _Stop(Exception):
    pass


def test_reading_a_large_index_reports_progress_and_can_be_cancelled(tmp_path):
    """The app's progress while a large index is read (core: bytes of the index decoded,
    after each block); the callback raising stops the reading."""
    from tools.bundle_writer import write_bundle

    prefix = str(tmp_path / "ckpt")
    write_bundle(prefix, ((f"layer_{i:05d}/w", "float32", (2,), bytes(8)) for i in range(60_000)))
    calls: list[tuple[int, int]] = []
    ckpt = Checkpoint.open(prefix, progress=lambda done, total: calls.append((done, total)))
    assert [v.key for v in ckpt.variables] == [v.key for v in Checkpoint.open(prefix).variables]
    total = calls[0][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total) and len(calls) > 5  # after each 256 KB block
    assert all(t == total for _d, t in calls) and [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert 0.5 * Path(prefix + ".index").stat().st_size < total < Path(prefix + ".index").stat().st_size

    def stop_halfway(done: int, total: int) -> None:
        if done > total // 2:
            raise _Stop

    with pytest.raises(_Stop):  # not turned into a CheckpointError
        Checkpoint.open(prefix, progress=stop_halfway)


@pytest.mark.parametrize(
    "keys",
    [
        ["a/b", "c"],  # nothing to escape: used as they are
        ['a"b', "c\\d", "e\nf", "g\u00e9", "h\udc80", "i\x7f"],  # json.dumps escapes each of these
    ],
)
def test_variables_text_is_json_dumps_for_any_key(keys):
    """The variables' JSON text, made column by column with keys and paths used as
    they are when nothing needs escaping, is json.dumps's text for every kind of key,
    path list and ending (no paths, one, several; partitioned or not)."""
    from ckpt_gui.cli.documents import _variables_text, variable_json
    from ckpt_gui.core.checkpoint import Variable
    from ckpt_gui.core.format.dtypes import dtype_from_enum
    from ckpt_gui.core.variable_columns import VariableColumns

    n = len(keys)
    # An optimizer slot's "name" (review 21 #8): none, one key's, every key's (escaped as keys are).
    for names in ({}, {keys[0]: keys[-1] + "/momentum"}, {k: k + "/m" for k in keys}):
        for paths in ([()] * n, [(k + "/p",) for k in keys], [(k, "x") if i % 2 else () for i, k in enumerate(keys)]):
            for partitioned in ([False] * n, [i == 1 for i in range(n)]):
                columns = VariableColumns(
                    keys, [dtype_from_enum(1 + i % 9) for i in range(n)], [(i, 2)[: i % 3] for i in range(n)],
                    list(range(n)), [10**i for i in range(n)], paths, partitioned,
                )  # fmt: skip
                rows = [Variable(*row) for row in zip(*columns)]
                expected = json.dumps([variable_json(v, name=names.get(v.key)) for v in rows], separators=(",", ":"))
                assert "[" + _variables_text(columns, names) + "]" == expected
