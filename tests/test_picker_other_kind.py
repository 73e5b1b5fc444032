"""A folder of both kinds: a CheckpointManager's saves with a Keras ``save_weights`` and
``save`` beside them. The picker (and ``inspect``) listed the kind opened only: from the
TF checkpoints the Keras files could not be reached, from a Keras file the TF checkpoints.

The folder is written while the tests run, by TensorFlow and Keras 3 in a child process,
which also writes the oracles: ``tf.train.latest_checkpoint`` of the folder, ckpt-1's
values as ``tf.train.load_checkpoint`` reads them, and the Keras model's weight count.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from ckpt_gui.core.format.discovery import locate
from tests import background
from tests.background import Writer
from tests.conftest import run_cli

WRITER = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
import keras
out = sys.argv[1]
folder = os.path.join(out, "mixed")
os.makedirs(folder)
step = tf.Variable(1, dtype=tf.int64)
weights = tf.Variable(np.arange(6, dtype="float32").reshape(2, 3))
manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step, weights=weights), folder, max_to_keep=5)
manager.save()
step.assign_add(1)
weights.assign(weights * 2.0 + 1.0)
manager.save()
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="hidden"), keras.layers.Dense(1, name="out")])
model.save_weights(os.path.join(folder, "x.weights.h5"))
model.save(os.path.join(folder, "x.keras"))
reader = tf.train.load_checkpoint(os.path.join(folder, "ckpt-1"))
names = sorted(n for n in reader.get_variable_to_shape_map() if n != "_CHECKPOINTABLE_OBJECT_GRAPH")
np.savez(os.path.join(out, "ckpt-1.npz"), *[reader.get_tensor(n) for n in names], names=np.array(names))
oracle = {"latest": tf.train.latest_checkpoint(folder), "keras_weights": len(model.weights)}
with open(os.path.join(out, "oracle.json"), "w") as f:
    json.dump(oracle, f)
"""

