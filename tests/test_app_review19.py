"""Review 19 in the app (offscreen): F10, the comparison's row menu offered "Export B's
value" for a value B cannot read (it failed only after Save), and the export's error took
the place of the "pairs matched by key" banner for good."""

from __future__ import annotations

import pytest

from ckpt_gui.core.export import export_name
from ckpt_gui.core.format.errors import CheckpointError
from tests.test_app_compare_graph_unreadable import _shown
from tests.test_app_desktop import WAIT_MS
from tests.test_diff_graph_unreadable import cut_data_in_half

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def cut_short(qtbot, window, scratch_copy):
    """ckpt-3 compared with its ckpt-4 whose data file is cut in half: pairs matched by key."""
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-4")
    _shown(qtbot, window, str(folder / "ckpt-3"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "ckpt-4"))
    return window


def _menu_of(trees, pair):
    trees.select_pair(pair)
    view = trees.view_b
    index = view.currentIndex()
    view.indexAt = lambda _position: index  # the selected row, wherever the offscreen view laid it
    return trees.row_menu(view, view.visualRect(index).center())


def _export_items(menu):
    return {a.text().replace("&", ""): a for a in menu.actions() if "value as .npy" in a.text()}


def test_export_is_greyed_with_its_reason_for_a_side_that_cannot_be_read(qtbot, cut_short):
    window = cut_short
    diff = window.compare.diff
    unreadable = next(p for p in diff.pairs if p.status == "unreadable" and p.a is not None and p.b is not None)
    failing = {side.side for side in unreadable.unreadable}
    assert failing == {"B"}
    items = _export_items(_menu_of(window.compare_trees, unreadable))
    b_item, a_item = items["Export B's value as .npy..."], items["Export A's value as .npy..."]
    assert not b_item.isEnabled()
    assert b_item.toolTip().startswith("B's value cannot be read") and "ckpt-4" in b_item.toolTip()
    assert a_item.isEnabled() and "cannot be read" not in a_item.toolTip()
    readable = next(p for p in diff.pairs if p.status not in (None, "unreadable") and not p.unreadable
                    and p.a is not None and p.b is not None and not p.a.is_object_graph)  # fmt: skip
    items = _export_items(_menu_of(window.compare_trees, readable))
    assert all(item.isEnabled() for item in items.values())


def test_an_export_error_leaves_the_key_pairing_banner_shown(qtbot, cut_short, tmp_path, monkeypatch):
    window = cut_short
    standing = window.banner.text
    assert "pairs matched by key" in standing
    fail_an_export(window, tmp_path, monkeypatch)
    said = window.banner.text
    assert "the disk is full" in said and "pairs matched by key" in said, said
    assert window.banner.kind == "error"


def test_largest_changes_lists_measured_changes_and_counts_the_unreadable_apart(qtbot, cut_short):
    """F11: the unreadable pairs ranked first pushed the group's real change off the list."""
    from ckpt_gui.core.views.pair_view import group_view

    window = cut_short
    tree = window.compare_trees.model.tree
    diff = window.compare.diff
    unreadable = sum(p.status == "unreadable" for p in diff.pairs)
    changed = [p for p in diff.pairs if p.status not in (None, "same", "unreadable")]
    assert unreadable and changed  # the fixture has both
    view = group_view(tree, tree.root, tree.known_below(tree.root), top=len(changed))
    assert {id(p) for p in view.largest} == {id(p) for p in changed}
    assert view.unreadable == unreadable
    panel = window.pair_panel
    panel.show_group(view)
    note = panel.group_note.text()
    assert "unreadable" not in note.split("</ol>")[0], note  # none in the ranked list
    assert f"{unreadable:,} pairs below could not be compared" in note.split("</ol>")[1], note


def _status_window(qtbot):
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QLineEdit, QMainWindow, QTreeView, QVBoxLayout, QWidget

    from ckpt_gui.app.window_status import WindowStatus

    class Window(QMainWindow):
        changed = Signal(str)

    window = Window()
    busy = [True]
    status = WindowStatus(window, window.changed, lambda: busy[0], lambda: None)
    body = QWidget()
    layout = QVBoxLayout(body)
    tree, typed = QTreeView(), QLineEdit()  # the tree, and the filter after it in the chain
    layout.addWidget(tree)
    layout.addWidget(typed)
    window.setCentralWidget(body)
    QWidget.setTabOrder(tree, status.cancel_button)  # as in the window: the filter next after Cancel
    QWidget.setTabOrder(status.cancel_button, typed)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    status._on_busy()  # a job running: Cancel shown
    assert status.cancel_button.isVisible()
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    status.window = window  # kept alive while the test holds its status bar
    return typed, status, tree, busy


