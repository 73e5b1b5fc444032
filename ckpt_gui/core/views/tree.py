"""The variable tree the app shows, in two views, with totals and filtering.

- The object view follows the TF2 object graph: each variable sits at its
  preferred object path (model > layer > kernel), optimizer slots (Adam's m/v,
  Keras 3 momentums/velocities) sit under the variable they belong to, and Keras 3
  layers stored as ``_operations/3`` get their layer name as a hint.
- The key view splits the raw checkpoint keys on ``/`` (for TF1 checkpoints it is
  the only view), with the ``.ATTRIBUTES/VARIABLE_VALUE`` tail folded into the leaf.

A tree's levels are made when first shown (core/views/lazy_node.py): opening a
checkpoint makes one node per variable, not per path component. Filtering marks
which nodes are shown (``node.shown`` children, ``node.row``) so a Qt model can
present the filtered tree without a proxy model; it makes only the levels above
what it shows.

This module is the views' entry point; the work is split by job: building the trees
(tree_build.py), the tree and its key index (variable_tree.py), filtering
(tree_filter.py), layer hints and search texts (tree_hints.py).
"""

from __future__ import annotations

from ckpt_gui.core.views.lazy_node import GROUP, MODEL_ONLY, SLOT, VARIABLE, NodePaths, TreeNode, natural_key
from ckpt_gui.core.views.tree_build import (
    PROGRESS_STEP,
    CheckpointTrees,
    keras_tree,
    key_tree,
    object_tree,
)
from ckpt_gui.core.views.tree_filter import (
    show_with_ancestors,
    variable_filter,
)
from ckpt_gui.core.views.tree_hints import hint_group, hint_layer, prune_hints, pruned_hints
from ckpt_gui.core.views.variable_tree import VariableTree

__all__ = [
    "GROUP", "MODEL_ONLY", "PROGRESS_STEP", "SLOT", "VARIABLE", "CheckpointTrees", "NodePaths", "TreeNode",
    "VariableTree", "default_open", "first_to_show", "hint_group", "hint_layer", "key_tree", "keras_tree",
    "natural_key", "object_tree", "prune_hints", "pruned_hints",
    "show_with_ancestors", "variable_filter",
]  # fmt: skip

DEFAULT_OPEN_ROWS = 40  # a tree shown opens levels while fewer rows than this show (default_open)


def default_open(tree: VariableTree, rows: int = DEFAULT_OPEN_ROWS) -> list[TreeNode]:
    """The groups a view opens when it shows ``tree`` (as filtered), parents first: level
    after level while fewer than ``rows`` rows show, so that a Keras model's chain of
    single groups (model > _functional > _operations) opens on its own. Their levels are
    made here: called off the GUI thread when a checkpoint opens (the level under
    ``model`` of 200,000 variables took 0.3 to 0.5 s), then again by the view, at no
    cost. A level of thousands (model/blocks) is counted without being made.

    A variable holding slots on a level of groups opens with the next level, the one its
    like sit on: an Estimator's ``linear_model/bias_weights`` (its Ftrl slots under
    ``part_0``) sits beside the groups ``Age``, ``Sex``... whose ``weights`` hold theirs
    the same way one level down; opened with the groups, it alone showed its slots' group,
    drawn as a group among groups, its 12 like closed (review 21 #13)."""
    opened: list[TreeNode] = []
    level = [tree.root]
    visible = len(tree.root.shown)
    held: list[TreeNode] = []  # variables of a level of groups, opened with the next level
    while level:
        following = [child for node in level for child in node.shown if child.has_shown()]
        waiting = [node for node in following if node.variable is not None]
        if len(waiting) < len(following):  # groups on this level: its variables wait for the next one
            following, held = [node for node in following if node.variable is None], held + waiting
        else:
            following, held = following + held, []
        added = sum(node.shown_count_up_to(rows) for node in following)
        if not following or visible + added > rows and visible > 0:
            break
        opened += following
        for node in following:
            _ = node.shown  # its level made
        visible += added
        level = following
    return opened


def first_to_show(tree: VariableTree) -> TreeNode | None:
    """The variable to select when a checkpoint opens: the largest floating-point
    weight matrix (or, without one, the largest floating-point tensor), so that its
    details, histogram and heatmap show something meaningful straight away. Optimizer
    slots are not candidates; None when no variable is floating point."""
    if tree.first_choice is not False:  # worked out once (off the GUI thread when opening)
        return tree.first_choice
    tree.first_choice = tree.largest_floating()
    return tree.first_choice


# The comparison's tree (views/pair_tree.py) hints its groups by the same rules, and
