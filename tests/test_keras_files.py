"""Keras weights files, written by Keras 3 and tf_keras (Keras 2) while the tests run,
read back against what Keras itself reads from them.

One child process per module writes the files and, as the oracle, loads each one the
way Keras does (``load_weights`` into a fresh model, ``load_model``) and saves every
weight and optimizer variable it then holds, under Keras's own names. No TensorFlow
in the test process.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.values.mapped import mapped_entry
from ckpt_gui.core.views.tree import CheckpointTrees
from tests import background
from tests.background import Writer
from tests.conftest import run_cli

WRITER = r'''
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras, tf_keras
out = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.normal(size=(32, 6, 6, 2)).astype("float32")
y = rng.normal(size=(32, 4)).astype("float32")
oracle = {}

def conv_model(k):
    return k.Sequential([k.Input((6, 6, 2)), k.layers.Conv2D(3, 3, name="conv"),
        k.layers.BatchNormalization(name="bn"), k.layers.Flatten(name="flat"),
        k.layers.Dense(5, activation="relu", name="hidden"), k.layers.Dense(4, name="out")])

def rnn_model():
    inputs = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(20, 3, name="emb")(inputs)
    h = keras.layers.LSTM(4, name="lstm")(h)
    block = keras.Sequential([keras.layers.Dense(3, name="inner_dense"), keras.layers.LayerNormalization(name="ln")],
                             name="block")
    return keras.Model(inputs, keras.layers.Dense(2, use_bias=False, name="head")(block(h)))

def held(name, variables, optimizer=(), keras2=False, model=""):
    """Keras 3 paths relative to the model (a second model in this process is
    sequential_1, a second Adam adam_1: the file knows neither), Keras 2 names without :0."""
    def relative(v):
        if keras2:
            return v.name.removesuffix(":0")
        return v.path.removeprefix(model + "/")
    def slot(v):
        if keras2:
            return v.name.removesuffix(":0")
        return "optimizer/" + v.path.split("/", 1)[1].removeprefix(model + "_")
    def value(v):  # bfloat16 as its bits (npz has no bfloat16)
        array = np.asarray(v.numpy())
        return array.view(np.uint16) if array.dtype.name == "bfloat16" else array
    values = {relative(v): value(v) for v in variables}
    values.update({slot(v): value(v) for v in optimizer})
    np.savez(os.path.join(out, name + ".oracle.npz"), names=np.array(list(values)), *values.values())

# Keras 3: a trained model (Adam: optimizer variables exist), each epoch saved, then both formats.
m = conv_model(keras)
m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
m.fit(x, y, epochs=11, batch_size=16, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(
    os.path.join(out, "run", "ckpt_{epoch}.weights.h5"), save_weights_only=True)])
m.save_weights(os.path.join(out, "k3.weights.h5"))
m.save(os.path.join(out, "k3.keras"))
fresh = conv_model(keras)
fresh.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
fresh.optimizer.build(fresh.trainable_variables)
fresh.load_weights(os.path.join(out, "k3.weights.h5"))
held("k3.weights.h5", fresh.weights, fresh.optimizer.variables, model=fresh.name)
loaded = keras.saving.load_model(os.path.join(out, "k3.keras"))
held("k3.keras", loaded.weights, loaded.optimizer.variables, model=loaded.name)
# Keras 3's legacy whole-model HDF5 (model.save("x.h5")). Keras's own loader (3.15)
# fails on a compiled "mse" and, compiled, builds the optimizer on nothing and drops the
# slots: the oracle loads the model uncompiled and sets a built Adam's variables from the
# file as that loader does (optimizer.set_weights, by position), under Keras's own names.
m.save(os.path.join(out, "k3legacy.h5"))
import h5py
from keras.src.legacy.saving import legacy_h5_format
loaded = keras.saving.load_model(os.path.join(out, "k3legacy.h5"), compile=False)
adam = keras.optimizers.Adam(0.01)
adam.build(loaded.trainable_variables)
with h5py.File(os.path.join(out, "k3legacy.h5"), "r") as f:
    adam.set_weights(legacy_h5_format.load_optimizer_weights_from_hdf5_group(f))
held("k3legacy.h5", loaded.weights, adam.variables, model=loaded.name)
oracle["k3.keras"] = {"keras_version": keras.__version__,
    "layers": [[layer.name, type(layer).__name__] for layer in loaded.layers]}
# Sharded (Keras 3's max_shard_size, in GB: ~2 KB shards, so several) and an npz archive.
os.makedirs(os.path.join(out, "sharded"))
m.save_weights(os.path.join(out, "sharded", "big.weights.json"), max_shard_size=2e-6)
fresh = conv_model(keras)
fresh.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
fresh.optimizer.build(fresh.trainable_variables)
fresh.load_weights(os.path.join(out, "sharded", "big.weights.json"))
held("sharded/big.weights.json", fresh.weights, fresh.optimizer.variables, model=fresh.name)
from keras.src.saving import saving_lib
saving_lib.save_model(m, os.path.join(out, "npz.keras"), weights_format="npz")
try:
    keras.saving.load_model(os.path.join(out, "npz.keras"))
    oracle["npz"] = "loaded"
except Exception as exc:
    oracle["npz"] = f"{type(exc).__name__}: {exc}"
import tensorflow as tf  # the same model as a TensorFlow checkpoint, for diff by layer order
tf.train.Checkpoint(model=loaded).write(os.path.join(out, "bundle3", "ckpt"))
oracle["bundle3"] = len(loaded.weights)

# Keras 3, another model: an RNN cell, a nested model, an embedding, a dense without bias, SGD momentum.
r = rnn_model()
r.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
r.fit(rng.integers(0, 20, size=(16, 5)), rng.normal(size=(16, 2)), epochs=1, verbose=0)
r.save_weights(os.path.join(out, "rnn.weights.h5"))
r.fit(rng.integers(0, 20, size=(16, 5)), rng.normal(size=(16, 2)), epochs=2, verbose=0, callbacks=[
    keras.callbacks.ModelCheckpoint(os.path.join(out, "mixed", "rnn_{epoch:02d}.weights.h5"), save_weights_only=True)])
# Which model each file of a folder mixing two models' epochs belongs to: Keras's own answer.
loads = {}
for path in [os.path.join(out, "run", f"ckpt_{i}.weights.h5") for i in (1, 2, 3)] + [
        os.path.join(out, "mixed", f"rnn_0{i}.weights.h5") for i in (1, 2)]:
    for kind, build in (("conv", lambda: conv_model(keras)), ("rnn", rnn_model)):
        try:
            build().load_weights(path)
            loads.setdefault(os.path.basename(path), []).append(kind)
        except Exception:
            pass
oracle["loads"] = loads
fresh = rnn_model()
fresh.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
fresh.optimizer.build(fresh.trainable_variables)
fresh.load_weights(os.path.join(out, "rnn.weights.h5"))
held("rnn.weights.h5", fresh.weights, fresh.optimizer.variables, model=fresh.name)

# Keras 3 in bfloat16 (stored as opaque 2-byte values marked "bfloat16").
def half_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="half", dtype="bfloat16")])
half_model().save_weights(os.path.join(out, "bf16.weights.h5"))
fresh = half_model()
fresh.load_weights(os.path.join(out, "bf16.weights.h5"))
held("bf16.weights.h5", fresh.weights, model=fresh.name)

# Keras 2 (tf_keras): weights only and the full model with its optimizer.
m2 = conv_model(tf_keras)
m2.compile(optimizer=tf_keras.optimizers.Adam(0.01), loss="mse")
m2.fit(x, y, epochs=1, verbose=0)
m2.save_weights(os.path.join(out, "k2w.h5"))
m2.save(os.path.join(out, "k2full.h5"))
fresh = conv_model(tf_keras)
fresh.load_weights(os.path.join(out, "k2w.h5"))
held("k2w.h5", fresh.weights, keras2=True)
loaded = tf_keras.models.load_model(os.path.join(out, "k2full.h5"))
held("k2full.h5", loaded.weights, loaded.optimizer.variables, keras2=True)
tf.train.Checkpoint(model=loaded).write(os.path.join(out, "bundle2", "ckpt"))
oracle["bundle2"] = len(loaded.weights)
with open(os.path.join(out, "oracle.json"), "w") as f:
    json.dump(oracle, f)
'''

KERAS_FILES = ["k3.weights.h5", "k3.keras", "rnn.weights.h5", "bf16.weights.h5", "k2w.h5", "k2full.h5",
               "sharded/big.weights.json", "k3legacy.h5"]  # fmt: skip


BACKGROUND_WRITERS = {
    "keras": Writer(
        [sys.executable, "-c", WRITER, "{out}"], 300, {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    )
}


@pytest.fixture(scope="module")
def keras_dir(request) -> Path:
    pytest.importorskip("tf_keras")
    out, done = background.result(request, "keras")  # started with the session
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _oracle(keras_dir: Path, name: str) -> dict[str, np.ndarray]:
    return background.arrays_by_name(keras_dir / f"{name}.oracle.npz")


def _keras_name(ckpt: Checkpoint, key: str) -> str:
    """The name Keras gives the variable our reader placed at ``key``: the model variable's
    path, and for an optimizer slot the name Keras makes from its owner and slot
    (Keras 3 ``adam/hidden_kernel_momentum``, Keras 2 ``m/hidden/kernel``)."""
    name = ckpt.keras.name(key)
    # The legacy layout names Keras 3's variables as Keras 3 does (model.save("x.h5")).
    keras2 = ckpt.format == "keras2-h5" and not ckpt.keras.written_by["keras_version"].startswith("3.")
    if name.owner is None:
        if key.startswith("optimizer"):
            return name.path[-1] if keras2 else f"optimizer/{name.path[-1]}"
        return "/".join(name.path)
    owner = ckpt.keras.name(name.owner).path
    if keras2:
        return f"{name.slot}/{'/'.join(owner)}"
    return f"optimizer/{'_'.join(owner)}_{name.slot}"


@pytest.mark.parametrize("name", KERAS_FILES)
def test_every_value_and_name_is_what_keras_reads(keras_dir, name):
    ckpt = Checkpoint.open(keras_dir / name)
    if not ckpt.shards.in_memory:  # the app's memory map of a large tensor: the same bytes
        key = max(ckpt.index.entries, key=lambda k: ckpt.index.entries[k].size)
        assert mapped_entry(ckpt.reader, ckpt.entry(key)).tobytes() == ckpt.read(key).tobytes()
    oracle = _oracle(keras_dir, name)
    mine = {_keras_name(ckpt, v.key): v for v in ckpt.variables}
    assert sorted(mine) == sorted(oracle)
    for keras_name, variable in mine.items():
        value, theirs = ckpt.read(variable.key), oracle[keras_name]
        if value.dtype.name == "bfloat16":
            value = value.view(np.uint16)
        assert value.dtype == theirs.dtype and value.shape == theirs.shape, keras_name
        assert np.ascontiguousarray(value).tobytes() == theirs.tobytes(), keras_name
        chunks = list(ckpt.iter_chunks(variable.key))  # the chunked path the statistics take
        assert b"".join(c.tobytes() for c in chunks) == theirs.tobytes(), keras_name


def test_formats_and_archive_read_in_place(keras_dir):
    formats = {name: Checkpoint.open(keras_dir / name).format for name in KERAS_FILES}
    assert formats == {
        "k3.weights.h5": "keras3-weights",
        "k3.keras": "keras3-archive",
        "rnn.weights.h5": "keras3-weights",
        "bf16.weights.h5": "keras3-weights",
        "k2w.h5": "keras2-h5",
        "k2full.h5": "keras2-h5",
        "sharded/big.weights.json": "keras3-weights",
        "k3legacy.h5": "keras2-h5",  # the legacy layout, whichever Keras wrote it
    }
    ckpt = Checkpoint.open(keras_dir / "k3.keras")
    with zipfile.ZipFile(keras_dir / "k3.keras") as archive:
        assert archive.getinfo("model.weights.h5").compress_type == zipfile.ZIP_STORED  # what makes ranges work
    assert not ckpt.shards.in_memory  # every value read by position from the archive, nothing extracted
    assert all(e.crc32c is None for e in ckpt.index.entries.values())  # no checksum to verify, none made up


def test_sharded_weights_read_from_every_shard(keras_dir):
    # Keras wrote several HDF5 shards beside the map; the values test above compares every value.
    folder = keras_dir / "sharded"
    shards = sorted(p.name for p in folder.glob("big_*.weights.h5"))
    ckpt = Checkpoint.open(folder)  # the folder: the map, never a shard on its own
    assert ckpt.prefix == str(folder / "big.weights.json") and len(ckpt.checkpoints) == 1
    assert not ckpt.location.others and len(shards) > 1
    assert [os.path.basename(p) for p in ckpt.index.files] == shards
    assert {e.shard_id for e in ckpt.index.entries.values()} == set(range(len(shards)))
    assert "placed by order" in ckpt.keras.placement  # slots under their variable across shards
    assert ckpt.location.selected.size_bytes == sum(os.path.getsize(folder / n) for n in [*shards, "big.weights.json"])
    text = run_cli("inspect", str(folder / "big.weights.json")).stdout
    assert f"sharded: {len(shards)} HDF5 files" in text and len(shards) > 1


def test_doctor_refuses_sharded_weights_in_one_line(keras_dir, tmp_path):
    script = tmp_path / "model.py"
    script.write_text("def build():\n    return None\n")
    done = run_cli("diagnose", str(keras_dir / "sharded" / "big.weights.json"), "--model", str(script))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "not sharded ones (.weights.json)" in lines[0], lines


def test_npz_archive_is_refused_in_one_line(keras_dir):
    keras_says = json.loads((keras_dir / "oracle.json").read_text())["npz"]
    assert keras_says != "loaded"  # Keras cannot load it either: said in the message
    line = _cli_error(keras_dir / "npz.keras")
    assert "model.weights.npz" in line and "unpickling" in line


def test_bad_sharded_weights_give_one_line_errors(keras_dir, tmp_path):
    folder = tmp_path / "sharded"
    shutil.copytree(keras_dir / "sharded", folder)
    next(iter(sorted(folder.glob("big_*.weights.h5")))).unlink()
    assert "missing: big_00000.weights.h5" in _cli_error(folder / "big.weights.json")
    (folder / "big.weights.json").write_text('{"weight_map": {"/layers/dense/vars": "../elsewhere.h5"}}')
    assert "not a shard file name" in _cli_error(folder / "big.weights.json")
    (folder / "big.weights.json").write_text("{not json")
    assert "not valid JSON" in _cli_error(folder / "big.weights.json")


def test_tree_places_optimizer_slots_under_their_variable(keras_dir):
    ckpt = Checkpoint.open(keras_dir / "k3.weights.h5")
    tree = CheckpointTrees(ckpt)["objects"]
    node = tree.by_key["optimizer/vars/11"]  # Keras: adam/hidden_kernel_velocity (the values test checks all)
    assert node.names == ("hidden", "kernel", "velocity") and node.kind == "slot"
    assert "placed by order" in ckpt.keras.placement
    keys = CheckpointTrees(ckpt)["keys"]
    assert keys.by_key["layers/dense/vars/0"].names == ("layers", "dense", "vars", "0")


@pytest.mark.parametrize("name", KERAS_FILES)
def test_object_view_lists_layers_and_variables_in_the_models_order(keras_dir, name):
    # Keras's own order: the model's weights as Keras lists them after loading the file
    # (the oracle's names, in order), each layer's variables together where the layer first
    # shows (tf_keras lists trainable weights before the others). The tree sorted by name
    # put bn before conv and bias before kernel.
    ckpt = Checkpoint.open(keras_dir / name)
    tree = CheckpointTrees(ckpt)["objects"]
    shown = [
        _keras_name(ckpt, node.variable.key)
        for node in tree.root.walk()
        if node.variable is not None and node.kind != "slot" and not node.variable.key.startswith("optimizer")
    ]
    model = [n for n in _oracle(keras_dir, name) if n in set(shown)]  # the optimizer's left out
    layers = list(dict.fromkeys(n.rpartition("/")[0] for n in model))
    assert len(model) == len(shown) > 1
    assert shown == sorted(model, key=lambda n: layers.index(n.rpartition("/")[0]))


def test_inspect_json_has_format_architecture_and_writer(keras_dir):
    oracle = json.loads((keras_dir / "oracle.json").read_text())["k3.keras"]
    done = run_cli("inspect", "--json", str(keras_dir / "k3.keras"))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["format"] == "keras3-archive"
    assert doc["written_by"]["keras_version"] == oracle["keras_version"]
    layers = [[layer["name"], layer["class"]] for layer in doc["architecture"] if layer["class"] != "InputLayer"]
    assert layers == oracle["layers"]
    hidden = next(layer for layer in doc["architecture"] if layer["name"] == "hidden")
    assert hidden["arguments"]["units"] == 5 and hidden["weights"] == ["hidden/kernel", "hidden/bias"]
    ckpt = Checkpoint.open(keras_dir / "k3.keras")
    assert [v["key"] for v in doc["variables"]] == [v.key for v in ckpt.variables]
    for name, fmt in (("k3.weights.h5", "keras3-weights"), ("k2full.h5", "keras2-h5")):
        doc = json.loads(run_cli("inspect", "--json", str(keras_dir / name)).stdout)
        assert doc["format"] == fmt
    # inspect's text: the writer and the architecture, a line per layer with its class.
    text = run_cli("inspect", str(keras_dir / "k3.keras")).stdout
    assert f"written by: Keras {oracle['keras_version']}" in text
    lines = text.splitlines()
    for layer_name, class_name in oracle["layers"]:
        assert any(line.split()[:2] == [layer_name, class_name] for line in lines), (layer_name, text)
    # The Keras 2 model (same layer names): its model_config attribute gives the architecture.
    assert [layer["name"] for layer in doc["architecture"][1:]] == [name for name, _class in oracle["layers"]]
    assert doc["written_by"]["keras_version"].startswith("2.")


def test_a_keras3_whole_model_h5_is_named_so_and_pairs_with_its_weights_file(keras_dir):
    """Review 12: Keras 3's ``model.save('x.h5')`` was "Keras 2 HDF5 weights" with its
    slots (``adam/sequential_hidden_kernel_momentum``) left as the optimizer's own, so
    ``diff`` against the same model's ``.weights.h5`` paired none of them."""
    text = run_cli("inspect", str(keras_dir / "k3legacy.h5")).stdout
    assert "Keras whole-model HDF5 (.h5, model.save)" in text and "Keras 2" not in text
    assert "Keras whole-model HDF5" in run_cli("inspect", str(keras_dir / "k2full.h5")).stdout
    assert "Keras 2 HDF5 weights" in run_cli("inspect", str(keras_dir / "k2w.h5")).stdout  # save_weights's
    ckpt = Checkpoint.open(keras_dir / "k3legacy.h5")
    slots = [ckpt.keras.name(key) for key in ckpt.index.entries if ckpt.keras.name(key).owner]
    model = [key for key in ckpt.index.entries if not key.startswith("optimizer")]
    trainable = [key for key in model if ckpt.keras.name(key).path[-1] not in ("moving_mean", "moving_variance")]
    assert len(slots) == 2 * len(trainable)  # Adam: momentum and velocity of each (the values test checks which)
    done = run_cli("diff", "--json", str(keras_dir / "k3.weights.h5"), str(keras_dir / "k3legacy.h5"))
    assert done.returncode == 0, done.stdout[-2000:]  # one model saved twice: every variable paired, all the same
    pairs = json.loads(done.stdout)["variables"]
    assert len(pairs) == len(ckpt.index.entries) and all(p["status"] == "same" for p in pairs)


