"""The restore doctor, end to end: real scripts on disk, real TensorFlow in a child process."""

from __future__ import annotations

import json
import sys
import time

import pytest

from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.report_markdown import markdown
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from tests.conftest import run_cli
from tests.doctor_cli import diagnose, script
from tests.model_sources import LAYER_LIST_MODEL

SEQUENTIAL = """
import keras
import tensorflow as tf

def sequential(hidden=16, extra=False):
    layers = [keras.Input((12,)), keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(3)]
    if extra:
        layers.append(keras.layers.Dense(2))
    return keras.Sequential(layers)
"""

SUBCLASSED = """
import keras
import tensorflow as tf

class MyModel(keras.Model):
    def __init__(self, second="dense2"):
        super().__init__()
        self.dense1 = keras.layers.Dense(16, activation="relu")
        setattr(self, second, keras.layers.Dense(10))
        self.second = second

    def call(self, x):
        return getattr(self, self.second)(self.dense1(x))
"""

# The model alone, without its optimizer: an inference restore.
INFERENCE = (
    SEQUENTIAL
    + """
def build():
    return tf.train.Checkpoint(model=sequential())
"""
)


def by_status(report, status):
    return [v for v in report["variables"] if v["status"] == status]


def test_seed_style_module_level_checkpoint_all_consumed(tmp_path, checkpoints):
    # Seed 002: a module-level tf.train.Checkpoint of a Keras 3 Sequential and a built
    # optimizer. Keras 3 stores the weights under optimizer paths: they count as consumed.
    path = script(
        tmp_path,
        SEQUENTIAL
        + """
model = sequential()
optimizer = keras.optimizers.Adam(0.001)
optimizer.build(model.trainable_variables)
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
""",
    )
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 0 and report["ok"] and report["error"] is None
    consumed = by_status(report, "consumed")
    assert len(consumed) == 15  # 4 weights, 10 optimizer values, save_counter
    assert any(v["checkpoint_key"].startswith("optimizer/_trainable_variables/") for v in consumed)
    assert all(v["restored"] is True for v in consumed)
    assert report["tensorflow"]["verdict"] == "assert_consumed() passed"
    assert by_status(report, "unmatched") == []


def test_inference_restore_reads_as_expected(tmp_path, checkpoints):
    path = script(tmp_path, INFERENCE)
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 0 and report["ok"]
    assert report["summary"]["consumed"] == 5 and report["summary"]["missing"] == 0  # 4 weights, save_counter
    assert all(v["optimizer"] for v in by_status(report, "unmatched"))
    assert "all 4 model weights restored" in report["notes"]
    assert any("optimizer state unmatched" in note and "inference" in note for note in report["notes"])
    assert "assert_consumed() failed" in report["tensorflow"]["verdict"]


def test_widened_layer_and_added_layer(tmp_path, checkpoints):
    path = script(
        tmp_path,
        SEQUENTIAL
        + """
def build():
    return tf.train.Checkpoint(model=sequential(hidden=32, extra=True))
""",
    )
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 1 and not report["ok"]
    conflicts = {v["model_path"]: v for v in by_status(report, "shape_conflict")}
    kernel = conflicts["model/_functional/_operations/1/_kernel"]
    assert kernel["checkpoint_shape"] == [12, 16] and kernel["model_shape"] == [12, 32]
    assert "16 to 32" in kernel["suggestions"][0]
    assert len(conflicts) == 3  # kernel and bias of the widened layer, kernel of the next
    assert {v["model_path"] for v in by_status(report, "missing")} == {
        "model/_functional/_operations/3/_kernel", "model/_functional/_operations/3/bias",
    }  # fmt: skip
    assert report["tensorflow"]["verdict"] == "restore() raised"
    assert "shape" in report["tensorflow"]["message"]
    # The next layer's kernel did not change its own size: its input did.
    next_kernel = conflicts["model/_functional/_operations/2/_kernel"]
    assert "its input went from 16 to 32" in next_kernel["suggestions"][0]
    # TensorFlow stopped at its first conflict: the matching bias of layer 2 was not restored.
    (bias,) = [v for v in by_status(report, "consumed") if v["model_path"].endswith("/2/bias")]
    assert bias["restored"] is False
    # The first note says why, not a later one (review); counted against the model's
    # 6 weights (3 layers), not the checkpoint's 4 (review 8).
    assert report["notes"][0] == (
        "0 of 6 model weights restored: TensorFlow's restore stopped at its first error;"
        " the 1 matching one is restored once the conflicts are fixed (model/_functional/_operations/2/bias)"
    )
    assert not any(note.startswith("1 matching value was not restored") for note in report["notes"])  # said once
    # Nor was save_counter: restore() creates and binds it after reading, which raised (issue 9).
    assert [v["checkpoint_key"] for v in by_status(report, "unmatched") if not v["optimizer"]] == [
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE"
    ]


