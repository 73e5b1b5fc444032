"""Review 15 M2: comparing with a TF2 checkpoint whose data file is cut short (or gone)
compared nothing: TF2 writes the object graph at the end of the data file, so a write
cut short always loses it, and an object graph that could not be read stopped the
comparison ("Comparison stopped", `diff` exit 2), though every pair matched by key.
Now the pairs are matched by key (said once), every pair whose values read is compared
(as TensorFlow's values of the undamaged checkpoints give it), only the others are
"unreadable", and the tree lays both sides out by the keys' own hierarchy, as browse
shows such a checkpoint. On the session's TensorFlow-written keras_seq, damaged here.
Also #9: the NaN/Inf count in `diff`'s summary line, as the app's chip counts it.
Review 16: #3, the pairs matched by key are named by A's object graph when it reads,
as the normal comparison names them (both trees showed `optimizer > _variables > 2`);
#6, `diff` says a missing or cut data file once, with all it costs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY, VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.core.views.pairing import pairing_note
from tests.conftest import run_cli
from tests.test_diff_unreadable import _assert_like_tensorflow


def cut_data_in_half(prefix: Path) -> set[str]:
    """``prefix``'s data file cut to half its length (a write killed midway): the keys
    whose bytes are (partly) past the new end."""
    ckpt = Checkpoint.open(prefix)
    data = Path(ckpt.index.data_path(0))
    end = data.stat().st_size // 2
    os.truncate(data, end)
    entries = ckpt.index.entries.values()
    return {e.key for e in entries if e.size and e.offset + e.size > end and e.key != OBJECT_GRAPH_KEY}


def test_a_b_cut_short_is_paired_by_key_and_its_readable_pairs_compared(scratch_copy, checkpoints, tf):
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    a, b = Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")
    assert b.graph_error is not None  # the object graph, written last, is past the end
    diff = compare_all(pair_variables(a, b))  # raised the graph's error before
    assert diff.pairing_fallback.startswith("B's object graph cannot be read (ckpt-4.data-00000-of-00001: ")
    assert diff.pairing_fallback.endswith("data file truncated): pairs matched by key, named by A's object graph")
    keys = {v.key for v in a.variables if not v.is_object_graph}
    assert {pair.key for pair in diff.pairs} == keys and all(pair.key_b is None for pair in diff.pairs)
    unreadable = {pair.key: pair for pair in diff.pairs if pair.status == "unreadable"}
    assert lost and set(unreadable) == lost  # only the pairs whose bytes are gone
    assert {pair.unreadable[0].short for pair in unreadable.values()} == {"B: data file truncated"}
    rows = [pair.to_json() for pair in diff.pairs if pair.key not in lost]
    original = checkpoints / "keras_seq"
    assert _assert_like_tensorflow(rows, original / "ckpt-3", original / "ckpt-4", tf) == len(rows) > 0
    assert not diff.identical


def _names(node, depth=0):
    for child in node.children:
        yield child, depth
        yield from _names(child, depth + 1)


def _shown(tree: PairTree) -> dict[str, tuple[str, str]]:
    """Each pair's place in the tree on side A and side B, by A's key."""
    return {leaf.pair.key: (leaf.side_path("a"), leaf.side_path("b")) for leaf in tree.leaves}


def test_key_paired_rows_are_named_by_as_object_graph_as_the_normal_comparison(scratch_copy, checkpoints, tf):
    """Review 16 #3: both trees showed `optimizer > _trainable_variables > 0` and
    `_variables > 2`, though A's object graph reads: now every row is named as the
    comparison with the undamaged B names it (`model/.../1/_kernel/momentum`), on both
    sides, B's names being A's for the same key."""
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    a = Checkpoint.open(folder / "ckpt-3")
    diff = compare_all(pair_variables(a, Checkpoint.open(folder / "ckpt-4")))
    intact = pair_variables(a, Checkpoint.open(checkpoints / "keras_seq" / "ckpt-4"))
    shown, want = _shown(PairTree(diff)), _shown(PairTree(intact))
    assert shown == want  # B's own graph, when it reads, names each key as A's does
    assert diff.names_from == "a"
    assert any("/_kernel/momentum" in a_path for a_path, _ in shown.values())  # an Adam slot under its kernel
    assert not any(path.startswith("optimizer/_trainable_variables") for pair in shown.values() for path in pair)
    tree = PairTree(diff)
    assert [(tree.side_name(n, "a"), tree.side_name(n, "b"), d) for n, d in _names(tree.root)] == [
        (n.name, n.name, d) for n, d in _names(tree.root)
    ]  # B's column shows the same names, not its raw keys under A's groups
    # As TensorFlow reads the damaged B: by key, the same keys as A's, and a readable
    # key restores into a variable by name (the object-based restore fails on its graph).
    reader = tf.train.load_checkpoint(str(folder / "ckpt-4"))
    assert set(reader.get_variable_to_shape_map()) == {v.key for v in a.variables}
    readable = next(p for p in diff.pairs if p.status == "changed" and p.a.num_elements > 1)
    target = tf.Variable(tf.zeros(readable.a.shape, dtype=readable.a.dtype.name))
    tf.compat.v1.train.Saver({readable.key: target}).restore(None, str(folder / "ckpt-4"))
    intact_b = tf.train.load_checkpoint(str(checkpoints / "keras_seq" / "ckpt-4")).get_tensor(readable.key)
    assert (target.numpy() == intact_b).all() and readable.key not in lost


def test_the_pair_details_say_whose_names_the_trees_show(scratch_copy):
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-4")
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")))
    for pair in diff.pairs:
        note = pairing_note(pair, diff)
        said = f"key {pair.key} in both files; B's object graph cannot be read: B's names here are A's for this key."
        assert note == said, note
    why = diff.key_pairing_why  # the banner's details: what the test above checks with TensorFlow
    assert "TensorFlow's name-based restore (tf.compat.v1.train.Saver) reads a variable by its key" in why
    assert why.endswith("A's object graph names both trees' rows: B's names are A's for the same key.")


def test_an_a_cut_short_is_named_by_bs_object_graph(scratch_copy, checkpoints):
    """The other way round: A's graph lost, B's names both sides' rows."""
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-3")
    b = Checkpoint.open(folder / "ckpt-4")
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-3"), b))
    assert diff.names_from == "b" and diff.pairing_fallback.endswith("pairs matched by key, named by B's object graph")
    intact = pair_variables(Checkpoint.open(checkpoints / "keras_seq" / "ckpt-3"), b)
    assert _shown(PairTree(diff)) == _shown(PairTree(intact))
    kernel = next(pair for pair in diff.pairs if pair.key.startswith("optimizer/_trainable_variables/0/"))
    said = f"key {kernel.key} in both files; A's object graph cannot be read: A's names here are B's for this key."
    assert pairing_note(kernel, diff) == said


