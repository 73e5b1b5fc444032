"""The variable trees (object graph and keys), totals and filtering: core logic, no Qt."""

from __future__ import annotations

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.tree import (
    DEFAULT_OPEN_ROWS,
    SLOT,
    CheckpointTrees,
    default_open,
    key_tree,
    object_tree,
    variable_filter,
)
from ckpt_gui.core.views.tree_filter import reach

SCENARIOS = ["keras_seq", "subclassed", "bare", "legacy_slots", "tf1", "dtypes", "sharded", "savedmodel", "many"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_variable_appears_once_in_each_view(checkpoints, scenario):
    ckpt = Checkpoint.open(checkpoints / scenario)
    for tree in (object_tree(ckpt), key_tree(ckpt.variables)):
        leaves = [node.variable.key for node in tree.root.walk() if node.variable is not None]
        assert sorted(leaves) == sorted(v.key for v in ckpt.variables)
        assert tree.root.variable_count == len(ckpt.variables)
        assert tree.root.nbytes == sum(v.size_bytes for v in ckpt.variables)


def test_object_view_of_a_keras3_sequential(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    tree = object_tree(ckpt)
    kernel = tree.by_key["optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"]
    assert kernel.path == "model/_functional/_operations/1/_kernel"
    assert kernel.parent.hint == "dense"  # the layer's own name, from the variable's full name
    slots = {child.name: child for child in kernel.children}
    assert set(slots) == {"momentum", "velocity"} and all(s.kind == SLOT for s in slots.values())
    assert slots["momentum"].variable.shape == kernel.variable.shape
    # Parameters count model weights, not optimizer slots; bytes count everything stored.
    model = kernel.parent.parent.parent.parent
    assert model.name == "model"
    assert model.params == 12 * 16 + 16 + 16 * 3 + 3
    assert model.nbytes == 3 * model.params * 4


def test_legacy_slots_and_tf1_keys(checkpoints):
    legacy = object_tree(Checkpoint.open(checkpoints / "legacy_slots"))
    kernel = legacy.by_key["model/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"]
    assert [(c.name, c.kind) for c in kernel.children] == [("m", SLOT), ("v", SLOT)]
    tf1 = key_tree(Checkpoint.open(checkpoints / "tf1").variables)
    weights = tf1.by_key["layer1/weights"]
    assert [(c.name, c.kind) for c in weights.children] == [("Adam", SLOT), ("Adam_1", SLOT)]
    # Model parameters of the scope leave the Adam slots out: 784*10 weights + 10 biases.
    assert tf1.by_key["layer1/weights"].parent.params == 7850
    assert tf1.by_key["embedding/table"].variable.partitioned


def test_names_holding_a_slash_stay_one_node(checkpoints):
    tree = object_tree(Checkpoint.open(checkpoints / "dtypes"))
    node = tree.by_key["values/tricky/a.Sb/.ATTRIBUTES/VARIABLE_VALUE"]
    assert node.name == "a/b" and node.parent.name == "tricky"
    keys = key_tree(Checkpoint.open(checkpoints / "dtypes").variables)
    assert keys.by_key["values/tricky/a.Sb/.ATTRIBUTES/VARIABLE_VALUE"].name == "a.Sb"


def test_natural_order_of_numbered_children(checkpoints):
    tree = object_tree(Checkpoint.open(checkpoints / "many"))
    blocks = tree.root.children[[c.name for c in tree.root.children].index("model")].children[0]
    names = [c.name for c in blocks.children]
    assert names[:12] == [str(i) for i in range(12)]


def test_filter_keeps_ancestors_and_counts(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "subclassed")
    tree = object_tree(ckpt)
    assert tree.apply_filter(variable_filter("dense2 bias")) == 3  # the bias and its two slots
    shown = [n for n in tree.root.walk() if n.variable is not None and _shown(n)]
    assert {n.path for n in shown} == {
        "model/dense2/bias", "model/dense2/bias/momentum", "model/dense2/bias/velocity",
    }  # fmt: skip
    assert [c.name for c in tree.root.shown] == ["model"]
    assert tree.apply_filter(variable_filter("", {"int64"})) == 2  # iterations, save_counter
    assert tree.apply_filter(variable_filter("", None, {"save_counter/.ATTRIBUTES/VARIABLE_VALUE"})) == 1
    assert tree.apply_filter(variable_filter("no such thing")) == 0 and tree.root.shown == []
    # Every variable; the object graph has a row but is metadata, not counted.
    assert tree.apply_filter(None) == tree.variable_total == len(ckpt.variables) - 1


def _shown(node) -> bool:
    reach(node)  # a filter's rows are made from the root down, as a view reads them
    while node.parent is not None:
        if node not in node.parent.shown:
            return False
        node = node.parent
    return True


def test_details_text_of_a_scalar_and_a_matrix(checkpoints):
    from ckpt_gui.core.views.describe import describe_variable

    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    tree = object_tree(ckpt)
    rows = dict(describe_variable(ckpt, tree.by_key["save_counter/.ATTRIBUTES/VARIABLE_VALUE"]))
    assert rows["Shape"] == "scalar"  # not "scalar (1 elements)"
    rows = dict(describe_variable(ckpt, tree.by_key["optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"]))
    assert rows["Shape"] == "[12, 16]  (192 elements)"
    assert rows["Stored in"].startswith("ckpt-4.data-00000-of-00001 at offset ")  # one row, not two


def test_layer_hints_only_where_they_tell_siblings_apart(checkpoints):
    # A subclassed Keras 3 model names every variable "my_model/<name>": the model's
    # name on every layer would tell nothing, so no layer gets it.
    tree = object_tree(Checkpoint.open(checkpoints / "subclassed"))
    model = next(c for c in tree.root.children if c.name == "model")
    assert [(c.name, c.hint) for c in model.children] == [("dense1", ""), ("dense2", "")]
    assert next(c for c in tree.root.children if c.name == "optimizer").hint  # the optimizer's own name
    # Keras 3 Sequential layers in _operations/N keep their distinct names.
    seq = object_tree(Checkpoint.open(checkpoints / "keras_seq"))
    kernel = seq.by_key["optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"]
    layers = kernel.parent.parent
    assert [(c.name, c.hint) for c in layers.children] == [("1", "dense"), ("2", "dense_1")]


def test_catch_all_lists_get_no_layer_hint():
    from ckpt_gui.core.views.tree import TreeNode, hint_layer

    root = TreeNode("")
    trainables = TreeNode("_trainable_variables", TreeNode("optimizer", root))
    variable = TreeNode("5", trainables)
    hint_layer(variable, "net/kernel")  # the first of many layers' variables in the list
    assert trainables.hint == ""


def test_levels_are_made_only_when_shown_and_filters_reach_deep_variables(checkpoints):
    """A large tree opens without a node per path component: a group's children are
    made when first asked for, a filter makes only the levels above what it shows,
    and the totals and structure are those of the tree made whole."""
    ckpt = Checkpoint.open(checkpoints / "many")
    whole = object_tree(ckpt)
    whole_nodes = {node.path: node for node in whole.root.walk()}  # walking makes every level
    tree = object_tree(ckpt)
    assert list(tree.root.built_nodes()) == [tree.root]  # nothing below the root made at open
    assert tree.root.variable_count == len(ckpt.variables)
    model = tree.root.children[[c.name for c in tree.root.children].index("model")]
    blocks = model.children[0]
    assert blocks.has_children() and len(list(blocks.built_nodes())) == 1  # its blocks not made yet
    deep = tree.by_key["model/blocks/7/weight_3/.ATTRIBUTES/VARIABLE_VALUE"]
    before = len(list(tree.root.built_nodes()))
    assert tree.apply_filter(variable_filter("blocks/7/weight_3")) == 1
    assert len(list(tree.root.built_nodes())) == before  # no level made until a view reads it
    assert tree.root.shown[-1] is model and model.shown == [blocks]  # read from the root down
    assert len(blocks.shown) == 1 and len(list(tree.root.built_nodes())) == before  # counted, not made
    assert [c.name for c in blocks.shown] == ["7"]  # read: the filter shows the way down to it
    assert [c.name for c in blocks.shown[0].shown] == ["weight_3"]
    made = list(tree.root.built_nodes())
    assert deep in made and len(made) < len(whole_nodes) / 10  # block 7's level, not every block's
    assert deep.path == "model/blocks/7/weight_3" and deep.parent.parent is blocks
    assert blocks.shown == [deep.parent]
    other = next(node for node in blocks.children if node.name == "8")
    assert not list(other.built_nodes())[1:]  # a block the filter hides keeps its level unmade
    tree.apply_filter(None)
    for node in tree.root.walk():  # the same tree as made whole: names, order, kinds, totals, hints
        twin = whole_nodes[node.path]
        assert [c.name for c in node.children] == [c.name for c in twin.children]
        assert (node.kind, node.hint, node.variable_count, node.params, node.elements, node.nbytes) == (
            twin.kind, twin.hint, twin.variable_count, twin.params, twin.elements, twin.nbytes,
        )  # fmt: skip


@pytest.mark.parametrize("view", ["objects", "keys"])
def test_the_levels_a_view_opens_first_are_made_beforehand_and_short(checkpoints, view):
    """default_open (run by the open job, off the GUI thread) makes the levels the view
    opens first: a chain from the root while fewer than DEFAULT_OPEN_ROWS rows show;
    the level of 2,000 blocks below is counted, not made."""
    ckpt = Checkpoint.open(checkpoints / "many")
    tree = object_tree(ckpt) if view == "objects" else key_tree(ckpt.variables)
    opened = default_open(tree)
    assert [node.path for node in opened] == ["model"]  # blocks: too many rows to open
    assert all(node.pending is None for node in opened)  # their levels made
    blocks = opened[0].children[0]
    assert blocks.name == "blocks" and blocks.pending is not None  # counted, not made
    assert blocks.shown_count_up_to(DEFAULT_OPEN_ROWS) > DEFAULT_OPEN_ROWS
    assert default_open(tree) == opened  # the view's own call finds the same, made


@pytest.mark.parametrize("words", ["bias", "dense kernel", "momentum"])
def test_key_view_of_keras3_keys_finds_what_the_object_view_finds(checkpoints, words):
    """Keras 3 keys its weights ``optimizer/_trainable_variables/N``: the key view's
    filter searches the variables' object paths and layer names too (review: 'bias'
    found nothing in the key view, 12 in the object view)."""
    trees = CheckpointTrees(Checkpoint.open(checkpoints / "keras_seq"))
    found = {}
    for view in ("objects", "keys"):
        tree, accept = trees[view], variable_filter(words)
        count = tree.apply_filter(accept)
        found[view] = {key for key, node in tree.by_key.items() if accept(node)}
        assert count == len(found[view])
    assert found["objects"] and found["keys"] == found["objects"]


def test_a_slot_of_an_optimizer_the_tree_cannot_name_has_no_empty_parentheses():
    """Review: posrnn-2019's Details read "Optimizer slot 'Adam_1' of model/embed ()"."""
    from types import SimpleNamespace

    from ckpt_gui.core.views.describe import slot_text

    owner = SimpleNamespace(variable=SimpleNamespace(display_path="model/embed"))
    assert slot_text(SimpleNamespace(name="Adam_1", parent=owner, hint="")) == "'Adam_1' of model/embed"
    named = SimpleNamespace(name="m", parent=owner, hint="optimizer")
    assert slot_text(named) == "'m' of model/embed (optimizer)"
