"""A large tensor selected in the app is computed in the pass process
(core/analysis/pass_process.py): what the app shows is TensorFlow's values' exact
statistics, histogram and picture; a corrupt file and a killed child are said as
errors and the app carries on. (The test tensor is 32 MB: the threshold is lowered.)"""

from __future__ import annotations

import os
import signal

import pytest

from ckpt_gui.app import browse_selection, plot_turns
from ckpt_gui.core.analysis import pass_process
from ckpt_gui.core.checkpoint import Checkpoint
from tests.conftest import main_window
from tests.test_app_speed import EMBEDDING, assert_embedding_shown_as_tensorflow_reads_it

WAIT_MS = 60_000
BIAS = "model/bias/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 1 << 20)  # the 32 MB embedding goes to the child
    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 1 << 20)  # and is drawn as a large tensor
    monkeypatch.setattr(pass_process._process, "cannot_start", False)
    yield from main_window(qtbot, tmp_path, monkeypatch, scan_on_open=True, size=(1024, 640), idle_after_close=True)
    pass_process.shutdown()


def _open(qtbot, window, folder) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))


def _in_process_passes(monkeypatch) -> list[str]:
    """The keys whose chunks were mapped in this process."""
    mapped, original = [], Checkpoint.map_chunks

    def map_chunks(self, key, *args, **kwargs):
        mapped.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(Checkpoint, "map_chunks", map_chunks)
    return mapped


def test_a_large_tensor_is_computed_in_the_pass_process_and_shown_exactly(qtbot, window, checkpoints, tf, monkeypatch):
    mapped = _in_process_passes(monkeypatch)
    _open(qtbot, window, checkpoints / "large")

    def shown() -> bool:
        return window.tensor.envelope is not None and not plot_turns.busy() and window.histogram.histogram is not None

    qtbot.waitUntil(lambda: not window.busy and window.tree_panel.nonfinite is not None and shown(), timeout=WAIT_MS)
    assert window.browse.current.variable.key == EMBEDDING
    assert EMBEDDING not in mapped and pass_process.child_pid() is not None  # read by the child, not here
    assert pass_process._process.imported == []  # the child imported neither PySide6 nor TensorFlow
    assert_embedding_shown_as_tensorflow_reads_it(window, tf, checkpoints)
    assert EMBEDDING in window.tree_panel.nonfinite  # the scan found its statistics known
    assert "NaN/Inf at " in window.details.positions.text()


def _flip_a_byte(folder) -> None:
    ckpt = Checkpoint.open(folder)
    entry = ckpt.entry(EMBEDDING)
    with open(ckpt.reader.shards.path(entry), "r+b") as f:
        f.seek(entry.offset + entry.size // 3)
        byte = f.read(1)
        f.seek(entry.offset + entry.size // 3)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_a_crc_mismatch_found_by_the_child_is_said_as_in_process(qtbot, window, scratch_copy):
    folder = scratch_copy("large")
    _flip_a_byte(folder)
    _open(qtbot, window, folder)
    qtbot.waitUntil(lambda: not window.busy and "CRC32C" in window.banner.text, timeout=WAIT_MS)
    assert "ckpt.data-00000-of-00001" in window.banner.text
    assert dict(window.details.facts_shown()).get("CRC32C") == "MISMATCH: the data is corrupt"
    # The app carries on: another variable's histogram.
    assert window.tree_panel.select_key(BIAS)
    qtbot.waitUntil(lambda: not window.busy and window.browse.stats_cache.get(BIAS) is not None, timeout=WAIT_MS)


def test_a_killed_pass_process_is_an_error_naming_the_tensor_and_the_next_selection_works(
    qtbot, window, checkpoints, monkeypatch
):
    original, killed = pass_process.InChild.first, []

    def first_killed_midway(self, envelope, progress, cancelled):
        def kill_once(done: int) -> None:
            if not killed:
                killed.append(pass_process.child_pid())
                os.kill(killed[0], signal.SIGKILL)
            progress(done)

        return original(self, envelope, kill_once, cancelled)

    monkeypatch.setattr(pass_process.InChild, "first", first_killed_midway)
    _open(qtbot, window, checkpoints / "large")
    qtbot.waitUntil(lambda: not window.busy and "ended unexpectedly" in window.banner.text, timeout=WAIT_MS)
    assert EMBEDDING in window.banner.text and killed
    monkeypatch.setattr(pass_process.InChild, "first", original)
    assert window.tree_panel.select_key(BIAS)
    qtbot.waitUntil(lambda: not window.busy and BIAS in window.browse.stats_cache, timeout=WAIT_MS)
    assert window.tree_panel.select_key(EMBEDDING)
    qtbot.waitUntil(lambda: not window.busy and EMBEDDING in window.browse.stats_cache, timeout=WAIT_MS)
    assert pass_process.child_pid() not in (None, killed[0])
