"""Review 19, F9: the doctor's table cut the rows of one layer to different depths,
"…/gamma" beside "…/_operations/4/beta" (the demo, the bundled demo_model_changed.py,
1024x640 in a desktop's 10 pt font). Every cut path now reads from its layer's number
on ("…/4/gamma", "…/4/beta", "…/3/_kernel", "…/6/bias/momentum"), each row its own.
The report is the doctor's own, TensorFlow restoring the demo into the changed model."""

from __future__ import annotations

import os
import re

import pytest

from ckpt_gui.app.widgets.layer_names import layer_ends
from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN
from ckpt_gui.resources import examples_path
from tests.conftest import painted_texts
from tests.test_app_desktop import open_demo
from tests.test_app_doctor_columns import desktop_font  # noqa: F401 (a fixture)

DOCTOR_MS = 300_000
NUMBERED = re.compile(r"/(\d+)/")


@pytest.fixture()
def doctor(qtbot, desktop_font, window):  # noqa: F811
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 640), timeout=2000)
    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(os.path.join(examples_path(), "demo_model_changed.py"))
    assert done.args[0] is not None and done.args[0].error is None
    qtbot.wait(100)  # the splitters settle on the event loop
    return window


def test_each_cut_row_reads_from_its_layers_number_on(qtbot, doctor):
    table = doctor.report_panel.problems
    shown = painted_texts(table, VARIABLE_COLUMN, 10)
    names = [table.topLevelItem(row).text(VARIABLE_COLUMN) for row in range(table.topLevelItemCount())]
    layered = [(name, text) for name, text in zip(names, shown, strict=True) if NUMBERED.search(name)]
    cut = [(name, text) for name, text in layered if text != name]
    assert cut, "the column shows every name whole: nothing to check at this width"
    assert len(cut) == len(layered), layered  # one form down the column, no whole name among cut ones
    for name, text in cut:
        number = NUMBERED.findall(name)[-1]
        assert text == "\u2026/" + name[name.rindex(f"/{number}/") + 1 :], (name, text)  # "…/4/gamma"
    assert len(set(shown)) == len(shown), shown  # every row still its own


def test_a_layer_form_goes_back_as_far_as_tells_two_names_apart():
    names = ["model/a/_operations/4/gamma", "model/b/_operations/4/gamma", "model/b/_operations/4/beta",
             "optimizer/_momentums/3", "save_counter"]  # fmt: skip
    forms = layer_ends(names)
    assert forms["model/b/_operations/4/beta"] == "\u2026/4/beta"
    assert forms["model/a/_operations/4/gamma"] == "\u2026/a/_operations/4/gamma"  # "…/4/gamma" is two layers'
    assert forms["optimizer/_momentums/3"] == "\u2026/_momentums/3"  # a number as the leaf keeps its list
    assert "save_counter" not in forms
