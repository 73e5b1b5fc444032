"""A Keras file against a TensorFlow checkpoint of the same model: their keys share
nothing (``layers/hidden/vars/0`` against ``model/_functional/_operations/1/_kernel``),
so the comparison pairs them by layer and variable name and says so (review 23 #13:
``diff`` paired nothing, "14 only in A, 15 only in B").

One child process writes the files with Keras 3 and TensorFlow while the tests run and,
as the oracle, saves what ``tf.train.load_checkpoint`` reads from each TF checkpoint;
the Keras side is read with h5py. No TensorFlow in the test process.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from ckpt_gui.core.analysis.name_pairing import PAIRED_BY
from ckpt_gui.core.format.folder_kinds import TF_CHECKPOINT
from tests import background
from tests.background import Writer
from tests.conftest import run_cli

WRITER = r'''
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras, tensorflow as tf
out = sys.argv[1]
rng = np.random.default_rng(0)

def model_of(width=5):
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(width, name="hidden"),
        keras.layers.BatchNormalization(name="bn"), keras.layers.Dense(3, name="out")])

def randomized(model):  # every weight its own values: a wrong pair cannot compare "same"
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype(w.dtype) for w in model.get_weights()])
    return model

def tf_read(prefix, name):
    """TensorFlow's own reading of every value of the checkpoint (the oracle)."""
    reader = tf.train.load_checkpoint(prefix)
    keys = [k for k in reader.get_variable_to_shape_map() if k != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    np.savez(os.path.join(out, name + ".tf.npz"), names=np.array(keys), *[reader.get_tensor(k) for k in keys])

m = randomized(model_of())
m.save_weights(os.path.join(out, "plain.weights.h5"))
m.save(os.path.join(out, "plain.keras"))
randomized(model_of(7)).save_weights(os.path.join(out, "wider.weights.h5"))  # hidden: 7 units, not 5
tf_read(tf.train.Checkpoint(model=m).save(os.path.join(out, "plain", "ckpt")), "plain")
kernel = m.get_layer("hidden").kernel
kernel.assign(kernel + 1.0)
tf_read(tf.train.Checkpoint(model=m).save(os.path.join(out, "changed", "ckpt")), "changed")

t = randomized(model_of())
t.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
t.train_on_batch(rng.normal(size=(8, 6)).astype("float32"), rng.normal(size=(8, 3)).astype("float32"))
t.save_weights(os.path.join(out, "trained.weights.h5"))
tf_read(tf.train.Checkpoint(model=t, optimizer=t.optimizer).save(os.path.join(out, "trained", "ckpt")), "trained")
bare = model_of()  # the trained weights without an optimizer: its slots only in the TF checkpoint
bare.set_weights(t.get_weights())
bare.save_weights(os.path.join(out, "bare.weights.h5"))

# Two nested models each with a layer "d": s1/d/kernel and s2/d/kernel.
n = keras.Sequential([keras.Input((4,)), keras.Sequential([keras.layers.Dense(4, name="d")], name="s1"),
    keras.Sequential([keras.layers.Dense(4, name="d")], name="s2")])
randomized(n).save_weights(os.path.join(out, "nested.weights.h5"))
flat = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, name="d")])  # one "d": its d/kernel ends both
randomized(flat).save_weights(os.path.join(out, "flat.weights.h5"))
tf_read(tf.train.Checkpoint(model=n).save(os.path.join(out, "nested", "ckpt")), "nested")
with open(os.path.join(out, "oracle.json"), "w") as f:
    json.dump({"hidden_kernel": m.get_layer("hidden").kernel.path, "trained_model_weights": len(t.weights),
               "optimizer_variables": len(t.optimizer.variables),
               "keras_paths": sorted(v.path for v in n.weights)}, f)
