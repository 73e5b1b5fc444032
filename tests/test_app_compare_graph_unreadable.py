"""Review 15 in the app, on the session's TensorFlow-written keras_seq (damaged here):
M2, a B whose data file is cut short compared nothing ("Comparison stopped", "no pair
compared", B's tree by raw key fragments): now paired by key, said once, the readable
pairs compared; #3, Compare with a folder whose newest checkpoint cannot be read was
refused ("Cannot compare"), the dialog proposing it unmarked: now the newest readable,
said in one sentence, and the dialog marks the unreadable; #4, a "Cannot compare" banner
stayed over the doctor's report, and a drop's "Not used" note went when the comparison
spoke; #9, the status bar left the NaN/Inf count out. Review 16 #3: both trees showed
the keys (`optimizer > _trainable_variables > 0`) though A's object graph reads: now
named by it, as the normal comparison, Details saying whose names B's are. Offscreen."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QLabel

from ckpt_gui.app.models.compare_model import NAME_A, NAME_B
from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR, HINT_SEPARATOR
from ckpt_gui.app.widgets.compare_dialog import CompareDialog
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_flow import _drop
from tests.test_cli_review12 import _cut_newest
from tests.test_diff_graph_unreadable import cut_data_in_half

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _shown(qtbot, window, path: str) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(path)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


@pytest.mark.parametrize("problem", ["data file truncated", "data file missing"])
def test_a_b_cut_short_is_compared_pair_by_pair_and_the_pairing_said_once(
    qtbot, window, scratch_copy, checkpoints, problem
):
    folder = scratch_copy("keras_seq")
    lost = cut_data_in_half(folder / "ckpt-4")
    if problem == "data file missing":  # the index alone (review 16's nodata): every pair unreadable
        os.remove(Checkpoint.open(folder / "ckpt-4").index.data_path(0))
        lost = {v.key for v in Checkpoint.open(folder / "ckpt-3").variables if not v.is_object_graph}
    _shown(qtbot, window, str(folder / "ckpt-3"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):  # it stopped: never "done"
        window.compare.compare_with(str(folder / "ckpt-4"))
    said = window.banner.text
    assert f"B's object graph cannot be read (ckpt-4.data-00000-of-00001: {problem})" in said, said
    assert said.count("pairs matched by key, named by A's object graph") == 1 and "stopped" not in said
    assert window.banner.kind == "warning" and "_CHECKPOINTABLE_OBJECT_GRAPH" in window.banner.details
    trees = window.compare_trees
    assert "stopped" not in trees.title.text()
    diff = window.compare.diff
    assert {pair.key for pair in diff.pairs if pair.status == "unreadable"} == lost
    assert all(pair.status is not None for pair in diff.pairs)
    status = window.status_label.text()
    assert status.startswith("Compared: ") and f"{len(lost)} unreadable" in status, status
    trees.view_a.expandAll()
    trees.view_b.expandAll()
    # Both trees named by A's object graph (review 16 #3: `optimizer > _trainable_variables > 0`
    # in both, A's graph readable), as the comparison with the undamaged B names them.
    intact = PairTree(pair_variables(diff.a, Checkpoint.open(checkpoints / "keras_seq" / "ckpt-4")))
    want = {leaf.pair.key: (leaf.side_path("a"), leaf.side_path("b")) for leaf in intact.leaves}
    shown = {leaf.pair.key: (_shown_path(trees.model, leaf, NAME_A), _shown_path(trees.model, leaf, NAME_B))
             for leaf in trees.model.tree.leaves}  # fmt: skip
    assert shown == want
    assert any(path.endswith("/_kernel/momentum") for path, _ in shown.values())
    kernel = next(pair for pair in diff.pairs if pair.key.startswith("optimizer/_trainable_variables/0/"))
    trees.select_pair(kernel)  # Details: A's object path, and whose names B's are
    title = window.pair_panel.title.text().replace("\u200b", "")
    assert kernel.a.display_path in title and "optimizer/_trainable_variables" not in title, title
    assert "in B" not in title, title
    qtbot.waitUntil(lambda: any(w.text() == "Paired by" for w in window.pair_panel.findChildren(QLabel)),
                    timeout=WAIT_MS)  # fmt: skip
    texts = [w.text().replace("\u200b", "") for w in window.pair_panel.findChildren(QLabel)]
    note = next(t for t in texts if t.startswith("key "))
    said = f"key {kernel.key} in both files; B's object graph cannot be read: B's names here are A's for this key."
    assert note == said, note
    assert diff.key_pairing_why in window.banner.details  # why the same key is the same variable


def _shown_path(model, leaf, column: int) -> str:
    """A pair's place as a tree shows it: the names of its row and the rows above it (less
    a group's layer hint and a row's badge)."""
    names, node = [], leaf
    while node.parent is not None:
        text = model.index_of(node, column).data()
        names.append(text.split(HINT_SEPARATOR)[0].split(BADGE_SEPARATOR)[0])
        node = node.parent
    return "/".join(reversed(names))


def test_compare_with_a_folder_whose_newest_cannot_be_read_compares_the_newest_readable(
    qtbot, window, scratch_copy, checkpoints
):
    folder = scratch_copy("keras_seq")
    broken, readable = _cut_newest(folder)
    _shown(qtbot, window, str(checkpoints / "keras_seq" / "ckpt-2"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder))
    assert window.compare.diff.b.prefix == readable
    name, instead = os.path.basename(broken), os.path.basename(readable)
    said = window.banner.text
    assert f"B: {name} cannot be read ({name}.index: not a TensorFlow index table)" in said, said
    assert f"comparing {instead}, the newest readable checkpoint of this folder" in said, said
    assert "Cannot compare" not in said and "showing" not in said


def test_the_dialog_marks_the_unreadable_and_proposes_the_newest_readable(qtbot, host, scratch_copy, checkpoints):
    from ckpt_gui.app.compare_partner import _locate_marked

    folder = scratch_copy("keras_seq")
    broken, readable = _cut_newest(folder)
    dialog = CompareDialog(str(checkpoints / "keras_seq" / "ckpt-2"), str(folder), _locate_marked, host)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == readable
    rows = {ref.prefix: dialog.checkpoints.itemText(row) for row, ref in enumerate(dialog.refs)}
    assert rows[broken].endswith("(cannot be read)")
    assert [p for p, text in rows.items() if "cannot be read" in text] == [broken]
    assert f"{os.path.basename(broken)} cannot be read" in dialog.message.text()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.checkpoints.setCurrentIndex(dialog.refs.index(next(r for r in dialog.refs if r.prefix == broken)))
    assert not ok.isEnabled() and "choose another checkpoint" in dialog.message.text()


def test_a_diagnosis_asked_for_clears_the_cannot_compare_banner(qtbot, window, checkpoints, tmp_path):
    _shown(qtbot, window, str(checkpoints / "keras_seq" / "ckpt-3"))
    with qtbot.waitSignal(window.compare.failed, timeout=WAIT_MS):
        window.compare.compare_with(str(tmp_path / "nothing-here"))
    assert "Cannot compare" in window.banner.text
    window.doctor.started.emit(True)  # a .py dropped or chosen: the report is shown
    assert "Cannot compare" not in window.banner.text


def test_three_dropped_the_third_is_named_after_the_comparison_spoke(qtbot, window, scratch_copy, checkpoints):
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-4")
    third = checkpoints / "keras_seq" / "ckpt-2.index"
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        _drop(window, str(folder / "ckpt-3.index"), str(folder / "ckpt-4.index"), str(third))
    said = window.banner.text
    assert "pairs matched by key" in said, said  # the comparison's own note came after the drop's
    assert "Not used: keras_seq/ckpt-2.index" in said, said
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def test_the_status_bar_counts_the_nan_inf_pairs_as_the_chip(qtbot, window, checkpoints):
    folder = checkpoints / "bf16_pair"
    _shown(qtbot, window, str(folder / "a" / "ckpt"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "b" / "ckpt"))
    chip = window.compare_trees.summary["nonfinite"]
    count = window.compare.diff.nonfinite()
    assert count and chip.text().endswith(f"  {count}")
    assert window.status_label.text().endswith(f", {count} NaN/Inf"), window.status_label.text()


def test_a_script_and_two_checkpoints_dropped_diagnose_the_first_and_name_the_second(qtbot, window, monkeypatch):
    """The second checkpoint was compared over the report of the first, which nothing
    said; now the script diagnoses the first, its report in view, and the second is named."""
    from ckpt_gui.diagnosis import runner
    from ckpt_gui.resources import demo_path, examples_path
    from tests.test_app_review10_flow import _report

    monkeypatch.setattr(runner.Diagnoser, "warm_up", lambda *_args: None)
    monkeypatch.setattr(runner.Diagnoser, "run", lambda self, *args: None)  # no TensorFlow: the report below
    monkeypatch.setattr("ckpt_gui.app.controllers.doctor.build_report",
                        lambda request, _result, *_rest: _report(request.checkpoint, request.script))  # fmt: skip
    first, second = (os.path.join(demo_path(), f"ckpt-{step}") for step in (100, 200))
    with qtbot.waitSignal(window.doctor.done, timeout=WAIT_MS):
        _drop(window, first + ".index", second + ".index", os.path.join(examples_path(), "demo_model.py"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.compare.diff is None and window.left_stack.currentWidget() is window.tree_panel
    assert window.doctor.report.checkpoint == first and window.info_tabs.currentWidget() is window.report_panel
    said = window.banner.text
    assert "Not used: demo/ckpt-200.index (an attempt takes the first script and the first checkpoint)" in said, said
