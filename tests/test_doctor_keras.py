"""The doctor for ``model.load_weights(FILE)`` of Keras weights files.

The files are written by Keras 3 and tf_keras in one TensorFlow process per module,
which then answers for each case as Keras itself does: it runs the case's model script
as the doctor's contract says, calls ``model.load_weights(FILE)``, and notes whether it
raised and which of the file's values the model's variables hold afterwards (and did
not before). The doctor (a real attempt in a child process, through the runner, whose
warm child each attempt reuses) must agree: it loads exactly when Keras loads, and the
values it calls consumed are exactly those Keras put into the model. It must also say,
for every layer at once, what Keras stops at one layer for.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from ckpt_gui.cli.doctor_text import print_report
from ckpt_gui.diagnosis.checkpoint_choice import keras_file_choice
from ckpt_gui.diagnosis.findings import KERAS_H5_STOPPED, KERAS_SKIPPED
from ckpt_gui.diagnosis.report import build_report, exit_code
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from tests.conftest import LEFTOVER_WAIT_S, _children, _leftovers
from tests.doctor_cli import diagnose

pytest.importorskip("tf_keras", reason="the Keras 2 case needs tf_keras (in the test extra)")

# Written in the TensorFlow process: every weight random, so no value is still an
# initial one (Keras starts biases at zero) and a value is held only where it was loaded.
WRITE = """
import keras
import tf_keras

rng = np.random.RandomState(0)

def randomised(model):
    model.set_weights([rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()])
    return model

def seq(widths, inputs=12):
    return keras.Sequential([keras.Input((inputs,))] + [keras.layers.Dense(w) for w in widths])

class Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(16)
        self.dense2 = keras.layers.Dense(3)

    def call(self, x):
        return self.dense2(self.dense1(x))

randomised(seq([16, 8, 3])).save_weights(os.path.join(OUT, "seq.weights.h5"))
sub = Sub()
sub(np.zeros((1, 12), "float32"))
randomised(sub).save_weights(os.path.join(OUT, "sub.weights.h5"))
model = randomised(seq([16, 8, 3]))
model.compile(keras.optimizers.Adam(0.01), "mse")
model.fit(rng.rand(4, 12).astype("float32"), rng.rand(4, 3).astype("float32"), epochs=1, verbose=0)
model.save(os.path.join(OUT, "seq.keras"))
old = tf_keras.Sequential([tf_keras.Input((12,)), tf_keras.layers.Dense(16), tf_keras.layers.Dense(8),
                           tf_keras.layers.Dense(3)])
randomised(old).save_weights(os.path.join(OUT, "keras2.h5"))
shutil.copy(os.path.join(OUT, "keras2.h5"), os.path.join(OUT, "keras2_renamed.weights.h5"))
# The same weights stored as float64 (exactly: each is a float32 value).
def as_float64(name, obj):  # returns None: visititems stops at the first value returned
    if isinstance(obj, h5py.Dataset):
        g.create_dataset(name, data=np.asarray(obj[()], "float64"))

with h5py.File(os.path.join(OUT, "seq.weights.h5")) as f, h5py.File(os.path.join(OUT, "seq64.weights.h5"), "w") as g:
    f.visititems(as_float64)
# A zero bias: a fresh Dense starts with its value, so only Keras's assignment tells it restored.
zero_bias = randomised(seq([16, 8, 3]))
zero_bias.layers[1].bias.assign(np.zeros(8, "float32"))
zero_bias.save_weights(os.path.join(OUT, "seq_zero_bias.weights.h5"))
# A weight that diverged: a NaN and a -Inf in the second layer's kernel.
diverged = randomised(seq([16, 8, 3]))
kernel = diverged.layers[1].kernel.numpy()
kernel[0, 0], kernel[1, 2] = np.nan, -np.inf
diverged.layers[1].kernel.assign(kernel)
diverged.save_weights(os.path.join(OUT, "seq_nan.weights.h5"))
"""

# Keras's own answer for each case: run the script, load_weights, see what the model holds.
ORACLE = """
import runpy, zipfile

def file_values(path):
    source = zipfile.ZipFile(path).open("model.weights.h5") if path.endswith(".keras") else path
    found = {}
    with h5py.File(source, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, np.asarray(obj[()]))
                     if isinstance(obj, h5py.Dataset) else None)
    return found

def holds(variables, value):
    return [i for i, v in enumerate(variables)
            if v.shape == value.shape and np.array_equal(v, value, equal_nan=value.dtype.kind == "f")]

