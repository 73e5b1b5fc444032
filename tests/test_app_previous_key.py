"""Review 22 #11: Compare with previous checkpoint (Ctrl+Shift+P) with no previous
checkpoint did nothing and said nothing: the action is greyed there, and Qt ignores a
greyed action's shortcut. The key, pressed in the window as a user does, now says why in
the status bar; the greyed item's tooltip says it too. Offscreen, on copies of the demo."""

from __future__ import annotations

import os
import shutil

from PySide6.QtCore import Qt

from tests.test_app_desktop import WAIT_MS, shortcut_clashes

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    window.activateWindow()


def _press_previous(qtbot, window) -> None:
    qtbot.keyClick(window.tree_panel.view, Qt.Key.Key_P, CTRL_SHIFT)


def test_the_key_on_the_oldest_checkpoint_says_why_in_the_status_bar(qtbot, window, demo):
    _open(qtbot, window, demo / "ckpt-100")
    assert not window.previous_action.isEnabled()  # greyed as before (review 4)
    why = "ckpt-100 is the oldest checkpoint of the folder: nothing was saved before it to compare it with."
    assert window.previous_action.toolTip() == why
    _press_previous(qtbot, window)
    assert window.statusBar().currentMessage() == why
    assert window._compare is None or window.compare.diff is None  # nothing compared
    assert shortcut_clashes(window) == []  # the stand-in key is never enabled beside the action


def test_the_key_on_a_lone_checkpoint_says_it_is_the_only_one(qtbot, window, demo, tmp_path):
    lone = tmp_path / "lone"
    lone.mkdir()
    for name in ("ckpt-200.index", "ckpt-200.data-00000-of-00001"):
        shutil.copy(demo / name, lone / name)
    _open(qtbot, window, lone)
    _press_previous(qtbot, window)
    assert window.statusBar().currentMessage().startswith("ckpt-200 is the only checkpoint of the folder")


def test_the_key_compares_once_there_is_a_previous_checkpoint_and_says_nothing_more(qtbot, window, demo):
    _open(qtbot, window, demo / "ckpt-100")
    refs = list(window.browse.ckpt.checkpoints)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(refs[1])
    assert window.previous_action.isEnabled() and "nothing was saved" not in window.previous_action.toolTip()
    window.statusBar().clearMessage()
    with qtbot.waitSignal(window.compare.done, timeout=WAIT_MS):
        _press_previous(qtbot, window)
    assert window.statusBar().currentMessage() == ""
    diff = window.compare.diff
    assert [os.path.basename(c.prefix) for c in (diff.a, diff.b)] == ["ckpt-100", "ckpt-200"]
