"""Behaviour a new user's review in a real X11 window found wrong (issue 11): the
comparison's keyboard and menus, labels and messages that follow the situation, Down
from the filter. Offscreen; checked in a real window (Xvfb + openbox) too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocumentFragment
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from ckpt_gui.app import settings
from ckpt_gui.app.controllers.doctor import DoctorController
from ckpt_gui.app.row_menu import pair_menu
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.compare_dialog import CompareDialog
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, compare_demo_with_first, open_demo, plain
from tests.test_app_ux import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def compared(qtbot, window):
    """The demo's latest checkpoint compared with its first."""
    return compare_demo_with_first(qtbot, window)


def _renamed_or_first_pair(trees):
    pairs = trees.model.tree.diff.pairs
    return next((p for p in pairs if p.a is not None and p.b is not None and "bias" in p.path), pairs[0])


def test_ctrl_f_in_a_comparison_focuses_its_filter(qtbot, compared):
    """Review: Ctrl+F typed into the hidden browse filter while a comparison was shown."""
    trees = compared.compare_trees
    compared.activateWindow()
    trees.view_a.setFocus()
    qtbot.keyClick(trees.view_a, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: trees.search.hasFocus(), timeout=2000)
    assert not compared.tree_panel.search.hasFocus()
    qtbot.keyClicks(trees.search, "bias")
    assert trees.search.text() == "bias" and compared.tree_panel.search.text() == ""


@pytest.mark.parametrize("side", ["A", "B"])
def test_ctrl_c_on_a_comparison_row_copies_its_key(qtbot, compared, side):
    """Review: Ctrl+C copied the row's display name, not the key."""
    trees = compared.compare_trees
    pair = _renamed_or_first_pair(trees)
    assert trees.select_pair(pair)
    view = trees.view_a if side == "A" else trees.view_b
    QGuiApplication.clipboard().clear()
    compared.activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    expected = (pair.a if side == "A" else pair.b).key
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == expected, timeout=2000)


def test_a_comparison_rows_menu_copies_each_sides_key_and_the_paths(qtbot, compared):
    trees = compared.compare_trees
    assert trees.view_a.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    pair = _renamed_or_first_pair(trees)
    said = []
    menu = pair_menu(trees, pair, pair.path, said.append)
    actions = {plain(action.text()): action for action in menu.actions() if action.text()}
    for text, expected in (("Copy A key", pair.a.key), ("Copy B key", pair.b.key)):
        actions[text].trigger()
        assert QGuiApplication.clipboard().text() == expected
    path_action = actions.get("Copy path") or actions["Copy paths"]
    path_action.trigger()
    assert pair.a.display_path in QGuiApplication.clipboard().text().splitlines()
    assert said and all(text.startswith("Copied ") for text in said)


def test_compare_this_variable_compares_it_with_the_previous_checkpoint(qtbot, window):
    """The browse tree's row menu: "Compare this variable" compares the checkpoint
    shown with the one saved before it and selects that variable's pair."""
    open_demo(qtbot, window)
    tree = window.tree_panel.tree
    node = next(n for n in tree.by_key.values() if "bias" in n.path and not n.variable.is_object_graph)
    menu = window.browse.row_menu(node)
    action = next(a for a in menu.actions() if plain(a.text()).startswith("Compare this variable"))
    refs = list(window.browse.ckpt.checkpoints)
    previous = refs[refs.index(window.browse.ckpt.ref) - 1]
    assert action.isEnabled() and action.text().endswith(previous.name)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):  # an earlier comparison, its filter left on
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    window.compare_trees.search.setText("no such variable")
    window.compare.close()
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        action.trigger()
    pair = window.compare_trees.selected_pair()
    assert pair is not None and node.variable.key in (pair.a.key, pair.b.key)
    assert os.path.basename(window.compare.diff.a.prefix) == previous.name


def _heading(label) -> str:
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def test_compare_with_the_dialogs_default_makes_the_older_a_before(qtbot, window, monkeypatch):
    """Review: demo, Ctrl+K, Enter compared ckpt-300 (A, "before") with ckpt-200 (B, "after")."""
    open_demo(qtbot, window)
    shown = window.browse.ckpt
    monkeypatch.setattr(CompareDialog, "exec", lambda _dialog: QDialog.DialogCode.Accepted)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.choose()
    diff, trees = window.compare.diff, window.compare_trees
    refs = [os.path.realpath(ref.prefix) for ref in shown.checkpoints]  # oldest first
    a, b = os.path.realpath(diff.a.prefix), os.path.realpath(diff.b.prefix)
    assert shown.prefix in (diff.a.prefix, diff.b.prefix) and refs.index(a) < refs.index(b)
    assert _heading(trees.heading_a) == f"A (before): demo/{os.path.basename(a)}"
    assert _heading(trees.heading_b) == f"B (after): demo/{os.path.basename(b)}"


def test_checkpoints_of_two_folders_are_not_called_before_and_after(qtbot, window, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    for name in os.listdir(demo_path()):
        if name.startswith("ckpt-100."):
            shutil.copy(os.path.join(demo_path(), name), other / name)
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(other / "ckpt-100"))
    trees = window.compare_trees
    assert _heading(trees.heading_a).startswith("A: demo/") and _heading(trees.heading_b) == "B: elsewhere/ckpt-100"


