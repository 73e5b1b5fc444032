"""Help: keyboard shortcuts (generated from the actions), the model-script contract,
a versioned About; the window icon, the app id and the .desktop file (issue 11)."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox, QTableWidget, QTextBrowser

import ckpt_gui
from ckpt_gui.app import help_menu, launch
from ckpt_gui.app.desktop_entry import desktop_entry_text
from ckpt_gui.app.widgets.keyboard_menu import KeyboardMenu
from ckpt_gui.app.window import MainWindow
from ckpt_gui.resources import APP_ID, desktop_file_path, examples_path, icon_path, model_script_contract
from tests.conftest import REPO


def _help_action(win: MainWindow, text: str) -> QAction:
    (menu,) = [a.menu() for a in win.menuBar().actions() if a.text() == "&Help"]
    return next(a for a in menu.actions() if help_menu._plain(a.text()) == text)


def _table(dialog) -> list[tuple[str, str, str]]:
    table = dialog.findChild(QTableWidget, "shortcuts")
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def test_the_shortcuts_dialog_lists_every_shortcut_of_the_window(qtbot, window):
    _help_action(window, "Keyboard shortcuts").trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.windowTitle().startswith("Keyboard shortcuts"))
    qtbot.waitExposed(dialog)
    rows = _table(dialog)
    listed = {(what, keys) for _where, what, keys in rows}
    # Every action of the window that has a key, menus and panels alike, is there once.
    bound = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty() and a.text()]
    menus = {help_menu._panel_name(m.view) for m in window.findChildren(KeyboardMenu)}  # Menu, Shift+F10
    assert len(rows) == len(bound) + len(_shortcut_rows(window)) + len(menus) and len(listed) == len(rows)
    for action in bound:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert (help_menu._what(action), keys) in listed
    assert ("File", "Open folder", QKeySequence("Ctrl+O").toString(QKeySequence.SequenceFormat.NativeText)) in rows
    assert ("Restore", "Diagnose restore", "Ctrl+D") in rows and ("Help", "Keyboard shortcuts", "F1") in rows
    dialog.close()


def _shortcut_rows(win: MainWindow) -> set[tuple[str, str]]:
    """(what, keys) of every QShortcut of the window: one key on several widgets of a
    panel is one row. Not a greyed action's stand-in (previous_checkpoint.GreyedPrevious):
    its key is the action's row."""
    native = QKeySequence.SequenceFormat.NativeText
    return {(help_menu._panel_name(s.parent()), s.whatsThis(), s.key().toString(native))
            for s in win.findChildren(QShortcut) if getattr(s, "stands_in_for", None) is None}  # fmt: skip


def test_the_shortcuts_dialog_lists_the_qshortcuts_too(qtbot, window):
    """Escape (a QShortcut, not an action: it has no menu) is listed with what it does:
    the window's, for browsing and the comparison (window_focus.bind_escape)."""
    window._make_compare_views()
    rows = help_menu.shortcut_rows(window)
    escape = QKeySequence(Qt.Key.Key_Escape).toString(QKeySequence.SequenceFormat.NativeText)
    assert ("Main window", "Clear the filter (the tree's, or the comparison's)", escape) in rows
    shortcuts = _shortcut_rows(window)
    assert len(shortcuts) >= 1 and shortcuts <= set(rows)
    assert all(what for _where, what, _keys in shortcuts)  # every QShortcut says what it does
    assert len(set(rows)) == len(rows)


def test_the_shortcuts_dialog_lists_the_row_menus_keys(qtbot, window):
    """Review: F1 did not list Shift+F10 / the Menu key (the row's menu): keys an event
    filter reads, no QAction or QShortcut. Every key of the window is listed: the
    actions', the QShortcuts' and the row menus'."""
    window._make_compare_views()
    rows = help_menu.shortcut_rows(window)
    native = QKeySequence.SequenceFormat.NativeText
    listed = {key.strip() for _where, _what, keys in rows for key in keys.split(", ")}
    bound = {s.toString(native) for a in window.findChildren(QAction) if a.text() for s in a.shortcuts()}
    bound |= {s.toString(native) for q in window.findChildren(QShortcut) for s in QShortcut.keys(q)}
    menu_keys = {QKeySequence(Qt.Key.Key_Menu).toString(native), QKeySequence("Shift+F10").toString(native)}
    assert bound | menu_keys <= listed, (bound | menu_keys) - listed
    where = {w for w, what, keys in rows if "Shift+F10" in keys}
    assert where == {"Tree panel", "Comparison"}, rows


