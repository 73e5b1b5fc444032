"""The picker follows the folder while training saves into it, and View > Reload (F5)
(review 20 G7); a folder of two ``save()`` prefixes lists two series (review 20 G8).

The folders are TensorFlow's, written once for the module by one TensorFlow process: a
CheckpointManager (max_to_keep=3) folder before and after its fifth save (which deletes
ckpt-2), and seed 003's ``checkpoint.save('./training_checkpoints')`` beside another
model's ``save('./checkpoints_custom_names')``. "Training" while the app shows the
folder is the fifth save's files copied in and ckpt-2's deleted, as the manager does."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Not imported here: the module's one TensorFlow process writes the folders.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs TensorFlow")

WRITER = """
import os, shutil, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
import tensorflow as tf

out = sys.argv[1]
kernel = tf.Variable(tf.random.stateless_normal([6, 4], seed=[1, 2]), name="kernel")
bias = tf.Variable(tf.zeros([4]), name="bias")
checkpoint = tf.train.Checkpoint(dense=tf.Module(), step=tf.Variable(0, dtype=tf.int64))
checkpoint.dense.kernel, checkpoint.dense.bias = kernel, bias
live = os.path.join(out, "live")
manager = tf.train.CheckpointManager(checkpoint, live, max_to_keep=3)
for step in range(1, 5):
    checkpoint.step.assign(step)
    kernel.assign_add(tf.ones_like(kernel))
    manager.save()
shutil.copytree(live, os.path.join(out, "before"))
checkpoint.step.assign(5)
manager.save()  # ckpt-5; the manager deletes ckpt-2
os.rename(live, os.path.join(out, "after"))

