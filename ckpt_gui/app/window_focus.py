"""Where the main window puts the keyboard focus: the tree after an open, the filter
of what is shown on Ctrl+F (the comparison's while it is shown); Escape, which
clears that filter from anywhere in the window; and the menus' keys over a text
field's own (MenuKeysFirst)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit

from ckpt_gui.app.widgets.tree_panel import TreePanel


def focus_the_tree(tree_panel: TreePanel) -> None:
    """After an open, the tree has the focus (unless the user is typing somewhere): a
    view without it paints its selection in the inactive colour, which many styles
    make all but invisible (the variable in Details showed no selected row)."""
    focused = QApplication.focusWidget()
    if tree_panel.tree is not None and not isinstance(focused, QLineEdit | QAbstractSpinBox):
        tree_panel.view.setFocus(Qt.FocusReason.OtherFocusReason)


def _shown_comparison(window):
    """The comparison's trees while they are shown, else None (browsing, the doctor)."""
    trees = window._compare.trees if window._compare is not None else None
    return trees if trees is not None and window.left_stack.currentWidget() is trees else None


def focus_the_filter(window) -> None:
    """Ctrl+F: the filter of what is shown, the comparison's while it is."""
    trees = _shown_comparison(window)
    if trees is not None:
        trees.focus_search()
    else:
        window.tree_panel.focus_search()


def clear_the_filter(window) -> None:
    """Escape: the filter of what is shown off, the comparison's while it is."""
    trees = _shown_comparison(window)
    if trees is not None:
        trees.search.clear()
    else:
        window.tree_panel.clear_filter()


def bind_escape(window) -> QShortcut:
    """Escape clears the filter from anywhere in the window: a shortcut on each tree
    panel had left it doing nothing with focus on Details or the plots (issue 11).
    One for the window, not one a panel (two in context at once: Qt fires neither).
    What takes Escape itself still gets it first: an open popup (a menu, a combo
    box's list) is its own window, a dialog too, and an item view's in-place editor
    accepts the key's shortcut override (tests/test_app_escape.py)."""
    escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window, lambda: clear_the_filter(window))
    escape.setContext(Qt.ShortcutContext.WindowShortcut)
    escape.setWhatsThis("Clear the filter (the tree's, or the comparison's)")  # the shortcuts dialog's text
    return escape


class MenuKeysFirst(QObject):
    """The window's menu shortcuts win over a text field's own key bindings (review 7).

    A QLineEdit takes the keys of its editing bindings before any shortcut (it accepts
    their ShortcutOverride): with X11's bindings Ctrl+E is its end of line, so Export
    tensor (Ctrl+E) did nothing from the filter box while Ctrl+K worked. The field that
    gets the focus (made later too: the comparison's) has this filter, which declines
    the override for a key an enabled menu action has; every other key stays the field's
    (Ctrl+C, Ctrl+V, Ctrl+A are no menu's)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        # On focus changes only: an application-wide event filter would see every event.
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old, new) -> None:
        if isinstance(new, QLineEdit) and new.window() is self.window:
            new.installEventFilter(self)  # installing it again only moves it first

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(watched, QLineEdit):
            return False
        pressed = QKeySequence(event.keyCombination())
        # The menus' actions are the window's own children (window_menus.add_action); a
        # view's actions (a tree's Ctrl+C) are not, and stay out of the field's way.
        menus = self.window.findChildren(QAction, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if any(pressed in a.shortcuts() and a.isEnabled() for a in menus):
            event.ignore()  # not the field's: the shortcut map fires the action
            return True
        return False