def test_stats_and_diff_from_the_cli(keras_dir):
    run = keras_dir / "run"
    doc = json.loads(run_cli("inspect", "--json", "--stats", str(run / "ckpt_11.weights.h5")).stdout)
    ckpt = Checkpoint.open(run / "ckpt_11.weights.h5")
    for entry in doc["variables"]:
        value = ckpt.read(entry["key"])
        if value.dtype.kind == "f" and value.size:
            assert entry["stats"]["min"] == float(value.min()) and entry["stats"]["max"] == float(value.max())
    done = run_cli("diff", "--json", str(run / "ckpt_1.weights.h5"), str(run / "ckpt_11.weights.h5"))
    assert done.returncode in (0, 1), done.stderr
    first = Checkpoint.open(run / "ckpt_1.weights.h5")
    changed = {k for k in first.index.entries if not np.array_equal(first.read(k), ckpt.read(k))}
    statuses = {p["key"]: p["status"] for p in json.loads(done.stdout)["variables"]}
    assert {k for k, s in statuses.items() if s == "changed"} == changed


@pytest.mark.parametrize(("keras_file", "bundle"), [("k3.keras", "bundle3"), ("k2full.h5", "bundle2")])
def test_diff_against_a_tensorflow_checkpoint_pairs_by_layer_and_variable_name(keras_dir, keras_file, bundle):
    # The checkpoint was written from the model Keras loaded from the file: every model
    # variable must pair with the one holding the same value (a wrong pair shows as changed).
    # By the names both keep (review 23 #13); the layer order only pairs what names cannot
    # (tests/test_keras_tf_name_pairing.py).
    weights = json.loads((keras_dir / "oracle.json").read_text())[bundle]
    done = run_cli("diff", "--json", str(keras_dir / keras_file), str(keras_dir / bundle))
    assert done.returncode in (0, 1), done.stderr
    pairs = json.loads(done.stdout)["variables"]
    by_name = [p for p in pairs if p.get("paired_by") == "layer and variable name"]
    assert len(by_name) == weights and all(p["status"] == "same" for p in by_name)
    text = run_cli("diff", str(keras_dir / keras_file), str(keras_dir / bundle)).stdout
    assert f"{weights} pairs made by layer and variable name" in text


