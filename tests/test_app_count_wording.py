"""The tree's header and ``ckpt-gui inspect`` count a checkpoint alike (review 17): the
header said "27 variables" over 28 rows (the object graph one of them) where inspect
said "28 tensors". Both now say "N variables + object graph" for a checkpoint holding
one, "N variables" for one without."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

import pytest

from ckpt_gui.resources import demo_path
from tests.conftest import REPO
from tests.test_app_desktop import open_demo
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _inspect_line(path: str) -> str:
    """inspect's line of counts (its second line), from the command as a user runs it (the
    text table's ``out`` is bound to the sys.stdout of its import: redirecting it here
    would depend on which test imported it first)."""
    command = [sys.executable, "-m", "ckpt_gui", "inspect", path]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=os.environ, check=True)
    return done.stdout.splitlines()[1]


def test_the_tree_header_and_inspect_count_the_demo_alike(qtbot, window):
    open_demo(qtbot, window)
    tree = window.tree_panel.tree
    header = window.tree_panel.count_label.text()
    rows = len(tree.by_key)  # the object graph's row among them
    assert header == f"{rows - 1} variables + object graph"
    assert f", {header}, " in _inspect_line(demo_path())


def test_without_an_object_graph_both_say_variables_alone(tmp_path):
    write_bundle(str(tmp_path / "two"), [(name, "float32", (), struct.pack("<f", 1.0)) for name in ("a", "b")])
    line = _inspect_line(str(tmp_path / "two"))
    assert ", 2 variables, 2 values, " in line and "object graph" not in line


def test_narrow_the_header_keeps_its_word_before_the_number_alone(qtbot, window):
    """At 1024 px the whole "35 variables + object graph" does not fit beside the view
    choice: the note goes first, "35 variables" stays (not "35" alone)."""
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024)
    label = window.tree_panel.count_label
    variables = f"{window.tree_panel.tree.variable_total} variables"
    label.setFixedWidth(label.fontMetrics().horizontalAdvance(variables) + 8)
    qtbot.waitUntil(lambda: label.shown() == variables)


def test_at_1024_px_the_header_keeps_the_object_graph_note_in_a_shorter_form(qtbot, window):
    """Review 22 #25: at 1024x640 the header dropped "+ object graph" (about 150 px left,
    the whole is wider). "vars" gives way first, so the note stays; the tooltip says the whole."""
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024)
    label = window.tree_panel.count_label
    total = window.tree_panel.tree.variable_total
    assert label.fontMetrics().horizontalAdvance(label.text()) > label.contentsRect().width()  # the whole cannot fit
    qtbot.waitUntil(lambda: label.shown() == f"{total} vars + object graph")
    assert label.fontMetrics().horizontalAdvance(label.shown()) <= label.contentsRect().width()  # whole, not cut
    assert label.toolTip().startswith(f"{total} variables + object graph\n")