def test_the_shortcuts_dialog_is_generated_not_written(qtbot, window):
    """A new menu action shows up without anyone editing the dialog."""
    (view,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&View"]
    window._action(view, "Zoom &in", lambda: None, "Ctrl+Alt+Z")
    assert ("View", "Zoom in", "Ctrl+Alt+Z") in help_menu.shortcut_rows(window)
    QShortcut(QKeySequence("Ctrl+Alt+Y"), window.histogram).setWhatsThis("Zoom out")
    assert ("Histogram panel", "Zoom out", "Ctrl+Alt+Y") in help_menu.shortcut_rows(window)


def test_the_contract_dialog_shows_the_readmes_contract(qtbot, window):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"### The model-script contract\n(.*?)\n##+ ", readme, re.S).group(1).strip()
    shipped = model_script_contract().split("\n", 1)[1].strip()  # after its title line
    assert shipped == section, (
        "ckpt_gui/resources/model_script_contract.md must repeat the README's contract section word for word"
    )
    _help_action(window, "Model-script contract").trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if w.windowTitle().startswith("Model-script contract"))
    qtbot.waitExposed(dialog)
    text = dialog.findChild(QTextBrowser, "contract").toPlainText()
    assert "first match wins" in text and "build()" in text and "tf.train.Checkpoint" in text
    assert "`" not in text  # rendered as Markdown, not shown as source
    # The example script by its installed path (not a path in ckpt-gui's sources), its folder a link.
    demo_model = os.path.join(examples_path(), "demo_model.py")
    assert demo_model in text and os.path.isfile(demo_model)
    assert "Restore > Repair..." in text and "see Repairing a checkpoint" not in text
    assert QUrl.fromLocalFile(examples_path()).toString() in dialog.findChild(QTextBrowser, "contract").toHtml()
    dialog.close()


def test_about_names_version_license_and_links(qtbot, window):
    _help_action(window, "About ckpt-gui").trigger()
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == "about")
    qtbot.waitExposed(box)
    assert f"ckpt-gui {ckpt_gui.__version__}" in box.text()
    assert "Apache-2.0" in box.text() and "<a href=" in box.text()
    for kind in ("Keras weights files", ".keras", "URL", ".meta", "SavedModel"):  # what it reads
        assert kind in box.text(), kind
    assert not box.iconPixmap().isNull()  # the app's icon
    box.close()


def test_about_claims_only_the_crcs_that_exist():
    # Keras HDF5 files carry no CRC: "every CRC is verified" promised a check those files cannot get.
    text = help_menu.about_text()
    assert "every CRC is verified" not in text
    assert "CRC32C" in text and "TensorFlow checkpoint" in text and "Keras HDF5 files store none" in text


def test_about_qt_is_qts_own_dialog(qtbot, window):
    shown = []

    def close_it():
        box = QApplication.activeModalWidget()
        shown.append(box.windowTitle() if box else None)
        if box:
            box.close()

    QTimer.singleShot(300, close_it)
    _help_action(window, "About Qt").trigger()  # modal: returns once closed
    assert shown == ["About Qt"]