def test_folder_of_epochs_is_listed_by_epoch(keras_dir):
    ckpt = Checkpoint.open(keras_dir / "run")
    assert [ref.step for ref in ckpt.checkpoints] == list(range(1, 12))
    assert ckpt.prefix.endswith("ckpt_11.weights.h5") and ckpt.location.latest.step == 11
    older = ckpt.sibling(ckpt.checkpoints[1])
    assert older.prefix.endswith("ckpt_2.weights.h5") and older.format == "keras3-weights"
    listing = run_cli("inspect", str(keras_dir / "run")).stdout  # the CLI's words are the picker's
    assert "epoch 11" in listing and "step 11" not in listing


def test_folder_of_two_models_lists_each_models_epochs(keras_dir, tmp_path):
    # The conv model's epochs 1-3 and the RNN's epochs 1-2 in one folder, the RNN saved last.
    loads = json.loads((keras_dir / "oracle.json").read_text())["loads"]
    assert all(len(kinds) == 1 for kinds in loads.values()), loads  # each file is one model's, says Keras
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i, name in enumerate(sorted(loads, key=lambda n: (n.startswith("rnn"), n))):
        source = keras_dir / ("mixed" if name.startswith("rnn") else "run") / name
        shutil.copy(source, folder / name)
        os.utime(folder / name, (1_000_000 + i, 1_000_000 + i))  # written in this order
    ckpt = Checkpoint.open(folder)
    shown = {os.path.basename(ref.prefix) for ref in ckpt.checkpoints}
    others = {os.path.basename(ref.prefix) for ref in ckpt.location.others}
    assert {loads[name][0] for name in shown} == {"rnn"} and {loads[name][0] for name in others} == {"conv"}
    assert shown | others == set(loads)
    assert ckpt.prefix.endswith("rnn_02.weights.h5") and ckpt.location.latest == ckpt.ref
    # Each model by its files' own names, not a pattern (review: 'k*_full.h5' shown to the user).
    family = "3 files, ckpt_1.weights.h5 to ckpt_3.weights.h5, epochs 1-3"
    assert any("holds the Keras files of 2 models" in w and family in w and "*" not in w for w in ckpt.warnings)
    # The conv model's file opens with its own epochs as siblings, its latest epoch the latest.
    conv = ckpt.sibling(next(ref for ref in ckpt.location.others if ref.name == "ckpt_2.weights.h5"))
    assert [ref.step for ref in conv.checkpoints] == [1, 2, 3] and conv.location.latest.name == "ckpt_3.weights.h5"
    assert {ref.name for ref in conv.location.others} == shown
    # Saved last by time, whatever the epochs: now the conv model's files are the newer ones.
    os.utime(folder / "ckpt_1.weights.h5", (2_000_000, 2_000_000))
    assert Checkpoint.open(folder).prefix.endswith("ckpt_3.weights.h5")
    doc = json.loads(run_cli("inspect", "--json", str(folder)).stdout)
    assert [os.path.basename(p) for p in doc["other_models"][0]["checkpoints"]] == ["rnn_01.weights.h5",
                                                                                   "rnn_02.weights.h5"]  # fmt: skip
    assert [os.path.basename(c["prefix"]) for c in doc["checkpoints"]] == [f"ckpt_{i}.weights.h5" for i in (1, 2, 3)]
    text = run_cli("inspect", str(folder)).stdout
    assert "other models in this folder" in text and "2 files, rnn_01.weights.h5 to rnn_02.weights.h5" in text
    assert "*" not in text and "(s)" not in text


