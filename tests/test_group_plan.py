"""A group's histogram plan (core/views/group_plan.py), made on a worker for a large
group while the GUI thread may be making the tree's levels (issue 11: planning
200,000 variables on the GUI thread was 130 to 250 ms)."""

from __future__ import annotations

import threading

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views import lazy_node
from ckpt_gui.core.views.group_plan import plan_group
from ckpt_gui.core.views.lazy_node import TreeNode
from ckpt_gui.core.views.tree import key_tree, object_tree
from tests.test_tree import SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_groups_whole_leaves_are_its_leaves_and_its_count(checkpoints, scenario):
    """The listed walk gives leaves() in leaves()' order, as many as the group counts
    (what a worker's walk is checked against), in both views, levels made or not."""
    ckpt = Checkpoint.open(checkpoints / scenario)
    for tree in (object_tree(ckpt), key_tree(ckpt.variables)):
        for made in (False, True):
            if made:
                list(tree.root.walk())  # every level made
            stack = [tree.root]
            while stack:
                node = stack.pop()
                if node.variable is None or node.pending is not None:
                    leaves = node.whole_leaves()
                    assert leaves == list(node.leaves()), node.path
                    assert len(leaves) == node.variable_count, node.path
                if node.pending is None:
                    stack.extend(node._children)


def _unmade_blocks(ckpt: Checkpoint) -> TreeNode:
    """many's model/blocks (500 blocks of 10 variables), its level not made yet."""
    tree = object_tree(ckpt)
    model = tree.root.by_name["model"] if tree.root.pending is None else None
    if model is None:
        tree.root.children  # noqa: B018 - makes the root's level
        model = tree.root.by_name["model"]
    model.children  # noqa: B018
    blocks = model.by_name["blocks"]
    assert blocks.pending is not None and blocks.variable_count == 5_000
    return blocks


def test_a_workers_walk_meeting_a_level_half_made_walks_again_until_whole(checkpoints, monkeypatch):
    """The GUI thread making a level hands its leaves to the level's groups one by one,
    letting the interpreter lock go between two (lock_slices.Pace): a worker planning
    the group's histogram then walked a level with some groups still empty. Here the
    worker walks while the level is made, at its third step, and gets the whole group."""
    ckpt = Checkpoint.open(checkpoints / "many")
    blocks = _unmade_blocks(ckpt)
    expected = sorted(v.key for v in _unmade_blocks(ckpt).model_variables())
    walks: list[int] = []
    first_walk = threading.Event()
    listed = TreeNode._listed_leaves

    def counted(node):
        leaves = listed(node)
        walks.append(len(leaves))
        first_walk.set()
        return leaves

    found: dict = {}
    worker = threading.Thread(target=lambda: found.update(plan=plan_group(blocks, None, ckpt, {}, 1 << 30)))

    class MidLevel:  # lock_slices.Pace's stand-in: the worker runs at the third step
        steps = 0

        def step(self) -> None:
            MidLevel.steps += 1
            if MidLevel.steps == 3:
                worker.start()
                assert first_walk.wait(30)

    monkeypatch.setattr(TreeNode, "_listed_leaves", counted)
    monkeypatch.setattr(lazy_node, "Pace", MidLevel)
    blocks.children  # noqa: B018 - the level made on this (the main) thread
    worker.join(30)
    assert not worker.is_alive()
    assert walks[0] < blocks.variable_count  # the worker met the level half made
    assert len(walks) > 1 and walks[-1] == blocks.variable_count
    assert sorted(found["plan"].keys) == expected
    assert found["plan"].total == sum(v.size_bytes for v in ckpt.variables if v.key in set(expected))
