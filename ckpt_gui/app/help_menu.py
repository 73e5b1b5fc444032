"""The Help menu: keyboard shortcuts, the model-script contract, About.

The shortcuts dialog is generated from the window's actions, QShortcuts and keyboard
menus (the Menu key, Shift+F10), so it
lists what the keys really do (a QShortcut has no text: its whatsThis says what it
does); the contract is the README's text, shipped as package data.
"""

from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui import __version__
from ckpt_gui.app.widgets import keyboard_menu
from ckpt_gui.app.widgets.keyboard_menu import KeyboardMenu
from ckpt_gui.resources import examples_path, model_script_contract

LICENSE = "Apache-2.0"
# Shown when the package metadata cannot be read (running from a source tree that was never installed).
FALLBACK_URL = "https://github.com/ckpt-gui/ckpt-gui"
ROW_PADDING = 6  # px above and below a row's one line of text
FRAME_ALLOWANCE = 48  # px of the window manager's title bar and borders, outside a dialog's size
LIST_INDENT = 56  # px a rich-text list's bullet and indentation take before an item's text, and slack


def add_help_menu(window: QMainWindow, add_action) -> QMenu:
    """The Help menu; ``add_action(menu, text, slot, shortcut)`` is the window's."""
    menu = window.menuBar().addMenu("&Help")
    add_action(menu, "&Keyboard shortcuts", lambda: show_dialog(shortcuts_dialog(window)), "F1")
    add_action(menu, "&Model-script contract", lambda: show_dialog(contract_dialog(window)))
    menu.addSeparator()
    add_action(menu, "&About ckpt-gui", lambda: show_about(window))
    add_action(menu, "About &Qt", lambda: QMessageBox.aboutQt(window, "About Qt"))
    return menu


def show_dialog(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()  # not exec(): the window's work carries on behind it


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(where, what, keys) for every action of the window that has a shortcut: the
    menus' first, in menu order, then those of the panels (e.g. the tree's Copy), then
    the panels' QShortcuts (e.g. Escape clearing the filter), each listed once."""
    rows, seen = [], set()

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{where} > {_plain(action.text())}")
            elif not action.shortcut().isEmpty():
                rows.append((where, _what(action), _keys(action)))
                seen.add(action)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), _plain(top.text()))
    for action in window.findChildren(QAction):
        if action not in seen and not action.shortcut().isEmpty() and action.text() and _live(action, window):
            rows.append((_panel_name(action.parent()), _what(action), _keys(action)))
    for shortcut in window.findChildren(QShortcut):
        # Only the app's own, described (Qt's dialogs bring theirs: a write's folder
        # dialog added "Files | (undescribed) | Del, Ctrl+D", review 15), in a live window.
        if shortcut.key().isEmpty() or not shortcut.whatsThis() or not _live(shortcut, window):
            continue
        row = (_panel_name(shortcut.parent()), shortcut.whatsThis(), _keys(shortcut))
        if row not in rows:  # one key on several widgets of a panel (Escape: the field and the tree)
            rows.append(row)
    return rows + _row_menu_rows(window)


def _live(obj, window: QMainWindow) -> bool:
    """Whether ``obj`` (a QAction or QShortcut) answers keys of the main window or of a
    dialog shown: one of a dialog hidden, or closed but not yet deleted, does not."""
    parent = obj.parent()
    host = parent.window() if isinstance(parent, QWidget) else window
    return host is window or host.isVisible()


def _row_menu_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """The keys an event filter reads, no QAction or QShortcut: the row menu's, once per panel."""
    native, rows = QKeySequence.SequenceFormat.NativeText, []
    for menu in window.findChildren(KeyboardMenu):
        row = (_panel_name(menu.view), keyboard_menu.WHAT, ", ".join(k.toString(native) for k in keyboard_menu.KEYS))
        if row not in rows:  # the comparison's two trees: one row
            rows.append(row)
    return rows


def shortcuts_dialog(window: QMainWindow) -> QDialog:
    rows = shortcut_rows(window)
    dialog = QDialog(window)
    dialog.setWindowTitle("Keyboard shortcuts - ckpt-gui")
    table = QTableWidget(len(rows), 3)
    table.setObjectName("shortcuts")
    table.setHorizontalHeaderLabels(["Menu or panel", "Command", "Shortcut"])
    rows_header = table.verticalHeader()
    rows_header.hide()
    # One line a row: the style's default (30 px on Fusion) made the list twice as tall as its text.
    rows_header.setMinimumSectionSize(0)
    rows_header.setDefaultSectionSize(table.fontMetrics().height() + ROW_PADDING)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    _layout(dialog, table)
    fit_to_rows(dialog, table)
    return dialog


