"""The Restore report tab before and during an attempt (review finding 4): one sentence
and the button that starts the doctor, no empty panes; while the attempt runs, its
phase and the seconds it has taken, counted live. Offscreen, no TensorFlow."""

from __future__ import annotations

import os
import re
import stat
import sys
import threading

import pytest

from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from ckpt_gui.resources import demo_path


def _report_panes(panel: ReportPanel) -> list[str]:
    """The panes and controls of a finished report that are visible."""
    panes = {
        "notes": panel.notes_area, "problem table": panel.problems, "problem pane": panel.detail_area,
        "error": panel.error, "Re-run": panel.rerun_button, "Repair": panel.repair_button,
        "Export": panel.export_button,
    }  # fmt: skip
    shown = [name for name, widget in panes.items() if widget.isVisible()]
    return shown + [button.text() for button in panel.legend.values() if button.isVisible()]


@pytest.fixture()
def panel(qtbot):
    panel = ReportPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_before_any_attempt_one_sentence_and_the_button_that_starts_the_doctor(qtbot, panel):
    assert _report_panes(panel) == []
    assert "restore" in panel.headline.text() and "model script" in panel.headline.text()
    assert panel.start_button.isVisible() and panel.start_button.text() == "Choose model script..."
    with qtbot.waitSignal(panel.choose_script_requested, timeout=1000):  # the doctor's Ctrl+D slot
        panel.start_button.click()
    # Another checkpoint's report set aside: the message, and Re-run (the script is known).
    panel.clear("The last report was for ckpt-2: Re-run to try this checkpoint.", can_rerun=True)
    assert panel.rerun_button.isVisible() and not panel.start_button.isVisible()
    assert not any(w.isVisible() for w in (panel.notes_area, panel.problems, panel.detail_area, panel.repair_button))


def test_a_running_attempt_shows_its_phase_and_its_seconds_counted_live(qtbot, panel):
    panel.show_running("my_model.py")
    assert _report_panes(panel) == [] and not panel.start_button.isVisible()
    assert "my_model.py" in panel.headline.text()
    panel.show_phase("importing TensorFlow")
    assert panel.phase.text() == "Importing TensorFlow... 0 s"
    # Counted on with no new phase: 1 s, or 2 s where a busy machine held the tick back (CI).
    counted = re.compile(r"Importing TensorFlow\.\.\. [1-9]\d* s")
    qtbot.waitUntil(lambda: counted.fullmatch(panel.phase.text()) is not None, timeout=5000)
    panel.show_phase("running the script")
    assert panel.phase.text().startswith("Running the script... ") and panel.phase.text().endswith(" s")
    panel.show_cancelled()
    shown = panel.phase.text()
    assert panel.rerun_button.isVisible() and panel.rerun_button.isEnabled()
    assert not panel.repair_button.isVisible() and not panel.export_button.isVisible()
    qtbot.wait(1200)
    assert panel.phase.text() == shown  # the count stopped with the attempt


def test_the_time_limit_counter_never_runs_past_its_limit_while_tensorflow_imports(qtbot, panel, monkeypatch):
    # Review 21, 4: "Importing TensorFlow... 13 s of 8 s", then "in 15.1 s" and no timeout.
    # The limit counts from the script's start (runner._wait_result): before it, the line
    # says the import is not counted; from it, the seconds are the limit's own.
    from ckpt_gui.app.widgets import report_attempt
    from ckpt_gui.app.widgets.report_texts import provenance
    from ckpt_gui.diagnosis.attempt_watch import IMPORTING_TENSORFLOW, UNTIMED_PHASES
    from ckpt_gui.diagnosis.child_process import CHILD_SCRIPT
    from ckpt_gui.diagnosis.report import build_report
    from ckpt_gui.diagnosis.runner import AttemptResult

    # The phase the child itself says while it imports is one the counter leaves out.
    with open(CHILD_SCRIPT) as f:
        assert f'phase("{IMPORTING_TENSORFLOW}")' in f.read() and IMPORTING_TENSORFLOW in UNTIMED_PHASES
    clock = [1000.0]
    monkeypatch.setattr(report_attempt.time, "monotonic", lambda: clock[0])
    panel.show_running("my_model.py", 8)
    panel.show_phase(IMPORTING_TENSORFLOW)
    clock[0] += 13
    panel._show_running_phase()  # the tick's call
    assert panel.phase.text() == "Importing TensorFlow... 13 s (not counted in the 8 s limit)"
    panel.show_phase("running the script")
    clock[0] += 2
    panel.show_phase("building the model")
    assert panel.phase.text() == "Building the model... 2 s of 8 s"
    panel.show_cancelled()
    # The report's time says which part the limit did not count.
    result = AttemptResult(error={"type": "ValueError", "message": "no"}, seconds=15.1, import_seconds=13.04)
    report = build_report(DiagnosisRequest("/c/ckpt-1", "/s/my_model.py", 8), result)
    assert report.to_json()["import_seconds"] == 13.04
    said = provenance(report).replace("\u200b", "")
    assert said.startswith("my_model.py ran in 15.1 s with ") and said.endswith(
        "; import 13.0 s, outside the time limit"
    )
    panel.show_report(report)
    assert "13.0 s of it importing TensorFlow (the time limit counts from the script's start)" in panel.phase.toolTip()


