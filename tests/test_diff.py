"""Comparing checkpoints: pairing, statuses and metrics against numpy on TensorFlow's values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import find_renames, pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_statuses import pair_filter
from ckpt_gui.core.views.pair_tree import PairTree
from tests.conftest import run_cli


def expected_metrics(a: np.ndarray, b: np.ndarray) -> dict:
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    finite = np.isfinite(a) & np.isfinite(b)
    d = b[finite] - a[finite]
    return {
        "differing": int((~((a == b) | (np.isnan(a) & np.isnan(b)))).sum()),
        "max_abs_diff": float(np.abs(d).max()) if d.size else None,
        "mean_abs_diff": float(np.abs(d).mean()) if d.size else None,
        "rel_l2": float(np.linalg.norm(d) / np.linalg.norm(a[finite])) if np.linalg.norm(a[finite]) else None,
        "cosine": float(a[finite] @ b[finite] / (np.linalg.norm(a[finite]) * np.linalg.norm(b[finite])))
        if np.linalg.norm(a[finite]) and np.linalg.norm(b[finite])
        else None,
    }


def test_consecutive_manager_saves(checkpoints, tf):
    folder = checkpoints / "keras_seq"
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-2"), Checkpoint.open(folder / "ckpt-4")))
    by_key = {p.key: p for p in diff.pairs}
    assert by_key["optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE"].status == "same"
    kernel = by_key["optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"]
    momentum = by_key["optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"]
    assert kernel.status == "changed" and momentum.status == "changed"
    reader_a = tf.train.load_checkpoint(str(folder / "ckpt-2"))
    reader_b = tf.train.load_checkpoint(str(folder / "ckpt-4"))
    for pair in (kernel, momentum):
        want = expected_metrics(reader_a.get_tensor(pair.key), reader_b.get_tensor(pair.key))
        got = pair.values
        assert got.differing == want["differing"]
        for name in ("max_abs_diff", "mean_abs_diff", "rel_l2", "cosine"):
            assert getattr(got, name) == pytest.approx(want[name], rel=1e-9), name
    assert diff.summary()["same"] == 1 and not diff.identical


def test_widened_and_added_layer_pair_by_object_path(checkpoints):
    diff = compare_all(
        pair_variables(Checkpoint.open(checkpoints / "keras_seq"), Checkpoint.open(checkpoints / "keras_wide"))
    )
    by_path = {p.path: p for p in diff.pairs}
    kernel = by_path["model/_functional/_operations/1/_kernel"]
    assert kernel.status == "shape_changed" and kernel.paired_by == "path"
    assert kernel.key == "optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"
    assert kernel.key_b == "model/_functional/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
    assert (kernel.a.shape, kernel.b.shape) == ((12, 16), (12, 32))
    assert by_path["model/_functional/_operations/3/_kernel"].status == "only_b"
    assert by_path["optimizer/_momentums/0"].status == "only_a"
    summary = diff.summary()
    assert summary["shape_changed"] == 3 and summary["only_b"] == 2 and summary["changed"] == 1


def test_checkpoint_against_itself_with_nan_is_all_same(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    diff = compare_all(pair_variables(ckpt, Checkpoint.open(checkpoints / "dtypes")))
    assert diff.identical, [p.key for p in diff.pairs if p.status != "same"]
    nan_pair = next(p for p in diff.pairs if p.key == "values/float32/.ATTRIBUTES/VARIABLE_VALUE")
    assert nan_pair.values.differing == 0 and nan_pair.values.nan_appeared == 0


def test_bfloat16_pair(checkpoints, tf):
    a, b = checkpoints / "bf16_pair" / "a" / "ckpt", checkpoints / "bf16_pair" / "b" / "ckpt"
    diff = compare_all(pair_variables(Checkpoint.open(a), Checkpoint.open(b)))
    by_key = {p.key: p for p in diff.pairs}
    assert by_key["model/same/.ATTRIBUTES/VARIABLE_VALUE"].status == "same"
    weights = by_key["model/weights/.ATTRIBUTES/VARIABLE_VALUE"]
    key = weights.key
    want = expected_metrics(
        tf.train.load_checkpoint(str(a)).get_tensor(key).astype(np.float32),
        tf.train.load_checkpoint(str(b)).get_tensor(key).astype(np.float32),
    )
    assert weights.status == "changed" and weights.values.differing == want["differing"]
    assert weights.values.rel_l2 == pytest.approx(want["rel_l2"], rel=1e-6)
    flaky = by_key["model/flaky/.ATTRIBUTES/VARIABLE_VALUE"]
    want = expected_metrics(
        tf.train.load_checkpoint(str(a)).get_tensor(flaky.key).astype(np.float32),
        tf.train.load_checkpoint(str(b)).get_tensor(flaky.key).astype(np.float32),
    )
    assert flaky.status == "changed" and flaky.values.nan_appeared == 2
    assert flaky.values.differing == want["differing"] > 2  # its NaN and the values scaled in B
    assert flaky.values.rel_l2 == pytest.approx(want["rel_l2"], rel=1e-6)


def test_chunked_comparison_equals_whole(checkpoints):
    from ckpt_gui.core.analysis.diff_values import compare_chunks
    from ckpt_gui.core.analysis.value_comparison import aligned_chunks

    diff = compare_all(
        pair_variables(
            Checkpoint.open(checkpoints / "keras_seq" / "ckpt-2"), Checkpoint.open(checkpoints / "keras_seq")
        )
    )
    pair = next(p for p in diff.pairs if p.key == "optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE")
    pieces = list(aligned_chunks(diff, pair, bytes_a=100, bytes_b=148))  # boundaries that do not line up
    assert len(pieces) > 4 and sum(a.size for a, _b in pieces) == 12 * 16
    assert all(a.size == b.size for a, b in pieces)
    split = compare_chunks(iter(pieces), parallel=False)
    assert split.differing == pair.values.differing
    assert split.rel_l2 == pytest.approx(pair.values.rel_l2, rel=1e-12)
    assert split.max_abs_diff == pair.values.max_abs_diff


def test_renames_are_proposed(checkpoints, tmp_path, tf):
    # Save the same variable under a new name: it should be proposed as moved. Equal
    # scalars (a step and a counter) and constant tensors (two layers' gammas still at
    # ones) under new names are coincidences, not moves.
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    tf.train.Checkpoint(
        old_name=tf.Variable(value), global_step=tf.Variable(7, dtype=tf.int64), gamma=tf.Variable(tf.ones(16)),
        x=tf.Variable([1.0, 2.0, 3.0], dtype=tf.float32),
    ).write(str(tmp_path / "a" / "ckpt"))  # fmt: skip
    tf.train.Checkpoint(
        new_name=tf.Variable(value), iterations=tf.Variable(7, dtype=tf.int64), gamma_1=tf.Variable(tf.ones(16)),
        x=tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64),
    ).write(str(tmp_path / "b" / "ckpt"))  # fmt: skip
    diff = compare_all(pair_variables(Checkpoint.open(tmp_path / "a"), Checkpoint.open(tmp_path / "b")))
    renames = find_renames(diff)
    assert [(r.key_a, r.key_b) for r in renames] == [
        ("old_name/.ATTRIBUTES/VARIABLE_VALUE", "new_name/.ATTRIBUTES/VARIABLE_VALUE")
    ]
    # The text output: readable paths, a line of its own, and the dtypes that changed.
    table = run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert table.returncode == 1, table.stderr
    assert table.stdout.endswith("  moved? old_name -> new_name (same values)\n")
    assert "DTYPE A" in table.stdout and "DTYPE B" in table.stdout
    row = next(line for line in table.stdout.splitlines() if line.startswith("dtype_changed"))
    assert row.split()[1:5] == ["x", "[3]", "[3]", "float32"] and "float64" in row


def test_diff_cli_contract_and_exit_codes(checkpoints):
    folder = checkpoints / "keras_seq"
    result = run_cli("diff", str(folder / "ckpt-2"), str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["a"].endswith("ckpt-2") and report["b"].endswith("ckpt-4")
    assert report["summary"]["changed"] == 14 and report["summary"]["same"] == 1
    row = next(v for v in report["variables"] if v["status"] == "changed")
    assert set(row) >= {"key", "key_b", "status", "shape_a", "shape_b", "dtype_a", "dtype_b",
                        "max_abs_diff", "mean_abs_diff", "rel_l2", "cosine"}  # fmt: skip
    same = run_cli("diff", str(folder / "ckpt-4"), str(folder), "--json")
    assert same.returncode == 0 and json.loads(same.stdout)["summary"]["same"] == 15
    wide = json.loads(run_cli("diff", str(folder), str(checkpoints / "keras_wide"), "--json").stdout)
    kernel = next(
        v for v in wide["variables"] if v["key"] == "optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"
    )
    assert kernel["status"] == "shape_changed" and kernel["key_b"].startswith("model/_functional")
    assert run_cli("diff", str(folder), str(checkpoints / "nothing")).returncode == 2
    table = run_cli("diff", str(folder / "ckpt-2"), str(folder / "ckpt-4"))
    assert "REL L2" in table.stdout and table.returncode == 1
    assert "\n  1 same, 14 changed\n" in table.stdout  # words, not the JSON's status values


def test_pair_tree_puts_optimizer_slots_under_their_variable(checkpoints):
    """Keras 3 keeps Adam's state in numbered lists (optimizer/_momentums/0); the tree
    shows each under the variable it belongs to, as the single-checkpoint tree does."""
    folder = checkpoints / "keras_seq"
    diff = pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4"))
    tree = PairTree(diff)
    assert sorted(leaf.pair.key for leaf in tree.leaves) == sorted(pair.key for pair in diff.pairs)
    kernel = next(leaf for leaf in tree.leaves if leaf.tree_path == "model/_functional/_operations/1/_kernel")
    slots = {child.name: child.pair.path for child in kernel.children}
    assert slots == {"momentum": "optimizer/_momentums/0", "velocity": "optimizer/_velocities/0"}
    accept = pair_filter("operations/1/_kernel/velocity")
    assert [leaf.pair.path for leaf in tree.leaves if accept(leaf.pair, leaf.tree_path)] == ["optimizer/_velocities/0"]


def test_a_pair_leaf_is_made_where_every_tree_leaf_is_made(checkpoints):
    """The comparison's leaves were made by a copy of lazy_node.leaf's slot setting,
    which missed the ``rank`` added later (a crash inside Qt's header): now they are
    made by lazy_node.leaf itself, so a pair's row holds every slot, TreeNode's with the
    very values a browse leaf of the variable it shows is made with."""
    from ckpt_gui.core.views.lazy_node import TreeNode, leaf
    from ckpt_gui.core.views.pair_tree import PairNode, _leaves

    folder = checkpoints / "keras_seq"
    diff = pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4"))
    made, _hints = _leaves(diff)  # as made, before the tree places them under its root
    tree_slots = [name for name in TreeNode.__slots__ if name != "__weakref__"]
    assert len(made) == len(diff.pairs) and any(node.kind == "slot" for node in made)
    for node in made:
        assert type(node) is PairNode
        assert all(hasattr(node, name) for name in (*tree_slots, *PairNode.__slots__))
        browse = leaf(node.names, node.variable, node.kind)
        values = {name: getattr(browse, name) for name in tree_slots}
        assert {name: getattr(node, name) for name in tree_slots} == values, node.tree_path
        assert node.pair is not None and node.tree_path == "/".join(node.names) and node.order == -1
    group = PairNode("group")  # what __init__ leaves
    assert all(hasattr(group, name) for name in (*tree_slots, *PairNode.__slots__))
    assert (group.pair, group.tree_path, group.span) == (None, "", None)


def test_pair_view_of_a_small_vector_uses_few_bins(checkpoints, tf):
    from ckpt_gui.core.views.pair_view import pair_view

    folder = checkpoints / "keras_seq"
    diff = pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4"))
    bias = next(p for p in diff.pairs if p.a is not None and p.a.shape == (16,) and "bias" in p.path)
    view = pair_view(diff, bias, bins=100)
    assert len(view.hist_a.counts) == len(view.hist_b.counts) == 10  # not 100 bins for 16 values
    a = tf.train.load_checkpoint(str(folder / "ckpt-3")).get_tensor(bias.key)
    assert view.hist_a.counts.sum() == a.size


def _load_fuzz_tools():
    import importlib.util

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("fuzz_index", REPO / "tools" / "fuzz_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _graph_past_the_end(prefix) -> None:
    """Point the object graph's entry past the end of its shard; the index's CRCs stay valid."""
    from ckpt_gui.core.format.bundle_entry import decode_entry_fields
    from ckpt_gui.core.format.table import SSTable
    from ckpt_gui.core.format.wire import encode_varint

    fuzz = _load_fuzz_tools()
    index = prefix.with_name(prefix.name + ".index")
    items = SSTable(index.read_bytes(), "x").items()
    key = b"_CHECKPOINTABLE_OBJECT_GRAPH"
    old = decode_entry_fields(key.decode(), dict(items)[key])
    value = b"\x08\x07\x12\x00\x20" + encode_varint(1 << 30) + b"\x28" + encode_varint(old.size)
    value += b"\x35" + old.crc32c.to_bytes(4, "little")
    edited = [(k, value if k == key else v) for k, v in items]
    index.write_bytes(fuzz.build_table([(edited[-1][0], fuzz.build_block(edited))]))


@pytest.mark.parametrize("damage", ["variable bytes", "object graph bytes", "object graph past the end"])
@pytest.mark.parametrize("damaged_side", ["a", "b"])
def test_diff_of_a_damaged_copy_is_never_identical(checkpoints, tmp_path, damage, damaged_side):
    good = checkpoints / "keras_seq" / "ckpt-4"
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in (checkpoints / "keras_seq").glob("ckpt-4.*"):
        (copy / path.name).write_bytes(path.read_bytes())
    damaged = copy / "ckpt-4"
    ckpt = Checkpoint.open(damaged)
    if damage == "variable bytes":
        entry = next(e for e in ckpt.index.entries.values() if e.dtype.is_numeric and e.size > 16)
    else:
        entry = ckpt.entry("_CHECKPOINTABLE_OBJECT_GRAPH")
    if damage == "object graph past the end":
        _graph_past_the_end(damaged)
    else:
        _flip(copy / "ckpt-4.data-00000-of-00001", entry.offset + entry.size // 2)
    a, b = (damaged, good) if damaged_side == "a" else (good, damaged)
    result = run_cli("diff", str(a), str(b), "--json")
    if damage == "variable bytes":  # its pair listed unreadable, the others compared (review 14)
        assert result.returncode == 1, result.stderr
        (row,) = [row for row in json.loads(result.stdout)["variables"] if row["status"] != "same"]
        assert row["key"] == entry.key and row["status"] == "unreadable"
        assert row["error"].startswith(f"{damaged_side.upper()}: {copy}") and "CRC32C" in row["error"]
        return
    # The object graph that cannot be read: paired by key and compared, never "identical"
    # (it had stopped the comparison, exit 2, nothing listed: review 15 M2).
    assert result.returncode == 1, f"exit {result.returncode}: {result.stderr[-300:]}"
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    error = document["pairing_fallback"]["errors"][damaged_side.upper()]
    assert error.startswith(str(copy)) and "_CHECKPOINTABLE_OBJECT_GRAPH" in error
    assert {row["status"] for row in document["variables"]} == {"same"}  # the values are those of good
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ckpt-gui: warning: ") and "pairs matched by key" in lines[0]
    assert run_cli("diff", str(good), str(good)).returncode == 0  # the undamaged pair stays identical


def test_pair_tree_counts_each_groups_statuses_as_pairs_get_compared(checkpoints):
    """The group rows' counts are kept up to date as the comparison goes (not recounted
    on every repaint): statuses known from the index at once, compared ones in order,
    and at the end exactly what a count of every pair below each group gives."""
    from collections import Counter

    from ckpt_gui.core.analysis.value_comparison import compare_pair

    diff = pair_variables(Checkpoint.open(checkpoints / "keras_seq"), Checkpoint.open(checkpoints / "keras_wide"))
    tree = PairTree(diff)
    groups = [node for node in tree.root.walk() if node.pair is None]

    def truth(node) -> Counter:
        return Counter(p.status for p in node.pairs() if p.status is not None)

    early = truth(tree.root)
    assert early and tree.statuses_below(tree.root) == early  # shape changed, only in B: from the start
    half = len(diff.pairs) // 2
    for pair in diff.pairs[:half]:
        compare_pair(diff, pair)
    tree.count_compared()
    for node in groups:
        assert tree.statuses_below(node) == truth(node)
    compare_all(diff)
    tree.count_compared()
    for node in groups:
        assert tree.statuses_below(node) == truth(node) and sum(truth(node).values()) == len(list(node.pairs()))
    assert tree.has_side(tree.root, "a") and tree.has_side(tree.root, "b")


def test_pair_tree_levels_made_on_demand_equal_the_whole_tree(checkpoints, tf):
    """The comparison's tree makes a group's level when first asked for; walked whole,
    it is the tree of every pair's path: each of TensorFlow's keys once, every group
    the prefixes of those paths give, children in natural order with optimizer slots
    last, and each group's counts and sides those of the pairs whose paths it prefixes."""
    from collections import Counter

    from ckpt_gui.core.views.lazy_node import SLOT, natural_key

    a, b = checkpoints / "keras_seq" / "ckpt-3", checkpoints / "keras_wide"
    diff = pair_variables(Checkpoint.open(a), Checkpoint.open(b))
    compare_all(diff)
    tree = PairTree(diff)
    assert list(tree.root.built_nodes()) == [tree.root]  # nothing below the root made yet
    assert sum(tree.statuses_below(tree.root).values()) == len(diff.pairs)  # counted without making levels
    assert list(tree.root.built_nodes()) == [tree.root]
    graph = "_CHECKPOINTABLE_OBJECT_GRAPH"
    keys_a = {k for k, _ in tf.train.list_variables(str(a)) if k != graph}
    keys_b = {k for k, _ in tf.train.list_variables(diff.b.prefix)} - {graph}
    assert sorted(p.a.key for p in diff.pairs if p.a is not None) == sorted(keys_a)
    assert sorted(p.b.key for p in diff.pairs if p.b is not None) == sorted(keys_b)

    leaf_paths = Counter((leaf.tree_path, leaf.pair.key) for leaf in tree.leaves)
    groups = {leaf.tree_path.rsplit("/", depth)[0] for leaf in tree.leaves for depth in range(1, leaf.depth)}
    seen_leaves, seen_groups = Counter(), set()
    for node in tree.root.walk():  # makes every level
        names = [(child.kind == SLOT, natural_key(child.name)) for child in node.children]
        assert names == sorted(names), node.path
        if node.pair is not None:
            seen_leaves[(node.path, node.pair.key)] += 1
            assert node.path == node.tree_path
            continue
        if node is tree.root:
            continue
        seen_groups.add(node.path)
        below = [leaf.pair for leaf in tree.leaves if leaf.tree_path.startswith(node.path + "/")]
        assert tree.statuses_below(node) == Counter(pair.status for pair in below), node.path
        assert tree.has_side(node, "a") == any(pair.a is not None for pair in below)
        assert tree.has_side(node, "b") == any(pair.b is not None for pair in below)
        assert sorted(map(id, tree.pairs_below(node))) == sorted(id(leaf) for leaf in tree.leaves if leaf.pair in below)
    assert seen_leaves == leaf_paths
    assert seen_groups == groups - set(p for p, _ in leaf_paths)  # a variable holding slots is its pair's row
    slots = [leaf for leaf in tree.leaves if leaf.kind == SLOT]
    assert slots and all(leaf.parent.pair is not None for leaf in slots)  # under their variable's row