def answer(weights, script):
    keras.backend.clear_session()  # layer names (dense_1) as the doctor's fresh child makes them
    model = runpy.run_path(script, run_name="__ckpt_gui_model__")["build"]()
    saved = file_values(weights)
    before = [np.asarray(v.numpy()) for v in model.weights]
    try:
        model.load_weights(weights)
        raised = None
    except Exception as exc:
        raised = type(exc).__name__
    after = [np.asarray(v.numpy()) for v in model.weights]
    gained = {key: set(holds(after, value)) - set(holds(before, value)) for key, value in saved.items()}
    restored = sorted(key for key, into in gained.items() if into)
    names = [v.path.removeprefix(model.name + "/") for v in model.weights]  # Keras's names of the model's variables
    into = {key: names[min(i)] for key, i in gained.items() if i}  # the variable each value went into
    # NaN and infinities in the values the model now holds, of each value loaded.
    non_finite = {key: {"nan": int(np.isnan(saved[key]).sum()), "+inf": int(np.isposinf(saved[key]).sum()),
                        "-inf": int(np.isneginf(saved[key]).sum())}
                  for key in restored if saved[key].dtype.kind == "f" and not np.isfinite(saved[key]).all()}
    return {"raised": raised, "restored": restored, "keys": sorted(saved), "names": names, "into": into,
            "non_finite": non_finite}

for name, (weights, script) in CASES.items():
    ANSWERS[name] = answer(os.path.join(OUT, weights), script)
"""

PROCESS = """
import json, os, shutil, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import h5py
import numpy as np
import tensorflow as tf
OUT = sys.argv[1]
CASES = json.loads(open(sys.argv[2]).read())
ANSWERS = {}
"""

SEQ = """
import keras

def seq(widths, inputs=12):
    return keras.Sequential([keras.Input((inputs,))] + [keras.layers.Dense(w) for w in widths])
"""

SCRIPTS = {
    "same": SEQ + "def build():\n    return seq([16, 8, 3])\n",
    "inserted": SEQ + "def build():\n    return seq([16, 16, 8, 3])\n",  # a Dense(16) inserted after the first
    "widened": SEQ + "def build():\n    return seq([32, 8, 3])\n",
    "head": SEQ + "def build():\n    return seq([16, 8, 3, 2])\n",  # a new last layer
    "short": SEQ + "def build():\n    return seq([16, 8])\n",  # the last layer left out
    "last_widened": SEQ + "def build():\n    return seq([16, 8, 4])\n",  # the last layer 3 -> 4 units
    # The subclassed model's second layer renamed from dense2 to head.
    "renamed": """
import keras

class Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(16)
        self.head = keras.layers.Dense(3)

    def call(self, x):
        return self.head(self.dense1(x))

def build():
    model = Sub()
    model(keras.ops.zeros((1, 12)))
    return model
""",
    "raises": "import keras\n\ndef build():\n    raise RuntimeError('the data folder is not mounted')\n",
    # The file's subclassed model with a weight of its own (add_weight: Keras reads it at vars/0).
    "own": """
import keras

class Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(16)
        self.dense2 = keras.layers.Dense(3)
        self.scale = self.add_weight(shape=(3,), name="scale")

    def call(self, x):
        return self.dense2(self.dense1(x)) * self.scale

def build():
    model = Sub()
    model(keras.ops.zeros((1, 12)))
    return model
