"""A TF1 Saver checkpoint's optimizer slots in a comparison: ``kernel/Adam`` and
``kernel/Adam_1`` under their variable's key, and a partitioned variable's slots,
saved sliced as one ``weights/Ftrl`` (TensorFlow 2) or per part as
``weights/part_0/Ftrl`` (older TensorFlow: damon-est-2019). Without an object graph
the comparison took them for the model's parameters (its group totals counted
Adam's moments and Ftrl's accumulators), where browse's key view (key_levels.key_kind)
marks them slots: the comparison now classifies each key as the key view does, and
``diff --json`` says ``"slot": true`` for them."""

from __future__ import annotations

import json
import re
import sys
from math import prod
from pathlib import Path

import pytest

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.lazy_node import SLOT
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.core.views.tree import key_tree
from tests import background
from tests.background import Writer
from tests.conftest import FACTORY, run_cli

# Adam (tf1: a dense layer and a partitioned embedding), Ftrl per part and sliced (an
# Estimator's linear model): each saved twice by a tf.compat.v1 Saver, with its .meta.
LAYOUTS = ("tf1", "estimator_part_slots", "estimator_sliced_slots")
BACKGROUND_WRITERS = {"written": Writer([sys.executable, str(FACTORY), "{out}", *LAYOUTS])}
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "corpus"
DAMON = CORPUS / "damon-est-2019"  # an Estimator of TF 1.14: Ftrl's slots saved per part


@pytest.fixture(scope="module")
def written(request) -> Path:
    """The three layouts, written by TensorFlow (the writer started with the session)."""
    root, result = background.result(request, "written")
    if result.returncode != 0:
        pytest.fail(f"writing the test checkpoints failed:\n{result.stderr[-4000:]}")
    return root


def saves(folder: Path) -> list[str]:
    """The folder's checkpoints' prefixes, oldest first (by their step)."""
    prefixes = [str(index)[: -len(".index")] for index in folder.glob("*.index")]
    return sorted(prefixes, key=lambda prefix: int(re.search(r"-(\d+)$", prefix).group(1)))


def compared(folder: Path):
    first, last = saves(folder)[0], saves(folder)[-1]
    diff = pair_variables(Checkpoint.open(first), Checkpoint.open(last))
    compare_all(diff)
    return diff


def browse_slots(prefix: str) -> set[str]:
    """The keys browse's key view marks as optimizer slots."""
    tree = key_tree(Checkpoint.open(prefix).key_variables)
    return {key for key, node in tree.by_key.items() if node.kind == SLOT}


def trainable_elements(tf, meta: str, scope: str) -> int:
    """The values of the graph's trainable variables under ``scope``, as TensorFlow reads the .meta."""
    with tf.Graph().as_default():
        tf.compat.v1.train.import_meta_graph(meta, clear_devices=True)
        variables = tf.compat.v1.trainable_variables(scope)
        assert variables
        return sum(prod(v.shape.as_list()) for v in variables)


def group(tree: PairTree, path: str):
    node = tree.root
    for name in path.split("/"):
        node = next(child for child in node.children if child.name == name)
    return node


def assert_slots_as_browse(diff, prefix: str) -> PairTree:
    """The comparison's slots are the key view's, on both sides, and its root's
    parameters are the key view's (the model's weights, no slot)."""
    tree = PairTree(diff)
    slots = {leaf.pair.key for leaf in tree.leaves if leaf.kind == SLOT}
    assert slots and slots == browse_slots(prefix) == browse_slots(diff.b.prefix)
    assert tree.root.params == key_tree(Checkpoint.open(prefix).key_variables).root.params
    return tree


def test_adams_slots_are_slots_in_the_comparison(written, tf):
    diff = compared(written / "tf1")
    tree = assert_slots_as_browse(diff, diff.a.prefix)
    slots = {leaf.pair.key for leaf in tree.leaves if leaf.kind == SLOT}
    assert {"layer1/weights/Adam", "layer1/weights/Adam_1", "embedding/table/Adam_1"} <= slots
    # The layer's parameters are its weights and biases, as TensorFlow's graph says.
    assert group(tree, "layer1").params == trainable_elements(tf, diff.a.prefix + ".meta", "layer1")
    assert all(leaf.parent.pair is not None for leaf in tree.leaves if leaf.kind == SLOT)  # under their variable


@pytest.mark.parametrize("layout", ["estimator_part_slots", "estimator_sliced_slots"])
def test_ftrls_slots_of_a_partitioned_variable_are_slots_in_the_comparison(written, tf, layout):
    diff = compared(written / layout)
    tree = assert_slots_as_browse(diff, diff.a.prefix)
    expected = trainable_elements(tf, diff.a.prefix + ".meta", "linear/linear_model")
    assert group(tree, "linear/linear_model").params == expected


def test_diff_json_marks_the_slots(written):
    first, last = saves(written / "tf1")[0], saves(written / "tf1")[-1]
    done = run_cli("diff", "--json", first, last)
    assert done.returncode in (0, 1), done.stderr
    rows = json.loads(done.stdout)["variables"]
    assert {row["key"] for row in rows if row.get("slot")} == browse_slots(first)
    assert all(row.get("slot") in (None, True) for row in rows)  # only said of a slot


@pytest.mark.skipif(not DAMON.is_dir(), reason=f"the real-world corpus is absent ({DAMON})")
def test_an_estimators_part_slots_are_slots_in_the_comparison(tf):
    """damon-est-2019's two saves (steps 0 and 5000): Ftrl's accumulators per part."""
    diff = compared(DAMON)
    tree = assert_slots_as_browse(diff, diff.a.prefix)
    assert any(re.search(r"/part_\d+/Ftrl(_1)?$", leaf.pair.key) for leaf in tree.leaves if leaf.kind == SLOT)
    expected = trainable_elements(tf, diff.a.prefix + ".meta", "linear/linear_model")
    assert group(tree, "linear/linear_model").params == expected