def test_seed_style_optimizer_not_built(tmp_path, checkpoints, tf):
    """Seeds 000/002: tf.train.Checkpoint(model=model, optimizer=Adam()) with the optimizer
    not built yet. Keras 3 lists the weights under the optimizer too; its empty lists
    must not hide the model's own path to them."""
    path = script(
        tmp_path,
        SEQUENTIAL
        + """
def build():
    return tf.train.Checkpoint(model=sequential(), optimizer=keras.optimizers.Adam())
""",
    )
    code, report = diagnose(checkpoints / "keras_seq", path)
    # Issue 9: TensorFlow defers the optimizer's state to its first apply_gradients, so
    # not "expected for an inference restore" and exit 0 (tests/test_doctor_binding.py).
    assert code == 1 and not report["ok"], report["notes"]
    assert "all 4 model weights restored" in report["notes"]
    assert report["summary"]["missing"] == 0 and report["summary"]["unmatched"] == 0
    assert {v["model_path"] for v in by_status(report, "consumed") if not v["optimizer"]} == {
        "model/_functional/_operations/1/_kernel", "model/_functional/_operations/1/bias",
        "model/_functional/_operations/2/_kernel", "model/_functional/_operations/2/bias", "save_counter",
    }  # fmt: skip
    # Optimizer state is named by its own lists, not by the catch-all _variables list.
    deferred = {v["checkpoint_path"] for v in by_status(report, "deferred")}
    assert "optimizer/_momentums/0" in deferred and not any("/_variables/" in p for p in deferred)
    # Review 12, 8: each named by its place in the model, as the Repair dialog names it
    # (source_paths) and the repair's note does, its key second in the CLI's rows.
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.repair.source_names import source_paths

    dialog = source_paths(Checkpoint.open(str(checkpoints / "keras_seq")).variables)
    first = next(v for v in by_status(report, "deferred") if v["checkpoint_path"] == "optimizer/_momentums/0")
    # The slot by one name across the app and the CLI (review 15, 11: ``momentums`` here,
    # ``momentum`` in the tree and in ``diff``): Keras's own for the slot variable
    # (``sequential_dense_kernel_momentum``), the name ``diff`` places it by.
    place = "model/_functional/_operations/1/_kernel/momentum"  # the first Dense's kernel's momentum
    assert first["checkpoint_name"] == dialog[first["checkpoint_key"]] == place
    pair = [str(checkpoints / "keras_seq" / name) for name in ("ckpt-3", "ckpt-4")]
    diffed = json.loads(run_cli("diff", *pair, "--json").stdout)
    assert {row["key"]: row["path"] for row in diffed["variables"]}[first["checkpoint_key"]] == place
    keras = tf.keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    adam = keras.optimizers.Adam()
    adam.build(model.trainable_variables)
    assert adam._momentums[0].name.endswith("_" + place.rsplit("/", 1)[1])
    text = run_cli("diagnose", str(checkpoints / "keras_seq"), "--model", str(path)).stdout
    key = first["checkpoint_key"].removesuffix("/.ATTRIBUTES/VARIABLE_VALUE")
    assert f"deferred  {first['checkpoint_name']}  ({key})" in text


def test_widened_layer_with_a_built_optimizer_names_model_paths(tmp_path, checkpoints):
    path = script(
        tmp_path,
        SEQUENTIAL
        + """
def build():
    model = sequential(hidden=32)
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    return tf.train.Checkpoint(model=model, optimizer=optimizer)
""",
    )
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 1
    conflicts = {v["model_path"] for v in by_status(report, "shape_conflict")}
    assert "model/_functional/_operations/1/_kernel" in conflicts
    assert not any(p.startswith("optimizer/_trainable_variables") for p in conflicts)
    slots = [v for v in by_status(report, "shape_conflict") if v["optimizer"]]
    assert {v["model_path"] for v in slots} >= {"optimizer/_momentums/0", "optimizer/_velocities/0"}
    assert all("optimizer state" in v["suggestions"][0] for v in slots)


