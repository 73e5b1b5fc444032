"""Review 22's findings in the window that need no TensorFlow of their own: the
picker's comparisons said which checkpoint is A (#3: README had the one shown as A,
the code has the older)."""

from __future__ import annotations

import re

from ckpt_gui.resources import demo_path
from tests.conftest import REPO
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path

# -- #3: the picker's Compare with: the older is A ----------------------------------------------


def test_the_pickers_compare_menus_and_the_readme_say_the_older_is_a(qtbot, window):
    open_path(qtbot, window, demo_path())
    picker = window.picker
    newest, older = 0, len(picker.refs) - 1  # newest first; the demo shows its latest
    assert picker.shown_row == newest
    action = next(a for a in picker.menu_for(older).actions() if a.text().startswith("&Compare with this"))
    closed = picker.closed_menu().actions()[0]
    for text in (action.text(), closed.text()):
        assert "older = A, before" in text, text
    # What the labels say is what happens, from the newest shown as from the oldest.
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        action.trigger()
    assert (window.compare.diff.a.prefix, window.compare.diff.b.prefix) == (
        picker.refs[older].prefix,
        picker.refs[newest].prefix,
    )
    window.compare.close()
    # The README says the same of the picker's "Compare with this".
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    said = re.search(r"offers \*Compare with this([^*]*)\*(.{0,200})", readme)
    assert said and "older = A, before" in said.group(1), said and said.group(0)
    assert "A: the one shown" not in readme