def test_with_neither_graph_readable_both_sides_are_laid_out_by_the_keys(scratch_copy):
    """Not A's object paths with B's raw keys under them (`0 | 1 | 2 | 3`, `.ATTRIBUTES · dense_2`)
    (review 15 M2); with no graph to name them, as browse shows such a checkpoint."""
    folder = scratch_copy("keras_seq")
    for step in (3, 4):
        cut_data_in_half(folder / f"ckpt-{step}")
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")))
    assert set(diff.graph_errors) == {"A", "B"} and diff.names_from is None
    assert diff.pairing_fallback.endswith("pairs matched by key")
    assert diff.key_pairing_why.endswith("Neither object graph can be read: both trees show the keys' own hierarchy.")
    assert {pairing_note(pair, diff) for pair in diff.pairs} == {None}  # both trees show the key itself
    tree = PairTree(diff)
    for leaf in tree.leaves:
        want = leaf.pair.b.key.removesuffix(VARIABLE_VALUE_SUFFIX)  # browse's key view's path
        assert leaf.side_path("a") == leaf.side_path("b") == want
    shown = [(tree.side_name(node, "b"), depth) for node, depth in _names(tree.root)]
    assert not any(".ATTRIBUTES" in name or "VARIABLE_VALUE" in name or " | " in name for name, _ in shown), shown
    assert {name for name, depth in shown if depth == 0} == {
        leaf.pair.b.key.split("/")[0] for leaf in tree.leaves
    }  # the keys' own first names: optimizer, save_counter


