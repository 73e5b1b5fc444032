"""TF1 slots of a partitioned variable (review 17, B): older TensorFlow saved each
part's slot under the part, ``weights/part_0/Ftrl`` (damon-est-2019, an Estimator of TF
1.14), TF 2 as one sliced ``weights/Ftrl``. Either way a slot of its variable: marked
"(slot)", left out of the parameter count and of a group's statistics, so that the
count is the graph's trainable variables' (the .meta's collection, read by TensorFlow)."""

from __future__ import annotations

import sys
from math import prod
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.describe import describe_variable
from ckpt_gui.core.views.tree import SLOT, VARIABLE, key_tree
from ckpt_gui.core.views.tree_build import whole_key_tree
from tests import background
from tests.background import Writer
from tests.conftest import FACTORY

LAYOUTS = ("estimator_part_slots", "estimator_sliced_slots")
BACKGROUND_WRITERS = {"written": Writer([sys.executable, str(FACTORY), "{out}", *LAYOUTS])}
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "corpus"
DAMON = CORPUS / "damon-est-2019"
BUILDS = {"levels": key_tree, "whole": whole_key_tree}  # the app's key view, and the same made whole


@pytest.fixture(scope="module")
def written(request) -> Path:
    """An Estimator-style linear model trained by Ftrl (checkpoint_factory.estimator_linear),
    its slots saved per part and sliced, written by TensorFlow (started with the session)."""
    root, result = background.result(request, "written")
    if result.returncode != 0:
        pytest.fail(f"writing the test checkpoints failed:\n{result.stderr[-4000:]}")
    return root


def trainable_elements(tf, meta: str) -> int:
    """The values of the graph's trainable variables, as TensorFlow reads the .meta."""
    with tf.Graph().as_default():
        tf.compat.v1.train.import_meta_graph(meta, clear_devices=True)
        variables = tf.compat.v1.trainable_variables()
        assert variables
        return sum(prod(v.shape.as_list()) for v in variables)


def group(tree, path: str):
    node = tree.root
    for name in path.split("/"):
        node = next(child for child in node.children if child.name == name)
    return node


def assert_slots_are_not_parameters(ckpt: Checkpoint, tf, build) -> None:
    tree = build(ckpt.key_variables)
    slots = [key for key, node in tree.by_key.items() if node.kind == SLOT]
    assert slots and all(key.rsplit("/", 1)[-1].startswith("Ftrl") for key in slots)
    weights = [key for key, node in tree.by_key.items() if node.kind == VARIABLE and key != "global_step"]
    assert weights and not any("Ftrl" in key for key in weights)
    expected = trainable_elements(tf, ckpt.prefix + ".meta")
    linear = group(tree, "linear/linear_model")
    assert linear.params == expected
    # The group's statistics and histogram cover its model_variables: the weights alone.
    assert sorted(v.key for v in linear.model_variables()) == sorted(weights)
    assert sum(v.num_elements for v in linear.model_variables()) == expected


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_partitioned_variables_slots_are_slots_not_parameters(written, tf, layout, build):
    assert_slots_are_not_parameters(Checkpoint.open(written / layout), tf, BUILDS[build])


def test_a_parts_slot_says_whose_slot_it_is(written):
    ckpt = Checkpoint.open(written / "estimator_part_slots")
    tree = key_tree(ckpt.key_variables)
    node = tree.by_key["linear/linear_model/Country_indicator/weights/part_1/Ftrl_1"]
    assert node.kind == SLOT and node.params == 0
    rows = dict(describe_variable(ckpt, node))
    assert rows["Optimizer slot"] == "'Ftrl_1' of linear/linear_model/Country_indicator/weights, part_1"


def test_a_lowercase_or_unknown_name_under_a_part_is_no_slot(written):
    """Only an optimizer's slot name under ``part_N`` of a variable: ``part_0`` of
    nothing, or another name under a part, stays a variable."""
    from ckpt_gui.core.views.key_levels import key_kind

    paths = {"w", "w/part_0/Ftrl", "x/part_0/Ftrl", "w/part_0/kernel", "w/parts/Ftrl"}
    kinds = {path: key_kind(tuple(path.split("/")), paths.__contains__) for path in sorted(paths)}
    assert kinds == {"w": VARIABLE, "w/part_0/Ftrl": SLOT, "x/part_0/Ftrl": VARIABLE,
                     "w/part_0/kernel": VARIABLE, "w/parts/Ftrl": VARIABLE}  # fmt: skip


@pytest.mark.parametrize("build", BUILDS)
def test_damon_est_2019_counts_its_trainable_variables(tf, build):
    """The corpus checkpoint of the review: 13 trainable variables of 107 values, where
    the app said 321 (the weights and both Ftrl accumulators of each)."""
    if not DAMON.is_dir():
        pytest.skip(f"the real-world corpus is not at {CORPUS} (a clone without ../shared/realworld)")
    assert_slots_are_not_parameters(Checkpoint.open(DAMON), tf, BUILDS[build])
