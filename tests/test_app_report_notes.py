"""The notes of a restore report (review finding 27): they get the room their text
needs first (the problem table scrolls), the causes first and the routine lines (the
script's object used, the folder read-only, GPUs hidden) last, and a new report shows
its notes from the top. Offscreen, no TensorFlow: a report of the demo's own keys with
the twelve notes of the review's my_model.py report."""

from __future__ import annotations

import dataclasses
import html

import pytest

from ckpt_gui.diagnosis.findings import TensorFlowVerdict
from tests.test_app_desktop import open_demo
from tests.test_app_layout import _report_for_demo, _show_report

ROUTINE = (
    "used the script's module-level tf.train.Checkpoint 'checkpoint'",
    "the checkpoint folder was read-only for the attempt (/tmp/democopy): the script could not change it",
    "GPUs were hidden from the attempt (CUDA_VISIBLE_DEVICES=-1; restoring needs none): --allow-gpu, or "
    "Restore > Allow GPUs in the app, lets TensorFlow use them",
)
CAUSE = (
    "a layer was removed at model/_functional/_operations/4; every later weight moved by 1 "
    "(model/_functional/_operations/5 is now model/_functional/_operations/4), and the optimizer's per-variable "
    "state with them; some of them changed size as well, so no value fits them"
)


def _long_report(window):
    report = _report_for_demo(window)
    keys = [v.key.split("/.ATTRIBUTES")[0] for v in window.browse.ckpt.variables]
    notes = (
        ROUTINE[0],
        CAUSE,
        *report.notes,
        f"4 checkpoint values are claimed by nothing: {', '.join(keys[:4])}",
        *ROUTINE[1:],
    )  # fmt: skip, in the order build_report gives them: the child's, the causes, the host's
    verdict = TensorFlowVerdict("restore() raised", "ValueError: Received incompatible tensor with shape (16,)")
    return dataclasses.replace(report, notes=notes, tensorflow=verdict)


@pytest.mark.parametrize("size", [(1024, 640), (1280, 800)], ids=["1024", "1280"])
def test_the_notes_get_their_room_first_the_cause_first_and_a_rerun_shows_their_top(qtbot, window, size):
    window.resize(*size)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=2000)
    report = _long_report(window)
    _show_report(qtbot, window, report)
    panel = window.report_panel
    text = panel.notes.text()
    # The cause first, TensorFlow's words after the causes, the routine lines last.
    assert text.index("a layer was removed") < text.index("TensorFlow said") < text.index("used the script")
    assert text.index("used the script") < text.index("read-only") < text.index("GPUs were hidden")
    assert text.index("claimed by nothing") < text.index("used the script")
    # The way to let TensorFlow see the GPUs is named by the app's menu: the app's user
    # never typed --allow-gpu (the report's JSON and the CLI keep the flag).
    shown = html.unescape(text)
    assert "GPUs were hidden from the attempt (CUDA_VISIBLE_DEVICES=-1; restoring needs none): " in shown
    assert "Restore > Allow GPUs lets TensorFlow use them" in shown and "--allow-gpu" not in shown
    assert "--allow-gpu" in " ".join(report.notes)

    # The table shows its rows (TABLE_ROWS at least, review 6: three and a fourth cut at
    # 1024x640), the detail its text up to PANE_SHARE; the notes all their text, or what
    # is left, down to their least height (they scroll).
    from ckpt_gui.app.widgets.report_panes import PANE_SHARE, TABLE_ROWS, text_height

    line = panel.fontMetrics().lineSpacing()
    row = panel.problems.sizeHintForRow(0)
    shown = min(TABLE_ROWS, panel.problems.topLevelItemCount())
    assert panel.problems.viewport().height() >= shown * row - 1, panel.problem_split.sizes()
    total = sum(panel.problem_split.sizes())
    detail = panel.detail_area.height()
    assert detail >= min(text_height(panel.detail_area), int(total * PANE_SHARE)) - line, panel.problem_split.sizes()
    notes_whole = panel.notes_area.verticalScrollBar().maximum() == 0
    assert notes_whole or panel.notes_area.height() >= panel.notes_area.minimumHeight()

    # A re-run's report: its notes from the top, whatever the last one's scroll was.
    bar = panel.notes_area.verticalScrollBar()
    panel.resize(panel.width(), panel.height())  # nothing else moves the scroll
    bar.setValue(bar.maximum())
    _show_report(qtbot, window, dataclasses.replace(report, seconds=report.seconds + 1))
    assert bar.value() == 0


def test_the_message_is_said_to_be_of_whoever_said_it_keras_or_tensorflow():
    """Review 7: a Keras load_weights() failure's message was headed "TensorFlow said:"
    in the notes while the header named Keras."""
    from ckpt_gui.app.widgets.report_texts import ordered_notes
    from ckpt_gui.core.statuses import RestoreStatus
    from ckpt_gui.diagnosis.findings import RestoreReport

    def said(verdict: str) -> list[str]:
        report = RestoreReport("/w.weights.h5", "/m.py", False, None, {s: 0 for s in RestoreStatus}, (), (),
                               TensorFlowVerdict(verdict, "ValueError: A total of 1 objects could not be loaded"),
                               "python", "2.x", 0.0, "keras")  # fmt: skip
        return [note for note in ordered_notes(report)[0] if "could not be loaded" in note]

    assert said("load_weights() raised") == ["Keras said: ValueError: A total of 1 objects could not be loaded"]
    assert said("restore() raised") == ["TensorFlow said: ValueError: A total of 1 objects could not be loaded"]
