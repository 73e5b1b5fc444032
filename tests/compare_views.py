"""The comparison's two trees shown over a diff, as the app shows them: one way for
the tests that look at the trees alone (no window)."""

from __future__ import annotations


def shown_trees(qtbot, diff, width: int, height: int = 440, expand: bool = True, fit: bool = False):
    """A :class:`CompareTrees` of ``width`` x ``height`` showing ``diff``'s pairs (A's rows
    all opened with ``expand``, the columns fitted at once with ``fit``)."""
    from ckpt_gui.app.widgets.compare_trees import CompareTrees
    from ckpt_gui.core.views.pair_tree import PairTree

    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(width, height)
    trees.show()
    qtbot.waitExposed(trees)
    trees.show_tree(PairTree(diff), "a", "b")
    if expand:
        trees.view_a.expandAll()
    if fit:
        trees.fit_columns()
    return trees
