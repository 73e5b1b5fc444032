"""The restore doctor names the real cause, and says what TensorFlow did.

Each case: a checkpoint written with real TensorFlow / Keras 3 / tf_keras at test
time, the user's script, the doctor's report, and TensorFlow's own answer computed in
the test: one TensorFlow process writes the checkpoints and then runs every script's
restore the way the user would (what it raised, which checkpoint values the
variables hold afterwards). The doctor must agree with it on every checkpoint value
and every model variable, on the verdict and the exit code, and name the cause.

The doctor's child runs every case's attempt in one second process (its own modules
and protocol messages, as child/main.py runs them, one attempt after another), and
the parent builds the reports from those messages: a fresh child per attempt would
cost a TensorFlow import each. The runner around the child (a process per attempt,
limits, the CLI) is tested in test_diagnose.py and test_doctor_process.py.
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap

import pytest

from ckpt_gui.cli.doctor_text import print_report
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.child_process import CHILD_SCRIPT
from ckpt_gui.diagnosis.protocol_check import protocol_message
from ckpt_gui.diagnosis.report import build_report, exit_code
from ckpt_gui.diagnosis.report_markdown import markdown
from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest
from tests import background
from tests.background import Writer

pytest.importorskip("tf_keras", reason="the Keras 2 case needs tf_keras (in the test extra)")

# Written in the TensorFlow process: Keras 3 Sequential models (trained one step, so
# no value is still its initial one), a LossScaleOptimizer, an int64 counter, a tf_keras
# model and a TF1 graph with a variable saved in 4 partitions.
WRITE = """
import keras
import tf_keras

keras.utils.set_random_seed(0)
x = np.random.RandomState(0).rand(4, 12).astype("float32")
y = np.random.RandomState(1).rand(4, 3).astype("float32")

def seq(widths, inputs=12):
    return keras.Sequential([keras.Input((inputs,))] + [keras.layers.Dense(w) for w in widths])

def train(model, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

def save(name, **objects):
    tf.train.Checkpoint(**objects).write(os.path.join(OUT, name, "ckpt"))

model, optimizer = seq([16, 8, 3]), keras.optimizers.Adam(0.01)
train(model, optimizer)
save("adam", model=model, optimizer=optimizer)
model = seq([16, 16, 8, 3])
train(model, keras.optimizers.SGD(0.1))
save("wide", model=model)
model, optimizer = seq([16, 8, 3]), keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01))
train(model, optimizer)
save("loss_scale", model=model, optimizer=optimizer)
save("counter", step=tf.Variable(7, dtype=tf.int64), w=tf.Variable([1.0, 2.0, 3.0]))
save("nan", w=tf.Variable([1.0, np.nan, np.inf, 2.0]), b=tf.Variable([0.5, 1.5]))
save("zeros", a=tf.Variable(tf.random.stateless_normal([3], [4, 5])),
     b=tf.Variable(tf.random.stateless_normal([4], [6, 7])), c=tf.Variable(tf.zeros([2])))
model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16), keras.layers.BatchNormalization(),
                          keras.layers.Dense(8), keras.layers.Dense(3)])
optimizer = keras.optimizers.Adam(0.01)
train(model, optimizer)
# Statistics of their own: zeros and ones would be "held" by any fresh variable of that shape.
model.layers[1].moving_mean.assign(np.random.RandomState(2).rand(16).astype("float32"))
model.layers[1].moving_variance.assign(np.random.RandomState(3).rand(16).astype("float32") + 1)
save("norm", model=model, optimizer=optimizer)
model = tf_keras.Sequential([tf_keras.Input((12,)), tf_keras.layers.Dense(16), tf_keras.layers.Dense(3)])
model.compile(tf_keras.optimizers.SGD(0.1), "mse")
model.fit(x, y, epochs=1, verbose=0)
save("keras2", model=model)
with tf.Graph().as_default():
    tf.compat.v1.get_variable("layer1/weights", initializer=tf.random.stateless_normal([12, 4], [1, 2]))
    tf.compat.v1.get_variable("layer1/biases", initializer=tf.constant([0.5, 1.5, 2.5, 3.5]))
    tf.compat.v1.get_variable("embedding/table", [40, 8], partitioner=tf.compat.v1.fixed_size_partitioner(4),
                              initializer=tf.compat.v1.random_normal_initializer(seed=3))
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, os.path.join(OUT, "tf1", "model.ckpt"))
# Values a fresh variable starts with: held "by coincidence" wherever the restore stops.
with tf.Graph().as_default():
    tf.compat.v1.get_variable("layer1/weights", initializer=tf.zeros([12, 4]))
    tf.compat.v1.get_variable("layer1/biases", initializer=tf.zeros([4]))
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, os.path.join(OUT, "tf1_zeros", "model.ckpt"))
"""

# TensorFlow's own answer for one script: run it as the doctor's contract says, restore
# as the user would, and see which checkpoint values the model's variables then hold.
ORACLE = """
def value(variable, session):
    return np.asarray(session.run(variable) if session is not None else variable.numpy())