def test_picker_lists_the_other_models_files(qtbot, keras_dir, tmp_path):
    from ckpt_gui.app.widgets.picker import CheckpointPicker

    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(keras_dir / "run" / "ckpt_1.weights.h5", folder)
    shutil.copy(keras_dir / "k3.keras", folder / "final.keras")
    ckpt = Checkpoint.open(folder / "ckpt_1.weights.h5")
    picker = CheckpointPicker()
    qtbot.addWidget(picker)
    picker.set_location(ckpt.location, ckpt.ref)
    texts = [picker.itemText(row) for row in range(picker.count())]
    assert texts[0].startswith("ckpt_1.weights.h5") and texts[1].startswith("final.keras")
    assert "(another model)" in texts[1] and "(another model)" not in texts[0] and picker.isEnabled()


def test_a_models_archive_beside_its_weights_is_another_kind_of_file_not_their_latest(qtbot, keras_dir, tmp_path):
    # model.save("model.keras") and model.save_weights("model.weights.h5"): one model saved
    # twice, but not a series: the archive had been listed as the weights' "latest" (review
    # 23 #11; and before that "another model" in the picker, "latest" in the compare dialog).
    from ckpt_gui.app.widgets.picker import CheckpointPicker

    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(keras_dir / "k3.weights.h5", folder / "model.weights.h5")
    shutil.copy(keras_dir / "k3.keras", folder / "model.keras")
    os.utime(folder / "model.weights.h5", (1_000_000, 1_000_000))
    os.utime(folder / "model.keras", (1_000_001, 1_000_001))  # saved last
    ckpt = Checkpoint.open(folder / "model.weights.h5")
    assert [r.name for r in ckpt.checkpoints] == ["model.weights.h5"]
    assert ckpt.location.latest.name == "model.weights.h5"
    assert [r.name for r in ckpt.location.others] == ["model.keras"] and not ckpt.warnings
    picker = CheckpointPicker()
    qtbot.addWidget(picker)
    picker.set_location(ckpt.location, ckpt.ref)
    in_picker = next(picker.itemText(r) for r in range(picker.count()) if picker.itemText(r).startswith("model.keras"))
    assert "(another kind of file)" in in_picker and "latest" not in in_picker and "another model" not in in_picker
    listed = run_cli("inspect", str(folder / "model.weights.h5")).stdout
    assert "the same model in another kind of file" in listed and "model.keras" in listed
    assert "<- latest" not in listed and "other models" not in listed