def test_cancel_clicked_leaves_the_keyboard_where_it_was(qtbot):
    """F3: the click took focus, the button then hid, and Qt passed it to the filter."""
    from PySide6.QtCore import Qt

    typed, status, tree, busy = _status_window(qtbot)
    qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    busy[0] = False
    status._on_busy()
    assert not status.cancel_button.isVisible()
    assert tree.hasFocus() and not typed.hasFocus()


def test_cancel_reached_by_tab_gives_the_keyboard_back_when_it_hides(qtbot):
    from PySide6.QtCore import Qt

    typed, status, tree, busy = _status_window(qtbot)
    status.cancel_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(status.cancel_button.hasFocus)
    qtbot.keyClick(status.cancel_button, Qt.Key.Key_Space)
    busy[0] = False
    status._on_busy()
    assert not status.cancel_button.isVisible()
    assert tree.hasFocus() and not typed.hasFocus()


def test_the_nan_filter_tip_names_the_open_scans_limit_as_a_limit():
    """F5: "more than the 1,073,741,824 bytes scanned on open" read as though 1 GiB had
    been scanned; nothing was, it is the limit."""
    from ckpt_gui.app.nan_scan import SCAN_ACTION, waiting_tip
    from ckpt_gui.core.formatting import format_bytes

    limit = 1 << 30
    tip = waiting_tip(limit + 64, limit)
    assert "scanned on open" not in tip
    assert f"{limit + 64:,} bytes left to read" in tip
    assert f"more than the {format_bytes(limit)} ({limit:,} bytes) an open scans by itself" in tip, tip
    far = waiting_tip(3 * limit, limit)  # sizes that read apart: no bytes
    assert f"more than the {format_bytes(limit)} an open scans by itself: {SCAN_ACTION}" in far, far


def test_the_greyed_graph_tab_says_why(qtbot, window):
    """F8: the disabled "Graph" tab had no tooltip, and read as the object graph's view."""
    from tests.test_app_desktop import open_demo

    open_demo(qtbot, window)
    tabs, at = window.info_tabs, window.info_tabs.indexOf(window.graph_panel)
    assert not tabs.isTabEnabled(at)
    tip = tabs.tabToolTip(at)
    assert "saved_model.pb" in tip and ".meta" in tip and "has none" in tip, tip
    window._enable_graph_tab(True)  # a graph file found: the tip no longer says there is none
    assert tabs.isTabEnabled(at) and "has none" not in tabs.tabToolTip(at)


def test_an_export_of_b_is_named_as_the_tree_names_the_row(qtbot, cut_short, monkeypatch):
    """F10: B's export proposed its raw key as file name where the tree calls the row by
    A's object graph (…/1/_kernel)."""
    window = cut_short
    diff = window.compare.diff
    pair = next(p for p in diff.pairs if p.a is not None and p.b is not None and not p.unreadable
                and not p.a.is_object_graph and p.a.display_path != p.b.display_path)  # fmt: skip
    proposed = []
    monkeypatch.setattr(window.compare, "ask_save_path", lambda _title, name, *_a, **_k: proposed.append(name))
    window.compare.export_value(pair, "B")
    shown = pair.a.display_path  # B's names are A's here (test_app_compare_graph_unreadable)
    assert proposed == [export_name(shown).removesuffix(".npy") + "_B.npy"]
    assert "ATTRIBUTES" not in proposed[0]


def fail_an_export(window, tmp_path, monkeypatch) -> None:
    """Export A's value of the comparison's first pair into a disk that is full: the
    export's error banner (here and in test_app_banner_standing)."""
    pair = next(p for p in window.compare.diff.pairs if p.a is not None and not p.a.is_object_graph)
    monkeypatch.setattr(window.compare, "ask_save_path", lambda *_a, **_k: str(tmp_path / "x.npy"))

    def fails(*_args, **_kwargs):
        raise CheckpointError(str(tmp_path / "x.npy"), "the disk is full")

    monkeypatch.setattr("ckpt_gui.app.controllers.compare.export_npy", fails)
    window.compare.export_value(pair, "A")