def test_layers_in_a_plain_list_are_reported_missing(tmp_path, checkpoints):
    """Keras 3 does not make layers in a Python list checkpoint children: the checkpoint
    reaches their weights only through the optimizer, and a restore silently skips them."""
    path = script(
        tmp_path,
        LAYER_LIST_MODEL
        + """
def build():
    net = Net()
    net(tf.zeros((1, 5)))
    return tf.train.Checkpoint(model=net)
""",
    )
    code, report = diagnose(checkpoints / "keras_list", path)
    assert code == 1 and not report["ok"]
    missing = {v["model_path"]: v for v in by_status(report, "missing")}
    assert set(missing) == {"model/blocks[0]/kernel", "model/blocks[0]/bias", "model/blocks[1]/kernel",
                            "model/blocks[1]/bias"}  # fmt: skip
    assert all(v["untracked"] and "plain Python list" in v["suggestions"][0] for v in missing.values())
    unmatched = {v["checkpoint_path"]: v for v in by_status(report, "unmatched")}
    kernel = unmatched["optimizer/_trainable_variables/2"]  # stem kernel, stem bias, then blocks[0]'s kernel
    assert not kernel["optimizer"] and "model/blocks[0]/kernel" in kernel["suggestions"][0]
    # The TF guide's step counter is a harmless leftover, not a model weight.
    assert unmatched["step"]["optimizer"] is False
    assert any(note.startswith("step unmatched") for note in report["notes"])
    assert "4 of 4 model weights restored" not in report["notes"]


# Seed 000's Example 3: a custom layer (its weight made in __init__) in a Sequential
# given no Input. ``BUILT``: called once before the restore.
UNBUILT_SEQUENTIAL = """
import tensorflow as tf

class MyCustomLayer(tf.keras.layers.Layer):
    def __init__(self, units=16):
        super().__init__()
        self.w = self.add_weight(shape=(12, units), initializer="random_normal")

    def call(self, inputs):
        return tf.matmul(inputs, self.w)

model = tf.keras.Sequential([MyCustomLayer(16), tf.keras.layers.Dense(3)])
BUILT
checkpoint = tf.train.Checkpoint(model=model)
"""


def test_a_layer_of_an_unbuilt_sequential_is_told_to_build_the_sequential(tmp_path, checkpoints):
    """Review 12, 4: the weight Keras knows but the checkpoint cannot reach sits in the
    Sequential's own _layers, not a plain list of the user's: the advice is to build the
    Sequential. TensorFlow agrees: called once, the same model's weight is reachable (the
    second run finds it at its _functional/_operations path, nothing unreachable)."""
    unbuilt = script(tmp_path, UNBUILT_SEQUENTIAL.replace("BUILT", ""), name="unbuilt.py")
    _code, report = diagnose(checkpoints / "keras_seq", unbuilt)
    missing = {v["model_path"]: v for v in by_status(report, "missing")}
    weight = missing["model/_layers[0]/variable"]
    assert weight["untracked"] and weight["deferred_owner"] == "model"
    advice = " ".join(weight["suggestions"])
    assert "model is a Sequential that is not built" in advice and "keras.Input" in advice
    assert "plain Python list" not in advice and "attribute" not in advice
    built = script(tmp_path, UNBUILT_SEQUENTIAL.replace("BUILT", "model(tf.zeros((1, 12)))"), name="built.py")
    _code, report = diagnose(checkpoints / "keras_seq", built)
    assert not any(v.get("untracked") for v in report["variables"])
    assert "model/_functional/_operations/1/w" in {v["model_path"] for v in by_status(report, "missing")}


