"""The app on folders whose newest checkpoint is not what the user's
``restore(tf.train.latest_checkpoint(dir))`` gets (review 20): a state file naming
checkpoints that do not exist (G1: the picker said "(latest)", the report was green), a data
file cut short (G5: not marked; G4: its values badged "[CRC mismatch]", the status bar said
"No NaN or Inf in any variable"). The folders are written by TensorFlow in one child process
for the module (state_file_cases.py), which also says what TensorFlow reads of them. Offscreen."""

from __future__ import annotations

import os

import pytest

from ckpt_gui.app.window import MainWindow
from tests.doctor_cli import script
from tests.state_file_cases import MODEL_SCRIPT, write_cases

WAIT_MS = 60_000
DOCTOR_MS = 300_000
WINDOW_SIZE = (1024, 620)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    out = tmp_path_factory.mktemp("state_file_cases")
    return out, write_cases(out)


def open_path(qtbot, win: MainWindow, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def picker_lines(win: MainWindow) -> dict[str, str]:
    return {ref.name: win.picker.itemText(row) for row, ref in enumerate(win.picker.refs)}


def test_a_moved_folder_has_no_latest_and_its_report_says_what_the_script_gets(qtbot, window, tmp_path, cases):
    out, tensorflow = cases
    assert tensorflow["latest"]["moved"] is None  # TensorFlow's own answer
    newest = tensorflow["saved"][-1]
    open_path(qtbot, window, out / "moved")
    lines = picker_lines(window)
    assert window.browse.ckpt.ref.name == newest
    assert lines[newest].endswith("(newest on disk)") and "(latest)" not in "".join(lines.values()), lines
    named = os.path.join(tensorflow["elsewhere"], newest)
    assert named in window.banner.text and "tf.train.latest_checkpoint(folder) returns None" in window.banner.text
    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(str(script(tmp_path, MODEL_SCRIPT)))
    report = done.args[0]
    assert report is not None and report.error is None and not report.ok
    assert report.summary[next(s for s in report.summary if s.value == "consumed")] > 0
    headline = window.report_panel.headline.text().replace("\u200b", "")
    assert "Everything the model needs was restored" not in headline
    assert f"{newest} restores, but your script's tf.train.latest_checkpoint(dir) returns None here" in headline
    notes = window.report_panel.notes.text()
    assert "tf.train.latest_checkpoint(dir) returns None here" in notes and named in notes
    # A folder TensorFlow finds the latest of: marked "(latest)".
    open_path(qtbot, window, out / "whole")
    assert picker_lines(window)[os.path.basename(tensorflow["latest"]["whole"])].endswith("(latest)")


def test_a_truncated_newest_save_is_marked_and_the_one_before_is_shown(qtbot, window, cases):
    out, tensorflow = cases
    newest, previous = tensorflow["saved"][-1], tensorflow["saved"][-2]
    open_path(qtbot, window, out / "trunc")
    assert window.browse.ckpt.ref.name == previous
    lines = picker_lines(window)
    assert lines[newest].endswith("(incomplete: data truncated)  (latest)"), lines
    assert "incomplete" not in lines[previous]
    assert f"{newest} is incomplete ({newest}.data-00000-of-00001 is truncated: " in window.banner.text
    assert f"showing {previous}, the newest complete checkpoint" in window.banner.text


def test_values_past_the_end_of_a_truncated_file_are_badged_truncated(qtbot, scanning_window, cases):
    out, tensorflow = cases
    win = scanning_window
    newest = tensorflow["saved"][-1]
    open_path(qtbot, win, out / "trunc" / newest)  # asked for by name: that one, its values that can be read
    panel = win.tree_panel
    qtbot.waitUntil(lambda: panel.nonfinite is not None and not win.busy, timeout=WAIT_MS)
    numeric = {v.key for v in win.browse.ckpt.variables if v.dtype.is_numeric}
    # TensorFlow's own reader, key by key: which values the cut file still holds.
    unread = {key for key in numeric if not tensorflow["trunc_readable"][key]}
    read = numeric - unread
    assert unread and read  # the case: some of each
    assert {key: panel.model.badges.get(key) for key in unread} == dict.fromkeys(unread, "truncated")
    assert not any(key in panel.model.badges for key in read)
    assert "CRC mismatch" not in "".join(panel.model.badges.values())
    expected = f"No NaN or Inf in the {len(read)} variables read; {len(unread)} could not be read (data file truncated)"
    assert win.status_message().startswith(expected), win.status_message()
    assert picker_lines(win)[newest].endswith("(incomplete: data truncated)  (latest)")