# -- messages that follow the situation ---------------------------------------------------------


def _report_for(ckpt, script: str) -> RestoreReport:
    """A report as the doctor makes it for ``ckpt`` (one model-only variable): what
    the controller keeps or drops as checkpoints come and go; no attempt is run."""
    finding = RestoreFinding(RestoreStatus.MISSING, "x", None, None, None, None, None, optimizer=False)
    return RestoreReport(
        ckpt.prefix, script, False, None, {RestoreStatus.MISSING: 1}, (finding,), (), TensorFlowVerdict(),
        "python3", "2.x", 0.1,
    )  # fmt: skip


def _doctor_with_report(host, tmp_path, ckpt):
    panel = ReportPanel()
    doctor = DoctorController(Banner(), panel, host)
    script = tmp_path / "model.py"
    script.write_text("model = None\n")
    doctor.set_checkpoint(ckpt)
    doctor._watch(str(script))
    doctor.script_folder = os.path.realpath(os.path.dirname(ckpt.prefix))
    doctor.report = _report_for(ckpt, str(script))
    return doctor, panel


def test_back_to_the_checkpoint_of_the_last_report_shows_it_again(qtbot, host, tmp_path):
    """Review (rv-31): doctor on ckpt-300, picker to ckpt-200 and back: the panel said
    'The last report was for ckpt-300: Re-run to try this checkpoint.' on ckpt-300."""
    ckpt = Checkpoint.open(demo_path())
    doctor, panel = _doctor_with_report(host, tmp_path, ckpt)
    report = doctor.report
    other = ckpt.sibling(next(r for r in ckpt.checkpoints if r != ckpt.ref))
    doctor.set_checkpoint(other)
    assert doctor.report is None and f"The last report was for {ckpt.ref.name}: Re-run" in panel.headline.text()
    seen = []
    doctor.statuses_changed.connect(seen.append)
    doctor.set_checkpoint(Checkpoint.open(ckpt.prefix))
    assert doctor.report is report and seen == [report.variables]
    assert "last report was" not in panel.headline.text() and doctor.script == report.script


def test_the_same_folder_by_another_path_is_not_another_folder(qtbot, host, tmp_path):
    """Review (rv-66): doctor on seed5, another folder opened, seed5 again: 'The last
    report was for ckpt-1, in another folder' though it was the same folder."""
    folder = tmp_path / "seed"
    shutil.copytree(demo_path(), folder)
    (tmp_path / "link").symlink_to(folder)
    ckpt = Checkpoint.open(folder / "ckpt-300")
    doctor, panel = _doctor_with_report(host, tmp_path, ckpt)
    report = doctor.report
    doctor.set_checkpoint(Checkpoint.open(os.path.join(demo_path(), "ckpt-100")))  # another folder
    assert "in another folder" in panel.headline.text()
    doctor.set_checkpoint(Checkpoint.open(tmp_path / "link" / "ckpt-200"))  # the same folder through a link
    assert "in another folder" not in panel.headline.text() and "Re-run" in panel.headline.text()
    assert doctor.script == report.script  # the folder's script again: Re-run runs it
    doctor.set_checkpoint(Checkpoint.open(tmp_path / "link" / "ckpt-300"))
    assert doctor.report is report


def test_the_nan_tip_goes_once_nan_only_is_ticked(qtbot, window, checkpoints):
    """Review (rv-104): "tick 'NaN/Inf only' to list them" stayed after it was ticked."""
    open_path(qtbot, window, checkpoints / "large")  # one variable with a few NaN
    window.browse.start_scan()
    panel = window.tree_panel
    qtbot.waitUntil(lambda: panel.nan_box.isEnabled(), timeout=WAIT_MS)
    said = window.status_message()  # where the tip is told (review 19, F6: not a late banner)
    assert said.endswith("to list them.") and "1 variable holds NaN or Inf" in said
    panel.nan_box.setChecked(True)
    assert not window.status_message().endswith("to list them.")


def test_closing_a_comparison_brings_back_the_reports_outcome(qtbot, window, tmp_path):
    """Review (rv-23): after closing a comparison the status bar was empty, the report still shown."""
    open_demo(qtbot, window)
    doctor = window.doctor
    doctor._adopt(_report_for(window.browse.ckpt, str(tmp_path / "model.py")))
    outcome = window.status_message()
    assert outcome
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    assert window.status_message().startswith("Compared")
    window.compare.close()
    assert window.status_message() == outcome


# -- the filter -------------------------------------------------------------------------------