def test_renamed_attribute_is_suggested(tmp_path, checkpoints):
    path = script(
        tmp_path,
        SUBCLASSED
        + """
def build():
    model = MyModel(second="head")
    model(tf.zeros((1, 20)))
    return tf.train.Checkpoint(model=model)
""",
    )
    code, report = diagnose(checkpoints / "subclassed", path)
    assert code == 1
    missing = {v["model_path"]: v for v in by_status(report, "missing")}
    assert set(missing) == {"model/head/_kernel", "model/head/bias"}
    assert "model/dense2/_kernel" in missing["model/head/_kernel"]["suggestions"][0]
    assert "'dense2' was renamed to 'head'" in missing["model/head/_kernel"]["suggestions"][0]  # saved -> new
    unmatched = {v["checkpoint_key"]: v for v in by_status(report, "unmatched")}
    suggestion = unmatched["model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"]["suggestions"][0]
    assert "model/head/_kernel" in suggestion and "'dense2' was renamed to 'head'" in suggestion
    assert {v["model_path"] for v in by_status(report, "consumed")} == {
        "model/dense1/_kernel", "model/dense1/bias", "save_counter",
    }  # fmt: skip


def test_unbuilt_subclassed_model_is_deferred(tmp_path, checkpoints):
    path = script(
        tmp_path,
        SUBCLASSED
        + """
def build():
    return MyModel()  # never called: no variables yet
""",
    )
    code, report = diagnose(checkpoints / "subclassed", path)
    assert code == 1
    deferred = by_status(report, "deferred")
    assert {v["checkpoint_key"] for v in deferred} >= {
        "model/dense1/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model/dense2/bias/.ATTRIBUTES/VARIABLE_VALUE",
    }  # fmt: skip
    assert any("must be built" in note for note in report["notes"])
    assert any("'model' child" in note for note in report["notes"])  # a bare model mapped onto ckpt.model


def test_script_that_raises(tmp_path, checkpoints):
    path = script(
        tmp_path,
        """
import tensorflow as tf

def helper():
    raise ValueError("no such layer config")

helper()
""",
    )
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 2 and not report["ok"]
    assert report["error"]["type"] == "ValueError"
    assert "no such layer config" in report["error"]["message"]
    assert str(path) in report["error"]["traceback"] and "helper()" in report["error"]["traceback"]


def test_a_script_that_does_not_compile_shows_its_line_and_the_caret(tmp_path, checkpoints):
    """Review 22 nit 19: "SyntaxError: invalid syntax (syntax err.py, line 2)" and no more.
    The report has what Python itself says of the file: its line and the caret under the
    fault (in a folder with a space and an é, as the review's)."""
    import traceback

    folder = tmp_path / "dir with spaces é"
    folder.mkdir()
    path = script(folder, "import tensorflow as tf\ndef build(:\n  pass\n", name="syntax err.py")
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as exc:
        said = "".join(traceback.format_exception_only(SyntaxError, exc))
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 2 and report["error"]["type"] == "SyntaxError"
    assert report["error"]["traceback"] == said, report["error"]
    assert "def build(:" in said and "^" in said


SAVE_RESTORE_AT_MODULE_LEVEL = """
import tensorflow as tf

class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = tf.keras.layers.Dense(4)

    def call(self, x):
        return self.dense1(x)

model = Net()
model(tf.zeros((1, 3)))
saved = tf.train.Checkpoint(model=model).save({prefix!r})
status = tf.train.Checkpoint(model=Net()).restore(saved)  # not built: its variables wait
status.assert_consumed()
"""


def test_an_error_of_the_scripts_module_level_code_says_so(tmp_path, checkpoints):
    # Seed 004's Example 3 as a model script: its own save, restore and assert_consumed()
    # ran at import; "AssertionError: Unresolved object in checkpoint" read like the verdict.
    body = SAVE_RESTORE_AT_MODULE_LEVEL.format(prefix=str(tmp_path / "own" / "ckpt"))
    path = script(tmp_path, body)
    line = path.read_text().splitlines().index("status.assert_consumed()") + 1
    code, report = diagnose(checkpoints / "keras_seq", path)
    error = report["error"]
    assert code == 2 and error["type"] == "AssertionError"
    message = error["message"]
    assert message.startswith(f"the module-level code of model_def.py raised this (line {line})"), message
    assert "build()" in message and 'if __name__ == "__main__":' in message
    assert "Unresolved object in checkpoint" in message  # what the script said, still there


