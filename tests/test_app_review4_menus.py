"""Review 4 (issue 11, a real window): the Open file dialog's filter, the shortcuts
dialog's size and wording, File > Compare with previous checkpoint greyed when there is
none."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QKeySequence, QScreen
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QTableWidget

from ckpt_gui.app import help_menu
from ckpt_gui.resources import demo_path

WAIT_MS = 60_000


def test_open_file_offers_keras_files_beside_checkpoint_files(qtbot, window, monkeypatch):
    offered = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda parent, title, start, kinds: offered.append(kinds) or ("", "")
    )
    window.browse.choose_file()
    (kinds,) = offered
    first, *rest = kinds.split(";;")
    # Hidden by the first filter (review): every Keras weights file the app opens.
    for pattern in ("*.keras", "*.weights.h5", "*.h5", "*.weights.json", "*.index", "saved_model.pb"):
        assert pattern in first.split("(", 1)[1].rstrip(")").split()
    assert rest == ["All files (*)"]


def test_the_shortcuts_dialog_fits_the_screen_with_one_line_rows(qtbot, window):
    window._make_compare_views()  # every shortcut: the list is at its longest
    dialog = help_menu.shortcuts_dialog(window)
    dialog.show()
    qtbot.waitExposed(dialog)
    area = window.screen().availableGeometry()
    # 640 px tall on a 640 px screen: its bottom and Close button were off-screen (review).
    assert dialog.height() + help_menu.FRAME_ALLOWANCE <= area.height()
    assert dialog.width() <= area.width()
    table = dialog.findChild(QTableWidget, "shortcuts")
    line = table.fontMetrics().height()
    assert all(table.rowHeight(r) < 1.6 * line for r in range(table.rowCount()))  # ~30 px for one line before
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert close.isVisible() and dialog.rect().contains(close.geometry())
    _close(qtbot, dialog)


def test_the_shortcuts_dialog_is_never_taller_than_a_small_screen(qtbot, window, monkeypatch):
    window._make_compare_views()
    small = QRect(0, 0, 1024, 300)  # offscreen's screen is 800 px tall: a smaller one, as a laptop's
    monkeypatch.setattr(QScreen, "availableGeometry", lambda screen: small)
    dialog = help_menu.shortcuts_dialog(window)
    assert dialog.height() + help_menu.FRAME_ALLOWANCE <= small.height()
    table = dialog.findChild(QTableWidget, "shortcuts")
    assert sum(table.rowHeight(r) for r in range(table.rowCount())) > small.height()  # it scrolls
    _close(qtbot, dialog)


def test_the_shortcuts_dialog_is_no_taller_than_its_rows(qtbot, window):
    dialog = help_menu.shortcuts_dialog(window)  # browsing only: fewer rows than the screen holds
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.findChild(QTableWidget, "shortcuts")
    assert table.verticalScrollBar().maximum() == 0  # every row shown
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    assert table.viewport().height() - rows < 3 * table.fontMetrics().height()  # and not much empty space
    _close(qtbot, dialog)


def test_each_ctrl_c_of_the_shortcuts_says_where_it_applies(qtbot, window):
    window._make_compare_views()
    copies = [what for _where, what, keys in help_menu.shortcut_rows(window) if keys == _native("Ctrl+C")]
    # "Copy B's key", "Copy A's key", "Copy key" did not say where each applies (review).
    assert sorted(copies) == sorted(
        [
            "Copy A's key (in tree A)",
            "Copy B's key (in tree B)",
            "Copy key (in the checkpoint's tree)",
            "Copy the cells selected (in the Values table)",
        ]
    )


def _native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def _close(qtbot, dialog) -> None:
    """Closed and deleted: a later test finds the dialog it opens among the top-level widgets."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    with qtbot.waitSignal(dialog.destroyed):
        dialog.close()


def test_compare_with_previous_is_greyed_on_the_oldest_checkpoint(qtbot, window):
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(demo_path())
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    refs = list(window.browse.ckpt.checkpoints)
    assert len(refs) > 1 and window.browse.ckpt.ref == refs[-1] and window.previous_action.isEnabled()
    # The oldest (the demo's ckpt-100): enabled, it only said "nothing before it" (review).
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(refs[0])
    assert window.browse.ckpt.ref == refs[0] and not window.previous_action.isEnabled()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(refs[1])  # one before it again: enabled
    assert window.previous_action.isEnabled()