FAKE_PYTHON = """\
#!{python}
# An interpreter whose TensorFlow import never ends: says so on the doctor's channel, then waits.
import json, os, sys, time
channel = os.fdopen(int(os.environ["CKPT_GUI_DOCTOR_CHANNEL"]), "w", buffering=1)
channel.write(json.dumps({{"event": "phase", "phase": "importing TensorFlow"}}) + "\\n")
time.sleep(60)
"""


def test_an_attempt_on_a_warm_child_still_importing_says_it_is_importing(tmp_path, monkeypatch):
    """The warm child started when the script dialog opened said "importing TensorFlow"
    before the attempt began: the attempt must still say it, not stay at "starting"."""
    monkeypatch.setenv("CKPT_GUI_NO_NAMESPACES", "1")
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    diagnoser = Diagnoser(keep_warm=False)
    diagnoser.warm_up(str(python))
    child = diagnoser._warm[(str(python), False)]
    said = threading.Event()
    while child.events.empty():  # its phase has arrived before the attempt starts
        said.wait(0.05)
    phases: list[str] = []
    request = DiagnosisRequest(os.path.join(demo_path(), "ckpt-300"), str(tmp_path / "model.py"), 30, str(python))
    try:
        result = diagnoser.run(request, phases.append, cancelled=lambda: bool(phases))
    except Exception as exc:  # noqa: BLE001 - the cancel, once the phase was said
        assert type(exc).__name__ == "AttemptCancelled", exc
    else:
        pytest.fail(f"the attempt ended without the cancel: {result.error}")
    finally:
        diagnoser.close()
    assert phases == ["importing TensorFlow"]


@pytest.mark.parametrize("width", [1400, 700, 580, 470, 400])
@pytest.mark.parametrize("import_seconds", [0.0, 6.7])
def test_the_interpreters_path_gives_way_and_the_tensorflow_version_stays_whole(qtbot, panel, width, import_seconds):
    """Review 22, #10: the line was cut in its middle, the version with it ("with
    /tmp/re... 2.21.0); import 6.7 s"). Now the path is cut (whole in the tooltip)."""
    from ckpt_gui.diagnosis.report import build_report
    from ckpt_gui.diagnosis.runner import AttemptResult

    python = "/tmp/rev22/src/.venv/bin/python"
    result = AttemptResult(
        error={"type": "ValueError", "message": "no"}, tensorflow_version="2.21.0", seconds=7.0,
        import_seconds=import_seconds,
    )  # fmt: skip
    report = build_report(DiagnosisRequest("/c/ckpt-1", "/s/seq_changed.py", 8, python=python), result)
    panel.resize(width, 400)
    panel.show_report(report)
    qtbot.waitUntil(lambda: panel.phase.width() <= width)
    shown = panel.phase.shown()
    metrics = panel.phase.fontMetrics()
    assert metrics.horizontalAdvance(shown) <= panel.phase.contentsRect().width(), shown
    assert shown.startswith("seq_changed.py ran in 7.0 s with "), shown
    assert "(TensorFlow 2.21.0)" in shown, shown
    if import_seconds and width >= 470:
        assert "; import 6.7 s" in shown, shown
    if python not in shown:  # cut at its start, its end kept (it had kept "/t...on", review 26 #15)
        assert "\u2026" in shown and f"Python: {python}" in panel.phase.toolTip()
        kept = shown.split("\u2026", 1)[1].split(" (TensorFlow")[0]
        assert python.endswith(kept) and kept.endswith("/python") and len(kept) >= 7, shown
    assert "TensorFlow: 2.21.0" in panel.phase.toolTip()
