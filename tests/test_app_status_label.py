"""The status bar's job label beside the progress bar (review: "Opening a" at 2560x1440
read as a label cut mid-word; the folder was named "a"): a folder being opened says it
is one, and the label is whole, or elided in the middle with its whole text in its
tooltip, never cut at its end."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ckpt_gui.app import window_status
from ckpt_gui.resources import demo_path

WINDOW_SIZE = (2560, 1440)


def _show_job(qtbot, window, label: str) -> QLabel:
    window.status_bar._on_progress(label, 0, 0)
    window.progress.show()
    job = window.job_label
    qtbot.waitUntil(lambda: job.isVisible() and job.width() > 0)
    qtbot.wait(50)  # the status bar's layout follows the new text
    return job


def test_opening_a_folder_says_it_is_a_folder(qtbot, window):
    labels = []
    window.browse.runner.progress_changed.connect(lambda label, _done, _total: labels.append(label))
    window.browse.open_path(demo_path())  # the demo is a folder of checkpoints
    qtbot.waitUntil(lambda: window.browse.ckpt is not None and not window.busy, timeout=60_000)
    opening = [label for label in labels if label.startswith("Opening")]  # then a histogram's
    assert opening
    assert all(label.startswith("Opening folder demo") for label in opening), opening


def test_a_short_job_label_is_shown_whole(qtbot, window):
    job = _show_job(qtbot, window, "Opening folder a")
    painted = QLabel.text(job)  # what the label paints, not the text it was given
    assert painted == "Opening folder a"
    assert job.fontMetrics().horizontalAdvance(painted) <= job.contentsRect().width()
    assert job.toolTip() == ""


def test_a_long_job_label_is_elided_with_its_whole_text_in_the_tooltip(qtbot, window):
    text = "Opening folder " + "a-checkpoint-folder-with-a-long-name-" * 5
    job = _show_job(qtbot, window, text)
    painted = QLabel.text(job)
    assert painted != text and "\u2026" in painted  # an ellipsis says that something is left out
    assert painted.startswith("Opening") and painted.endswith(text[-4:])  # cut in the middle, not at its end
    assert job.toolTip() == text
    assert job.width() <= job.fontMetrics().averageCharWidth() * window_status.JOB_LABEL_MAX_CHARS + 10