def fit_to_rows(dialog: QDialog, table: QTableWidget) -> None:
    """As tall as its rows, never taller than the screen's free area less the title bar
    (560x640 at y=40 on a 640 px screen: its Close button was off-screen); the table scrolls."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    frame = 2 * table.frameWidth()
    wanted_table = header.sizeHint().height() + sum(table.rowHeight(r) for r in range(table.rowCount())) + frame
    layout = dialog.layout()
    margins = layout.contentsMargins()
    chrome = margins.top() + margins.bottom() + layout.spacing() + layout.itemAt(1).sizeHint().height()  # Close
    width = max(560, header.length() + frame + table.verticalScrollBar().sizeHint().width() + margins.left() * 2)
    height = wanted_table + chrome
    screen = dialog.screen() if dialog.parentWidget() is None else dialog.parentWidget().screen()
    if screen is not None:
        area = screen.availableGeometry()
        width = min(width, area.width() - FRAME_ALLOWANCE)
        height = min(height, area.height() - FRAME_ALLOWANCE)
    dialog.resize(width, height)


def contract_dialog(window: QMainWindow) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle("Model-script contract - ckpt-gui")
    text = QTextBrowser()
    text.setObjectName("contract")
    text.setOpenExternalLinks(True)  # the examples folder opens in the file manager
    text.setMarkdown(contract_markdown())
    _layout(dialog, text)
    dialog.resize(640, 600)
    return dialog


def contract_markdown() -> str:
    """The README's contract, with what it names as a source path made the installed
    path (a link that opens the examples folder) and the README's section named as
    the app's menu and the CLI's help."""
    examples = examples_path()
    text = model_script_contract()
    text = text.replace("`ckpt_gui/resources/examples/demo_model.py`", f"`{os.path.join(examples, 'demo_model.py')}`")
    text = text.replace("(see Repairing a checkpoint)", "(Restore > Repair... in the app, `ckpt-gui repair --help`)")
    url = QUrl.fromLocalFile(examples).toString()
    return (
        f"{text.rstrip()}\n\nThe example scripts are installed in [{examples}]({url}) (a click opens the folder): "
        "copy one beside your own code to start from it.\n"
    )


def about_text() -> str:
    links = project_urls()
    items = "".join(f'<li>{html.escape(name)}: <a href="{html.escape(url)}">{html.escape(url)}</a></li>'
                    for name, url in links.items())  # fmt: skip
    return (
        f"<h3>ckpt-gui {html.escape(__version__)}</h3>"
        "<p>Look inside TensorFlow checkpoints without TensorFlow: browse, diagnose restores, repair, compare. "
        "Reads TF1 and TF2 checkpoints (with a TF1 checkpoint's .meta graph), SavedModels, Keras weights files "
        "(.weights.h5, .keras, legacy .h5), from a folder or a gs://, s3://, az:// or https:// URL. Every CRC32C "
        "a TensorFlow checkpoint or SavedModel stores is verified (Keras HDF5 files store none).</p>"
        f"<p>License: {LICENSE}</p><ul>{items}</ul>"
    )


def project_urls() -> dict[str, str]:
    """pyproject.toml's [project.urls], from the installed metadata."""
    from importlib import metadata  # noqa: PLC0415 - 40 ms (with email): only when About is shown

    try:
        entries = metadata.metadata("ckpt-gui").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    urls = dict(entry.split(", ", 1) for entry in entries if ", " in entry)
    return urls or {"Homepage": FALLBACK_URL}


def show_about(window: QMainWindow) -> None:
    box = QMessageBox(window)
    box.setWindowTitle("About ckpt-gui")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)  # the links open in a browser
    box.setIconPixmap(window.windowIcon().pixmap(64, 64))
    box.setObjectName("about")
    label = box.findChild(QLabel, "qt_msgbox_label")
    if label is not None:  # each link on one line: the box kept 357 px and wrapped "gui#readme" off its URL
        metrics = label.fontMetrics()
        widest = max(metrics.horizontalAdvance(f"{name}: {url}") for name, url in project_urls().items())
        label.setMinimumWidth(widest + LIST_INDENT)
    show_dialog(box)


def _layout(dialog: QDialog, body: QWidget) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(body)
    layout.addWidget(buttons)


def _panel_name(owner) -> str:
    """The panel an action belongs to, as read: TreePanel -> "Tree panel"."""
    while isinstance(owner, QWidget):
        if owner.accessibleName():
            return owner.accessibleName()
        # A view of ours (the comparison's SideTree) is part of its panel, not one.
        if type(owner).__module__.startswith("ckpt_gui.") and not isinstance(owner, QAbstractItemView):
            name = type(owner).__name__
            return name[0] + "".join(f" {c.lower()}" if c.isupper() else c for c in name[1:])
        owner = owner.parentWidget()
    return "Window"


def _plain(text: str) -> str:
    """A menu text as read: no mnemonic ampersands, no trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("...")


def _what(action: QAction) -> str:
    """An action's command as listed: its text and, when one key does different things in
    different places (Ctrl+C: the tree's key, A's or B's), where it applies (its "applies")."""
    where = action.property("applies")
    return f"{_plain(action.text())} ({where})" if where else _plain(action.text())


def _keys(binding: QAction | QShortcut) -> str:
    sequences = binding.shortcuts() if isinstance(binding, QAction) else binding.keys()
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
