"""The main window's menu bar (File, View, Restore, Help): its actions, the ones the
window enables and disables as it goes (``previous_action``, ``close_compare_action``,
``export_action``, ``repair_action``, ``clear_diagnosis_action``) kept on the window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from ckpt_gui.app import settings, window_focus, window_workflows
from ckpt_gui.app.help_menu import add_help_menu
from ckpt_gui.app.open_url import ask_url

PREVIOUS_KEY = "Ctrl+Shift+P"  # File > Compare with previous checkpoint


def build_menus(window) -> None:
    browse, tree, add = window.browse, window.tree_panel, window._action
    # The doctor's and the comparison's actions make their workflow when first chosen.
    doctor = window_workflows.MadeOnUse(lambda: window.doctor)
    compare = window_workflows.MadeOnUse(lambda: window.compare)
    menu = window.menuBar().addMenu("&File")
    menu.setToolTipsVisible(True)  # Compare with previous checkpoint's, when greyed: why
    add(menu, "Open &folder...", browse.choose_folder, QKeySequence.StandardKey.Open)
    add(menu, "Open f&ile...", browse.choose_file, "Ctrl+Shift+O")
    add(menu, "Open &URL...", lambda: _open_url(window), "Ctrl+Shift+U")
    window.recent_menu = menu.addMenu("Open &recent")
    window.recent_menu.aboutToShow.connect(lambda: _fill_recent(window))
    menu.addSeparator()
    add(menu, "&Compare with...", compare.choose, "Ctrl+K")
    # P for previous: it had no key at all (review 21 #20); Ctrl+P alone is Print's.
    window.previous_action = add(menu, "Compare with &previous checkpoint", compare.compare_with_previous,
                                 PREVIOUS_KEY)  # fmt: skip
    window.close_compare_action = add(menu, "C&lose comparison", compare.close, "Ctrl+Shift+K")
    window.close_compare_action.setEnabled(False)  # nothing compared yet (see _connect)
    menu.addSeparator()
    window.export_action = add(menu, "&Export tensor as .npy...", browse.export_tensor, "Ctrl+E")
    add(menu, "Save &histogram as PNG...", browse.export_histogram)
    menu.addSeparator()
    add(menu, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    view = window.menuBar().addMenu("&View")
    view.setToolTipsVisible(True)  # the object graph view's, when greyed: why
    add(view, "&Find variable", lambda: window_focus.focus_the_filter(window), QKeySequence.StandardKey.Find)
    objects = add(view, "Object &graph view", lambda: tree.objects_button.setChecked(True), "Ctrl+1")
    window.objects_view_action = objects
    window.keys_view_action = add(view, "Checkpoint &keys view", lambda: tree.keys_button.setChecked(True), "Ctrl+2")
    # Greyed as the view switch's radio is: enabled, Ctrl+1 checked the greyed radio of a
    # checkpoint without an object graph while the tree stayed in key view (review 10).
    window.views_switch = ViewsSwitch(objects, window.keys_view_action)
    tree.objects_view_available.connect(window.views_switch.objects_available)
    add(view, "&Scan all variables for NaN/Inf", browse.start_scan)
    view.addSeparator()
    # F5 as browsers and file managers: not the Refresh standard key, which is Ctrl+R on some
    # platforms (the Restore menu's Re-run diagnosis).
    add(view, "&Reload checkpoint and folder", browse.reload, "F5")
    restore = window.menuBar().addMenu("&Restore")
    restore.setToolTipsVisible(True)  # Repair's, when greyed: why
    add(restore, "&Diagnose restore...", doctor.choose_script, "Ctrl+D")
    add(restore, "&Re-run diagnosis", doctor.rerun, "Ctrl+R")
    add(restore, "&Python interpreter...", doctor.choose_python)
    add(restore, "&Time limit...", doctor.choose_time_limit)
    add(restore, "&Memory limit...", doctor.choose_memory_limit)
    gpus = add(restore, "Allow &GPUs", lambda: doctor.set_allow_gpu(gpus.isChecked()))
    gpus.setCheckable(True)
    gpus.setChecked(settings.allow_gpu())
    # Enabled only with a diagnosis to repair from or to clear (_enable_diagnosis_actions).
    window.repair_action = add(restore, "R&epair...", window._propose_repair)
    window.clear_diagnosis_action = add(restore, "&Clear diagnosis", doctor.clear)
    window._enable_diagnosis_actions()
    add_help_menu(window, add)


class ViewsSwitch:
    """The View menu's Ctrl+1 / Ctrl+2: greyed, with why in their tooltips, when the
    object graph view cannot be shown, and both while a comparison is shown (they
    switched the browse tree hidden behind it, seen only once the comparison closed,
    review 27 #5; the comparison's trees have one view)."""

    COMPARING = "The comparison shows the variables one way: close it (Ctrl+Shift+K) to switch the browse tree's view"

    def __init__(self, objects: QAction, keys: QAction) -> None:
        self.objects, self.keys = objects, keys
        self._objects_why = ""  # why the object graph view cannot be shown ("": it can)
        self._comparing = False

    def objects_available(self, available: bool, why: str) -> None:
        self._objects_why = "" if available else why
        self._follow()

    def comparing(self, shown: bool) -> None:
        self._comparing = shown
        self._follow()

    def _follow(self) -> None:
        why_keys = self.COMPARING if self._comparing else ""
        _grey(self.keys, why_keys)
        _grey(self.objects, why_keys or self._objects_why)


def _grey(action: QAction, why: str) -> None:
    """``action`` greyed when there is a ``why``, said in a tooltip over it: Qt shows no
    status tip for a disabled item ("" when enabled: the menu would repeat the item's text)."""
    action.setEnabled(not why)
    action.setToolTip(why)


def add_action(window, menu, text, slot, shortcut=None) -> QAction:
    """An action of ``window`` in ``menu`` (``MainWindow._action``)."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


def _open_url(window) -> None:
    url = ask_url(window)
    if url:
        window.browse.open_path(url)


def _fill_recent(window) -> None:
    window.recent_menu.clear()
    recent = settings.recent_paths()
    if not recent:
        window.recent_menu.addAction("(none)").setEnabled(False)
    for path in recent:
        window.recent_menu.addAction(path, lambda p=path: window.browse.open_path(p))