def test_window_icon_app_id_and_desktop_file(qtbot, window):
    assert not window.windowIcon().pixmap(64, 64).isNull()  # the SVG renders
    app = QGuiApplication.instance()
    saved = app.applicationName(), app.organizationName(), app.desktopFileName()
    try:
        launch.name_application(app)
        assert app.desktopFileName() == APP_ID and app.applicationVersion() == ckpt_gui.__version__
        assert not app.windowIcon().isNull()
    finally:
        app.setApplicationName(saved[0])
        app.setOrganizationName(saved[1])
        app.setDesktopFileName(saved[2])
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(desktop_file_path(), encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Icon"] == APP_ID and desktop["Exec"].startswith("ckpt-gui")
    assert os.path.exists(icon_path())


def test_install_desktop_file_puts_entry_and_icon_in_the_users_data_folder(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "ckpt_gui", "--install-desktop-file"], capture_output=True, text=True, timeout=60,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    entry = tmp_path / "share" / "applications" / f"{APP_ID}.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    lines = result.stdout.splitlines()  # what it wrote where, said (review: it seemed to print nothing)
    assert "application menu" in lines[0]
    assert lines[1:] == [f"  desktop entry: {entry}", f"  icon:          {icon}"]
    assert icon.read_bytes() == Path(icon_path()).read_bytes()
    text = entry.read_text()
    assert f"Exec={sys.executable} -m ckpt_gui %f" in text.splitlines()
    assert text.splitlines()[0] == "[Desktop Entry]" and f"Icon={APP_ID}" in text.splitlines()


def test_the_exec_line_quotes_an_interpreter_path_with_spaces():
    text = desktop_entry_text("/opt/my envs/bin/python")
    assert 'Exec="/opt/my envs/bin/python" -m ckpt_gui %f' in text.splitlines()


def test_f1_opens_the_shortcuts(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F1)

    def shown():
        return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle().startswith("Keyboard")]

    qtbot.waitUntil(lambda: bool(shown()), timeout=5000)
    shown()[0].close()


def test_a_folder_dialog_used_leaves_no_shortcut_behind(qtbot, window, tmp_path, monkeypatch):
    """Review 15: after a repaired checkpoint was written, F1 listed "Files |
    (undescribed) | Del, Ctrl+D": the Write dialog's folder dialog stayed alive as the
    Repair dialog's child, its views' Delete shortcuts collected (Ctrl+D on X11 is also
    Diagnose restore). The dialog goes with its use; F1 lists only the app's own."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QDialog, QFileDialog

    from ckpt_gui.app.widgets import folder_picker
    from tests.test_app_desktop import shortcut_clashes

    repair = QDialog(window)  # as the Repair dialog asks: its parent
    monkeypatch.setattr(folder_picker.NewOrExistingFolder, "exec", lambda dialog: (dialog.accept(), dialog.result())[1])
    assert folder_picker.ask_folder(repair, "Write", str(tmp_path / "new")) == str(tmp_path / "new")
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not window.findChildren(QFileDialog)
    rows = help_menu.shortcut_rows(window)
    assert all(what != "(undescribed)" and where != "Files" for where, what, _keys in rows), rows
    assert ("Restore", "Diagnose restore", "Ctrl+D") in rows and shortcut_clashes(window) == []
    # The clash check sees a dialog left behind: X11's Delete keys (Del, Ctrl+D) against Diagnose restore.
    left = QFileDialog(repair)
    QShortcut(QKeySequence("Ctrl+D"), left)
    assert any(clash.startswith("Ctrl+D: ") for clash in shortcut_clashes(window)), shortcut_clashes(window)


def test_the_shortcuts_list_leaves_out_a_hidden_dialogs_and_qts_own(qtbot, window, tmp_path):
    """A dialog's keys count while it is shown; a Qt dialog's own shortcuts (no
    whatsThis) never: F1 lists what the app's windows answer, in the app's words."""
    from PySide6.QtWidgets import QDialog

    from ckpt_gui.app.widgets.folder_picker import NewOrExistingFolder

    dialog = QDialog(window)
    QShortcut(QKeySequence("Ctrl+Alt+Q"), dialog).setWhatsThis("Quiet")
    NewOrExistingFolder(window, "Write", str(tmp_path / "new")).show()  # Qt's Del shortcuts, undescribed
    rows = {(what, keys) for _where, what, keys in help_menu.shortcut_rows(window)}
    assert ("Quiet", "Ctrl+Alt+Q") not in rows and all(what != "(undescribed)" for what, _keys in rows)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert ("Quiet", "Ctrl+Alt+Q") in {(what, keys) for _where, what, keys in help_menu.shortcut_rows(window)}
    dialog.close()
