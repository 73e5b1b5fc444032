"""Every open ends on the Details tab (review finding 3): not on the Restore report tab Qt
moves to when the Graph tab is disabled, nor on the last checkpoint's Graph tab."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ckpt_gui.resources import demo_path

WAIT_MS = 60_000
EST = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "corpus" / "tfx-est-2022"

pytestmark = pytest.mark.skipif(not EST.is_dir(), reason=f"the real-world corpus is not at {EST}")


def _open(qtbot, window, path: str) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(path)
    qtbot.waitUntil(lambda: not window.graph.runner.busy, timeout=WAIT_MS)
    qtbot.wait(50)  # the graph controller's answer is delivered on the event loop


def _graph_enabled(window) -> bool:
    return window.info_tabs.isTabEnabled(window.info_tabs.indexOf(window.graph_panel))


@pytest.fixture()
def est(tmp_path) -> str:
    folder = tmp_path / "est"
    shutil.copytree(EST, folder, ignore=shutil.ignore_patterns("eval_*", "events.*"))
    return str(folder)


@pytest.mark.timeout(180)
def test_from_the_graph_tab_to_a_checkpoint_without_a_graph_ends_on_details(qtbot, window, est):
    _open(qtbot, window, est)
    assert _graph_enabled(window)
    window.info_tabs.setCurrentWidget(window.graph_panel)
    _open(qtbot, window, demo_path())
    assert not _graph_enabled(window)
    assert window.info_tabs.currentWidget() is window.details  # not the empty Restore report


@pytest.mark.timeout(180)
def test_from_the_graph_tab_to_another_graph_ends_on_details(qtbot, window, est, tmp_path):
    _open(qtbot, window, demo_path())
    window.info_tabs.setCurrentWidget(window.report_panel)  # no report: not this checkpoint's
    _open(qtbot, window, est)
    assert _graph_enabled(window)
    assert window.info_tabs.currentWidget() is window.details
    window.info_tabs.setCurrentWidget(window.graph_panel)
    other = tmp_path / "est2"
    shutil.copytree(est, other)
    _open(qtbot, window, str(other))
    assert _graph_enabled(window)
    assert window.info_tabs.currentWidget() is window.details  # the Graph tab is not kept
