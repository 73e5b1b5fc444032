"""Each workflow's controller on its own, with its panels but without the window:
what it emits is all another workflow can know of it."""

from __future__ import annotations

import os

from ckpt_gui.app.controllers.browse import BrowseController
from ckpt_gui.app.controllers.compare import CompareController
from ckpt_gui.app.controllers.doctor import DoctorController
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.pair_panel import PairPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.resources import demo_path
from tests.test_gui import open_and_wait

WAIT_MS = 60_000


def test_browse_announces_the_checkpoint_then_selects_its_largest_matrix(qtbot, host, checkpoints):
    tree_panel = TreePanel()
    browse = BrowseController(
        Banner(), CheckpointPicker(), tree_panel, DetailsPanel(), HistogramPanel(), TensorPanel(), host, False
    )
    events = []
    browse.about_to_show.connect(lambda: events.append("about to show"))
    browse.checkpoint_shown.connect(lambda ckpt: events.append(("shown", ckpt, tree_panel.selected_node())))
    with qtbot.waitSignal(browse.loaded, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "keras_seq"))
    qtbot.waitUntil(lambda: not browse.runner.busy, timeout=WAIT_MS)
    assert events[0] == "about to show"
    # Announced before a variable is selected: a report's statuses are on the tree by then.
    assert events[1][:2] == ("shown", browse.ckpt) and events[1][2] is None
    assert len(browse.current.variable.shape) >= 2 and browse.histogram.histogram is not None


def test_doctor_keeps_a_report_only_for_its_checkpoint(qtbot, host, checkpoints):
    panel = ReportPanel()
    doctor = DoctorController(Banner(), panel, host)
    seen = []
    doctor.statuses_changed.connect(seen.append)
    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    finding = RestoreFinding(RestoreStatus.MISSING, "x", None, None, None, None, None, optimizer=False)
    doctor.report = RestoreReport(
        ckpt.prefix, "model.py", False, None, {RestoreStatus.MISSING: 1}, (finding,), (), TensorFlowVerdict(),
        "python3", "2.x", 0.1,
    )  # fmt: skip
    doctor.set_checkpoint(ckpt)
    assert seen == [doctor.report.variables] and doctor.report is not None
    doctor.set_checkpoint(ckpt.sibling(next(r for r in ckpt.checkpoints if r != ckpt.ref)))
    assert doctor.report is None and "The last report was for" in panel.headline.text()
    doctor.clear()
    assert seen[-1] is None


def test_compare_builds_its_views_once_and_says_when_it_is_done(qtbot, host, checkpoints):
    built = []

    def make_views():
        built.append((CompareTrees(), PairPanel()))
        return built[-1]

    compare = CompareController(Banner(), make_views, lambda: 20, host)
    opened = []
    compare.opened.connect(lambda a, b: opened.append((a, b)))
    folder = checkpoints / "keras_seq"
    compare.set_checkpoint(Checkpoint.open(folder / "ckpt-4"))
    for _ in range(2):
        with qtbot.waitSignal(compare.done, timeout=WAIT_MS):
            compare.compare_with_previous()
    qtbot.waitUntil(lambda: not compare.runner.busy, timeout=WAIT_MS)
    assert len(built) == 1 and opened == [("keras_seq/ckpt-3", "keras_seq/ckpt-4")] * 2
    trees, panel = built[0]
    assert trees.selected_pair() is not None and panel.view is not None  # the largest change, shown
    with qtbot.waitSignal(compare.closed, timeout=1000):
        compare.close()
    assert compare.diff is None


def test_doctor_keeps_its_script_only_for_one_folders_checkpoints(qtbot, host, checkpoints, tmp_path, monkeypatch):
    """A script diagnosed against one folder's checkpoint is re-run (Ctrl+R) and offered
    (Ctrl+D) for that folder's checkpoints only: another folder's checkpoint clears the
    report, forgets the script and asks for one, its file dialog not pre-filled with it."""
    from PySide6.QtWidgets import QFileDialog

    panel = ReportPanel()
    doctor = DoctorController(Banner(), panel, host)
    attempts = []
    monkeypatch.setattr(doctor.runner, "submit", lambda name, *args, **kwargs: attempts.append(doctor.ckpt.prefix))
    script = tmp_path / "model.py"
    script.write_text("# the model\n")
    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    doctor.set_checkpoint(ckpt)
    doctor.diagnose(str(script))
    assert attempts == [ckpt.prefix]
    doctor.report = RestoreReport(
        ckpt.prefix, str(script), False, None, {}, (), (), TensorFlowVerdict(), "python3", "2.x", 0.1
    )  # fmt: skip
    sibling = ckpt.sibling(next(r for r in ckpt.checkpoints if r != ckpt.ref))
    doctor.set_checkpoint(sibling)  # the same folder: the script stays, Re-run tries it here
    assert doctor.script == str(script) and "Re-run" in panel.headline.text()
    doctor.rerun()
    assert attempts == [ckpt.prefix, sibling.prefix]

    other = Checkpoint.open(checkpoints / "tf1")
    doctor.report = RestoreReport(
        sibling.prefix, str(script), False, None, {}, (), (), TensorFlowVerdict(), "python3", "2.x", 0.1
    )  # fmt: skip
    doctor.set_checkpoint(other)
    assert doctor.report is None and doctor.script is None and "Ctrl+D" in panel.headline.text()
    offered = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda parent, title, start, kinds: offered.append(start) or ("", "")
    )
    doctor.rerun()  # nothing to re-run here: it asks, starting in the script's folder, not at the script
    assert attempts == [ckpt.prefix, sibling.prefix] and offered == [str(tmp_path)]
    doctor.shutdown()