def test_down_from_the_filter_selects_the_first_match_not_a_group(qtbot, window):
    """Review (rv-109): Ctrl+F, ``gamma``, Down selected the group ``model``."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    window.activateWindow()
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "gamma")
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    qtbot.waitUntil(panel.view.hasFocus, timeout=2000)
    node = panel.model.node(panel.view.currentIndex())
    assert node.variable is not None and node.path.endswith("gamma")


def test_a_groups_histogram_covers_what_the_filter_shows(qtbot, window):
    """Review (rv-109): the group histogram showed all 12 variables while the filter showed 1."""
    open_demo(qtbot, window)
    panel, histogram = window.tree_panel, window.histogram
    panel.search.setText("gamma")
    panel.apply_filter()
    group = next(node for node in panel.tree.root.shown if node.variable is None)
    accept = panel.accept
    shown = {leaf.variable.key for leaf in group.leaves() if leaf.variable is not None and accept(leaf)}
    wanted = [v for v in group.model_variables() if v.key in shown and v.dtype.is_numeric]
    assert 0 < len(wanted) < len(group.model_variables())
    panel.select_node(group)
    qtbot.waitUntil(lambda: "together" in window.details.stats_title.text(), timeout=WAIT_MS)
    assert histogram.histogram.total == sum(v.num_elements for v in wanted)  # every value finite, in range
    assert f"{len(wanted)} numeric variable" in window.details.stats_title.text()
    assert "those the filter shows" in window.details.stats_title.text()


# TensorFlow's own reading of keys (prefix, key, output ...), in one child: the test
# process never imports TensorFlow.
TF_READ = """
import sys, numpy as np, tensorflow as tf
args = sys.argv[1:]
for prefix, key, output in zip(args[::3], args[1::3], args[2::3]):
    np.save(output, tf.train.load_checkpoint(prefix).get_tensor(key))
"""


def _export(window, monkeypatch, pair, side: str, answers: list[str]) -> tuple[list[str], list[str]]:
    """Export ``side``'s value of ``pair`` with the dialog answering ``answers`` in turn:
    where the dialog started each time, and the warnings it gave."""
    starts, warnings = [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, kinds: starts.append(start)
                        or (answers.pop(0), ""))  # fmt: skip
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    window.compare.export_value(pair, side)
    return starts, warnings


def test_a_comparison_rows_menu_exports_a_and_bs_values_never_into_either_folder(qtbot, window, tmp_path, monkeypatch):
    """Review: the comparison's row menu had no Export (the browse tree's has). Both
    sides' values are offered whichever tree the menu opens on; the dialog refuses A's
    folder and B's folder alike, as every export does."""
    folder_b = tmp_path / "older"
    folder_b.mkdir()
    for name in os.listdir(demo_path()):
        if name.startswith("ckpt-100."):
            shutil.copy(os.path.join(demo_path(), name), folder_b / name)
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder_b / "ckpt-100"))
    trees = window.compare_trees
    pair = next(p for p in trees.model.tree.diff.pairs if p.status == "changed" and p.a.num_elements > 1)
    menu = pair_menu(trees, pair, pair.path, export=lambda _side: None)
    texts = [plain(action.text()) for action in menu.actions()]
    assert "Export A's value as .npy..." in texts and "Export B's value as .npy..." in texts
    # The window's own menu, on either tree, gives the pair and the side chosen (the
    # controller's dialog cancelled meanwhile).
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))
    sides = []
    trees.export_requested.connect(lambda p, side: sides.append((p, side)))
    assert trees.select_pair(pair)
    for view in (trees.view_a, trees.view_b):
        current = view.currentIndex()
        cell = current.siblingAtColumn(view.treePosition())  # a column this side shows
        view.scrollTo(cell)
        menu = trees.row_menu(view, view.visualRect(cell).center())
        next(a for a in menu.actions() if plain(a.text()).startswith("Export B's")).trigger()
    assert sides == [(pair, "B"), (pair, "B")]

    settings.settings().setValue("last_folder", str(folder_b))  # where the user last worked: B's folder
    prefix_a, prefix_b = window.browse.ckpt.prefix, str(folder_b / "ckpt-100")
    folder_a = os.path.dirname(prefix_a)
    for side in ("A", "B"):
        answers = [os.path.join(folder_a, "x.npy"), str(folder_b / "x.npy"), str(tmp_path / f"{side}.npy")]
        starts, warnings = _export(window, monkeypatch, pair, side, answers)
        assert len(warnings) == 2 and all("never writes into a checkpoint" in w for w in warnings)
        assert not any(s.startswith((folder_a + os.sep, str(folder_b) + os.sep)) for s in starts), starts
        assert starts[0].endswith(f"_{side}.npy")  # both values of a pair can be kept side by side
        assert window.status_message() == f"Wrote {tmp_path / f'{side}.npy'}"
    assert sorted(os.listdir(folder_b)) == ["ckpt-100.data-00000-of-00001", "ckpt-100.index"]
    assert not os.path.exists(os.path.join(folder_a, "x.npy"))
    oracle = [str(prefix_a), pair.a.key, str(tmp_path / "tf-A.npy"), prefix_b, pair.b.key, str(tmp_path / "tf-B.npy")]
    subprocess.run([sys.executable, "-c", TF_READ, *oracle], check=True, timeout=600)
    written = {side: np.load(tmp_path / f"{side}.npy") for side in ("A", "B")}
    for side in ("A", "B"):
        np.testing.assert_array_equal(written[side], np.load(tmp_path / f"tf-{side}.npy"))
    assert not np.array_equal(written["A"], written["B"])  # the side asked for, not the other
