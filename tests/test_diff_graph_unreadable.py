"""Review 15 M2: comparing with a TF2 checkpoint whose data file is cut short (or gone)
compared nothing: TF2 writes the object graph at the end of the data file, so a write
cut short always loses it, and an object graph that could not be read stopped the
comparison ("Comparison stopped", `diff` exit 2), though every pair matched by key.
Now the pairs are matched by key (said once), every pair whose values read is compared
(as TensorFlow's values of the undamaged checkpoints give it), only the others are
"unreadable", and the tree lays both sides out by the keys' own hierarchy, as browse
shows such a checkpoint. On the session's TensorFlow-written keras_seq, damaged here.
Also #9: the NaN/Inf count in `diff`'s summary line, as the app's chip counts it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ckpt_gui.core.analysis.diff import compare_all, pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY, VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.views.pair_tree import PairTree
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
    assert diff.pairing_fallback.endswith("data file truncated): pairs matched by key")
    keys = {v.key for v in a.variables if not v.is_object_graph}
    assert {pair.key for pair in diff.pairs} == keys and all(pair.key_b is None for pair in diff.pairs)
    unreadable = {pair.key: pair for pair in diff.pairs if pair.status == "unreadable"}
    assert lost and set(unreadable) == lost  # only the pairs whose bytes are gone
    assert {pair.unreadable[0].short for pair in unreadable.values()} == {"B: data file truncated"}
    rows = [pair.to_json() for pair in diff.pairs if pair.key not in lost]
    original = checkpoints / "keras_seq"
    assert _assert_like_tensorflow(rows, original / "ckpt-3", original / "ckpt-4", tf) == len(rows) > 0
    assert not diff.identical


def test_the_tree_lays_both_sides_out_by_the_keys_as_browse_shows_them(scratch_copy):
    """Not A's object paths with B's raw keys under them (`0 | 1 | 2 | 3`, `.ATTRIBUTES · dense_2`)."""
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-4")
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")))
    tree = PairTree(diff)
    for leaf in tree.leaves:
        want = leaf.pair.b.key.removesuffix(VARIABLE_VALUE_SUFFIX)  # browse's key view's path
        assert leaf.side_path("a") == leaf.side_path("b") == want

    def names(node, depth=0):
        for child in node.children:
            yield child, depth
            yield from names(child, depth + 1)

    shown = [(tree.side_name(node, "b"), depth) for node, depth in names(tree.root)]
    assert not any(".ATTRIBUTES" in name or "VARIABLE_VALUE" in name or " | " in name for name, _ in shown), shown
    assert {name for name, depth in shown if depth == 0} == {
        leaf.pair.b.key.split("/")[0] for leaf in tree.leaves
    }  # the keys' own first names: optimizer, save_counter


def test_diff_on_a_data_file_cut_short_or_missing_lists_the_pairs(scratch_copy):
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    result = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr  # differences (2 was: nothing listed)
    document = json.loads(result.stdout)
    fallback = document["pairing_fallback"]
    assert fallback["paired_by"] == "key" and fallback["note"].endswith("pairs matched by key")
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in fallback["errors"]["B"]
    assert any(w.startswith(fallback["note"]) for w in document["warnings"])
    rows = {row["key"]: row for row in document["variables"]}
    assert {k for k, row in rows.items() if row["status"] == "unreadable"} == lost
    assert not any(".ATTRIBUTES" in row["path"] for row in rows.values())
    table = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"))
    assert table.returncode == 1 and fallback["note"] in table.stdout.splitlines()[3]
    assert sum(1 for line in table.stderr.splitlines() if "pairs matched by key" in line) == 1  # said once
    # The data file gone (the index alone): every pair listed, each unreadable "data file missing".
    os.remove(Checkpoint.open(folder / "ckpt-4").index.data_path(0))
    result = run_cli("diff", str(folder / "ckpt-3"), str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["pairing_fallback"]["note"].endswith("data file missing): pairs matched by key")
    assert {row["status"] for row in document["variables"]} == {"unreadable"}
    assert len(document["variables"]) == len(rows)


def test_diffs_summary_counts_the_pairs_whose_nan_or_inf_changed(checkpoints):
    folder = checkpoints / "bf16_pair"
    diff = compare_all(pair_variables(*(Checkpoint.open(folder / side / "ckpt") for side in "ab")))
    nonfinite = diff.nonfinite()
    assert nonfinite == sum(1 for p in diff.pairs if p.values and (p.values.nan_appeared or p.values.inf_appeared))
    assert nonfinite > 0
    table = run_cli("diff", str(folder / "a" / "ckpt"), str(folder / "b" / "ckpt"))
    assert table.stdout.splitlines()[2].endswith(f", {nonfinite} NaN/Inf"), table.stdout