def is_variable(obj):
    return hasattr(obj, "shape") and hasattr(obj, "dtype") and hasattr(obj, "assign")

def holders(variables, prefix, session=None):
    reader = tf.train.load_checkpoint(prefix)
    held = [value(v, session) if not isinstance(v, list) else whole(v, session) for v in variables]
    keys = [k for k in reader.get_variable_to_shape_map() if k != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    saved = {k: np.asarray(reader.get_tensor(k)) for k in keys}
    same = lambda a, b: (a.shape == b.shape and a.dtype == b.dtype
                         and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    restored = sorted(k for k, v in saved.items() if any(same(h, v) for h in held))
    left = sum(1 for h in held if not any(same(h, v) for v in saved.values()))
    # NaN and infinities in what the variables now hold, of each restored value.
    non_finite = {k: {"nan": int(np.isnan(saved[k]).sum()), "+inf": int(np.isposinf(saved[k]).sum()),
                      "-inf": int(np.isneginf(saved[k]).sum())}
                  for k in restored if saved[k].dtype.kind == "f" and not np.isfinite(saved[k]).all()}
    return {"restored": restored, "left": left, "variables": len(held), "non_finite": non_finite}

def whole(parts, session):
    ordered = sorted(parts, key=lambda p: p._save_slice_info.var_offset[0])
    return np.concatenate([value(p, session) for p in ordered])

# TensorFlow's assignment made visible: before the restore every variable holds what no
# checkpoint value holds (NaN, the least integer), so a variable the restore did not reach
# holds no checkpoint value even where its initial value was one (zeros, a counter at 0).
def unreached(variables, session=None):
    for v in variables:
        dtype = tf.as_dtype(v.dtype).base_dtype  # a Keras 3 variable's dtype is a string
        if dtype.is_floating:
            fill = np.full(tuple(v.shape), np.nan, dtype.as_numpy_dtype)
        elif dtype.is_integer:
            fill = np.full(tuple(v.shape), dtype.min, dtype.as_numpy_dtype)
        else:
            continue
        session.run(v.assign(fill)) if session is not None else v.assign(fill)

def object_answer(root, prefix):
    variables = [o for o in tf.train.TrackableView(root).descendants() if is_variable(o)]
    unreached(variables)
    raised = None
    try:
        root.restore(prefix).expect_partial()
    except Exception as exc:
        raised = type(exc).__name__
    return {"raised": raised, **holders(variables, prefix)}

def graph_answer(prefix):
    variables = tf.compat.v1.global_variables()
    grouped = {}
    for v in variables:
        info = v._save_slice_info
        grouped.setdefault(info.full_name if info else v.op.name, []).append(v)
    wholes = [parts if parts[0]._save_slice_info else parts[0] for parts in grouped.values()]
    raised = None
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        unreached(variables, session)
        try:
            tf.compat.v1.train.Saver(var_list=variables).restore(session, prefix)
        except Exception as exc:
            raised = type(exc).__name__
        # The shape each variable's value has now: a resource variable's restore in a graph
        # assigns the checkpoint's value whatever its shape.
        shapes = {v.op.name: list(np.shape(session.run(v))) for v in wholes if not isinstance(v, list)}
        reader = tf.train.load_checkpoint(prefix)  # the checkpoint's values, as TensorFlow reads them
        saved = {k: np.asarray(reader.get_tensor(k)).tolist() for k in reader.get_variable_to_shape_map()}
        return {"raised": raised, "shapes": shapes, "saved": saved, **holders(wholes, prefix, session)}

def answer(prefix, script):
    tf.compat.v1.reset_default_graph()
    namespace = runpy.run_path(script, run_name="__ckpt_gui_model__")
    if "build" not in namespace:
        return graph_answer(prefix)
    try:
        root = namespace["build"]()
    except Exception as exc:
        return {"error": str(exc), "type": type(exc).__name__}
    return object_answer(root, prefix)

answers = {name: answer(prefix, script) for name, prefix, script in CASES}
print(json.dumps(answers))
"""

SEQUENTIAL = """
import keras
import tensorflow as tf

def seq(widths, inputs=12):
    return keras.Sequential([keras.Input((inputs,))] + [keras.layers.Dense(w) for w in widths])
"""

WITH_OPTIMIZER = """
def build():
    model = seq([16, 8, 3])
    optimizer = {optimizer}
    optimizer.build(model.trainable_variables)
    return tf.train.Checkpoint(model=model, optimizer=optimizer)
"""

GRAPH = """
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
tf.compat.v1.get_variable("layer1/weights", [12, 4])
tf.compat.v1.get_variable("layer1/biases", [4])
"""

# name: (checkpoint, script, a phrase the notes must hold). Graph-mode scripts last:
# the oracle's process cannot go back to eager execution.
CASES = {
    "inserted_layer": (
        "adam",
        SEQUENTIAL + "\ndef build():\n    return tf.train.Checkpoint(model=seq([16, 16, 8, 3]))\n",
        "a layer was inserted before model/_functional/_operations/2; every later weight moved by 1",
    ),
    "inserted_layer_and_optimizer": (
        "adam",
        SEQUENTIAL
        + WITH_OPTIMIZER.replace("seq([16, 8, 3])", "seq([16, 16, 8, 3])").format(
            optimizer="keras.optimizers.Adam(0.005)"
        ),
        "every later weight moved by 1 (model/_functional/_operations/2 is now model/_functional/_operations/3), "
        "and the optimizer's per-variable state with them",
    ),
    "removed_layer": (
        "wide",
        SEQUENTIAL + "\ndef build():\n    return tf.train.Checkpoint(model=seq([16, 8, 3]))\n",
        "a layer was removed at model/_functional/_operations/2; every later weight moved by 1",
    ),
    "removed_norm": (
        "norm",
        SEQUENTIAL + WITH_OPTIMIZER.format(optimizer="keras.optimizers.Adam(0.01)"),
        "a layer was removed at model/_functional/_operations/2; every later weight moved by 1",
    ),
    "removed_norm_and_resized": (
        "norm",
        SEQUENTIAL
        + WITH_OPTIMIZER.replace("seq([16, 8, 3])", "seq([16, 12, 3])").format(optimizer="keras.optimizers.Adam(0.01)"),
        "a layer was removed at model/_functional/_operations/2; every later weight moved by 1",
    ),
    "other_input_shape": (
        "adam",
        SEQUENTIAL + "\ndef build():\n    return tf.train.Checkpoint(model=seq([16, 8, 3], inputs=20))\n",
        "the model was built on another input shape",
    ),
    "optimizer_class": (
        "adam",
        SEQUENTIAL + WITH_OPTIMIZER.format(optimizer="keras.optimizers.SGD(0.1, momentum=0.9)"),
        "optimizer state saved by Adam, restoring into SGD",
    ),
    "loss_scale_optimizer": (
        "loss_scale",
        SEQUENTIAL + WITH_OPTIMIZER.format(optimizer="keras.optimizers.Adam(0.005)"),
        "written with a LossScaleOptimizer (mixed precision): Adam's state is saved under optimizer/inner_optimizer/",
    ),
    "keras2_checkpoint": (
        "keras2",
        SEQUENTIAL + "\ndef build():\n    return tf.train.Checkpoint(model=seq([16, 3]))\n",
        "a Keras 2 checkpoint read by a Keras 3 model",
    ),
    "int32_counter": (
        "counter",
        "import tensorflow as tf\n\ndef build():\n"
        "    return tf.train.Checkpoint(step=tf.Variable(1), w=tf.Variable([0.0, 0.0, 0.0]))\n",
        None,  # the cause is the variable's suggestion
    ),
    # TensorFlow stops at b (5 values for 4): c keeps its zeros, which are also the checkpoint's.
    # Restored as saved, NaN and Inf with it: the verdict stays green, a note names them.
    "nan_restored": (
        "nan",
        "import tensorflow as tf\n\ndef build():\n"
        "    return tf.train.Checkpoint(w=tf.Variable(tf.zeros([4])), b=tf.Variable(tf.zeros([2])))\n",
        "restored, but 1 variable holds NaN or Inf from the checkpoint: w (1 NaN, 1 +Inf)",
    ),
    "restore_stopped_before_a_zero": (
        "zeros",
        "import tensorflow as tf\n\ndef build():\n    return tf.train.Checkpoint(a=tf.Variable(tf.zeros([3])), "
        "b=tf.Variable(tf.zeros([5])), c=tf.Variable(tf.zeros([2])))\n",
        None,
    ),
    "keras_error": (
        "adam",
        """
import keras
import tensorflow as tf

class Broken(keras.layers.Layer):
    def call(self, x):
        raise ValueError("this layer wants another input")

def build():
    Broken()(tf.zeros((1, 2)))
""",
        None,
    ),
    "saver_key_not_found": (
        "tf1",
        GRAPH + 'tf.compat.v1.get_variable("layer2/weights", [4, 2])\n',
        "Saver.restore() raised NotFoundError (layer2/weights is not in the checkpoint) reading the checkpoint, "
        "so it assigned nothing",
    ),
    "saver_renamed_and_resized": (
        "tf1",
        "import tensorflow as tf\n\ntf.compat.v1.disable_eager_execution()\n"
        'tf.compat.v1.get_variable("layer1/w", [12, 4])\ntf.compat.v1.get_variable("layer1/biases", [5])\n',
        "Saver.restore() raised NotFoundError (layer1/w is not in the checkpoint) reading the checkpoint, "
        "so it assigned nothing",
    ),
    # The review's case: a checkpoint of tf.zeros, so every variable starts with its value.
    "saver_zeros_renamed": (
        "tf1_zeros",
        "import tensorflow as tf\n\ntf.compat.v1.disable_eager_execution()\n"
        'tf.compat.v1.get_variable("layer1/weights", initializer=tf.zeros([12, 4]))\n'
        'tf.compat.v1.get_variable("layer1/bias", initializer=tf.zeros([4]))\n',
        "Saver.restore() raised NotFoundError (layer1/bias is not in the checkpoint) reading the checkpoint, "
        "so it assigned nothing",
    ),
    "repartitioned_variable": (
        "tf1",
        GRAPH + 'tf.compat.v1.get_variable("embedding/table", [40, 8], '
        "partitioner=tf.compat.v1.fixed_size_partitioner(2))\n",
        "all 3 model weights restored",
    ),
    # A resource variable of a graph: Saver.restore() raises nothing and the variable takes
    # the checkpoint's [4] value in place of the model's [5] (review 21, 2).
    "saver_resized_in_place": (
        "tf1",
        "import tensorflow as tf\n\ntf.compat.v1.disable_eager_execution()\n"
        'tf.compat.v1.get_variable("layer1/weights", [12, 4])\ntf.compat.v1.get_variable("layer1/biases", [5])\n',
        "Saver.restore() raised no error and assigned the checkpoint's value anyway, so layer1/biases now holds the "
        "checkpoint's [4] value, not the model's [5] (a silent shape change",
    ),
    # Reference variables: the [5] one's assignment raises, and the Saver's other
    # assignments run beside it, so which of them ran before the error is not determined.
    "saver_part_way": (
        "tf1",
        "import tensorflow as tf\n\ntf.compat.v1.disable_eager_execution()\n"
        'tf.compat.v1.get_variable("layer1/weights", [12, 4], use_resource=False)\n'
        'tf.compat.v1.get_variable("layer1/biases", [5], use_resource=False)\n'
        'tf.compat.v1.get_variable("embedding/table", [40, 8], use_resource=False)\n',
        "part-way, in its assignments: it does not say which ran before the error (in a graph they run in parallel, "
        "in no set order)",
    ),
}


def _cases(folder: str) -> list[tuple[str, str, str]]:
    """Each case's name, checkpoint prefix and model script, in ``folder``."""
    out = os.path.join(folder, "checkpoints")
    prefixes = {
        "tf1": os.path.join(out, "tf1", "model.ckpt"),
        "tf1_zeros": os.path.join(out, "tf1_zeros", "model.ckpt"),
        **{
            c: os.path.join(out, c, "ckpt")
            for c in ("adam", "wide", "loss_scale", "counter", "keras2", "norm", "zeros", "nan")
        },
    }
    return [
        (name, prefixes[checkpoint], os.path.join(folder, f"{name}.py")) for name, (checkpoint, _s, _p) in CASES.items()
    ]


def _world_writers() -> dict[str, Writer]:
    """TensorFlow writes the checkpoints and gives its answers ("world"), then the
    child's attempts run on them ("attempts"), started with the session (tests/background.py)."""
    env = {"TF_CPP_MIN_LOG_LEVEL": "3"}
    program = (
        "import json, os, runpy\nimport numpy as np\nimport tensorflow as tf\n"
        f"OUT = {os.path.join('{out}', 'checkpoints')!r}\nCASES = {_cases('{out}')!r}\n" + WRITE + ORACLE
    )
    scripts = {f"{name}.py": textwrap.dedent(source) for name, (_checkpoint, source, _phrase) in CASES.items()}
    attempts = f"CHILD_MAIN = {CHILD_SCRIPT!r}\nCASES = {_cases('{out:world}')!r}\n" + ATTEMPTS
    return {
        "world": Writer([sys.executable, "-c", program], 600, env, inputs=scripts, cwd="{out}"),
        "attempts": Writer([sys.executable, "-c", attempts], 600, env, cwd="{out:world}"),
    }


@pytest.fixture(scope="module")
def world(request):
    """The checkpoints, TensorFlow's answers and the doctor's reports, for every case."""
    folder, written = background.result(request, "world")
    assert written.returncode == 0, written.stderr[-3000:]
    answers = json.loads(written.stdout.strip().splitlines()[-1])
    _out, attempted = background.result(request, "attempts")
    assert attempted.returncode == 0, attempted.stderr[-3000:]
    attempts = _doctor_attempts(attempted.stdout.strip(), HELD)
    reports = {}
    for name, prefix, script in _cases(str(folder)):
        request = DiagnosisRequest(locate(prefix).selected.prefix, script)
        reports[name] = build_report(request, attempts[name])
    return answers, reports


# The child's attempts, one after another in one process, each as child/main.py runs it.
ATTEMPTS = """
import importlib, json, os, sys
sys.path.insert(0, os.path.dirname(CHILD_MAIN))
main = importlib.import_module("main")
main.load_package()
protocol = importlib.import_module(main.PACKAGE + ".protocol")
protocol.open_channel()
import tensorflow as tf
attempt = importlib.import_module(main.PACKAGE + ".attempt")
held = {}
verify = attempt.verify

def verify_and_read(reader, facts, session=None):
    # What each matching variable of a graph holds after the doctor's restore, read here,
    # apart from the doctor's own verification, for the test to compare with the checkpoint.
    verify(reader, facts, session)
    if session is not None:
        held.update({e["model_path"]: session.run(e["_object"]).tolist() for e in facts["variables"]
                     if e["status"] == "consumed" and not isinstance(e["_object"], list)})

attempt.verify = verify_and_read
for name, prefix, script in CASES:
    protocol.send({"event": "case", "name": name, "tensorflow": tf.__version__})
    tf.compat.v1.reset_default_graph()  # a fresh child's graph is empty
    held.clear()
    try:
        protocol.send({"event": "report", "report": attempt.attempt({"checkpoint": prefix, "script": script})})
    except protocol.ScriptError as exc:
        protocol.send_error(exc.cause, exc.phase, exc.trace)
    protocol.send({"event": "held", "values": held})
"""


# What the matching variables of each graph case held after the doctor's restore (the harness's "held").
HELD: dict[str, dict[str, list]] = {}


def _doctor_attempts(printed: str, held: dict[str, dict[str, list]]) -> dict[str, AttemptResult]:
    """Each case's attempt result from the child's checked protocol messages (``held``:
    filled with what the harness read, not a message of the child's protocol)."""
    results: dict[str, AttemptResult] = {}
    for line in printed.splitlines():
        message = json.loads(line)
        if message["event"] == "case":
            name = message["name"]
            current = results[name] = AttemptResult(tensorflow_version=message["tensorflow"])
            continue
        if message["event"] == "held":
            held[name] = message["values"]
            continue
        protocol_message(message)  # what the parent checks of every message
        if message["event"] == "report":
            current.facts = message["report"]
        elif message["event"] == "error":
            current.error = message["error"]
    return results


def _restored_keys(report) -> list[str]:
    return sorted(v.checkpoint_key for v in report.variables if v.status == RestoreStatus.CONSUMED and v.restored)


def _left(report) -> int:
    """Model variables that do not hold a checkpoint value after the restore."""
    model_side = [v for v in report.variables if v.model_path and v.status != RestoreStatus.UNMATCHED]
    return sum(1 for v in model_side if not (v.status == RestoreStatus.CONSUMED and v.restored))


BACKGROUND_WRITERS = _world_writers()

# A conflict TensorFlow assigns anyway holds its checkpoint value: its own test says so.
# One that raised part-way assigned what its parallel assignments got to: its own test.
RESTORES = [name for name in CASES if name not in ("keras_error", "saver_resized_in_place", "saver_part_way")]


@pytest.mark.parametrize("name", RESTORES)
def test_doctor_agrees_with_tensorflow_and_names_the_cause(world, name):
    answers, reports = world
    answer, report = answers[name], reports[name]
    assert report.error is None, report.error
    # Every checkpoint value TensorFlow put into a variable, and only those, is "restored".
    assert _restored_keys(report) == answer["restored"]
    # Every model variable TensorFlow left without a checkpoint value is reported so.
    assert _left(report) == answer["left"]
    assert report.tensorflow.verdict.endswith("raised") == (answer["raised"] is not None)
    if answer["raised"]:
        assert report.tensorflow.message.startswith(answer["raised"])
    assert exit_code(report) == (0 if answer["raised"] is None and answer["left"] == 0 else 1)
    phrase = CASES[name][2]
    if phrase is not None:
        assert sum(phrase in note for note in report.notes) == 1, report.notes  # said once
    # The summary line counts as restored only what TensorFlow put into a variable.
    assert _restored_words(report, len(answer["restored"])) in report.counts_text()


def _restored_words(report, restored: int) -> str:
    matching = report.summary[RestoreStatus.CONSUMED]
    if matching == restored:
        return f"{restored} restored" if restored else ""
    stopped = "the restore stopped at its first error"
    if report.tensorflow.verdict == "Saver.restore() raised":  # its read failed: nothing assigned
        stopped = "Saver.restore() raised, so it assigned nothing"
    if restored == 0:
        return f"{matching} matching (not restored: {stopped})"
    return f"{matching} matching ({restored} restored, {matching - restored} not: {stopped})"


def test_a_shifted_layer_replaces_the_per_variable_size_stories(world):
    _answers, reports = world
    for name in ("inserted_layer", "removed_layer", "inserted_layer_and_optimizer"):
        problems = reports[name].problems if name.endswith("optimizer") else [
            v for v in reports[name].problems if not v.optimizer]  # fmt: skip
        assert problems and all(len(v.suggestions) == 1 for v in problems)
        assert all("see the notes" in v.suggestions[0] for v in problems)
        assert not any("units" in s or "features" in s for v in problems for s in v.suggestions)
    kernel = next(v for v in reports["inserted_layer"].problems if v.model_path.endswith("4/_kernel"))
    assert kernel.status == RestoreStatus.MISSING
    assert kernel.suggestions[0].startswith("its value is the checkpoint's model/_functional/_operations/3/_kernel")


def test_a_removed_layer_with_a_later_one_resized_gives_no_advice_by_position(world):
    # A normalization removed and the next layer resized: TensorFlow binds the norm's
    # values to the resized layer's variables through the optimizer's list of trainable
    # variables. That is a guess by position: no layer-size advice, no copy between them.
    from ckpt_gui.repair.plan import Action
    from ckpt_gui.repair.planner import propose_plan

    _answers, reports = world
    report = reports["removed_norm_and_resized"]
    by_position = [v for v in report.problems if v.checkpoint_path and "/_operations/2/" in v.checkpoint_path
                   and v.model_path and v.model_path != v.checkpoint_path]  # fmt: skip
    assert by_position, report.problems  # TensorFlow bound the norm's gamma and beta to other layers
    assert all(v.suggestions[0].startswith("bound here only by its place in the optimizer's list") for v in by_position)
    advice = [s for v in report.problems for s in v.suggestions]
    assert not any("units" in s or "features" in s or "old shape" in s or "old size" in s for s in advice), advice
    assert sum("changed size as well" in note for note in report.notes) == 1, report.notes
    for name in ("removed_norm", "removed_norm_and_resized"):
        findings = {v.checkpoint_key: v for v in reports[name].variables if v.checkpoint_key}
        for entry in propose_plan(reports[name]).entries:
            saved = findings[entry.source_key].checkpoint_path or findings[entry.source_key].model_path or ""
            if entry.action == Action.DROP:
                continue
            assert "/_operations/2/" not in saved, entry  # the removed layer's values go nowhere
            assert not (findings[entry.source_key].optimizer and entry.action == Action.KEEP_INITIAL), entry
            if entry.target.startswith("model/") and entry.action != Action.MAP:
                number = int(entry.target.split("/_operations/")[1].split("/")[0])  # the layer after the shift
                assert f"/_operations/{number + 1}/" in saved, entry
    text = markdown(report)  # the opaque key, and what it was saved as beside it
    assert all(f"{v.checkpoint_key} ({v.checkpoint_path})" in text for v in by_position)
    # The child saw the scripts build their optimizers (the repair's note on dropped state reads this).
    assert reports["removed_norm"].optimizer_built is True and reports["removed_layer"].optimizer_built is None
    # The clean removal: every later weight is carried over whole.
    plan = propose_plan(reports["removed_norm"])
    model_weights = {v.model_path for v in reports["removed_norm"].variables
                     if v.model_path and v.model_path.startswith("model/") and v.status != "unmatched"}  # fmt: skip
    assert model_weights == {e.target for e in plan.entries if e.action == Action.MAP and e.target.startswith("model/")}


def test_optimizer_class_and_loss_scale_are_named_on_their_values(world):
    _answers, reports = world
    optimizer_problems = [v for v in reports["optimizer_class"].problems if v.optimizer]
    assert optimizer_problems
    assert all("of Adam, restoring into SGD" in v.suggestions[0] for v in optimizer_problems)
    inner = [v for v in reports["loss_scale_optimizer"].problems if "inner_optimizer/" in (v.checkpoint_path or "")]
    assert inner and all("LossScaleOptimizer's inner Adam" in v.suggestions[0] for v in inner)


def test_int64_counter_created_as_int32(world):
    _answers, reports = world
    (step,) = [v for v in reports["int32_counter"].variables if v.status == RestoreStatus.DTYPE_CONFLICT]
    assert (step.checkpoint_dtype, step.model_dtype) == ("int64", "int32")
    assert "create it with dtype=tf.int64" in step.suggestions[0]
    assert "mixed-precision" not in step.suggestions[0]


def test_failed_saver_restore_assigned_nothing(world):
    answers, reports = world
    report = reports["saver_key_not_found"]
    assert answers["saver_key_not_found"]["restored"] == []  # TensorFlow's own answer: nothing
    matching = [v for v in report.variables if v.status == RestoreStatus.CONSUMED]
    assert {v.model_path for v in matching} == {"layer1/weights", "layer1/biases"}
    assert all(v.restored is False for v in matching)
    assert "0 of 3 model weights restored" in report.notes
    # The status bar and the CLI's result line in TF1's words too (review 8: they said
    # "the restore stopped at its first error" beside the note saying it assigned nothing).
    import io

    from ckpt_gui.app.controllers.doctor import _outcome
    from ckpt_gui.cli.doctor_text import print_report

    text = io.StringIO()
    print_report(report, text)
    (result,) = [line for line in text.getvalue().splitlines() if line.startswith("result:")]
    for said in (report.counts_text(), _outcome(report), result):
        assert "2 matching (not restored: Saver.restore() raised, so it assigned nothing)" in said, said
        assert "first error" not in said


def test_values_equal_to_their_initial_ones_are_not_restored_when_the_restore_raised(world):
    # The verdict must not hang on a checkpoint value coinciding with the variable's
    # initial one: TensorFlow assigned nothing (Saver) or stopped before it (objects).
    answers, reports = world
    saver, objects = reports["saver_zeros_renamed"], reports["restore_stopped_before_a_zero"]
    assert answers["saver_zeros_renamed"]["restored"] == []
    (weights,) = [v for v in saver.variables if v.status == RestoreStatus.CONSUMED]
    assert weights.restored is False
    assert not any(note.startswith("verified:") for note in saver.notes), saver.notes
    assert answers["restore_stopped_before_a_zero"]["restored"] == ["a/.ATTRIBUTES/VARIABLE_VALUE"]
    (c,) = [v for v in objects.variables if v.checkpoint_key == "c/.ATTRIBUTES/VARIABLE_VALUE"]
    assert c.status == RestoreStatus.CONSUMED and c.restored is False


def test_failed_saver_restore_names_the_key_tensorflow_did_not_find(world):
    # TF1: RestoreV2 reads every value before assigning any, so the missing key is what
    # TensorFlow reports, not the shape conflict; names are variable names, not attributes.
    answers, reports = world
    answer, report = answers["saver_renamed_and_resized"], reports["saver_renamed_and_resized"]
    assert answer["restored"] == [] and "Key layer1/w not found" in report.tensorflow.message
    (conflict,) = [v for v in report.variables if v.status == RestoreStatus.SHAPE_CONFLICT]
    assert conflict.model_path == "layer1/biases"
    conflicts = [note for note in report.notes if "by path but not by shape" in note]
    assert conflicts == [
        "1 variable matches by path but not by shape or dtype: TensorFlow did not get to it: Saver.restore() raised "
        "first on layer1/w, a key not in the checkpoint"
    ]
    (renamed,) = [v for v in report.variables if v.model_path == "layer1/w"]
    assert "the variable's name changed (weights -> w)" in renamed.suggestions[0]
    assert not any("attribute" in s for v in report.variables for s in v.suggestions)


def test_repartitioned_variable_matches_its_whole_name(world):
    _answers, reports = world
    (table,) = [v for v in reports["repartitioned_variable"].variables if v.checkpoint_key == "embedding/table"]
    assert table.status == RestoreStatus.CONSUMED and table.restored is True
    assert table.model_path == "embedding/table" and table.model_shape == (40, 8)


def test_keras_escape_codes_never_reach_the_report(world):
    answers, reports = world
    answer, report = answers["keras_error"], reports["keras_error"]
    assert "\x1b[" in answer["error"]  # Keras' own message is bold on a terminal
    assert report.error is not None and "Exception encountered when calling" in report.error.message
    text = io.StringIO()
    print_report(report, text)
    for shown in (json.dumps(report.to_json()), text.getvalue(), report.error.message, report.error.traceback):
        assert "\x1b" not in shown and "\\u001b" not in shown
    assert exit_code(report) == 2


def test_a_shape_conflict_saver_restore_lets_through_is_said_as_it_happened(world):
    # TensorFlow's own answer: no error, and the [5] variable now holds the checkpoint's [4]
    # value. The report had said "succeeded" and "TensorFlow reports only the first of these
    # and stops" side by side, and not that the variable changed shape (review 21, 2).
    answers, reports = world
    answer, report = answers["saver_resized_in_place"], reports["saver_resized_in_place"]
    assert answer["raised"] is None and report.tensorflow.verdict == "Saver.restore() succeeded"
    assert "layer1/biases" in answer["restored"]  # it holds the checkpoint's value, in its shape
    (biases,) = [v for v in report.variables if v.status == RestoreStatus.SHAPE_CONFLICT]
    assert (biases.model_path, biases.model_shape) == ("layer1/biases", (5,))
    assert list(biases.shape_after_restore) == answer["shapes"]["layer1/biases"] == [4]
    assert biases.to_json()["shape_after_restore"] == [4]
    assert biases.suggestions[0].startswith("Saver.restore() raised no error here: the variable now holds the "
                                            "checkpoint's [4] value, not the model's [5]")  # fmt: skip
    assert not any("stops" in note or "stopped" in note for note in report.notes), report.notes
    assert "stopped" not in report.counts_text()
    assert exit_code(report) == 1 and not report.ok  # the model's variable is not what it built
    text = io.StringIO()
    print_report(report, text)
    assert "now holds the checkpoint's [4] value, not the model's [5]" in text.getvalue()
    assert "stops" not in text.getvalue()


def test_restored_values_holding_nan_or_inf_are_named_and_the_verdict_stays(world):
    # TensorFlow restores NaN and Inf as any value: the report is all green, and a note
    # names the variable and its counts, as TensorFlow's restored values hold them (review 21, 10).
    answers, reports = world
    answer, report = answers["nan_restored"], reports["nan_restored"]
    assert report.ok and exit_code(report) == 0 and answer["raised"] is None
    held = {v.checkpoint_key: dict(v.non_finite) for v in report.variables if v.non_finite}
    expected = {k: {kind: n for kind, n in counts.items() if n} for k, counts in answer["non_finite"].items()}
    assert held == expected == {"w/.ATTRIBUTES/VARIABLE_VALUE": {"nan": 1, "+inf": 1}}
    (w,) = [v.to_json() for v in report.variables if v.non_finite]
    assert w["non_finite"] == {"nan": 1, "+inf": 1}
    assert sum("NaN or Inf" in note for note in report.notes) == 1
    assert not any(v.non_finite for name, r in reports.items() if name != "nan_restored" for v in r.variables)


def test_a_saver_restore_that_raised_part_way_says_what_each_variable_holds(world):
    # TensorFlow's own answer: the [5] reference variable's assignment raises, and the
    # others run in parallel with it, so which ran first is not determined. The report had
    # said "so it assigned nothing"; it now says what each matching variable holds, read
    # back, and every one it calls assigned holds the checkpoint's value (the harness reads
    # the doctor's variables apart from its verification; TensorFlow reads the checkpoint).
    import numpy as np

    from ckpt_gui.app.controllers.doctor import _outcome

    answers, reports = world
    answer, report = answers["saver_part_way"], reports["saver_part_way"]
    assert answer["raised"] == "InvalidArgumentError"
    assert report.tensorflow.verdict == "Saver.restore() raised part-way"
    matching = [v for v in report.variables if v.status == RestoreStatus.CONSUMED]
    assert {v.model_path for v in matching} == {"layer1/weights", "embedding/table"}
    held = HELD["saver_part_way"]
    for v in matching:
        holds = np.array_equal(np.asarray(held[v.model_path]), np.asarray(answer["saved"][v.checkpoint_key]))
        assert v.restored is holds, (v.model_path, v.restored)
    assigned = sum(1 for v in matching if v.restored)
    (note,) = [note for note in report.notes if "part-way" in note]
    assert note.startswith(
        "Saver.restore() raised InvalidArgumentError (a variable's shape does not fit its checkpoint value) part-way, "
        "in its assignments"
    ), note
    assert f"{assigned} of 2 matching values" in note and "(assigned before the error)" in note
    assert (assigned < 2) == ("(not assigned: " in note)
    text = io.StringIO()
    print_report(report, text)
    for shown in (text.getvalue(), markdown(report), json.dumps(report.to_json()), _outcome(report)):
        assert "assigned nothing" not in shown and "one operation" not in shown
    assert exit_code(report) == 1 and not report.ok
