"""Review 24 #1 in the app: the folder of two series (tests/series_folder.py) opens at
custom-2, the state file's, and its restore report blamed the model for every
variable. The report now says above its table that the script's model matches ckpt-2,
another series of the folder, and its "Diagnose ckpt-2" button opens ckpt-2 and runs
the doctor again with the same script, as TensorFlow's own restore agrees. Offscreen,
the doctor's real child."""

from __future__ import annotations

import os

import pytest

from ckpt_gui.app.widgets.report_problems import SUGGESTION_COLUMN
from tests.series_folder import write_two_series
from tests.test_app_desktop import WAIT_MS

DOCTOR_MS = 300_000
WINDOW_SIZE = (1024, 640)
BLAMED = "a layer or variable added since it was saved"


@pytest.fixture(scope="module")
def two_series(tmp_path_factory):
    root = tmp_path_factory.mktemp("two_series_app")
    folder, script = root / "folder", root / "model_def.py"
    oracle = write_two_series(folder, script)
    assert oracle["folder_latest"] == oracle["custom_latest"]  # the folder opens at the other model's
    assert oracle["ckpt_restores"] and not oracle["custom_restores"]
    return folder, script, oracle


def test_the_report_names_the_series_that_fits_and_diagnoses_it(qtbot, window, two_series):
    folder, script, oracle = two_series
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.browse.ckpt.prefix == oracle["custom_latest"]
    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(str(script))
    report = done.args[0]
    assert report is not None and report.error is None and not report.ok
    panel = window.report_panel
    line = panel.other_series
    assert line.isVisible()
    said = line.text.text()
    better = report.better_series
    assert better.prefix == oracle["ckpt_latest"]  # where TensorFlow's restore passes
    assert said.startswith(f"This script's model matches ckpt-2, another series in this folder: {better.total} of")
    assert "(custom-2, which the state file names, has" in said
    assert line.button.text() == "Diagnose ckpt-2" and line.button.isVisible()
    # Above the table, and the table's rows no longer blame the model.
    table = panel.problems
    assert line.mapTo(panel, line.rect().bottomLeft()).y() < table.mapTo(panel, table.rect().topLeft()).y()
    rows = [table.topLevelItem(i) for i in range(table.topLevelItemCount())]
    suggestions = [row.text(SUGGESTION_COLUMN) for row in rows]
    assert any(s.startswith("ckpt-2, another series in this folder, has it") for s in suggestions), suggestions
    assert not any(BLAMED in s for s in suggestions), suggestions

    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as again:
        line.button.click()
    fitted = again.args[0]
    assert fitted is not None and fitted.error is None
    assert os.path.realpath(fitted.checkpoint) == os.path.realpath(oracle["ckpt_latest"])
    assert fitted.script == str(script)
    assert fitted.ok  # as TensorFlow's assert_consumed() on ckpt-2 says
    assert window.browse.ckpt.prefix == oracle["ckpt_latest"]  # the tree shows what was diagnosed
    assert window.info_tabs.currentWidget() is panel
    assert not line.isVisible()