'''

BACKGROUND_WRITERS = {
    "pairs": Writer(
        [sys.executable, "-c", WRITER, "{out}"], 300, {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    )
}
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def written(request) -> Path:
    out, done = background.result(request, "pairs")  # started with the session
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _tf_values(written: Path, name: str) -> dict[str, np.ndarray]:
    """What TensorFlow read from the checkpoint ``name``, by key."""
    return background.arrays_by_name(written / f"{name}.tf.npz")


def _h5_values(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of a Keras weights file, by its HDF5 path (our key), as h5py reads it."""
    values = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: values.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return values


def _diff(a: Path, b: Path) -> tuple[dict, str]:
    done = run_cli("diff", "--json", str(a), str(b))
    assert done.returncode in (0, 1), done.stderr
    text = run_cli("diff", str(a), str(b))
    assert text.returncode in (0, 1), text.stderr
    return json.loads(done.stdout), text.stdout


def _check_values(doc: dict, h5: dict, tf_values: dict) -> None:
    """Each pair's status and largest difference are those of the values h5py and
    TensorFlow read for its two keys."""
    for pair in doc["variables"]:
        if pair["status"] in ("only_a", "only_b"):
            continue
        a, b = h5[pair["key"]], tf_values[pair["key_b"]]
        assert pair["status"] == ("same" if np.array_equal(a, b) else "changed"), pair
        assert pair["max_abs_diff"] == pytest.approx(float(np.max(np.abs(b.astype("f8") - a)))), pair


@pytest.mark.parametrize("keras_file", ["plain.weights.h5", "trained.weights.h5"])
def test_every_weight_and_slot_pairs_by_name_with_the_value_tensorflow_reads(written, keras_file):
    folder = keras_file.split(".")[0]
    doc, text = _diff(written / keras_file, written / folder)
    h5, tf_values = _h5_values(written / keras_file), _tf_values(written, folder)
    pairs = [p for p in doc["variables"] if p["key_b"] is not None]
    # Every variable of the Keras file (its optimizer's too, when trained) paired by name;
    # the values are all distinct, so a wrong pair would compare "changed".
    assert {p["key"] for p in pairs} == set(h5)
    assert all(p.get("paired_by") == PAIRED_BY and p["status"] == "same" for p in pairs)
    _check_values(doc, h5, tf_values)
    only_b = [p["key"] for p in doc["variables"] if p["status"] == "only_b"]
    assert only_b == ["save_counter/.ATTRIBUTES/VARIABLE_VALUE"]  # a save()'s own counter: in no model
    assert f"{len(h5)} pairs made by layer and variable name" in text and "nothing pairs" not in text
    assert "moved?" not in text  # paired, not proposed as renames


def test_a_changed_weight_compares_changed(written):
    doc, text = _diff(written / "plain.weights.h5", written / "changed")
    _check_values(doc, _h5_values(written / "plain.weights.h5"), _tf_values(written, "changed"))
    changed = [p["path"] for p in doc["variables"] if p["status"] == "changed"]
    assert changed == ["hidden/kernel"] and doc["summary"]["same"] == 7
    assert "changed  hidden/kernel" in text


def test_slots_only_in_the_checkpoint_stay_only_in_b(written):
    oracle = json.loads((written / "oracle.json").read_text())
    doc, _text = _diff(written / "bare.weights.h5", written / "trained")
    _check_values(doc, _h5_values(written / "bare.weights.h5"), _tf_values(written, "trained"))
    paired = [p for p in doc["variables"] if p["key_b"] is not None]
    assert len(paired) == oracle["trained_model_weights"] and all(p["status"] == "same" for p in paired)
    only_b = [p for p in doc["variables"] if p["status"] == "only_b"]
    # Adam's variables (its iterations, learning rate, a momentum and velocity per
    # trainable weight), and the save counter.
    assert len(only_b) == oracle["optimizer_variables"] + 1


def test_nested_models_pair_by_their_whole_names(written):
    # Two nested models each with a layer "d": the Keras file's s1/d/kernel is the
    # checkpoint's .../s1/d/kernel, not its .../s2/d/kernel (all values differ).
    assert [p.split("/", 1)[1] for p in json.loads((written / "oracle.json").read_text())["keras_paths"]] == [
        "s1/d/bias", "s1/d/kernel", "s2/d/bias", "s2/d/kernel"]  # fmt: skip
    doc, _text = _diff(written / "nested.weights.h5", written / "nested")
    _check_values(doc, _h5_values(written / "nested.weights.h5"), _tf_values(written, "nested"))
    by_name = [p for p in doc["variables"] if p.get("paired_by") == PAIRED_BY]
    assert len(by_name) == 4 and all(p["status"] == "same" for p in by_name)


def test_a_name_matching_several_variables_pairs_nothing_by_name_and_says_why(written):
    # A model with one layer "d" against the nested one: its d/kernel ends both s1/d/kernel and s2/d/kernel.
    doc, text = _diff(written / "flat.weights.h5", written / "nested")
    assert not [p for p in doc["variables"] if p.get("paired_by") == PAIRED_BY]
    note = doc["unpaired_names"]
    assert "nothing paired by layer and variable name" in note and "A's d/kernel matches 2 of B's variables" in note
    assert "/s1/d/kernel" in note and "/s2/d/kernel" in note
    assert note in doc["warnings"] and f"note: {note}" in text
    # The layer order still pairs what it can (the save counter, in no layer, no longer
    # puts it out of step) and says so; the values compared are TensorFlow's.
    _check_values(doc, _h5_values(written / "flat.weights.h5"), _tf_values(written, "nested"))
    by_order = [p for p in doc["variables"] if p.get("paired_by") == "layer order"]
    assert [p["path"] for p in by_order] == ["d/bias", "d/kernel"]
    assert "2 pairs made by layer order" in text


def test_a_name_whose_shapes_differ_is_not_paired_and_said(written):
    doc, text = _diff(written / "wider.weights.h5", written / "plain")
    note = doc["unpaired_names"]
    # The 7 weights of 7 units, not 5 (hidden's two, bn's four, out's kernel): 3 named, "and 4 more".
    assert note.startswith("not paired by name, their shapes or dtypes differ: ") and note.endswith(" and 4 more")
    assert "bn/gamma ([7] float32 in A, [5] float32 in B)" in note
    assert note in doc["warnings"] and f"note: {note}" in text
    paired = {p["path"]: p.get("paired_by") for p in doc["variables"] if p["key_b"] is not None}
    assert paired == {"out/bias": PAIRED_BY}  # the one weight whose shape is the same
    _check_values(doc, _h5_values(written / "wider.weights.h5"), _tf_values(written, "plain"))


def _compared(qtbot, window, a: Path, b: Path):
    """``a`` opened and compared with ``b`` in the app, once everything is shown: the diff."""
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(a))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(b))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    return window.compare.diff


def test_the_app_says_a_pair_was_made_by_name(qtbot, window, written):
    diff = _compared(qtbot, window, written / "plain.weights.h5", written / "changed")
    pair = next(p for p in diff.pairs if p.a is not None and p.a.display_path == "hidden/kernel")
    assert pair.paired_by == PAIRED_BY and pair.b is not None
    assert window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    texts = [w.text().replace("\u200b", "") for w in window.pair_panel.findChildren(QLabel)]
    note = next(t for t in texts if t.startswith("Layer and variable name (the keys share nothing"))
    keys = next(t for t in texts if t.startswith(pair.a.key))  # the Keys row: what tied them, not "object path"
    assert keys.endswith(f"{pair.b.key} (paired by {PAIRED_BY})")
    assert "A's hidden/kernel" in note and "B's model/_functional/_operations/1/_kernel (TF name " in note
    tf_name = json.loads((written / "oracle.json").read_text())["hidden_kernel"]  # Keras's own path of it
    assert f"(TF name {tf_name})" in note


def test_the_app_says_why_names_paired_nothing_and_that_layer_order_is_a_guess(qtbot, window, written):
    diff = _compared(qtbot, window, written / "flat.weights.h5", written / "nested")
    assert diff.unpaired_names and diff.unpaired_names in window.banner.text
    assert window.banner.kind == "warning" and window.banner.isVisible()
    pair = next(p for p in diff.pairs if p.a is not None and p.a.display_path == "d/kernel")
    assert pair.paired_by == "layer order" and pair.b is not None
    assert window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    texts = [w.text().replace("\u200b", "") for w in window.pair_panel.findChildren(QLabel)]
    assert any(t.startswith("A guess: paired by the model's layer order (A: d/kernel, B: ") for t in texts), texts


def test_compare_dialog_offers_every_checkpoint_of_a_keras_folder(qtbot, written, tmp_path):
    # A .keras, a .weights.h5 and a TF checkpoint in one folder: the dialog had offered the
    # .keras alone (its own series), so nothing else could be picked as B (review 23).
    from ckpt_gui.app.widgets.compare_dialog import CompareDialog
    from ckpt_gui.core.format.discovery import locate

    folder = tmp_path / "saved"
    shutil.copytree(written / "plain", folder)
    shutil.copy(written / "plain.keras", folder / "a.keras")
    shutil.copy(written / "plain.weights.h5", folder / "b.weights.h5")
    for shown in ("a.keras", "b.weights.h5", "ckpt-1"):
        for start in (folder / shown, folder):
            dialog = CompareDialog(str(folder / shown), str(start), locate)
            qtbot.addWidget(dialog)
            texts = {Path(ref.prefix).name: dialog.checkpoints.itemText(row) for row, ref in enumerate(dialog.refs)}
            assert set(texts) == {"a.keras", "b.weights.h5", "ckpt-1"}, texts
            # After the series of the path given (a folder: its TF checkpoint), each named by what it is.
            kinds = {"a.keras": "Keras model archive", "b.weights.h5": "Keras weights", "ckpt-1": TF_CHECKPOINT}
            first = Path(dialog.refs[0].prefix).name
            assert all(kinds[name] in text for name, text in texts.items() if name != first), texts
            assert "(shown)" in texts[shown] and "epoch" not in texts["ckpt-1"] and "step 1" in texts["ckpt-1"]
