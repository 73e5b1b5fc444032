"""Where the main window puts the keyboard focus: the tree after an open, the filter
of what is shown on Ctrl+F (the comparison's while it is shown)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit

from ckpt_gui.app.widgets.tree_panel import TreePanel


def focus_the_tree(tree_panel: TreePanel) -> None:
    """After an open, the tree has the focus (unless the user is typing somewhere): a
    view without it paints its selection in the inactive colour, which many styles
    make all but invisible (the variable in Details showed no selected row)."""
    focused = QApplication.focusWidget()
    if tree_panel.tree is not None and not isinstance(focused, QLineEdit | QAbstractSpinBox):
        tree_panel.view.setFocus(Qt.FocusReason.OtherFocusReason)


def focus_the_filter(window) -> None:
    """Ctrl+F: the filter of what is shown, the comparison's while it is."""
    trees = window._compare.trees if window._compare is not None else None
    if trees is not None and window.left_stack.currentWidget() is trees:
        trees.focus_search()
    else:
        window.tree_panel.focus_search()