BACKGROUND_WRITERS = {
    "mixed": Writer(
        [sys.executable, "-c", WRITER, "{out}"], 300, {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    )
}
WAIT_MS = 60_000
WINDOW_SIZE = (1024, 640)


@pytest.fixture(scope="module")
def written(request) -> Path:
    pytest.importorskip("keras")
    out, done = background.result(request, "mixed")  # started with the session
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture()
def mixed(written, tmp_path) -> Path:
    """A copy of the folder (a test may add files to it)."""
    return Path(shutil.copytree(written / "mixed", tmp_path / "mixed"))


def _oracle(written: Path) -> dict:
    return json.loads((written / "oracle.json").read_text())


def _open(qtbot, win, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def _choose(qtbot, win, name: str) -> None:
    """Choose ``name`` in the picker, as a click in its list does."""
    picker = win.picker
    row = next(r for r, ref in enumerate(picker.refs) if ref is not None and ref.name == name)
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        picker.setCurrentIndex(row)
        picker.activated.emit(row)
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def _lines(picker) -> list[tuple[str | None, str]]:
    return [(ref.name if ref is not None else None, picker.itemText(row)) for row, ref in enumerate(picker.refs)]


def _assert_lists_both_kinds(picker, latest: str) -> None:
    """Both TF checkpoints (newest first, "latest" where TensorFlow says), then under a
    heading that cannot be chosen the two Keras files, each with its kind, no "latest"."""
    from PySide6.QtCore import Qt

    lines = _lines(picker)
    assert [name for name, _text in lines] == ["ckpt-2", "ckpt-1", None, "x.keras", "x.weights.h5"]
    assert [name for name, text in lines if "(latest)" in text] == [os.path.basename(latest)]
    heading = 2
    assert lines[heading][1] == "Keras files in this folder (no step, no latest)"  # whichever kind is shown
    assert not picker.model().item(heading).flags() & Qt.ItemFlag.ItemIsEnabled
    assert "Keras model archive" in lines[3][1] and "Keras weights" in lines[4][1]
    assert all("latest" not in text and "step" not in text for _name, text in lines[3:])
    assert picker.isEnabled()


def test_the_picker_of_tf_checkpoints_reaches_the_keras_files_beside_them(qtbot, window, written, mixed):
    _open(qtbot, window, mixed)
    assert window.browse.ckpt.ref.name == "ckpt-2"
    _assert_lists_both_kinds(window.picker, _oracle(written)["latest"])
    _choose(qtbot, window, "x.weights.h5")
    shown = window.browse.ckpt
    assert shown.prefix == str(mixed / "x.weights.h5"), window.banner.text
    assert not (window.banner.isVisible() and window.banner.kind == "error"), window.banner.text
    with h5py.File(mixed / "x.weights.h5") as f:
        datasets = []
        f.visititems(lambda name, item: datasets.append(name) if isinstance(item, h5py.Dataset) else None)
    model = [name for name in datasets if name.startswith("layers/")]
    assert len(model) == _oracle(written)["keras_weights"]
    assert {v.key for v in shown.variables} >= set(model)
    tree = window.tree_panel.tree
    assert tree is not None and tree.variable_total == len(shown.variables)
    # The list stays the same, the Keras file now the one shown.
    _assert_lists_both_kinds(window.picker, _oracle(written)["latest"])
    assert window.picker.currentText().startswith("x.weights.h5")


def test_the_picker_of_a_keras_file_reaches_the_tf_checkpoints(qtbot, window, written, mixed):
    _open(qtbot, window, mixed / "x.weights.h5")
    _assert_lists_both_kinds(window.picker, _oracle(written)["latest"])
    assert window.picker.currentText().startswith("x.weights.h5")
    _choose(qtbot, window, "ckpt-1")
    shown = window.browse.ckpt
    assert shown.prefix == str(mixed / "ckpt-1")
    expected = background.arrays_by_name(written / "ckpt-1.npz")
    assert set(expected) == {v.key for v in shown.variables if not v.is_object_graph}
    for key, value in expected.items():
        np.testing.assert_array_equal(shown.read(key), value)
    assert window.picker.currentText().startswith("ckpt-1")


@pytest.mark.parametrize(("shown", "other"), [("", "x.weights.h5"), ("x.weights.h5", "ckpt-1")])
def test_compare_with_this_compares_across_kinds_the_older_as_a(qtbot, window, mixed, shown, other):
    _open(qtbot, window, mixed / shown)
    picker = window.picker
    row = next(r for r, ref in enumerate(picker.refs) if ref is not None and ref.name == other)
    menu = picker.menu_for(row)
    compare = next(a for a in menu.actions() if a.text().startswith("&Compare with this"))
    assert compare.isEnabled()
    compare.trigger()
    qtbot.waitUntil(lambda: window.compare.diff is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    a, b = (os.path.basename(side.prefix) for side in (window.compare.diff.a, window.compare.diff.b))
    by_time = sorted([window.browse.ckpt.ref, picker.refs[row]], key=lambda ref: ref.time)
    assert (a, b) == tuple(ref.name for ref in by_time)
    assert {a, b} == {window.browse.ckpt.ref.name, other}


def test_damaged_keras_files_and_links_beside_checkpoints(qtbot, window, mixed):
    (mixed / "cut.weights.h5").write_bytes((mixed / "x.weights.h5").read_bytes()[:100])  # a copy cut short
    (mixed / "notes.keras").write_text("not a zip archive")
    (mixed / "dangling.weights.h5").symlink_to(mixed / "gone.weights.h5")
    (mixed / "loop.keras").symlink_to(mixed / "loop.keras")
    (mixed / "linked.weights.h5").symlink_to(mixed / "x.weights.h5")
    (mixed / "folder.keras").mkdir()
    for path in (mixed, mixed / "x.weights.h5"):
        location = locate(path)
        names = {ref.name: kind for ref, kind in zip(location.keras_files, location.keras_kinds)}
        assert set(names) == {"cut.weights.h5", "notes.keras", "linked.weights.h5", "x.keras", "x.weights.h5"}
        assert names["notes.keras"] == "not a Keras file by its bytes"
    _open(qtbot, window, mixed)
    names = [name for name, _text in _lines(window.picker)]
    assert "notes.keras" in names and "cut.weights.h5" in names and "dangling.weights.h5" not in names
    for broken in ("notes.keras", "cut.weights.h5"):
        _choose(qtbot, window, broken)
        assert window.banner.isVisible() and window.banner.kind == "error" and broken in window.banner.text
        assert window.browse.ckpt.ref.name == "ckpt-2"  # the checkpoint shown stays
        assert window.picker.currentText().startswith("ckpt-2")


def test_the_compare_dialog_lists_the_other_kind_as_the_picker_does(qtbot, window, mixed):
    """Compare with...'s list of a TF checkpoint's folder: its Keras files by their names,
    as the picker and ``inspect`` list them, a damaged one said so (the dialog listed
    them by their bytes: notes.keras and a copy cut short were in the picker, not there)."""
    from ckpt_gui.app.widgets.compare_dialog import CompareDialog

    (mixed / "cut.weights.h5").write_bytes((mixed / "x.weights.h5").read_bytes()[:100])
    (mixed / "notes.keras").write_text("not a zip archive")
    _open(qtbot, window, mixed)
    picker = {name for name, _text in _lines(window.picker) if name is not None}  # not the heading
    shown = window.browse.ckpt.prefix
    dialog = CompareDialog(shown, str(mixed), locate)
    qtbot.addWidget(dialog)
    listed = {Path(ref.prefix).name: dialog.checkpoints.itemText(row) for row, ref in enumerate(dialog.refs)}
    assert set(listed) == picker, (listed, picker)
    assert "not a Keras file by its bytes" in listed["notes.keras"]
    assert "Keras weights" in listed["cut.weights.h5"] and "Keras model archive" in listed["x.keras"]


def test_inspect_names_the_other_kind_for_either_kind_opened(written, mixed):
    latest = os.path.basename(_oracle(written)["latest"])
    text = run_cli("inspect", str(mixed)).stdout
    assert "checkpoints in this folder (oldest first)" in text
    keras = text.split("Keras files in this folder", 1)[1].split("\n\n", 1)[0]
    assert "x.keras" in keras and "Keras model archive" in keras and "x.weights.h5" in keras
    assert "latest" not in keras.split("\n", 1)[1]
    doc = json.loads(run_cli("inspect", "--json", str(mixed)).stdout)
    assert [os.path.basename(c["prefix"]) for c in doc["checkpoints"]] == ["ckpt-1", "ckpt-2"]
    assert [(os.path.basename(f["path"]), f["latest"]) for f in doc["other_kind_files"]] == [
        ("x.keras", False),
        ("x.weights.h5", False),
    ]
    text = run_cli("inspect", str(mixed / "x.weights.h5")).stdout
    tf_part = text.split("TensorFlow checkpoints in this folder", 1)[1].split("\n\n", 1)[0]
    lines = {line.split()[0]: line for line in tf_part.splitlines()[1:] if line.startswith("    ")}
    assert set(lines) == {"ckpt-1", "ckpt-2"} and "<- latest" in lines[latest]
    doc = json.loads(run_cli("inspect", "--json", str(mixed / "x.weights.h5")).stdout)
    assert [os.path.basename(c["prefix"]) for c in doc["checkpoints"]] == ["x.weights.h5"]
    listed = {os.path.basename(f["path"]): f for f in doc["other_kind_files"]}
    assert set(listed) == {"ckpt-1", "ckpt-2"} and listed[latest]["latest"] and listed["ckpt-1"]["step"] == 1
