"""The item models on their own: Qt's model checks, and what the shared base answers."""

from __future__ import annotations

from ckpt_gui.app.models.compare_model import NAME_A, NAME_B, STATUS, CompareModel
from ckpt_gui.app.models.tree_model import FETCH_ROWS, VariableTreeModel
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_statuses import pair_filter
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.core.views.tree import first_to_show, object_tree, variable_filter


def test_compare_model_passes_qtmodeltester_as_a_tree_and_as_a_flat_list(qtmodeltester, checkpoints):
    diff = pair_variables(Checkpoint.open(checkpoints / "keras_seq"), Checkpoint.open(checkpoints / "keras_wide"))
    tree = PairTree(diff)
    model = CompareModel()
    model.set_tree(tree)
    qtmodeltester.check(model)
    assert model.refilter(pair_filter("kernel", None), False) > 0
    qtmodeltester.check(model)
    model.refilter(None, True)  # the flat list: every pair a child of the root
    qtmodeltester.check(model)
    assert model.rowCount() == len(tree.leaves)
    assert all(not model.parent(model.index(row, 0)).isValid() for row in range(model.rowCount()))


def test_compare_model_rows_show_each_side(checkpoints):
    folder = checkpoints / "keras_seq"
    model = CompareModel()
    model.set_tree(PairTree(pair_variables(Checkpoint.open(folder / "ckpt-2"), Checkpoint.open(folder / "ckpt-4"))))
    leaf = model.tree.leaves[0]
    index = model.index_of(leaf)
    assert model.node(index) is leaf and model.is_shown(leaf)
    assert index.siblingAtColumn(NAME_A).data() == index.siblingAtColumn(NAME_B).data() == leaf.name
    assert index.siblingAtColumn(STATUS).data()  # "comparing" until the values are compared
    assert not model.index_of(model.tree.root).isValid()


def test_is_shown_follows_the_filter(checkpoints):
    model = VariableTreeModel()
    model.set_tree(object_tree(Checkpoint.open(checkpoints / "keras_seq")))
    nodes = list(model.tree.by_key.values())
    assert all(model.is_shown(node) for node in nodes)
    model.refilter(variable_filter("bias"))
    shown = [node for node in nodes if model.is_shown(node)]
    assert shown and all("bias" in node.search_text for node in shown)
    for node in shown:  # a shown node's index leads back to it, through its shown parents
        index = model.index_of(node)
        assert model.node(index) is node
        assert model.node(model.parent(index)) is (node.parent if node.parent.parent is not None else model.tree.root)


def test_first_to_show_is_the_largest_float_matrix(checkpoints):
    tree = object_tree(Checkpoint.open(checkpoints / "keras_seq"))
    first = first_to_show(tree)
    matrices = [n.variable for n in tree.by_key.values() if n.kind == "variable" and len(n.variable.shape) >= 2]
    assert first.variable.num_elements == max(v.num_elements for v in matrices)
    assert first.kind == "variable"  # never an optimizer slot of the same shape


def test_the_view_makes_only_the_levels_it_shows(qtbot, qtmodeltester, checkpoints):
    """Expanding a group of 500 blocks makes the blocks' rows, each with its expand
    arrow, not their children; selecting a deep variable makes the levels above it."""
    from PySide6.QtWidgets import QTreeView

    tree = object_tree(Checkpoint.open(checkpoints / "many"))
    model = VariableTreeModel()
    model.set_tree(tree)
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    model_index = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data() == "model")
    view.expand(model_index)
    blocks_index = model.index(0, 0, model_index)
    view.expand(blocks_index)
    qtbot.waitExposed(view)
    blocks = model.node(blocks_index)
    assert model.rowCount(blocks_index) == min(len(blocks.children), FETCH_ROWS) > 100  # the first batch
    assert all(model.hasChildren(model.index(r, 0, blocks_index)) for r in range(model.rowCount(blocks_index)))
    assert all(not list(block.built_nodes())[1:] for block in blocks.children)  # no block's level made
    deep = tree.by_key["model/blocks/123/weight_2/.ATTRIBUTES/VARIABLE_VALUE"]
    index = model.index_of(deep)
    view.setCurrentIndex(index)
    view.scrollTo(index)
    assert model.node(view.currentIndex()) is deep and view.isExpanded(index.parent())
    assert sum(1 for block in blocks.children if list(block.built_nodes())[1:]) == 1
    model.refilter(variable_filter("blocks/150/weight_5"))
    shown = [n for n in tree.by_key.values() if model.is_shown(n) and n.variable is not None]
    assert [n.variable.key for n in shown] == ["model/blocks/150/weight_5/.ATTRIBUTES/VARIABLE_VALUE"]
    qtmodeltester.check(model)


def test_tree_model_passes_qtmodeltester_and_its_parent_is_the_shown_parent(qtmodeltester, checkpoints):
    """``parent`` is written out in one step and ``data`` answers by one lookup per role
    (Qt asks them of every cell painted): the parents agree with the model's own
    ``shown_parent`` and ``shown_row``, filtered or not, and Qt's own checks pass."""
    model = VariableTreeModel()
    model.set_tree(object_tree(Checkpoint.open(checkpoints / "keras_seq")))
    for accept in (None, variable_filter("kernel")):
        model.refilter(accept)
        qtmodeltester.check(model)
        pending, seen = [model.index(row, 0) for row in range(model.rowCount())], 0
        while pending:
            index = pending.pop()
            owner = model.shown_parent(model.node(index))
            assert model.node(model.parent(index)) is owner
            if model.shown_parent(owner) is not None:
                assert model.parent(index).row() == model.shown_row(owner)
            pending += [model.index(row, 0, index) for row in range(model.rowCount(index))]
            seen += 1
        assert seen > 5