def test_model_and_compare_given_at_launch_act_on_the_first_checkpoint_only(qtbot, window, monkeypatch):
    from ckpt_gui.app import launch

    calls = []
    monkeypatch.setattr(window.doctor, "diagnose", lambda script: calls.append(("diagnose", script)))
    monkeypatch.setattr(window.compare, "compare_with", lambda path, **_how: calls.append(("compare", path)))
    other = demo_path()  # B must name something: one that names nothing is said at once (next test)
    launch.act_once_loaded(window, launch.parse_args(["--model", "/m.py", "--compare", other]))
    open_and_wait(qtbot, window, demo_path())
    open_and_wait(qtbot, window, os.path.join(demo_path(), "ckpt-100"))  # the user opens another checkpoint
    assert calls == [("diagnose", "/m.py"), ("compare", other)]


def test_a_compare_b_waits_for_an_a_that_opens(qtbot, window, monkeypatch):
    """``ckpt-gui typo --compare B``: A cannot be opened; the comparison is not dropped
    without a word (review 26 #5): the banner says it waits, and the first checkpoint the
    user then opens is compared with B."""
    from ckpt_gui.app import launch

    calls = []
    monkeypatch.setattr(window.compare, "compare_with", lambda path, **_how: calls.append(path))
    other = os.path.join(demo_path(), "ckpt-200")
    launch.act_once_loaded(window, launch.parse_args([os.path.join(demo_path(), "ckpt-1OO"), "--compare", other]))
    open_and_wait(qtbot, window, os.path.join(demo_path(), "ckpt-1OO"))
    assert window.browse.ckpt is None and calls == []
    assert "The comparison with ckpt-200 (--compare) waits for a checkpoint to compare it with" in window.banner.text
    # The picker offers the typo's folder, none current (it was empty, review 26 #5); a pick opens it.
    picker = window.picker
    listed = [ref.name for ref in picker.refs if ref is not None]
    assert listed == ["ckpt-300", "ckpt-200", "ckpt-100"] and picker.isEnabled()
    assert picker.currentIndex() == -1 and picker.placeholderText() == "Not opened: choose a checkpoint of this folder"
    row = listed.index("ckpt-100")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        picker.setCurrentIndex(row)
        picker.activated.emit(row)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.browse.ckpt is not None and window.browse.ckpt.ref.name == "ckpt-100"
    assert picker.currentText().startswith("ckpt-100")
    assert calls == [other] and "waits for a checkpoint" not in window.banner.text
    open_and_wait(qtbot, window, os.path.join(demo_path(), "ckpt-300"))
    assert calls == [other]  # once


def test_a_compare_b_that_names_nothing_is_said_at_launch_and_stays_said_once_a_loads(qtbot, window):
    """``ckpt-gui A --compare typo``: said at once in the banner, with what the folder
    holds (it was said only once A had loaded, seconds later for a large A: review 24
    #12), and still said after A's open; no comparison is tried."""
    from ckpt_gui.app import launch

    typo = os.path.join(demo_path(), "ckpt-1OO")
    launch.act_once_loaded(window, launch.parse_args(["--compare", typo]))
    said = window.banner.text
    assert "Cannot compare" in said and "ckpt-1OO" in said and "no such checkpoint" in said
    assert "ckpt-100" in said  # what the folder holds instead
    open_and_wait(qtbot, window, demo_path())
    assert window.banner.text == said
    assert window._compare is None  # no comparison tried (nor its controller made)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):  # the user compares: it is not about that
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    assert "ckpt-1OO" not in window.banner.text