def test_the_status_bar_says_the_model_script_failed_when_it_raised_before_any_restore(tmp_path, checkpoints):
    """Review 12, 15: seed 004's code pasted as is raised in its own module-level code,
    and the status bar said "Restore failed": the checkpoint's restore never ran. The
    child's phase says when it failed; a script that raises in build() is the script's too."""
    from ckpt_gui.app.controllers.doctor import _outcome
    from ckpt_gui.core.format.discovery import locate

    prefix = locate(checkpoints / "keras_seq").selected.prefix
    module_level = script(tmp_path, SAVE_RESTORE_AT_MODULE_LEVEL.format(prefix=str(tmp_path / "own" / "ckpt")))
    line = module_level.read_text().splitlines().index("status.assert_consumed()") + 1
    in_build = script(tmp_path, "def build():\n    raise KeyError('no such layer')\n", name="in_build.py")
    diagnoser = Diagnoser()
    try:
        first = build_report(request := DiagnosisRequest(prefix, str(module_level), 120), diagnoser.run(request))
        second = build_report(request := DiagnosisRequest(prefix, str(in_build), 120), diagnoser.run(request))
    finally:
        diagnoser.close()
    assert _outcome(first) == f"The model script failed (line {line}): AssertionError"
    assert _outcome(second) == "The model script failed (line 2): KeyError"


def test_a_script_whose_import_fails_names_the_interpreter_and_the_ways_out(tmp_path, checkpoints):
    (tmp_path / "elsewhere").mkdir()
    path = script(tmp_path / "elsewhere", "import mypackage_of_the_user.layers\n\ndef build():\n    return None\n")
    code, report = diagnose(checkpoints / "keras_seq", path)
    error = report["error"]
    assert code == 2 and error["type"] == "ModuleNotFoundError"  # the exception's own class, as before
    message = error["message"]
    assert message.startswith("No module named 'mypackage_of_the_user'")
    assert f"in {report['python']}:" in message and "make 'mypackage_of_the_user' importable" in message
    assert "--python" in message and "Python interpreter" in message  # another interpreter, CLI and app
    assert "PYTHONPATH" in message and str(path.parent) in message  # or make the package importable


def test_script_that_hangs_hits_the_time_limit(tmp_path, checkpoints):
    path = script(
        tmp_path,
        """
import time
while True:
    time.sleep(1)
""",
    )
    started = time.monotonic()
    code, report = diagnose(checkpoints / "keras_seq", path, "--timeout", "3")
    assert code == 2
    assert "timeout" in (report["error"]["type"] + report["error"]["message"]).lower()
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("import sys\nsys.exit(3)\n", "SystemExit"),
        ("import os\nos._exit(4)\n", "Exit"),
        ("import ctypes\nctypes.string_at(0)\n", "Crash"),
        ("hoard = bytearray(1 << 50)  # a petabyte: the allocation fails at once\n", "MemoryError"),
    ],
)
def test_scripts_that_exit_or_crash(tmp_path, checkpoints, body, kind):
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, body))
    assert code == 2 and report["error"]["type"] == kind
    assert report["error"]["message"]
    trace = report["error"]["traceback"]
    if kind != "Exit":  # os._exit leaves no trace; the others point at the script's line
        assert "model_def.py" in trace, trace
    assert "diagnosis/child/" not in trace or kind == "Crash"  # our frames are left out of Python tracebacks
    assert "oneDNN" not in trace  # TensorFlow's import chatter is not the script's output
    if kind == "SystemExit":
        assert report["error"]["message"] == "the script called sys.exit(3)"


def test_name_based_tf1_wrong_shape_and_missing_variable(tmp_path, checkpoints):
    path = script(
        tmp_path,
        """
import tensorflow as tf

def build():
    return [
        tf.Variable(tf.zeros([784, 20]), name="layer1/weights"),  # the checkpoint has [784, 10]
        tf.Variable(tf.zeros([10]), name="layer1/biases"),
        tf.Variable(tf.zeros([10, 10]), name="layer2/weights"),  # not in the checkpoint
    ]
""",
    )
    code, report = diagnose(checkpoints / "tf1", path)
    assert code == 1 and report["mode"] == "name"
    (conflict,) = by_status(report, "shape_conflict")
    assert conflict["model_path"] == "layer1/weights" and conflict["checkpoint_shape"] == [784, 10]
    assert "var_list" in conflict["suggestions"][0] and "expect_partial" not in conflict["suggestions"][0]
    assert [v["model_path"] for v in by_status(report, "missing")] == ["layer2/weights"]
    assert [v["model_path"] for v in by_status(report, "consumed")] == ["layer1/biases"]
    assert "embedding/table" in {v["checkpoint_key"] for v in by_status(report, "unmatched")}
    assert report["tensorflow"]["verdict"] == "Saver.restore() raised"
    # Review 12, 6: the training loop's global_step is a step counter, Adam's beta powers optimizer state.
    unmatched = {v["checkpoint_key"]: v for v in by_status(report, "unmatched")}
    assert unmatched["global_step"]["optimizer"] is False and unmatched["beta1_power"]["optimizer"] is True
    assert "global_step unmatched (counters, harmless)" in report["notes"]


