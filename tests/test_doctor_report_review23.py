"""Review 23, the doctor's report: (#8) the Markdown report pasted TensorFlow's dump of
the unbound variables' values (~30 lines of numbers) and named neither the interpreter
nor the TensorFlow version; (#16) seed 000's script as it is, whose module-level
``checkpoint.restore(tf.train.latest_checkpoint("./my_checkpoint"))`` finds nothing from
where the script runs and restores nothing, silently: the report now says so.
Real TensorFlow in the doctor's child (one warm child for the module)."""

from __future__ import annotations

import sys

import pytest

from ckpt_gui.core.format.discovery import locate
from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.report_markdown import MESSAGE_LINES, markdown
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from tests.doctor_cli import script

# Seed 004's subclassed model with dense2 renamed: TensorFlow lists the unbound variables, values and all.
RENAMED = """
import keras
import tensorflow as tf

class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(16, activation="relu")
        self.head = keras.layers.Dense(10)

    def call(self, x):
        return self.head(self.dense1(x))

def build():
    model = MyModel()
    model(tf.zeros([1, 20]))
    return tf.train.Checkpoint(model=model)
"""
# Seed 000's Example 1 as users copy it (on seed 002's Sequential).
SEED_000 = """
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation='relu', input_shape=(12,)),
    tf.keras.layers.Dense(3)
])

checkpoint = tf.train.Checkpoint(model=model)

checkpoint.restore(tf.train.latest_checkpoint("./my_checkpoint"))
"""


@pytest.fixture(scope="module")
def reports(checkpoints, tmp_path_factory):
    folder = tmp_path_factory.mktemp("review23")
    doctor = Diagnoser(keep_warm=True)
    found = {}
    try:
        for name, scenario, body in (("renamed", "subclassed", RENAMED), ("seed000", "keras_seq", SEED_000)):
            request = DiagnosisRequest(
                locate(checkpoints / scenario).selected.prefix, str(script(folder, body, f"{name}.py"))
            )
            found[name] = build_report(request, doctor.run(request))
    finally:
        doctor.close()
    return found


def test_the_markdown_names_the_interpreter_and_leaves_out_the_value_dumps(reports, tf):
    report = reports["renamed"]
    assert report.error is None, report.error
    message = report.tensorflow.message
    assert "path=" in message and "dtype=float32" in message, message  # TensorFlow's list of what it did not bind
    assert "value=" not in message and "numpy=" not in message, message
    text = markdown(report)
    assert f"Python: `{sys.executable}` (TensorFlow {tf.__version__})" in text
    block = text.split("```\n")[1]
    assert len(block.splitlines()) <= MESSAGE_LINES + 1, block


def test_the_scripts_own_restore_that_found_no_checkpoint_is_noted(reports, tf):
    report = reports["seed000"]
    assert report.error is None, report.error
    assert tf.train.latest_checkpoint("./my_checkpoint") is None  # nothing there from here either
    line = SEED_000.splitlines().index('checkpoint.restore(tf.train.latest_checkpoint("./my_checkpoint"))')
    said = [note for note in report.notes if "latest_checkpoint('./my_checkpoint')" in note]
    assert len(said) == 1, report.notes
    assert f"at line {line + 1} returned None" in said[0] and "restores nothing" in said[0]
    assert "Python:" in markdown(report) and said[0] in markdown(report)
