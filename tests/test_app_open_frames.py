"""What a user sees while a checkpoint opens (issue 11's review of opening and loading,
frames captured in a real window): the banner keeps what the open said when a read
fails later, the first selection is the first row shown selected (no other row
flashes selected before it). Offscreen."""

from __future__ import annotations

import os
import shutil

from ckpt_gui.resources import demo_path

WAIT_MS = 60_000
WINDOW_SIZE = (1024, 640)  # the window fixture's (conftest.py)


def _open(qtbot, win, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def _corrupt_data_copy(folder: str) -> str:
    """The demo with every 97th byte of its newest save's data file flipped: the object
    graph and most tensors fail their CRC32C check. Its prefix."""
    shutil.copytree(demo_path(), folder)
    prefix = os.path.join(folder, "ckpt-300")
    with open(f"{prefix}.data-00000-of-00001", "r+b") as file:
        data = bytearray(file.read())
        for i in range(0, len(data), 97):
            data[i] ^= 0xFF
        file.seek(0)
        file.write(data)
    return prefix


def test_a_failed_read_of_the_selection_keeps_what_the_open_said(qtbot, tmp_path, scanning_window):
    """Review: a folder whose data file is corrupt opened with a banner saying the object
    graph cannot be read (the checkpoint keys shown instead); the first selection's CRC
    error then replaced it, and the NaN/Inf scan's came under the selection's. Every one
    stays: what the open said first, then what each read found."""
    win = scanning_window
    _open(qtbot, win, os.path.dirname(_corrupt_data_copy(str(tmp_path / "corrupt"))))
    qtbot.waitUntil(lambda: win.tree_panel.nonfinite is not None and not win.busy, timeout=WAIT_MS)
    lines = win.banner.text.splitlines()
    opened = [line for line in lines if "showing the checkpoint keys without the object graph" in line]
    assert opened, lines  # the open's message, shown first, is still there
    selected = win.browse.current.variable.key
    assert any(selected in line and "CRC32C" in line for line in lines), lines  # the selection's read
    assert any("not scanned (CRC mismatch)" in line for line in lines), lines  # the scan's
    assert lines.index(opened[0]) == 0 and win.banner.kind == "error"  # the strip says how serious the worst is
    # Another checkpoint of the folder opens clean: what was said of the corrupt one goes.
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.switch_checkpoint(next(ref for ref in win.browse.ckpt.checkpoints if ref.name == "ckpt-200"))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)
    assert "CRC32C" not in win.banner.text


def test_the_first_row_shown_selected_is_the_first_selection(qtbot, window):
    """Review (frames of the demo and a 200,000-variable checkpoint while they open): the
    object graph's row was current, and Details, the histogram and the values said so,
    for a frame before the first variable was selected: the tree took the focus with no
    current row, and a view given the focus makes its first row current."""
    selected = []
    window.tree_panel.node_selected.connect(selected.append)
    _open(qtbot, window, demo_path())
    shown = [node for node in selected if node is not None]
    assert shown and shown[-1] is window.browse.current and window.browse.current.variable is not None
    assert [node.path for node in shown] == [shown[-1].path]  # no other row on the way
    assert window.tree_panel.view.hasFocus()  # and the tree has the keys, as before
