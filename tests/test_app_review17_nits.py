"""Review 17's nits: the checkpoint picker's right-click menus had no mnemonics; a folder
opened on its largest variable when that variable was all zeros (eos-ckpt1-2021: a flat
heatmap and a one-bar histogram first); two Savers' files of one folder with the same
save time were headed "A (before)" and "B (after)" by their names' order."""

from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.crc import crc32c, crc32c_of_zeros
from ckpt_gui.core.format.zero_entries import zeros_at_rest
from ckpt_gui.resources import demo_path
from tests import background
from tests.background import Writer
from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_review10_browse import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ZEROS_WRITER = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
holder = tf.Module()
holder.flat = tf.Variable(tf.zeros((40, 31)))  # the largest matrix: all zeros
holder.data = tf.Variable(tf.random.normal((30, 40), seed=1))  # the next largest, with data
holder.small = tf.Variable(tf.random.normal((5, 4), seed=2))
holder.bias = tf.Variable(tf.zeros((30,)))
tf.train.Checkpoint(holder=holder).save(os.path.join(sys.argv[1], "ckpt"))
"""
BACKGROUND_WRITERS = {"zeros": Writer([sys.executable, "-c", ZEROS_WRITER, "{out}"], timeout=600)}
FLAT, DATA = "holder/flat/.ATTRIBUTES/VARIABLE_VALUE", "holder/data/.ATTRIBUTES/VARIABLE_VALUE"


@pytest.fixture(scope="module")
def zeros_folder(request):
    root, result = background.result(request, "zeros")
    assert result.returncode == 0, result.stderr[-3000:]
    return root


# -- mnemonics ----------------------------------------------------------------------------------


def _mnemonics(menu) -> list[str]:
    letters = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        text = action.text().replace("&&", "")
        assert "&" in text, text  # every command has one
        letters.append(text[text.index("&") + 1].lower())
    return letters


def test_the_pickers_menus_give_each_command_its_own_mnemonic(qtbot, window):
    open_demo(qtbot, window)
    picker = window.picker
    for row in range(len(picker.refs)):
        letters = _mnemonics(picker.menu_for(row))
        assert len(letters) == len(set(letters)) == 2, letters
    closed = picker.closed_menu()
    assert _mnemonics(closed) == ["c"]
    others = closed.actions()[0].menu()
    letters = _mnemonics(others)
    assert len(letters) == len(picker.refs) - 1 and len(set(letters)) == len(letters), letters


# -- the first selection --------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 2, 3, 7, 100, 4096, 12_345, 1 << 20])
def test_the_crc_of_zeros_is_worked_out_without_the_bytes(length):
    assert crc32c_of_zeros(length) == crc32c(bytes(length))


def test_the_index_tells_which_tensors_are_all_zeros_as_tensorflow_reads_them(tf, zeros_folder):
    for prefix in (str(zeros_folder / "ckpt-1"), os.path.join(demo_path(), "ckpt-300")):
        ckpt, reader = Checkpoint.open(prefix), tf.train.load_checkpoint(prefix)
        zeros = zeros_at_rest(ckpt.index)
        for variable in ckpt.variables:
            if variable.is_object_graph:
                continue
            value = np.asarray(reader.get_tensor(variable.key))
            assert zeros(variable.key) == bool(value.size and not value.any()), variable.key


def test_a_folder_opens_on_its_largest_variable_with_data(qtbot, window, tf, zeros_folder):
    reader = tf.train.load_checkpoint(str(zeros_folder / "ckpt-1"))
    assert not reader.get_tensor(FLAT).any() and reader.get_tensor(DATA).any()  # the case, as TensorFlow reads it
    open_path(qtbot, window, zeros_folder)
    qtbot.waitUntil(lambda: window.tree_panel.selected_node() is not None, timeout=WAIT_MS)
    assert window.tree_panel.selected_node().variable.key == DATA


# -- before and after -----------------------------------------------------------------------------


def _two_savers(tmp_path, apart_s: float):
    """The demo's first and last saves as two Savers' files of one folder (no step in
    their names, no state file), saved ``apart_s`` seconds apart."""
    folder = tmp_path / f"savers_{int(apart_s)}"
    folder.mkdir()
    now = time.time()
    for source, name, stamp in (("ckpt-100", "model.ckpt", now), ("ckpt-300", "train_model.ckpt", now + apart_s)):
        for suffix in (".index", ".data-00000-of-00001"):
            target = folder / f"{name}{suffix}"
            shutil.copyfile(os.path.join(demo_path(), source + suffix), target)
            os.utime(target, (stamp, stamp))
    return folder / "model.ckpt", folder / "train_model.ckpt"


def _headings(qtbot, window, a, b) -> tuple[str, str]:
    open_path(qtbot, window, a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(b))
    trees = window.compare_trees
    return trees.heading_a.text(), trees.heading_b.text()


def test_two_savers_of_one_time_are_not_called_before_and_after(qtbot, window, tmp_path):
    heading_a, heading_b = _headings(qtbot, window, *_two_savers(tmp_path, 0))
    assert "before" not in heading_a + heading_b and "after" not in heading_a + heading_b, (heading_a, heading_b)


def test_two_savers_an_hour_apart_are(qtbot, window, tmp_path):
    heading_a, heading_b = _headings(qtbot, window, *_two_savers(tmp_path, 3600))
    assert "(before)" in heading_a and "(after)" in heading_b, (heading_a, heading_b)


@pytest.mark.parametrize("apart_s", [0, 3600])
def test_the_compare_dialog_says_before_and_after_only_when_known(qtbot, window, tmp_path, monkeypatch, apart_s):
    from PySide6.QtWidgets import QDialog

    from ckpt_gui.app.widgets.compare_dialog import CompareDialog

    shown, _other = _two_savers(tmp_path, apart_s)
    open_path(qtbot, window, shown)
    said = []

    def accept(dialog) -> int:
        said.append((dialog.roles(), dialog.order_label.text()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CompareDialog, "exec", accept)
    window.compare.choose()
    ((roles, text),) = said
    if apart_s:
        assert roles == ("before", "after") and "(before)" in text, (roles, text)
    else:
        assert roles == ("", "") and "before" not in text and "after" not in text, (roles, text)