""",
}

# case -> (file, script)
CASES = {
    "exact": ("seq.weights.h5", "same"),
    "renamed": ("sub.weights.h5", "renamed"),
    "inserted": ("seq.weights.h5", "inserted"),
    "widened": ("seq.weights.h5", "widened"),
    "head": ("seq.weights.h5", "head"),
    "short": ("seq.weights.h5", "short"),
    "archive": ("seq.keras", "same"),
    "keras2": ("keras2.h5", "same"),
    "keras2_renamed": ("keras2_renamed.weights.h5", "same"),
    "float64": ("seq64.weights.h5", "same"),
    "widened_zero_bias": ("seq_zero_bias.weights.h5", "widened"),
    "widened_keras2": ("keras2.h5", "widened"),  # the legacy .h5 loader, its first layer failing
    "last_widened_keras2": ("keras2.h5", "last_widened"),  # the legacy .h5 loader, its last layer failing
    "own": ("sub.weights.h5", "own"),
    "nan": ("seq_nan.weights.h5", "same"),
}


@pytest.fixture(scope="module")
def diagnoser():
    doctor = Diagnoser(keep_warm=True)
    doctor.warm_up()  # TensorFlow imports in the child while the files are written
    yield doctor
    doctor.close()


@pytest.fixture(autouse=True)
def _nothing_left_running(diagnoser):
    """conftest's check, except for the module's warm child, which waits for the next
    attempt on purpose (the runner starts it after each attempt)."""
    before = {pid for pid, _state, _command in _children()}
    yield
    deadline = time.monotonic() + LEFTOVER_WAIT_S
    while (left := _not_warm(_leftovers(before), diagnoser)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        pytest.fail("left running after the test: " + "; ".join(left), pytrace=False)


def _not_warm(left: list[str], diagnoser) -> list[str]:
    warm = {child.process.pid for child in diagnoser._warm.values()}  # noqa: SLF001 - the test's own diagnoser
    return [item for item in left if not any(item.startswith(f"child process {pid} ") for pid in warm)]


@pytest.fixture(scope="module")
def world(tmp_path_factory, diagnoser):
    """The files, the scripts, and Keras's answer for every case."""
    root = tmp_path_factory.mktemp("keras_files")
    scripts = {}
    for name, body in SCRIPTS.items():
        scripts[name] = root / f"{name}_model.py"
        scripts[name].write_text(textwrap.dedent(body))
    cases = {name: (weights, str(scripts[script])) for name, (weights, script) in CASES.items()}
    (root / "cases.json").write_text(json.dumps(cases))
    program = root / "keras_world.py"
    program.write_text(
        PROCESS + WRITE + ORACLE + "\nopen(os.path.join(OUT, 'answers.json'), 'w').write(json.dumps(ANSWERS))\n"
    )
    result = subprocess.run(
        [sys.executable, str(program), str(root), str(root / "cases.json")], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return {"root": root, "scripts": scripts, "answers": json.loads((root / "answers.json").read_text())}


def run(diagnoser, world, case: str, text: io.StringIO | None = None):
    """The doctor's report (JSON) and exit code for one case, and Keras's answer
    (``text``: gets the report as ``diagnose`` prints it)."""
    weights, script = CASES[case]
    request = DiagnosisRequest(str(world["root"] / weights), str(world["scripts"][script]), timeout=300)
    report = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    if text is not None:
        print_report(report, text)
    return report.to_json(), exit_code(report), world["answers"][case]


def by_status(report, status):
    return [v for v in report["variables"] if v["status"] == status]


def agrees_with_keras(report, code, answer):
    """Loads exactly when Keras loads; consumed and restored exactly the values Keras put in the model."""
    assert report["error"] is None, report["error"]
    keras_raised = answer["raised"] is not None
    assert (report["tensorflow"]["verdict"] == "load_weights() raised") == keras_raised, report["tensorflow"]
    assert (code == 0) == (not keras_raised), (code, answer)
    restored = sorted(v["checkpoint_key"] for v in by_status(report, "consumed") if v["restored"])
    if not keras_raised:
        assert sorted(v["checkpoint_key"] for v in by_status(report, "consumed")) == answer["restored"]
    assert restored == answer["restored"]
    # Every value of the file and every variable of the model has one finding.
    assert sorted(v["checkpoint_key"] for v in report["variables"] if v["checkpoint_key"]) == answer["keys"]


def test_exact_match_all_consumed(diagnoser, world):
    report, code, answer = run(diagnoser, world, "exact")
    agrees_with_keras(report, code, answer)
    assert code == 0 and report["ok"] and report["mode"] == "keras"
    assert report["keras_file"] == {"kind": "keras3-weights", "layout": "keras3", "loader": "keras3"}
    assert {v["status"] for v in report["variables"]} == {"consumed"} and len(report["variables"]) == 6
    first = next(v for v in report["variables"] if v["checkpoint_key"] == "layers/dense/vars/0")
    assert first["model_path"] == "layers/dense/vars/0"
    assert first["checkpoint_shape"] == first["model_shape"] == [12, 16] and first["model_dtype"] == "float32"
    assert report["checkpoint_choice"]["reason"].startswith("the Keras weights file named")
    assert "all 6 model weights restored" in report["notes"]


def _tree_names(path) -> dict[str, str]:
    """The readable name the app's tree (and inspect) gives each weight of the file."""
    from ckpt_gui.core.checkpoint import Checkpoint

    ckpt = Checkpoint.open(path)
    return {key: "/".join(ckpt.keras.name(key).path) for key in ckpt.index.entries}


def test_loaded_weights_holding_nan_or_inf_are_named_and_the_verdict_stays(diagnoser, world):
    # Keras loads NaN and Inf as any value: the verdict stays green, a note names the weight
    # with its counts as the loaded values hold them (review 21, 10).
    report, code, answer = run(diagnoser, world, "nan")
    agrees_with_keras(report, code, answer)
    assert code == 0 and report["ok"]
    held = {v["checkpoint_key"]: v["non_finite"] for v in report["variables"] if "non_finite" in v}
    expected = {k: {kind: n for kind, n in counts.items() if n} for k, counts in answer["non_finite"].items()}
    assert held == expected == {"layers/dense_1/vars/0": {"nan": 1, "-inf": 1}}
    (note,) = [note for note in report["notes"] if "NaN or Inf" in note]
    (kernel,) = [v for v in report["variables"] if "non_finite" in v]
    name = _tree_names(world["root"] / CASES["nan"][0])[kernel["checkpoint_key"]]  # as the tree names it
    assert note.startswith(f"restored, but 1 variable holds NaN or Inf from the checkpoint: {name} (1 NaN, 1 -Inf)")


@pytest.mark.parametrize("case", ["exact", "renamed"])
def test_variables_have_readable_names_beside_their_paths(diagnoser, world, case):
    text = io.StringIO()
    report, code, answer = run(diagnoser, world, case, text)
    agrees_with_keras(report, code, answer)
    tree = _tree_names(world["root"] / CASES[case][0])
    for v in report["variables"]:
        if v["checkpoint_key"]:  # the file's weight: named as the tree names it, the HDF5 path kept
            assert v["checkpoint_name"] == tree[v["checkpoint_key"]] != v["checkpoint_key"]
        if v["status"] == "consumed":  # the model's variable: named as Keras names the one the value went into
            assert v["model_name"] == answer["into"][v["checkpoint_key"]]
    assert sorted(v["model_name"] for v in report["variables"] if v["model_path"]) == sorted(answer["names"])
    assert all("/vars/" in v["model_path"] for v in report["variables"] if v["model_path"])  # the paths stay
    for v in report["variables"]:  # diagnose's text: each problem by its side's name, the path beside it
        if v["status"] != "consumed":  # a model-only variable by its path with its own name (head/kernel)
            name = v.get("checkpoint_name")
            if name is None:
                name = f"{v['model_path'].rpartition('/vars/')[0]}/{v['model_name'].rpartition('/')[2]}"
            path = v["model_path"] or v["checkpoint_key"]
            assert f"{name}  ({path})" in text.getvalue()


def test_other_dtype_is_cast_as_keras_does(diagnoser, world):
    # Keras's assign casts a float64 value into a float32 variable without a word: it loads.
    report, code, answer = run(diagnoser, world, "float64")
    agrees_with_keras(report, code, answer)
    assert code == 0 and len(by_status(report, "consumed")) == 6
    assert all(v["checkpoint_dtype"] == "float64" and v["model_dtype"] == "float32" for v in report["variables"])
    assert any(n.startswith("Keras casts 6 values to the model's dtype") for n in report["notes"])


def test_renamed_layer_named_with_its_counterpart(diagnoser, world):
    report, code, answer = run(diagnoser, world, "renamed")
    agrees_with_keras(report, code, answer)
    missing = {v["model_path"]: v for v in by_status(report, "missing")}
    assert set(missing) == {"head/vars/0", "head/vars/1"}
    assert {v["checkpoint_key"] for v in by_status(report, "unmatched")} == {"dense2/vars/0", "dense2/vars/1"}
    kernel = missing["head/vars/0"]
    assert kernel["model_shape"] == [16, 3] and kernel["model_dtype"] == "float32"
    assert any("dense2/vars/0" in s and "'dense2' was renamed to 'head'" in s for s in kernel["suggestions"])
    # Keras names one layer; the doctor has both of the file's values and the layer that loads fine.
    assert len(by_status(report, "consumed")) == 2


def test_inserted_layer_is_one_shift(diagnoser, world):
    report, code, answer = run(diagnoser, world, "inserted")
    agrees_with_keras(report, code, answer)
    shifts = [n for n in report["notes"] if "inserted before" in n]
    assert len(shifts) == 1 and "a layer was inserted before layers/dense_1" in shifts[0]
    assert "layers/dense_1 is now layers/dense_2" in shifts[0]
    # Every layer at once: the two conflicts and the layer without a value.
    assert {v["model_path"] for v in by_status(report, "shape_conflict")} == {
        "layers/dense_1/vars/0", "layers/dense_1/vars/1", "layers/dense_2/vars/0", "layers/dense_2/vars/1",
    }  # fmt: skip
    assert {v["model_path"] for v in by_status(report, "missing")} == {"layers/dense_3/vars/0", "layers/dense_3/vars/1"}
    assert all(s.endswith("see the notes") for v in report["variables"] if v["status"] != "consumed"
               for s in v["suggestions"])  # fmt: skip


@pytest.mark.parametrize("case", ["head", "own"])
def test_model_only_variables_read_as_the_files_weights(diagnoser, world, case):
    """Issue 11: a Sequential's new layer read ``layers/dense_3/vars/0``, a subclassed
    model's own weight ``vars/0``, where the file's weights read ``dense_2/kernel``: a
    variable only the model has is named by its layer's path and its own name (Keras's
    name for it, last part), its path kept beside it."""
    weights, script = CASES[case]
    request = DiagnosisRequest(str(world["root"] / weights), str(world["scripts"][script]), timeout=300)
    report = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    text = io.StringIO()
    print_report(report, text)
    answer = world["answers"][case]
    agrees_with_keras(report.to_json(), exit_code(report), answer)
    missing = [v for v in report.variables if v.status.value == "missing"]
    assert missing and all(v.checkpoint_key is None for v in missing)
    for finding in missing:
        own = finding.model_name.rpartition("/")[2]  # Keras's own name for the variable (kernel, scale)
        layer = finding.model_path.rpartition("vars/")[0].removeprefix("layers/").rstrip("/")
        assert finding.readable_name == f"{layer}/{own}".lstrip("/") != finding.model_path
        assert f"{finding.readable_name}  ({finding.model_path})" in text.getvalue()
    if case == "head":  # the new layer's variables as Keras names them in a fresh process
        assert {v.readable_name for v in missing} == {name for name in answer["names"] if name.startswith("dense_3/")}
    else:  # the model's own weight, by its name alone
        assert [(v.model_path, v.readable_name) for v in missing] == [("vars/0", "scale")]


def test_widened_dense_gives_both_shapes_and_advice(diagnoser, world):
    report, code, answer = run(diagnoser, world, "widened")
    agrees_with_keras(report, code, answer)
    conflicts = {v["model_path"]: v for v in by_status(report, "shape_conflict")}
    kernel = conflicts["layers/dense/vars/0"]
    assert kernel["checkpoint_shape"] == [12, 16] and kernel["model_shape"] == [12, 32]
    assert "the layer went from 16 to 32 units" in kernel["suggestions"][0]
    assert "skip_mismatch=True" in kernel["suggestions"][0]
    after = conflicts["layers/dense_1/vars/0"]  # the next layer's input grew with it
    assert after["checkpoint_shape"] == [16, 8] and after["model_shape"] == [32, 8]
    assert "its input went from 16 to 32 features" in after["suggestions"][0]
    assert by_status(report, "consumed")  # the last layer loads: Keras goes on after a failed layer


def test_a_value_equal_to_its_initial_one_in_a_layer_keras_skipped_is_not_restored(diagnoser, world):
    # The second layer's kernel no longer fits: Keras skips the layer, its bias too, which
    # holds the file's zeros only because a fresh Dense starts with them.
    report, code, answer = run(diagnoser, world, "widened_zero_bias")
    agrees_with_keras(report, code, answer)
    bias = next(v for v in report["variables"] if v["model_path"] == "layers/dense_1/vars/1")
    assert bias["status"] == "consumed" and bias["restored"] is False


# The first layer's kernel of each loader's file, which no longer fits the widened model.
FIRST_KERNEL = {"widened": "layers/dense/vars/0", "widened_keras2": "layer_with_weights-0/kernel"}


@pytest.mark.parametrize("case", ["widened", "widened_keras2"])
def test_the_words_for_values_not_restored_say_what_keras_did(diagnoser, world, case):
    """Review: the status bar said the restore "stopped at its first error" for a
    .weights.h5 file, whose loader (Keras 3's) skips a layer that fails and loads the
    others; the legacy .h5 loader does stop there. The first layer fails in both cases,
    so Keras went on exactly when it put any of the file's values into the model."""
    weights, script = CASES[case]
    request = DiagnosisRequest(str(world["root"] / weights), str(world["scripts"][script]), timeout=300)
    built = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    report, answer, text = built.to_json(), world["answers"][case], io.StringIO()
    agrees_with_keras(report, exit_code(built), answer)
    conflicts = {v["model_path"] for v in by_status(report, "shape_conflict")}
    assert FIRST_KERNEL[case] in conflicts and answer["raised"]
    assert built.held_back
    went_on = bool(answer["restored"])
    assert went_on == (report["keras_file"]["loader"] == "keras3")  # the two loaders, as the cases mean them
    print_report(built, text)
    result = next(line for line in text.getvalue().splitlines() if line.startswith("result:"))  # the CLI's
    # The status bar's words (counts_text), the CLI's result line and the report's notes.
    for words in (built.counts_text(), result, " ".join(report["notes"])):
        assert (KERAS_SKIPPED in words) == went_on and (KERAS_H5_STOPPED in words) == (not went_on), words
        assert "first error" not in words


def test_the_legacy_h5_note_says_the_layers_before_the_failing_one_are_assigned(diagnoser, world):
    """Review 12, 10: the note said the first mismatch stops the load "before anything is
    assigned", beside "2 of 3 ... restored". Keras's own answer (the oracle): the last
    layer fails, and the layers before it hold the file's values."""
    report, code, answer = run(diagnoser, world, "last_widened_keras2")
    agrees_with_keras(report, code, answer)
    assert answer["raised"] and len(answer["restored"]) == 4  # the first two layers' kernels and biases
    (note,) = [n for n in report["notes"] if n.startswith("a Keras 2 HDF5 file")]
    assert "the load stops at the first mismatching layer, and the layers before it are assigned" in note
    assert "before anything is assigned" not in note


def test_missing_layer_both_ways(diagnoser, world):
    # A new head: its weights are missing, and Keras raises for that one layer.
    report, code, answer = run(diagnoser, world, "head")
    agrees_with_keras(report, code, answer)
    assert code == 1 and answer["raised"]
    missing = by_status(report, "missing")
    assert {v["model_path"] for v in missing} == {"layers/dense_3/vars/0", "layers/dense_3/vars/1"}
    assert "a layer or variable added since it was saved" in missing[0]["suggestions"][0]
    # The last layer left out: Keras loads and says nothing of the file's unused values; the doctor does.
    report, code, answer = run(diagnoser, world, "short")
    agrees_with_keras(report, code, answer)
    assert code == 0 and answer["raised"] is None
    assert {v["checkpoint_key"] for v in by_status(report, "unmatched")} == {"layers/dense_2/vars/0",
                                                                            "layers/dense_2/vars/1"}  # fmt: skip
    assert any("claimed by nothing in the model" in n for n in report["notes"])


@pytest.mark.parametrize("case", ["head", "short", "exact"])
def test_model_weights_are_counted_against_the_model_not_the_file(diagnoser, world, case):
    """Review 8: a model with a layer more than the file read "all 6 model weights
    restored" beside "2 model variables have no value" (the model has 8); with a layer
    fewer, "4 of 6" for a model whose 4 all loaded. Keras's own count: model.weights."""
    report, _code, answer = run(diagnoser, world, case)
    model, restored = len(answer["names"]), len(set(answer["into"].values()))
    said = f"all {model} model weights" if restored == model else f"{restored} of {model} model weights"
    said += " restored"
    assert any(note.split(":")[0] == said for note in report["notes"]), (said, report["notes"])


def test_keras_archive(diagnoser, world):
    report, code, answer = run(diagnoser, world, "archive")
    agrees_with_keras(report, code, answer)
    assert code == 0 and report["ok"]
    assert len(by_status(report, "consumed")) == 6
    optimizer = by_status(report, "unmatched")
    assert optimizer and all(v["optimizer"] and v["checkpoint_key"].startswith("optimizer/vars/") for v in optimizer)
    assert any(n.startswith("optimizer state unmatched") and "inference restore" in n for n in report["notes"])


def test_keras2_h5_into_keras3_model(diagnoser, world):
    report, code, answer = run(diagnoser, world, "keras2")
    agrees_with_keras(report, code, answer)
    assert code == 0 and len(by_status(report, "consumed")) == 6
    kernel = next(v for v in report["variables"] if v["model_path"] == "layer_with_weights-1/kernel")
    assert kernel["checkpoint_key"].endswith("/kernel:0") and kernel["checkpoint_shape"] == [16, 8]
    assert any(n.startswith("a Keras 2 HDF5 file: model.load_weights pairs its layers") for n in report["notes"])
    # The same file renamed .weights.h5: Keras 3 reads that name in its own layout and finds nothing.
    report, code, answer = run(diagnoser, world, "keras2_renamed")
    agrees_with_keras(report, code, answer)
    assert code == 1 and len(by_status(report, "missing")) == 6 and len(by_status(report, "unmatched")) == 6
    assert report["keras_file"] == {"kind": "keras3-weights", "layout": "keras2", "loader": "keras3"}
    assert any("is a Keras 2 HDF5 file" in n and "Rename it to end in .h5" in n for n in report["notes"])
    assert all(v["suggestions"] == ["the file's name makes Keras read it in the other layout: see the notes"]
               for v in report["variables"])  # fmt: skip


def test_script_that_raises_is_a_clear_error(diagnoser, world, tmp_path):
    request = DiagnosisRequest(str(world["root"] / "seq.weights.h5"), str(world["scripts"]["raises"]), timeout=300)
    report = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    assert exit_code(report) == 2 and report.error is not None
    assert report.error.kind == "RuntimeError" and "the data folder is not mounted" in report.error.message
    assert "raises_model.py" in report.error.traceback and "ckpt_gui" not in report.error.traceback
    # A damaged file: one line naming it and what is wrong, no traceback of the doctor's.
    cut = tmp_path / "cut.weights.h5"
    cut.write_bytes((world["root"] / "seq.weights.h5").read_bytes()[:3000])
    request = DiagnosisRequest(str(cut), str(world["scripts"]["same"]), timeout=300)
    report = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    assert exit_code(report) == 2 and report.error.kind == "ValueError" and report.error.traceback == ""
    assert report.error.message.startswith(f"{cut}: cannot read this Keras weights file (")


def test_cli_diagnoses_a_weights_file(world, tmp_path):
    copy = tmp_path / "ckpt_3.weights.h5"  # the CLI recognises the file itself
    shutil.copy(world["root"] / "seq.weights.h5", copy)
    code, report = diagnose(copy, world["scripts"]["widened"])
    assert code == 1 and report["mode"] == "keras" and report["checkpoint"] == str(copy)
    assert report["summary"]["shape_conflict"] == 3 and report["tensorflow"]["verdict"] == "load_weights() raised"


def test_app_doctor_takes_a_weights_file(qtbot, window, world, diagnoser):
    from PySide6.QtCore import Qt

    # The module's warm child, not a second TensorFlow import (the window's close ends it:
    # the module's last test).
    window.doctor.diagnoser = diagnoser
    assert window.doctor.set_keras_file(str(world["root"] / "seq.weights.h5"))
    assert not window.doctor.set_keras_file(str(world["scripts"]["same"]))  # no Keras file
    with qtbot.waitSignal(window.diagnosis_done, timeout=300_000) as done:
        window.doctor.diagnose(str(world["scripts"]["inserted"]))
    report = done.args[0]
    assert report is not None and report.error is None and not report.ok
    assert window.report_panel.legend["shape_conflict"].text().endswith("4")
    assert "Keras: load_weights() raised" in window.report_panel.headline.text()
    assert "inserted before layers/dense_1" in window.report_panel.notes.text()
    first = window.report_panel.problems.topLevelItem(0)
    finding = first.data(0, Qt.ItemDataRole.UserRole)
    assert first.text(1) == finding.checkpoint_name and finding.model_path in first.toolTip(1)
    assert f"Path: {finding.model_path}" in window.report_panel.detail.text()
    # The report is never written into the weights file's folder (the write guard, as for checkpoints).
    window.report_panel.export_requested.emit(str(world["root"] / "report.json"), "json")
    assert not (world["root"] / "report.json").exists()


def _open_and_diagnose(qtbot, window, diagnoser, path, script) -> None:
    """``path`` shown in the window, then diagnosed with ``script`` by the module's warm
    child (the caller gives the window its own diagnoser back before it closes)."""
    window.doctor.diagnoser = diagnoser
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    with qtbot.waitSignal(window.diagnosis_done, timeout=300_000):
        window.doctor.diagnose(str(script))


def test_a_renamed_layer_has_one_name_per_side_in_tree_table_and_suggestions(qtbot, window, world, diagnoser):
    # Review 6: the table listed dense_1/kernel as missing and as unmatched (Keras names
    # layers in creation order: the file's `dense2` and the model's `head` were both
    # dense_1), its suggestions said dense2/vars/0 and head/vars/0, the tree head/vars/0.
    from PySide6.QtCore import Qt

    path = world["root"] / "sub.weights.h5"
    try:
        _open_and_diagnose(qtbot, window, diagnoser, path, world["scripts"]["renamed"])
    finally:
        window.doctor.diagnoser = None
    table = window.report_panel.problems
    rows = [table.topLevelItem(i) for i in range(table.topLevelItemCount())]
    named = {row.data(0, Qt.ItemDataRole.UserRole).status.value: {} for row in rows}
    for row in rows:
        named[row.data(0, Qt.ItemDataRole.UserRole).status.value][row.text(1)] = row.text(3)
    tree = _tree_names(path)  # the file's weights as the tree names them
    model_only = {node.path: node.finding.model_path for node in window.tree_panel.tree.model_only}
    # The model's side: its paths with the variables' own names (head/vars/0 read as head/kernel, issue 11).
    assert set(named["missing"]) == set(model_only) == {"head/kernel", "head/bias"}
    assert set(model_only.values()) == {"head/vars/0", "head/vars/1"}
    assert set(named["unmatched"]) == {tree["dense2/vars/0"], tree["dense2/vars/1"]}  # the file's: the tree's
    assert not set(named["missing"]) & set(named["unmatched"])
    # Each suggestion names the other side as its own rows do (the file's key beside its name).
    assert f"likely the checkpoint's {tree['dense2/vars/0']} (dense2/vars/0)" in named["missing"]["head/kernel"]
    assert "likely the model's head/kernel (head/vars/0)" in named["unmatched"][tree["dense2/vars/0"]]
    # The key view keeps the model's path (its rows are the file's HDF5 paths).
    window.tree_panel.keys_button.setChecked(True)
    assert {node.path for node in window.tree_panel.tree.model_only} == {"head/vars/0", "head/vars/1"}


def test_the_app_says_keras_skipped_the_layer_in_its_status_bar_and_tree(qtbot, window, world, diagnoser):
    """Review: the status bar said the restore "stopped at its first error" where Keras
    skipped the widened layer and loaded the next; the held-back value's tooltip said
    TensorFlow's restore stopped."""
    from PySide6.QtCore import Qt

    try:
        _open_and_diagnose(qtbot, window, diagnoser, world["root"] / "seq.weights.h5", world["scripts"]["widened"])
    finally:
        window.doctor.diagnoser = None
    assert window.doctor.report.held_back
    said = window.status_bar.message()
    assert said.startswith("Restore incomplete") and KERAS_SKIPPED in said and "first error" not in said
    panel = window.tree_panel
    held = [node for node in panel.tree.by_key.values() if node.finding is not None and node.finding.held_back]
    assert held
    for node in held:
        tip = panel.model.index_of(node).data(Qt.ItemDataRole.ToolTipRole)
        assert KERAS_SKIPPED in tip and "TensorFlow" not in tip


def test_after_choose_script_the_focus_is_on_the_report_not_the_bins_box(qtbot, window, world, diagnoser, monkeypatch):
    # Review 6: after the report's Choose script... (its file dialog, then the attempt,
    # which hides the button row) the focus was in the Bins box: Down made 100 bins 99.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QFileDialog

    script = str(world["scripts"]["renamed"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (script, ""))
    panel = window.report_panel
    try:
        _open_and_diagnose(qtbot, window, diagnoser, world["root"] / "sub.weights.h5", script)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        panel.script_button.setFocus(Qt.FocusReason.OtherFocusReason)
        assert QApplication.focusWidget() is panel.script_button
        with qtbot.waitSignal(window.diagnosis_done, timeout=300_000):
            qtbot.mouseClick(panel.script_button, Qt.MouseButton.LeftButton)
    finally:
        window.doctor.diagnoser = None
    assert panel.problems.topLevelItemCount()  # the report has problems: the table takes the focus
    assert QApplication.focusWidget() is panel.problems, QApplication.focusWidget()


def test_keras_files_are_recognised_by_name_and_first_bytes(world, tmp_path):
    from ckpt_gui.diagnosis.child.keras_kind import keras_file_kind

    root = world["root"]
    assert keras_file_kind(str(root / "seq.weights.h5")) == "keras3-weights"
    assert keras_file_kind(str(root / "seq.keras")) == "keras3-archive"
    assert keras_file_kind(str(root / "keras2.h5")) == "keras2-h5"
    fake = tmp_path / "notes.weights.h5"
    fake.write_text("not HDF5")
    assert keras_file_kind(str(fake)) is None  # its name alone is not enough
    shutil.copy(root / "seq.keras", tmp_path / "archive.zip")
    assert keras_file_kind(str(tmp_path / "archive.zip")) is None  # nor its bytes alone
    assert keras_file_kind(str(tmp_path)) is None


def test_the_notes_say_once_what_keras_did_and_what_it_reported(diagnoser, world):
    """Review 11, 7: a widened second layer's report said Keras skipped the failed layers
    three times (the file's note, the model weights', the values not restored), and that
    "Keras reports only the first" of the conflicts while its own message, below, said
    "A total of 2 objects could not be loaded" and named both layers. Said once; the
    conflicts' note counts the layers as Keras's message does."""
    import re

    report, code, answer = run(diagnoser, world, "widened")
    agrees_with_keras(report, code, answer)
    notes = report["notes"]
    assert sum(KERAS_SKIPPED in note for note in notes) == 1, notes
    assert not any("skips a layer" in note or "reports only the first" in note for note in notes), notes
    total = re.search(r"A total of (\d+) objects could not be loaded", report["tensorflow"]["message"])
    assert total, report["tensorflow"]["message"]  # Keras 3's own words
    (conflicts,) = [note for note in notes if "match by path but not by shape" in note]
    layers = int(total.group(1))
    assert f"in {layers} layer{'s' if layers > 1 else ''}: Keras lists each layer it could not load" in conflicts
    # Each named as its row names it, by the file's name for it (review 23 #10).
    held = [v["checkpoint_name"] for v in report["variables"] if v["status"] == "consumed" and v["restored"] is False]
    assert held and all(any(path in note for note in notes if KERAS_SKIPPED in note) for path in held), notes


def test_the_notes_and_suggestions_name_a_weight_as_its_row_does(diagnoser, world):
    """Review 23 #10: the rows said ``dense/kernel (layers/dense/vars/0)``, the notes
    and suggestions the file's paths ("restored once the conflicts are fixed
    (layers/dense_1/vars/1)", "the same change as layers/dense/vars/0"): one name for
    a weight everywhere, the tree's (and the rows')."""
    weights, script = CASES["widened"]
    request = DiagnosisRequest(str(world["root"] / weights), str(world["scripts"][script]), timeout=300)
    built = build_report(request, diagnoser.run(request), keras_file_choice(request.checkpoint))
    agrees_with_keras(built.to_json(), exit_code(built), world["answers"]["widened"])
    names = _tree_names(world["root"] / weights)
    held = [v for v in built.variables if v.held_back]
    assert held, "Keras skipped a layer whose matching weight it then did not load"
    said = " ".join(built.notes)
    assert all(names[v.checkpoint_key] in said for v in held), said
    bias = next(v for v in built.variables if v.checkpoint_key == "layers/dense/vars/1")
    assert bias.suggestions[0].endswith(f"the same change as {names['layers/dense/vars/0']} (see its advice)")
    for text in (*built.notes, *(s for v in built.variables for s in v.suggestions)):
        assert not re.search(r"layers/\w+/vars/\d", text), text
