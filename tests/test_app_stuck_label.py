"""The stuck read's message in the status bar at 1024x640 (review 15: "Still reading
/tmp/review15....data-00000-of-00001… (4 s)" cut out the folder and the checkpoint's
name, kept only the shard suffix every checkpoint has): the file named whole, its folder
elided between its names, the whole path in the tooltip."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QLabel

from ckpt_gui.app.window_status import elide_folder

WINDOW_SIZE = (1024, 640)
DEEP = "/mnt/nfs-share/experiments/2026-11-30-resnet-sweep/run-0042-learning-rate-3e-4/training_checkpoints"
NAME = "ckpt-3.data-00000-of-00001"


def test_the_stuck_files_name_stays_whole_and_its_folder_gives_way(qtbot, window):
    job = window.job_label
    head, tail = f"Still reading {NAME} in ", " (12 s)"
    job.set_parts(head, DEEP, tail, tip=os.path.join(DEEP, NAME))
    job.show()
    qtbot.waitUntil(lambda: job.isVisible() and job.width() > 0)
    qtbot.wait(50)  # the status bar's layout follows the new text
    painted = QLabel.text(job)
    assert painted != job.text()  # too long for 1024 px: elided
    assert painted.startswith(head) and painted.endswith(tail)
    folder = painted[len(head) : -len(tail)]
    assert folder.startswith("/mnt/…/") or folder.startswith("…/")
    assert folder.endswith("/training_checkpoints")
    assert job.fontMetrics().horizontalAdvance(painted) <= job.contentsRect().width()
    assert job.toolTip() == os.path.join(DEEP, NAME)


def test_a_folder_is_cut_between_its_names(qtbot, window):
    metrics = window.job_label.fontMetrics()
    width = metrics.horizontalAdvance
    assert elide_folder(metrics, DEEP, width(DEEP)) == DEEP
    assert elide_folder(metrics, DEEP, width("/mnt/…/training_checkpoints")) == "/mnt/…/training_checkpoints"
    longer = "/mnt/…/run-0042-learning-rate-3e-4/training_checkpoints"
    assert elide_folder(metrics, DEEP, width(longer)) == longer
    assert elide_folder(metrics, DEEP, width("…/training_checkpoints")) == "…/training_checkpoints"
    tight = elide_folder(metrics, DEEP, width("…/training"))
    assert "…" in tight and width(tight) <= width("…/training")