def test_diff_on_a_data_file_cut_short_or_missing_lists_the_pairs_at_as_object_paths(scratch_copy, checkpoints):
    """Listed, each pair at A's object path as the app names it (review 16 #3)."""
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    intact = run_cli("diff", str(folder / "ckpt-3"), str(checkpoints / "keras_seq" / "ckpt-4"), "--json")
    want = {row["key"]: row["path"] for row in json.loads(intact.stdout)["variables"]}
    assert "model/_functional/_operations/1/_kernel/momentum" in want.values()
    result = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr  # differences (2 was: nothing listed)
    document = json.loads(result.stdout)
    rows = {row["key"]: row for row in document["variables"]}
    assert {k for k, row in rows.items() if row["status"] == "unreadable"} == lost
    assert {key: row["path"] for key, row in rows.items()} == want  # not `optimizer/_variables/2`
    fallback = document["pairing_fallback"]
    assert fallback["paired_by"] == "key"
    assert fallback["note"].endswith("pairs matched by key, named by A's object graph")
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in fallback["errors"]["B"]
    table = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4")).stdout.splitlines()
    header = next(i for i, line in enumerate(table) if line.startswith("STATUS"))
    assert {line.split()[1] for line in table[header + 1 :]} <= set(want.values())
    # The data file gone (the index alone): every pair listed, each unreadable "data file missing".
    os.remove(Checkpoint.open(folder / "ckpt-4").index.data_path(0))
    result = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert {row["status"] for row in document["variables"]} == {"unreadable"}
    assert {row["key"]: row["path"] for row in document["variables"]} == want


def test_diff_says_a_data_file_cut_short_or_missing_once_with_all_it_costs(scratch_copy):
    """Review 16 #6: three warnings for one missing data file (browse's "only its index
    can be shown", the object graph's, the pairs'), and the object graph's sentence
    again under the summary. Now one line names the file, the graph and the pairs."""
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    data = Checkpoint.open(folder / "ckpt-4").index.data_path(0)
    graph = "B's object graph cannot be read (pairs matched by key, named by A's object graph); "
    every = sum(1 for v in Checkpoint.open(folder / "ckpt-3").variables if not v.is_object_graph)
    for problem, count in (("is truncated", len(lost)), ("is missing", every)):
        if problem == "is missing":  # the index alone: every pair unreadable
            os.remove(data)
        result = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"), "--json")
        document = json.loads(result.stdout)
        assert document["summary"]["unreadable"] == count
        (warning,) = document["warnings"]
        assert warning.startswith(f"B: {data} {problem}: {graph}{count} pairs not compared (first: "), warning
        table = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"))
        assert table.returncode == 1 and table.stderr.splitlines() == [f"ckpt-gui: warning: {warning}"]
        assert "object graph" not in table.stdout and "matched by key" not in table.stdout  # not again


def test_diffs_summary_counts_the_pairs_whose_nan_or_inf_changed(checkpoints):
    folder = checkpoints / "bf16_pair"
    diff = compare_all(pair_variables(*(Checkpoint.open(folder / side / "ckpt") for side in "ab")))
    nonfinite = diff.nonfinite()
    assert nonfinite == sum(1 for p in diff.pairs if p.values and (p.values.nan_appeared or p.values.inf_appeared))
    assert nonfinite > 0
    table = run_cli("diff", str(folder / "a" / "ckpt"), str(folder / "b" / "ckpt"))
    assert f"changed ({nonfinite} of them NaN/Inf)" in table.stdout.splitlines()[2], table.stdout  # review 23 #12