def test_bare_variables(tmp_path, checkpoints):
    path = script(
        tmp_path,
        """
import tensorflow as tf

weight = tf.Variable(tf.zeros((1, 1)))
bias = tf.Variable(tf.zeros((1,)))
checkpoint_custom = tf.train.Checkpoint(weight=weight, bias=bias)
""",
    )
    code, report = diagnose(checkpoints / "bare", path)
    assert code == 0
    assert {v["model_path"] for v in by_status(report, "consumed")} == {"weight", "bias", "save_counter"}
    assert all(v["restored"] for v in by_status(report, "consumed"))


def test_legacy_optimizer_slots_are_matched(tmp_path, checkpoints):
    path = script(
        tmp_path,
        """
import tensorflow as tf

def build():
    kernel = tf.Variable(tf.zeros((3, 2)), name="kernel")
    module = tf.Module()
    module.dense = tf.Module()
    module.dense.kernel = kernel
    optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
    optimizer.apply_gradients([(tf.ones((3, 2)), kernel)])  # creates the m and v slots
    return tf.train.Checkpoint(model=module, optimizer=optimizer)
""",
    )
    code, report = diagnose(checkpoints / "legacy_slots", path)
    assert code == 0
    keys = {v["checkpoint_key"] for v in by_status(report, "consumed")}
    assert "model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE" in keys


def test_a_legacy_slot_is_named_by_its_variable_as_the_tree_names_it(tmp_path, checkpoints, tf):
    """A slot saved under ``.OPTIMIZER_SLOT`` was named in the doctor's report by that
    object path, where the tree, inspect, export and plans' target_name name it by its
    variable (``model/dense/kernel/m``). The key and the model path stay as they were."""
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.views.tree_build import CheckpointTrees

    source = checkpoints / "legacy_slots"
    tree = CheckpointTrees(Checkpoint.open(str(source)))["objects"]
    tree_names = {node.variable.key: node.path for node in tree.by_key.values() if node.kind == "slot"}
    saved = set(tf.train.load_checkpoint(str(source / "ckpt")).get_variable_to_shape_map())
    assert len(tree_names) == 2 and set(tree_names) <= saved  # TensorFlow's own keys: m and v
    path = script(
        tmp_path,
        """
import tensorflow as tf

def build():
    kernel = tf.Variable(tf.zeros((3, 4)), name="kernel")  # 2 columns saved: the slots conflict too
    module = tf.Module()
    module.dense = tf.Module()
    module.dense.kernel = kernel
    optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
    optimizer.apply_gradients([(tf.ones((3, 4)), kernel)])
    return tf.train.Checkpoint(model=module, optimizer=optimizer)
""",
    )
    _code, report = diagnose(source, path)
    slots = {v["checkpoint_key"]: v for v in report["variables"] if v.get("checkpoint_key") in tree_names}
    assert set(slots) == set(tree_names), report["variables"]
    for key, finding in slots.items():
        assert finding["checkpoint_name"] == tree_names[key], finding
    conflict = next(v for v in slots.values() if v["status"] == "shape_conflict")
    assert conflict["model_path"] == "model/dense/kernel/.OPTIMIZER_SLOT/m"  # as TensorFlow's restore names it
    text = run_cli("diagnose", str(source), "--model", str(path), timeout=300).stdout
    shape_row = next(line for line in text.splitlines() if line.strip().startswith("SHAPE") and "OPTIMIZER" in line)
    name = tree_names[next(k for k, v in slots.items() if v is conflict)]
    assert shape_row.split()[1] == name, shape_row  # the row's name, its object path beside it


