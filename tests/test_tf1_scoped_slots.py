"""Review 22 #8: a TF1 checkpoint whose second optimizer ran inside a variable scope
(posrnn-2019: ``model/model/embed/Adam`` beside ``model/embed/Adam``). TensorFlow's
slot_creator names a slot ``<var>/<slot>`` inside the scope the optimizer runs in, so
those keys are slots of ``model/embed``, not variables of a group ``model/model``. TensorFlow
writes the checkpoint here and says, through ``optimizer.get_slot``, which variable each
slot is of; the key view marks every one a slot, and counts none among the parameters."""

from __future__ import annotations

import json
import sys
from math import prod
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.describe import describe_variable
from ckpt_gui.core.views.tree import SLOT, VARIABLE, key_tree
from tests import background
from tests.background import Writer

SCOPED_WRITER = """
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
v1 = tf.compat.v1
with v1.variable_scope("model"):
    embed = v1.get_variable("embed", [12, 4])
    weights = v1.get_variable("dense/weights", [4, 3])
loss = tf.reduce_sum(tf.matmul(embed, weights))
first = v1.train.AdamOptimizer(0.1)
first.minimize(loss)
with v1.variable_scope("model"):  # a second optimizer, inside the scope: its slots are model/model/...
    second = v1.train.AdamOptimizer(0.1)
    second.minimize(loss)
    momentum = v1.train.MomentumOptimizer(0.1, 0.9)
    momentum.minimize(loss)
with v1.Session() as session:
    session.run(v1.global_variables_initializer())
    v1.train.Saver().save(session, os.path.join(sys.argv[1], "model.ckpt"))
slots = {}
for optimizer in (first, second, momentum):
    for name in optimizer.get_slot_names():
        for var in (embed, weights):
            slots[optimizer.get_slot(var, name).op.name] = var.op.name
print(json.dumps(slots))
"""
BACKGROUND_WRITERS = {"scoped": Writer([sys.executable, "-c", SCOPED_WRITER, "{out}"], timeout=600)}


@pytest.fixture(scope="module")
def scoped(request):
    """The checkpoint, and TensorFlow's own answer: each slot's key -> its variable."""
    root, result = background.result(request, "scoped")
    assert result.returncode == 0, result.stderr[-3000:]
    return Checkpoint.open(root), json.loads(result.stdout.strip().splitlines()[-1])


def test_a_slot_made_in_a_variable_scope_is_its_variables_slot(scoped):
    ckpt, slots = scoped
    scoped_slots = {key for key in slots if key.startswith("model/model/")}
    assert scoped_slots  # TensorFlow named the second optimizer's slots inside the scope
    tree = key_tree(ckpt.variables)
    for key, owner in slots.items():
        node = tree.by_key[key]
        assert node.kind == SLOT, key
        rows = dict(describe_variable(ckpt, node))
        said = rows["Optimizer slot"]
        scope = key[: -len(f"/{owner}/{node.name}")]
        assert said == f"'{node.name}' of {owner}" + (f" (made in variable scope {scope})" if scope else ""), said
    for key in ("model/embed", "model/dense/weights"):
        assert tree.by_key[key].kind == VARIABLE
    # Parameters count the two weights only, not the slots of either optimizer.
    weights = sum(prod(ckpt.variable(key).shape) for key in ("model/embed", "model/dense/weights"))
    model = next(child for child in tree.root.children if child.name == "model")
    assert model.params == weights


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "corpus" / "posrnn-2019"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the real-world corpus folder {CORPUS} is not here")
def test_posrnn_2019s_second_adam_is_slots_of_the_models_variables():
    # As the review saw it: model/model/{embed,fully_connected,simple_rnn_cell}/... Adam and Adam_1.
    ckpt = Checkpoint.open(CORPUS)
    tree = key_tree(ckpt.variables)
    scoped = [v.key for v in ckpt.variables if v.key.startswith("model/model/")]
    assert len(scoped) == 12  # Adam and Adam_1 of embed, fully_connected's two, simple_rnn_cell's three
    for key in scoped:
        node = tree.by_key[key]
        owner = key[len("model/") : -len(f"/{node.name}")]
        assert node.kind == SLOT and tree.by_key[owner].kind == VARIABLE, key
        assert dict(describe_variable(ckpt, node))["Optimizer slot"].startswith(f"'{node.name}' of {owner}")
    model = next(child for child in tree.root.children if child.name == "model")
    weights = [v for v in ckpt.variables if v.key.startswith("model/") and tree.by_key[v.key].kind == VARIABLE]
    assert len(weights) == 8  # embed, two of fully_connected, three of simple_rnn_cell, two beta powers
    assert model.params == sum(prod(v.shape) for v in weights)
