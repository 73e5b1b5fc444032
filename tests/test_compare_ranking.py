"""The comparison's order, largest change first (review 12), on TensorFlow-written
checkpoints: a pair where NaN/Inf appeared first (it came 14th of 15), a pair whose A
is all zeros (no Rel. L2) by its max |B-A| among the others (it came below every
change), in the app's flat list, a group's largest changes and ``diff``'s table; and
the pair a comparison opens on is a weight of the model even where Keras 3 keys it
under the optimizer (it opened on ``optimizer/_iterations``)."""

from __future__ import annotations

import numpy as np

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.opening_pair import is_model_own, opening_pair
from ckpt_gui.core.views.pair_paths import shown_path_of
from ckpt_gui.core.views.pair_statuses import change_order
from ckpt_gui.core.views.pair_tree import PairTree
from tests.conftest import run_cli


def _bf16_diff(checkpoints):
    folder = checkpoints / "bf16_pair"
    return compare_all(pair_variables(Checkpoint.open(folder / "a" / "ckpt"), Checkpoint.open(folder / "b" / "ckpt")))


def _leaf(path: str) -> str:
    return path.split("/")[-1]


def test_nan_first_then_a_zero_by_its_largest_difference(checkpoints):
    diff = _bf16_diff(checkpoints)
    by_leaf = {_leaf(p.path): p for p in diff.pairs}
    flaky, grown, weights = by_leaf["flaky"], by_leaf["grown"], by_leaf["weights"]
    # What the order goes by, as TensorFlow's values make it (not assumed here).
    assert flaky.values.nan_appeared and grown.values.rel_l2 is None
    assert grown.values.max_abs_diff > weights.values.rel_l2 > flaky.values.rel_l2
    tree = PairTree(diff)
    tree.count_compared()
    flat = [_leaf(leaf.pair.path) for leaf in tree.search.flat_order(None).nodes]
    assert flat[:3] == ["flaky", "grown", "weights"], flat
    # A group's largest changes (pair_view's top ten) go by the same order.
    assert [_leaf(leaf.pair.path) for leaf in sorted(tree.leaves, key=change_order)][:3] == flat[:3]


def test_nan_first_even_before_a_shape_change(checkpoints):
    """NaN/Inf appearing is the largest change there is: first in the flat list, above
    the statuses that otherwise lead it (a shape change, a variable on one side)."""
    diff = _bf16_diff(checkpoints)
    by_leaf = {_leaf(p.path): p for p in diff.pairs}
    by_leaf["same"].status = "shape_changed"  # the order only reads the status as counted
    tree = PairTree(diff)
    tree.count_compared()
    assert [_leaf(leaf.pair.path) for leaf in tree.search.flat_order(None).nodes][:2] == ["flaky", "same"]


def test_cli_diff_table_lists_nan_first_and_a_zero_by_its_largest_difference(checkpoints):
    folder = checkpoints / "bf16_pair"
    result = run_cli("diff", str(folder / "a" / "ckpt"), str(folder / "b" / "ckpt"))
    assert result.returncode == 1, result.stderr
    rows = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("changed")]
    assert [_leaf(row) for row in rows] == ["flaky", "grown", "weights"], result.stdout


def test_a_keras3_comparison_opens_on_a_weight_not_the_optimizers_step(checkpoints):
    """Keras 3 keys a tracked kernel ``optimizer/_trainable_variables/0``: read by its key,
    every weight was the optimizer's and the comparison opened on its step counter."""
    folder = checkpoints / "keras_seq"
    diff = compare_all(pair_variables(Checkpoint.open(folder / "ckpt-2"), Checkpoint.open(folder / "ckpt-4")))
    kernel = next(p for p in diff.pairs if p.key.startswith("optimizer/_trainable_variables/0/"))
    assert kernel.path.startswith("model/") and is_model_own(kernel.a)
    counters = [p for p in diff.pairs if p.path in ("optimizer/_iterations", "save_counter")]
    assert counters and not any(is_model_own(p.a) for p in counters)
    first = opening_pair(diff.pairs, lambda p: p.key)
    assert first.path.startswith("model/") and first.a.num_elements > 1, first.path


def test_cli_diff_table_lists_pairs_in_the_apps_flat_order(checkpoints):
    """The CLI's table sorted by change alone: keras_seq against its widened model listed
    the changed bias first and the three shape changes after it; the app's flat list puts
    shape changes first, then one side only. One rule (pair_statuses.in_change_order)."""
    a, b = checkpoints / "keras_seq" / "ckpt-4", checkpoints / "keras_wide" / "ckpt"
    result = run_cli("diff", str(a), str(b))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("STATUS"))
    rows = [line.split()[:2] for line in lines[header + 1 :] if line.strip()]
    diff = compare_all(pair_variables(Checkpoint.open(a), Checkpoint.open(b)))
    tree = PairTree(diff)
    tree.count_compared()
    shown = shown_path_of(diff)  # the table's NAME: the app's place (a slot under its variable)
    flat = [[leaf.pair.status, shown(leaf.pair)] for leaf in tree.search.flat_order(None).nodes]
    assert rows == [row for row in flat if row[0] != "same"]
    statuses = [status for status, _name in rows]  # what the order shows, as TensorFlow's files make it
    assert statuses.index("shape_changed") < statuses.index("changed")


def test_cli_diff_table_says_which_side_holds_the_nan(checkpoints):
    """Issue 11: A=after, B=before printed "-2 NaN" (B - A's direction), which reads as
    NaN gone where training brought it; the table says which side holds it, as the app."""
    folder = checkpoints / "bf16_pair"
    after = Checkpoint.open(folder / "b" / "ckpt")
    nan = int(np.isnan(after.read(next(v.key for v in after.variables if v.key.startswith("model/flaky"))).astype(
        np.float32)).sum())  # fmt: skip
    assert nan
    for a, b, holder in (("a", "b", "B"), ("b", "a", "A")):
        result = run_cli("diff", str(folder / a / "ckpt"), str(folder / b / "ckpt"))
        row = next(line for line in result.stdout.splitlines() if line.startswith("changed  model/flaky"))
        assert row.endswith(f"{nan} NaN only in {holder}"), row