def test_export_writes_the_value_keras_reads(keras_dir, tmp_path):
    out = tmp_path / "kernel.npy"
    done = run_cli("export", str(keras_dir / "k3.keras"), "hidden/kernel", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert np.load(out).tobytes() == _oracle(keras_dir, "k3.keras")["hidden/kernel"].tobytes()


def test_a_keras_files_folder_is_kept_but_its_subfolders_are_free(keras_dir, tmp_path):
    # A single-file checkpoint in the home folder must not put every folder below it out of
    # reach of exports: its folder and the file are protected, the subfolders are not.
    home = tmp_path / "home"
    (home / "exports").mkdir(parents=True)
    shutil.copy(keras_dir / "k3.keras", home / "model.keras")
    before = (home / "model.keras").read_bytes()
    done = run_cli("export", str(home / "model.keras"), "hidden/kernel", "-o", str(home / "exports" / "k.npy"))
    assert done.returncode == 0, done.stderr
    for refused in (home / "k.npy", home / "model.keras"):
        done = run_cli("export", str(home / "model.keras"), "hidden/kernel", "-o", str(refused))
        assert done.returncode == 2 and "never writes into a checkpoint" in done.stderr, done.stderr
    assert (home / "model.keras").read_bytes() == before and not (home / "k.npy").exists()


def test_compressed_dataset_is_read_through_h5py(tmp_path):
    values = np.arange(600, dtype="<f4").reshape(20, 30) / 7
    path = tmp_path / "gz.weights.h5"
    with h5py.File(path, "w") as f:
        f.create_group("layers/dense/vars").attrs["name"] = "d"
        f.create_dataset("layers/dense/vars/0", data=values, compression="gzip")
        f.create_dataset("layers/dense/vars/1", data=values[0].astype(">f8"))  # big-endian: through h5py too
    ckpt = Checkpoint.open(path)
    assert ckpt.shards.in_memory
    ckpt.shards.check_all_present()  # what a restore checks first: no byte range to miss here
    assert mapped_entry(ckpt.reader, ckpt.entry("layers/dense/vars/0")) is None  # never a map of other bytes
    assert ckpt.read("layers/dense/vars/0").tobytes() == values.tobytes()
    assert ckpt.read("layers/dense/vars/1").tobytes() == values[0].astype("<f8").tobytes()
    assert [v.display_path for v in ckpt.variables] == ["d/kernel", "d/bias"]
    with h5py.File(path, "a") as f:  # a string dataset: no tensor, said in a warning
        f["layers/dense/vars"].create_dataset("2", data=np.array([b"x"], dtype=object), dtype=h5py.string_dtype())
    ckpt = Checkpoint.open(path)
    assert len(ckpt.variables) == 2 and "layers/dense/vars/2" in ckpt.warnings[0]


def test_recompressed_archive_is_read_through_its_stream(keras_dir, tmp_path):
    # Someone re-zipped the archive with deflate: no byte ranges, values through zipfile + h5py.
    deflated = tmp_path / "deflated.keras"
    with zipfile.ZipFile(keras_dir / "k3.keras") as source, zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info.filename))
    ckpt = Checkpoint.open(deflated)
    assert ckpt.format == "keras3-archive" and ckpt.shards.in_memory
    oracle = _oracle(keras_dir, "k3.keras")
    for variable in ckpt.variables:
        assert ckpt.read(variable.key).tobytes() == oracle[_keras_name(ckpt, variable.key)].tobytes()
    assert os.listdir(tmp_path) == ["deflated.keras"]  # nothing extracted beside it


