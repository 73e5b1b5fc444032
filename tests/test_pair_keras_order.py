"""A comparison of two Keras weights files lists layers and variables in the model's
order, as the browse tree does (review, issue 11: ``adam``, ``bn``, ``hidden``,
``out``, by name). Keras writes the files in a child process and says the model's
order itself: its layers, and each layer's weights."""

from __future__ import annotations

import json
import sys

import pytest

from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from tests import background
from tests.background import Writer

WRITER = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras
out = sys.argv[1]
rng = np.random.default_rng(0)
x, y = rng.normal(size=(16, 6)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
# Names whose alphabetical order is not the model's.
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, name="zeta"),
                          keras.layers.BatchNormalization(name="beta_norm"), keras.layers.Dense(3, name="alpha")])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
for epoch in (1, 2):
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(os.path.join(out, f"e{epoch}.weights.h5"))
order = [[layer.name, [w.path.split("/")[-1] for w in layer.weights]] for layer in model.layers if layer.weights]
print(json.dumps(order))
"""


BACKGROUND_WRITERS = {"keras_order": Writer([sys.executable, "-c", WRITER, "{out}"], timeout=600)}


@pytest.fixture(scope="module")
def keras_pair(request):
    out, result = background.result(request, "keras_order")  # started with the session
    if result.returncode != 0:
        pytest.fail(f"Keras could not write the files: {result.stderr[-3000:]}")
    return out, json.loads(result.stdout.strip().splitlines()[-1])


def test_a_keras_comparison_keeps_the_models_order(keras_pair):
    out, order = keras_pair
    diff = pair_variables(Checkpoint.open(out / "e1.weights.h5"), Checkpoint.open(out / "e2.weights.h5"))
    tree = PairTree(diff)
    groups = [child.name for child in tree.root.children]
    layers = [name for name, _weights in order]
    assert layers != sorted(layers)  # the check means something
    assert groups[: len(layers)] == layers and len(groups) == len(layers) + 1  # the optimizer's own, last
    for child, (_name, weights) in zip(tree.root.children, order, strict=False):
        assert [leaf.name for leaf in child.children] == weights
