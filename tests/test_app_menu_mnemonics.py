"""The row context menus (browse tree and the comparison's trees) have a mnemonic on
every item, as the menu bar has, and none twice in a menu (review 17): a keyboard user
opening one with Shift+F10 had only the arrows."""

from __future__ import annotations

import pytest

from ckpt_gui.app.row_menu import pair_menu
from tests.test_app_desktop import compare_demo_with_first, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def mnemonics(text: str) -> list[str]:
    """The mnemonic letters in a menu item's text (``&&`` is an ampersand shown)."""
    letters, at = [], 0
    while at < len(text) - 1:
        if text[at] == "&":
            if text[at + 1] != "&":
                letters.append(text[at + 1].lower())
            at += 2
        else:
            at += 1
    return letters


def check(menu) -> list[str]:
    items = [action.text() for action in menu.actions() if not action.isSeparator()]
    letters = [mnemonics(text) for text in items]
    assert all(len(found) == 1 for found in letters), items
    flat = [found[0] for found in letters]
    assert len(set(flat)) == len(flat), items
    return items


def test_every_browse_row_menu_item_has_its_own_mnemonic(qtbot, window):
    open_demo(qtbot, window)
    panel = window.tree_panel
    for view in ("objects", "keys"):
        (panel.objects_button if view == "objects" else panel.keys_button).click()
        rows = list(panel.tree.by_key.values())  # variables, the object graph among them
        rows += [node for node in panel.tree.root.children if node.variable is None]  # groups
        for node in rows:
            check(window.browse.row_menu(node))


def test_an_ampersand_in_a_checkpoint_name_is_no_mnemonic(qtbot, window):
    open_demo(qtbot, window)
    window.browse.compare_partner = lambda: "run&walk"
    node = next(node for node in window.tree_panel.tree.by_key.values() if not node.variable.is_object_graph)
    items = check(window.browse.row_menu(node))
    assert any(text.endswith("run&&walk") for text in items), items


def test_every_comparison_row_menu_item_has_its_own_mnemonic(qtbot, window):
    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    for pair in trees.model.tree.diff.pairs:
        check(pair_menu(trees, pair, pair.path, export=lambda _side: None))
    check(pair_menu(trees, None, "model/_functional"))  # a group's row


def test_a_command_has_one_mnemonic_across_row_kinds(qtbot, window):
    """Review 19 F14: "Copy object path" was &o on a variable, &C on a group (C is Copy
    key on a variable): a letter learnt on one row did something else on another."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    letter_of: dict[str, set[str]] = {}
    for view in ("objects", "keys"):
        (panel.objects_button if view == "objects" else panel.keys_button).click()
        rows = list(panel.tree.by_key.values())
        rows += [node for node in panel.tree.root.children if node.variable is None]
        for node in rows:
            for action in window.browse.row_menu(node).actions():
                if not action.isSeparator():
                    letter_of.setdefault(action.text().replace("&", ""), set()).update(mnemonics(action.text()))
    assert "Copy object path" in letter_of
    assert all(len(letters) == 1 for letters in letter_of.values()), letter_of