def test_checkpoint_folder_is_never_written(tmp_path, scratch_copy):
    folder = scratch_copy("keras_seq")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    path = script(tmp_path, INFERENCE)
    code, _report = diagnose(folder, path)
    assert code == 0
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_warm_child_makes_the_second_attempt_fast(tmp_path, checkpoints):
    path = script(tmp_path, INFERENCE)
    from ckpt_gui.core.format.discovery import locate

    request = DiagnosisRequest(locate(checkpoints / "keras_seq").selected.prefix, str(path), 120, sys.executable)
    diagnoser = Diagnoser()
    try:
        first = build_report(request, diagnoser.run(request))
        assert diagnoser.wait_until_warm(sys.executable)  # the user is still reading the first report
        phases = []
        second_result = diagnoser.run(request, phases.append)
        second = build_report(request, second_result)
    finally:
        diagnoser.close()
    assert first.ok and second.ok
    assert first.variables == second.variables  # a clean process each time: same answer
    assert "starting Python" not in phases and "importing TensorFlow" not in phases
    assert "# Restore diagnosis" in markdown(second) and "| restored |" in markdown(second)


def test_missing_data_file_or_interpreter_are_clean_errors(tmp_path, scratch_copy):
    folder = scratch_copy("subclassed")
    path = script(tmp_path, SUBCLASSED + "\ncheckpoint = tf.train.Checkpoint(model=MyModel())\n")
    result = run_cli("diagnose", str(folder), "--model", str(path), "--python", str(tmp_path / "no-python"))
    assert result.returncode == 2 and "no-python: cannot start this Python" in result.stdout
    (data,) = folder.glob("*.data-*")
    data.unlink()
    result = run_cli("diagnose", str(folder), "--model", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{data}: data shard is missing" in result.stderr


def test_missing_script_and_bad_checkpoint_are_clean_errors(tmp_path, checkpoints):
    result = run_cli("diagnose", str(checkpoints / "keras_seq"), "--model", str(tmp_path / "nope.py"))
    assert result.returncode == 2 and "model script not found" in result.stderr
    result = run_cli("diagnose", str(tmp_path), "--model", str(tmp_path / "nope.py"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


EAGER_PART_WAY = """
import tensorflow as tf

def build():  # eager: the Saver assigns by name, one by one; layer1/biases ([10] saved) fails
    return {
        "layer1/weights": tf.Variable(tf.zeros([784, 10])),
        "layer1/biases": tf.Variable(tf.zeros([5])),
        "global_step": tf.Variable(tf.zeros([], tf.int64)),
    }
"""


def test_a_saver_restore_that_raised_part_way_in_eager_mode_says_what_each_variable_holds(tmp_path, checkpoints, tf):
    """Graph mode's part-way restore has its test (test_doctor_causes); in eager mode the
    assignments run one by one, so some ran and some did not: the doctor's read-back must
    say which, as TensorFlow's own restore of the same variables leaves them, and its note
    must not say they ran in parallel."""
    import numpy as np

    from ckpt_gui.core.format.discovery import locate

    prefix = locate(checkpoints / "tf1").selected.prefix
    namespace: dict = {}
    exec(EAGER_PART_WAY, namespace)  # noqa: S102 - the script's own build(), run here by TensorFlow itself
    variables = namespace["build"]()
    with pytest.raises(ValueError, match="incompatible"):
        tf.compat.v1.train.Saver(var_list=variables).restore(None, prefix)
    reader = tf.train.load_checkpoint(prefix)
    held = {name: np.array_equal(v.numpy(), reader.get_tensor(name)) for name, v in variables.items()
            if name != "layer1/biases"}  # fmt: skip
    assert sorted(held.values()) == [False, True], held  # part-way: one assigned, one not

    code, report = diagnose(prefix, script(tmp_path, EAGER_PART_WAY))
    assert code == 1
    assert report["tensorflow"]["verdict"] == "Saver.restore() raised part-way" and report["tensorflow"]["eager"]
    restored = {v["model_path"]: v["restored"] for v in by_status(report, "consumed")}
    assert restored == held
    (note,) = [note for note in report["notes"] if "part-way" in note]
    assert "in eager mode they run one by one" in note and "in parallel" not in note, note
    assert "1 of 2 matching values holds the checkpoint's values (assigned before the error)" in note, note
    not_assigned = next(name for name, assigned in held.items() if not assigned)
    assert f"(not assigned: {not_assigned};" in note, note