def test_diff_counts_a_nan_pair_once_and_its_json_summary_counts_nan_inf(checkpoints, tf):
    """Review 23 #12: "1 same, 14 changed, 1 NaN/Inf" read as 16 pairs of 15, and the JSON
    summary had no NaN/Inf count. bf16_pair's b holds NaN where a does not (TensorFlow's values)."""
    a, b = (checkpoints / "bf16_pair" / side / "ckpt" for side in "ab")
    readers = [tf.train.load_checkpoint(str(path)) for path in (a, b)]
    keys = [k for k in readers[0].get_variable_to_shape_map() if not k.startswith("_CHECKPOINTABLE")]
    values = {k: [np.asarray(r.get_tensor(k)).astype(np.float64) for r in readers] for k in keys}
    nan_pairs = sum(1 for x, y in values.values() if (np.isnan(x) != np.isnan(y)).any())
    changed = sum(1 for x, y in values.values() if not np.array_equal(x, y, equal_nan=True))
    assert nan_pairs >= 1
    document = json.loads(run_cli("diff", str(a), str(b), "--json").stdout)
    summary = document["summary"]
    assert summary["nan_inf_changed"] == nan_pairs and summary["changed"] == changed  # "changed": its status, as before
    assert sum(n for s, n in summary.items() if s != "nan_inf_changed") == len(document["variables"])
    same = json.loads(run_cli("diff", str(a), str(a), "--json").stdout)["summary"]
    assert same["nan_inf_changed"] == 0  # always there
    table = run_cli("diff", str(a), str(b)).stdout.splitlines()
    assert f"{changed} changed ({nan_pairs} of them NaN/Inf)" in table[2], table[:4]


def test_diff_of_a_checkpoint_with_itself_says_so_also_through_a_link(checkpoints, tmp_path):
    """Review 23 #17: ``diff A A`` printed "15 same ... identical" without the app's "same
    checkpoint" warning. Said in the heading, on stderr and in the JSON's warnings."""
    import os

    folder = checkpoints / "keras_seq"
    os.symlink(folder, tmp_path / "linked")
    for b in (folder / "ckpt-4", tmp_path / "linked" / "ckpt-4", tmp_path / "linked"):
        text = run_cli("diff", str(folder / "ckpt-4"), str(b))
        note = f"A and B are the same checkpoint ({b if b.name == 'ckpt-4' else b / 'ckpt-4'})"
        assert text.returncode == 0 and f"  note: {note}" in text.stdout.splitlines()[2], text.stdout
        assert note in text.stderr, text.stderr
        document = json.loads(run_cli("diff", str(folder / "ckpt-4"), str(b), "--json").stdout)
        assert any(warning.startswith(note) for warning in document["warnings"]), document["warnings"]
    other = run_cli("diff", str(folder / "ckpt-2"), str(folder / "ckpt-4"))
    assert "same checkpoint" not in other.stdout + other.stderr