def _cli_error(path: Path) -> str:
    done = run_cli("inspect", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]
    return lines[0]


def test_bad_keras_files_give_one_line_errors(keras_dir, tmp_path):
    data = (keras_dir / "k3.weights.h5").read_bytes()
    (tmp_path / "truncated.weights.h5").write_bytes(data[: len(data) // 3])
    assert "HDF5" in _cli_error(tmp_path / "truncated.weights.h5")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    assert "without model.weights.h5" in _cli_error(tmp_path / "empty.keras")
    crafted = tmp_path / "crafted.weights.h5"
    with h5py.File(crafted, "w") as f:  # 2^40 elements declared, nothing stored
        f.create_dataset("layers/dense/vars/0", shape=(1 << 20, 1 << 20), dtype="f4", chunks=(1, 16))
    ckpt = Checkpoint.open(crafted)
    with pytest.raises(CheckpointError, match="claims shape"):
        ckpt.read("layers/dense/vars/0")
    (tmp_path / "other.h5").write_bytes(b"")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("images", data=np.zeros(3))
    assert "without Keras weights" in _cli_error(tmp_path / "other.h5")
    short = tmp_path / "short.weights.h5"  # the datasets' bytes cut off, the HDF5 structure whole
    short.write_bytes(data[: Checkpoint.open(keras_dir / "k3.weights.h5").index.entries["layers/dense/vars/0"].offset])
    with pytest.raises(CheckpointError, match=str(short)):
        Checkpoint.open(short).shards.check_all_present()
    cut = tmp_path / "cut.keras"
    shutil.copy(keras_dir / "k3.keras", cut)
    with open(cut, "r+b") as f:
        f.truncate(os.path.getsize(cut) - 4000)
    _cli_error(cut)


def test_app_opens_a_keras_archive(qtbot, window, keras_dir):
    from PySide6.QtCore import QModelIndex

    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(keras_dir / "k3.keras"))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert window.browse.ckpt.format == "keras3-archive"
    assert window.tree_panel.select_key("layers/dense/vars/0")  # shown as hidden/kernel
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert window.details.title.text() == "hidden/kernel"
    values = _oracle(keras_dir, "k3.keras")["hidden/kernel"]
    stats = window.browse.stats_cache["layers/dense/vars/0"]
    assert stats.min == float(values.min()) and stats.max == float(values.max())
    counts = np.histogram(values, bins=window.histogram.bins.value())[0]
    np.testing.assert_array_equal(window.histogram.histogram.counts, counts)
    facts = _facts(window)
    assert facts["CRC32C"].startswith("none stored")  # never "verified": there is no checksum
    window.tree_panel.view.setCurrentIndex(QModelIndex())  # no selection: the file's own facts
    facts = _facts(window)
    assert facts["Format"].startswith("Keras 3 model archive")
    assert "hidden: Dense(units=5" in facts["Architecture"] and "keras version" in facts["Written by"]
    # Ctrl+click on the selected row clears the selection and keeps the current row: the same.
    assert window.tree_panel.select_key("layers/dense/vars/0")
    assert window.details.title.text() == "hidden/kernel"
    window.tree_panel.view.clearSelection()
    assert _facts(window)["Format"].startswith("Keras 3 model archive")


def _facts(window) -> dict[str, str]:
    from PySide6.QtWidgets import QLabel

    grid = window.details.facts
    labels = [grid.itemAt(i).widget() for i in range(grid.count())]
    texts = [w.text() for w in labels if isinstance(w, QLabel)]
    return dict(zip(texts[::2], texts[1::2]))


def test_a_model_only_variable_is_named_as_the_files_weights_are():
    """The doctor's model-only rows (issue 11): named from the path Keras reads them at and
    their own name, under the file's name for a layer the file also has; never from a
    Keras 2 path or the optimizer's list (no core/keras name fits them)."""
    from ckpt_gui.core.keras.names import KerasName, model_variable_path

    names = {  # a file whose layers/dense_1 is named "hidden"
        "layers/dense_1/vars/0": KerasName(("hidden", "kernel")),
        "optimizer/vars/2": KerasName(("hidden", "kernel", "momentum"), "layers/dense_1/vars/0", "momentum"),
    }
    assert model_variable_path("layers/dense_3/vars/0", "kernel", names) == ("dense_3", "kernel")  # a new layer
    assert model_variable_path("layers/dense_1/vars/2", "gamma", names) == ("hidden", "gamma")  # added to a layer
    assert model_variable_path("head/vars/1", "bias", names) == ("head", "bias")  # a subclassed model's attribute
    assert model_variable_path("layers/block/layers/dense/vars/0", "kernel", {}) == ("block", "dense", "kernel")
    assert model_variable_path("vars/0", "scale", names) == ("scale",)  # the model's own weight
    for other in ("layer_with_weights-1/kernel", "optimizer/vars/3", "layers/dense/vars/x"):
        assert model_variable_path(other, "kernel", names) is None
    assert model_variable_path("layers/dense/vars/0", "", names) is None  # no name of its own to give