two = os.path.join(out, "two")
os.makedirs(two)
os.chdir(two)
sequential = tf.train.Checkpoint(model=tf.Module())
sequential.model.layers = [tf.Variable(tf.ones([3, 5])), tf.Variable(tf.zeros([5])), tf.Variable(tf.ones([5, 1]))]
sequential.save("./training_checkpoints")
custom = tf.train.Checkpoint(model=tf.Module())
custom.model.w, custom.model.b = tf.Variable(tf.ones([10, 10])), tf.Variable(tf.zeros([10]))
custom.save("./checkpoints_custom_names")
"""


@pytest.fixture(scope="module")
def saves(tmp_path_factory) -> Path:
    """The module's folders, written by one TensorFlow process."""
    root = tmp_path_factory.mktemp("saves")
    result = subprocess.run([sys.executable, "-c", WRITER, str(root)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.fixture()
def live(saves, tmp_path) -> Path:
    """A training folder at its fourth save (ckpt-2, ckpt-3, ckpt-4), to be saved into."""
    folder = tmp_path / "live"
    shutil.copytree(saves / "before", folder)
    return folder


def save_fifth(saves: Path, live: Path) -> None:
    """What the manager's fifth save does to ``live``: ckpt-5 written, the state file
    rewritten, ckpt-2 deleted."""
    for path in sorted((saves / "after").glob("ckpt-5.*")):  # the data before the index
        shutil.copy(path, live / path.name)
    shutil.copy(saves / "after" / "checkpoint", live / "checkpoint.tmp")
    os.replace(live / "checkpoint.tmp", live / "checkpoint")
    for path in live.glob("ckpt-2.*"):
        path.unlink()


def names(picker) -> list[str]:
    return [picker.itemText(row) for row in range(picker.count())]


def listed(picker) -> list[str]:
    """The picker's checkpoints by name, newest first."""
    return [ref.name for ref in picker.refs]


def open_in(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(path))


# -- G7: the folder followed -----------------------------------------------------------------------


def test_the_picker_lists_the_folder_again_when_it_opens(qtbot, window, saves, live):
    open_in(qtbot, window, live)
    picker = window.picker
    assert listed(picker) == ["ckpt-4", "ckpt-3", "ckpt-2"]
    window.browse.folder_watch.follow(None)  # not the watcher: the opening itself
    save_fifth(saves, live)
    picker.showPopup()
    picker.hidePopup()
    assert listed(picker) == ["ckpt-5", "ckpt-4", "ckpt-3"]
    latest = [text for text in names(picker) if "(latest)" in text]
    assert len(latest) == 1 and latest[0].startswith("ckpt-5"), names(picker)
    assert picker.currentText().startswith("ckpt-4")  # the checkpoint shown stays selected
    assert window.browse.ckpt.prefix.endswith("ckpt-4")


def test_the_folder_is_watched_and_listed_again_after_a_save(qtbot, window, saves, live):
    open_in(qtbot, window, live)
    assert window.browse.folder_watch.watched == [str(live)]
    before = sorted(os.listdir(live))
    save_fifth(saves, live)
    qtbot.waitUntil(lambda: listed(window.picker) == ["ckpt-5", "ckpt-4", "ckpt-3"], timeout=10_000)
    assert window.previous_action.isEnabled()
    assert sorted(os.listdir(live)) == sorted(
        {*before, "ckpt-5.index", "ckpt-5.data-00000-of-00001"} - {"ckpt-2.index", "ckpt-2.data-00000-of-00001"}
    )  # fmt: skip  (nothing written by the app)


def test_a_pick_that_fails_lists_the_folder_again(qtbot, window, saves, live):
    open_in(qtbot, window, live)
    window.browse.folder_watch.follow(None)  # the watcher would list it first
    save_fifth(saves, live)
    picker = window.picker
    stale = listed(picker).index("ckpt-2")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        picker.setCurrentIndex(stale)
        picker.activated.emit(stale)
    assert "ckpt-2" in window.banner.text
    assert listed(picker) == ["ckpt-5", "ckpt-4", "ckpt-3"]
    assert picker.currentText().startswith("ckpt-4")


def test_a_checkpoint_deleted_while_shown_stays_listed_and_marked(qtbot, window, saves, live):
    open_in(qtbot, window, live / "ckpt-2")
    window.browse.folder_watch.follow(None)
    save_fifth(saves, live)
    window.browse.folder_watch.relist()
    picker = window.picker
    assert listed(picker) == ["ckpt-5", "ckpt-4", "ckpt-3", "ckpt-2"]
    assert picker.currentText().startswith("ckpt-2") and "(deleted from the folder)" in picker.currentText()


def test_reload_keeps_the_selection_and_reads_the_folder_again(qtbot, window, saves, live):
    open_in(qtbot, window, live)
    window.tree_panel.select_key("dense/bias/.ATTRIBUTES/VARIABLE_VALUE")
    window.browse.folder_watch.follow(None)
    save_fifth(saves, live)
    reload = _action(window, "&Reload checkpoint and folder")
    assert reload.shortcut().toString() == "F5"
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        reload.trigger()
    assert window.browse.ckpt.prefix.endswith("ckpt-4")
    assert window.browse.current.variable.key == "dense/bias/.ATTRIBUTES/VARIABLE_VALUE"
    assert listed(window.picker) == ["ckpt-5", "ckpt-4", "ckpt-3"]


def test_reload_of_a_deleted_checkpoint_opens_the_folders_latest(qtbot, window, saves, live):
    open_in(qtbot, window, live / "ckpt-2")
    window.tree_panel.select_key("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE")
    window.browse.folder_watch.follow(None)
    save_fifth(saves, live)
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.reload()
    assert window.browse.ckpt.prefix.endswith("ckpt-5")
    assert window.browse.current.variable.key == "dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"


def _action(window, text: str):
    return next(a for a in window.findChildren(type(window.export_action)) if a.text() == text)


# -- G8: two series in one folder --------------------------------------------------------------


def test_two_save_prefixes_are_two_series(qtbot, window, saves):
    open_in(qtbot, window, saves / "two")
    shown = window.browse.ckpt.ref.name
    other = ({"checkpoints_custom_names-1", "training_checkpoints-1"} - {shown}).pop()
    texts = names(window.picker)
    assert texts[0].startswith(shown) and "(another series)" not in texts[0]
    assert texts[1].startswith(other) and texts[1].endswith("(another series)"), texts
    assert not window.previous_action.isEnabled()  # nothing saved before it in its series
    window.compare.compare_with_previous()
    assert window.compare.diff is None
    assert f"{shown} is the only checkpoint of its series in the folder" in window.banner.text


def test_the_other_series_opens_with_its_own_first(qtbot, window, saves):
    open_in(qtbot, window, saves / "two" / "training_checkpoints-1")
    texts = names(window.picker)
    assert texts[0].startswith("training_checkpoints-1"), texts
    assert texts[1].startswith("checkpoints_custom_names-1") and "(another series)" in texts[1], texts
    assert "(latest)" in texts[1]  # the state file's latest, whichever series is shown


def test_the_clis_listing_lines_up_a_long_prefix_and_names_the_other_series(saves):
    from tests.conftest import run_cli

    result = run_cli("inspect", str(saves / "two"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if "step 1" in line]
    assert len(rows) == 2, result.stdout
    assert len({row.index("step 1") for row in rows}) == 1, rows  # one column, whatever the name's length
    assert any("another series" in line for line in lines), result.stdout
