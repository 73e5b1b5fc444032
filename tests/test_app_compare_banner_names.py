"""The comparison's banners named a tensor by its key (``tensor 'optimizer/_variables/6/
.ATTRIBUTES/VARIABLE_VALUE' ... fails its CRC32C check``) where its trees show the pair as
``model/.../3/_kernel/momentum``; browse's banners had named it as its tree since review
21 #8. Now they name it as the comparison's trees do. Offscreen, on a copy of the demo with
one slot's bytes flipped in ckpt-300; the names are the trees' own."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtWidgets import QFileDialog

from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS
from tests.test_cli_review12 import _flip_tensor

SLOT = "optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE"  # an Adam slot of the demo's conv2 kernel


@pytest.fixture()
def compared(qtbot, window, tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(demo_path(), folder)
    _flip_tensor(folder / "ckpt-300", SLOT)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder / "ckpt-300"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare.done, timeout=WAIT_MS):
        window.compare.compare_with_previous()
    pair = next(p for p in window.compare.diff.pairs if p.key == SLOT)
    return window, pair


def test_a_failed_export_of_bs_value_names_the_value_as_bs_tree_does(qtbot, compared, tmp_path, monkeypatch):
    window, pair = compared
    shown = window.compare.trees.model.tree.path_of(pair, "b")
    assert pair.status == "unreadable" and shown.endswith("/_kernel/momentum") and shown != SLOT
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(tmp_path / "out_B.npy"), ""))
    window.compare.export_value(pair, "B")
    said = window.banner.text
    assert "fails its CRC32C check" in said and f"tensor '{shown}'" in said, said
    assert SLOT not in said and "VARIABLE_VALUE" not in said
    assert not (tmp_path / "out_B.npy").exists()


def test_a_stopped_comparison_names_its_tensor_as_the_trees_do(qtbot, compared):
    window, pair = compared
    problem = next(side.problem for side in pair.unreadable)  # the reader's own words, with the key
    assert SLOT in problem
    window.compare._stopped(window.compare.diff, f"ckpt-300.data-00000-of-00001: {problem}", "")
    said = window.banner.text
    assert said.startswith("Comparison stopped: ") and window.compare.trees.model.tree.path_of(pair) in said, said
    assert SLOT not in said
