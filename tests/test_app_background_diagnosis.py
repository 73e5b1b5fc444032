"""A diagnosis left running while the user shows another checkpoint (review 22, #20):
the status bar said "Diagnosing with hangs.py" without naming the checkpoint, and the
attempt's end (a timeout) was said nowhere: its report was dropped. Now the running
label names the checkpoint, the end is said in the status bar with the checkpoint's
name, and the report shows again with its checkpoint. Offscreen; the attempt is held
on a worker (no TensorFlow child), its report made by the doctor's own build_report."""

from __future__ import annotations

import os
import threading

import pytest

from ckpt_gui.diagnosis import runner
from ckpt_gui.diagnosis.attempt_errors import error_fact
from ckpt_gui.resources import demo_path, examples_path
from tests.test_app_desktop import WAIT_MS, open_demo


@pytest.fixture()
def held(monkeypatch):
    """Each attempt waits for the event, then times out as the doctor reports it."""
    release = threading.Event()

    def run(self, request, on_phase, cancelled):
        on_phase("running the script")
        release.wait(WAIT_MS / 1000)
        message = f"the attempt did not finish within {request.timeout:g} s (it was running the script)"
        return runner.AttemptResult(error=error_fact("Timeout", message), tensorflow_version="2.21.0", seconds=8.4)

    monkeypatch.setattr(runner.Diagnoser, "warm_up", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(runner.Diagnoser, "run", run)
    yield release
    release.set()


def test_a_diagnosis_that_ends_after_another_checkpoint_is_shown_says_so(qtbot, window, held):
    open_demo(qtbot, window)  # ckpt-300
    shown = window.browse.ckpt.prefix
    script = os.path.join(examples_path(), "demo_model_changed.py")
    window.doctor.diagnose(script)
    qtbot.waitUntil(lambda: "ckpt-300" in window.job_label.text(), timeout=WAIT_MS)  # "Diagnosing ckpt-300: ..."
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(os.path.join(demo_path(), "ckpt-100"))
    held.set()
    qtbot.waitUntil(lambda: not window.doctor.runner.busy, timeout=WAIT_MS)
    said = window.status_message()
    assert "ckpt-300" in said and "demo_model_changed.py" in said and "finished" in said, said
    assert "timed out" in said, said  # not "Restore failed": no restore ran
    assert window.doctor.report is None  # ckpt-100 has none
    # Back to ckpt-300: its report is there.
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(shown)
    qtbot.waitUntil(lambda: window.doctor.report is not None, timeout=WAIT_MS)
    assert window.doctor.report.error is not None and window.doctor.report.error.kind == "Timeout"
    assert window.report_panel.report is window.doctor.report
