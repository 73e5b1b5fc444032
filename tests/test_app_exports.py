"""The app's saves (histogram PNG, restore report) go through the write guard, as the
CLI's export does: never into the checkpoint's folder, with the reason in the banner."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PySide6.QtGui import QImage

from ckpt_gui.app.controllers.browse import BrowseController
from ckpt_gui.app.controllers.doctor import DoctorController
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.picker import CheckpointPicker
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.histogram import Histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import JSON_SCHEMA, RestoreStatus
from ckpt_gui.core.write_guard import REFUSAL
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.resources import demo_path

WAIT_MS = 60_000


@pytest.fixture()
def demo(tmp_path):
    return shutil.copytree(demo_path(), tmp_path / "run")


def test_histogram_png_is_written_outside_and_refused_inside_the_checkpoint(qtbot, host, demo, tmp_path):
    banner = Banner()
    browse = BrowseController(
        banner, CheckpointPicker(), TreePanel(), DetailsPanel(), HistogramPanel(), TensorPanel(), host, False
    )
    with qtbot.waitSignal(browse.loaded, timeout=WAIT_MS):
        browse.open_path(str(demo))
    qtbot.waitUntil(lambda: not browse.runner.busy and browse.histogram.histogram is not None, timeout=WAIT_MS)
    before = sorted(p.name for p in demo.iterdir())

    for inside in (demo / "histogram.png", demo / "sub" / ".." / "h.png"):
        browse.save_histogram(str(inside))
        assert REFUSAL in banner.label.text() and "inside the checkpoint folder" in banner.label.text()
    assert sorted(p.name for p in demo.iterdir()) == before  # nothing written, not even a temporary

    messages = []
    browse.status.connect(messages.append)
    browse.save_histogram(str(tmp_path / "h.png"))
    image = QImage(str(tmp_path / "h.png"))
    assert not image.isNull() and image.width() >= 800
    assert messages == [f"Wrote {tmp_path / 'h.png'}"]


def test_the_histogram_panels_own_button_asks_the_controller(qtbot, host, monkeypatch):
    histogram = HistogramPanel()
    browse = BrowseController(
        Banner(), CheckpointPicker(), TreePanel(), DetailsPanel(), histogram, TensorPanel(), host, False
    )
    asked = []
    monkeypatch.setattr(browse, "export_histogram", lambda: asked.append(True))
    histogram.save_requested.disconnect()
    histogram.save_requested.connect(browse.export_histogram)
    histogram.export_button.click()
    assert asked == []  # no histogram yet: nothing to save, the button is disabled
    histogram.show_histogram(Histogram(counts=np.array([1, 2]), edges=np.array([0.0, 1.0, 2.0]), nan=0, posinf=0,
                                       neginf=0), "w")  # fmt: skip
    histogram.export_button.click()
    assert asked == [True]


def test_with_no_checkpoint_the_histogram_cannot_act_and_the_empty_state_is_said_once(qtbot, host):
    """Review: after a text file failed to open, Save PNG... and Bins stayed enabled and
    "Open a checkpoint folder or file" was written three times."""
    histogram, details, tensor = HistogramPanel(), DetailsPanel(), TensorPanel()
    browse = BrowseController(Banner(), CheckpointPicker(), TreePanel(), details, histogram, tensor, host, False)
    histogram.show_histogram(Histogram(counts=np.array([1]), edges=np.array([0.0, 1.0]), nan=0, posinf=0,
                                       neginf=0), "w")  # fmt: skip
    assert histogram.export_button.isEnabled() and histogram.bins.isEnabled()
    browse._open_failed("x.txt: a text file of 12 bytes, not a TensorFlow checkpoint", "")
    assert not histogram.export_button.isEnabled()
    assert not histogram.bins.isEnabled() and not histogram.log_y.isEnabled() and not histogram.auto_range.isEnabled()
    assert "Open a checkpoint" not in histogram.empty.text() + tensor.message.text()
    assert "Open a checkpoint" in details.title.text()


def _report(prefix: str) -> RestoreReport:
    finding = RestoreFinding(RestoreStatus.MISSING, "x", None, None, None, None, None, optimizer=False)
    return RestoreReport(
        prefix, "model.py", False, None, {RestoreStatus.MISSING: 1}, (finding,), (), TensorFlowVerdict(),
        "python3", "2.x", 0.1,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["json", "md"])
def test_restore_report_is_written_outside_and_refused_inside_the_checkpoint(qtbot, host, demo, tmp_path, kind):
    banner, panel = Banner(), ReportPanel()
    doctor = DoctorController(banner, panel, host)
    ckpt = Checkpoint.open(demo)
    doctor.set_checkpoint(ckpt)
    doctor.report = _report(ckpt.prefix)
    panel.show_report(doctor.report)
    before = sorted(p.name for p in demo.iterdir())

    panel.export_requested.emit(str(demo / f"report.{kind}"), kind)  # what the Export button does
    assert REFUSAL in banner.label.text()
    assert sorted(p.name for p in demo.iterdir()) == before

    out = tmp_path / f"report.{kind}"
    panel.export_requested.emit(str(out), kind)
    text = out.read_text(encoding="utf-8")
    if kind == "json":
        document = json.loads(text)
        assert document["schema"] == JSON_SCHEMA and document["checkpoint"] == ckpt.prefix
        assert document["summary"]["missing"] == 1
    else:
        assert "model.py" in text
