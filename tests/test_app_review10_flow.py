"""Review 10's flow findings (a new user in a real window): a script dropped on a
comparison ran the doctor out of sight (5); three checkpoints dropped, the third was
dropped silently (6); a cancelled script chooser left its TensorFlow child running
(12); an Estimator's comparison opened on an optimizer's [1] accumulator (17).
Offscreen."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ckpt_gui.app import doctor_settings
from ckpt_gui.app.controllers.doctor import DoctorController
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.opening_pair import is_model_own, opening_pair
from ckpt_gui.diagnosis import runner
from ckpt_gui.diagnosis.findings import RestoreReport, TensorFlowVerdict
from ckpt_gui.resources import demo_path, examples_path
from tests.test_app_desktop import WAIT_MS
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WINDOW_SIZE = (1024, 640)


def _write(prefix: str, tensors: dict[str, np.ndarray]) -> None:
    write_bundle(prefix, ((key, value.dtype.name, value.shape, value.tobytes()) for key, value in tensors.items()))


def _drop(window, *paths: str) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(event)
    assert event.isAccepted()


# -- 17. the pair a comparison opens on ------------------------------------------------------------


def _estimator_pair(tmp_path) -> tuple[str, str]:
    """Two saves of an Estimator-like model: its optimizer's [1] accumulator changes most
    (as tfx-est-2022's Adagrad one), then a TF1 slot, its logits' [1] bias, the weights."""
    rng = np.random.default_rng(3)
    kernel, bias = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    a = {
        "dnn/hiddenlayer_0/kernel": kernel,
        "dnn/hiddenlayer_0/bias": bias,
        "dnn/logits/kernel": kernel[:, :1].copy(),
        "dnn/logits/bias": np.array([0.04], np.float32),
        "training/Adagrad/dnn/logits/bias/accumulator": np.array([0.1], np.float32),
        "dnn/hiddenlayer_0/kernel/Adam_1": kernel * 0 + 0.5,
        "global_step": np.array(1000, np.int64),
    }
    b = dict(a)
    b["dnn/hiddenlayer_0/kernel"] = kernel * 1.2  # rel. L2 0.2
    b["dnn/hiddenlayer_0/bias"] = bias * 1.5  # rel. L2 0.5: the model's largest change
    b["dnn/logits/bias"] = np.array([0.07], np.float32)  # rel. L2 0.75, but one value: nothing to plot
    b["training/Adagrad/dnn/logits/bias/accumulator"] = np.array([7.9], np.float32)  # rel. L2 78
    b["dnn/hiddenlayer_0/kernel/Adam_1"] = kernel * 0 + 5.0  # rel. L2 9
    b["global_step"] = np.array(1100, np.int64)  # rel. L2 0.1
    paths = str(tmp_path / "est" / "model.ckpt-1"), str(tmp_path / "est" / "model.ckpt-1000")
    os.makedirs(tmp_path / "est")
    _write(paths[0], a)
    _write(paths[1], b)
    return paths


def test_the_opening_pair_is_the_models_largest_change_not_an_optimizers(tmp_path):
    a, b = _estimator_pair(tmp_path)
    diff = pair_variables(Checkpoint.open(a), Checkpoint.open(b))
    compare_all(diff)
    largest = max((p for p in diff.pairs if p.values is not None), key=lambda p: p.values.rel_l2 or 0.0)
    assert largest.key == "training/Adagrad/dnn/logits/bias/accumulator"  # what it opened on before
    assert opening_pair(diff.pairs, lambda p: p.key).key == "dnn/hiddenlayer_0/bias"
    own = {p.key for p in diff.pairs if is_model_own(p.a)}
    assert own == {"dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias", "dnn/logits/kernel", "dnn/logits/bias"}


def test_with_only_single_values_of_the_model_changed_the_opening_pair_is_one_of_them(tmp_path):
    a, b = _estimator_pair(tmp_path)
    diff = pair_variables(Checkpoint.open(a), Checkpoint.open(b))
    compare_all(diff)
    for pair in diff.pairs:  # the model's weights of many values the same
        if is_model_own(pair.a) and pair.a.num_elements > 1:
            pair.status = "same"
    assert opening_pair(diff.pairs, lambda p: p.key).key == "dnn/logits/bias"


def test_with_only_optimizer_changes_the_opening_pair_is_still_the_largest(tmp_path):
    a, b = _estimator_pair(tmp_path)
    diff = pair_variables(Checkpoint.open(a), Checkpoint.open(b))
    compare_all(diff)
    for pair in diff.pairs:  # the model's weights the same: training state is all that changed
        if is_model_own(pair.a):
            pair.status = "same"
    assert opening_pair(diff.pairs, lambda p: p.key).key == "training/Adagrad/dnn/logits/bias/accumulator"


def test_an_estimator_comparison_opens_on_a_weight_and_the_flat_list_keeps_its_order(qtbot, window, tmp_path):
    a, b = _estimator_pair(tmp_path)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(b, at_largest=True)
    trees = window.compare_trees
    assert trees.selected_pair().key == "dnn/hiddenlayer_0/bias"
    trees.by_change.setChecked(True)  # the flat list: still the largest change first, whatever it is
    qtbot.waitUntil(lambda: trees.model.rowCount() >= 5, timeout=WAIT_MS)
    first = trees.model.node(trees.model.index(0, 0)).pair
    assert first.key == "training/Adagrad/dnn/logits/bias/accumulator"
    assert trees.selected_pair().key == "dnn/hiddenlayer_0/bias"


# -- 12. the script chooser's TensorFlow child --------------------------------------------------


class _FakeChild:
    """A warm child that costs nothing: alive until killed."""

    started: list = []

    def __init__(self, python: str, allow_gpu: bool = False) -> None:
        self.killed = False
        _FakeChild.started.append(self)

    def alive(self) -> bool:
        return not self.killed

    def kill(self, wait: bool = True) -> None:
        self.killed = True


@pytest.fixture()
def fake_children(monkeypatch):
    _FakeChild.started = []
    monkeypatch.setattr(runner, "ChildProcess", _FakeChild)
    return _FakeChild.started


def _doctor(host, checkpoints) -> DoctorController:
    doctor = DoctorController(Banner(), ReportPanel(), host)
    doctor.set_checkpoint(Checkpoint.open(checkpoints / "keras_seq"))
    return doctor


def _chooser_answers(monkeypatch, path: str) -> None:
    from ckpt_gui.app.controllers import doctor

    monkeypatch.setattr(doctor.QFileDialog, "getOpenFileName", lambda *_args: (path, ""))


def test_a_cancelled_script_chooser_ends_the_child_it_warmed_up(qtbot, host, checkpoints, monkeypatch, fake_children):
    doctor = _doctor(host, checkpoints)
    _chooser_answers(monkeypatch, "")
    doctor.choose_script()
    assert len(fake_children) == 1 and fake_children[0].killed  # TensorFlow left waiting for nothing: ended
    # Picked: the warm child is kept for the attempt (the prewarm's head start).
    picked = []
    monkeypatch.setattr(doctor, "diagnose", picked.append)
    _chooser_answers(monkeypatch, "/models/model.py")
    doctor.choose_script()
    assert picked == ["/models/model.py"] and len(fake_children) == 2 and not fake_children[1].killed


def test_a_cancel_keeps_the_child_warmed_by_an_earlier_attempt(qtbot, host, checkpoints, monkeypatch, fake_children):
    doctor = _doctor(host, checkpoints)
    doctor._diagnoser().warm_up(doctor_settings.python(), False)  # as an attempt's end leaves one, for the next
    _chooser_answers(monkeypatch, "")
    doctor.choose_script()
    assert len(fake_children) == 1 and not fake_children[0].killed  # not the chooser's to end


# -- 6. three checkpoints dropped ------------------------------------------------------------------


def test_dropping_three_checkpoints_names_the_one_not_compared(qtbot, window, tmp_path):
    prefixes = [os.path.join(demo_path(), f"ckpt-{step}") for step in (100, 200, 300)]
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        _drop(window, *(p + ".index" for p in prefixes))
    assert (window.compare.diff.a.prefix, window.compare.diff.b.prefix) == tuple(prefixes[:2])
    said = window.banner.text
    assert "Not used" in said and "ckpt-300" in said, said
    assert "ckpt-100" not in said and "ckpt-200" not in said, said  # only what was left out is named
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def test_dropping_two_scripts_names_the_one_not_run(qtbot, window, monkeypatch):
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(os.path.join(demo_path(), "ckpt-300"))
    asked = []
    monkeypatch.setattr(window.doctor, "diagnose", asked.append)
    first, second = (os.path.join(examples_path(), name) for name in ("demo_model.py", "demo_model_changed.py"))
    _drop(window, first, second)
    assert asked == [first]
    said = window.banner.text
    assert "Not used" in said and "demo_model_changed.py" in said, said


# -- 5. a script dropped on a comparison ----------------------------------------------------------


def _report(prefix: str, script: str) -> RestoreReport:
    return RestoreReport(prefix, script, True, None, {}, (), (), TensorFlowVerdict(), "python3", "2.x", 0.1)


def test_a_script_dropped_on_a_comparison_shows_the_report_of_the_checkpoint_shown(qtbot, window, monkeypatch):
    """The doctor ran behind the comparison: only the status bar said so, and the report
    came only after Close comparison. Now the report panel comes forward at once, with
    the checkpoint it is for, and a note says how to compare again."""
    prefixes = [os.path.join(demo_path(), f"ckpt-{step}") for step in (100, 200)]
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        _drop(window, *(p + ".index" for p in prefixes))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.left_stack.currentWidget() is window.compare_trees
    doctor = window.doctor
    script = os.path.join(examples_path(), "demo_model.py")

    def attempt(_request, _on_phase, _cancelled):  # no TensorFlow: the report as an attempt ends
        return None

    monkeypatch.setattr(runner.Diagnoser, "warm_up", lambda *_args: None)
    monkeypatch.setattr(runner.Diagnoser, "run", lambda self, *args: attempt(*args))
    monkeypatch.setattr("ckpt_gui.app.controllers.doctor.build_report",
                        lambda request, _result, *_rest: _report(request.checkpoint, request.script))  # fmt: skip
    with qtbot.waitSignal(doctor.done, timeout=WAIT_MS):
        _drop(window, script)
        # At once: browsing again, the report panel in front (its attempt running).
        assert window.left_stack.currentWidget() is window.tree_panel
        assert window.info_tabs.currentWidget() is window.report_panel
        assert "compare" in window.banner.text.lower(), window.banner.text
    assert doctor.report is not None and doctor.report.checkpoint == window.browse.ckpt.prefix
    assert window.report_panel.report is doctor.report and window.report_panel.isVisible()
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def test_a_rerun_on_save_leaves_the_comparison_and_says_where_its_report_is(qtbot, window, monkeypatch):
    """A re-run the script's save started (not asked for at that moment) does not take
    the comparison away; once its report is ready a note says how to see it."""
    prefixes = [os.path.join(demo_path(), f"ckpt-{step}") for step in (100, 200)]
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        _drop(window, *(p + ".index" for p in prefixes))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    doctor = window.doctor
    monkeypatch.setattr(runner.Diagnoser, "warm_up", lambda *_args: None)
    monkeypatch.setattr(runner.Diagnoser, "run", lambda self, *args: None)
    monkeypatch.setattr("ckpt_gui.app.controllers.doctor.build_report",
                        lambda request, _result, *_rest: _report(request.checkpoint, request.script))  # fmt: skip
    with qtbot.waitSignal(doctor.done, timeout=WAIT_MS):
        doctor.diagnose(os.path.join(examples_path(), "demo_model.py"), asked=False)
    assert window.left_stack.currentWidget() is window.compare_trees
    assert "Close comparison" in window.banner.text, window.banner.text
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
