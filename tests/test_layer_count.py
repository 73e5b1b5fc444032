"""Review 14 F5: a model with one layer fewer than the checkpoint's (seed 003: Dense
784->128->10 saved, a single Dense 784->10 built) was explained, conflict by conflict,
as "the layer went from 128 to 10 units: build this layer with its old size", the last
layer's values "claimed by nothing". Keras numbers the layers by position, so the one
layer built meets the first layer saved. The cause says the layer counts, and its advice
is checked against TensorFlow's own restore (the doctor's oracle)."""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import re
import sys
from pathlib import Path

import pytest

from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.suggestions import with_suggestions
from tests.test_repair_plan import _matched, _plan, _value

OPS = "model/_functional/_operations/"


def _findings(saved: dict[str, list[int]], built: dict[str, list[int]]) -> list[dict]:
    """The child's facts of a restore by path: a value and a variable at the same path pair."""
    facts = []
    for path, shape in saved.items():
        facts.append(_matched(path, shape, built[path]) if path in built else _value("unmatched", path, shape))
    facts += [_value("missing", None, None, model_path=p, model_shape=s) for p, s in built.items() if p not in saved]
    return facts


def _said(facts) -> tuple[dict[str, str], list[str]]:
    from ckpt_gui.diagnosis.causes import with_causes

    findings, notes = with_causes(with_suggestions([RestoreFinding.from_fact(f) for f in facts], False), [])
    return {f.label: " | ".join(f.suggestions) for f in findings}, notes


def _variables(model) -> dict[str, list[int]]:
    """The model's weights by the path tf.train.Checkpoint(model=...) saves them under."""
    return {f"{OPS}{i}/{'_kernel' if 'kernel' in w.path else 'bias'}": list(w.shape)
            for i, layer in enumerate(model.layers, start=1) for w in layer.weights}  # fmt: skip


def test_a_removed_layer_is_said_as_the_layer_counts_and_tensorflow_agrees(tf, tmp_path):
    keras = tf.keras
    saved_model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    prefix = tf.train.Checkpoint(model=saved_model).save(str(tmp_path / "ckpt"))
    saved = {name.removesuffix("/.ATTRIBUTES/VARIABLE_VALUE"): shape for name, shape in tf.train.list_variables(prefix)
             if name.startswith(OPS)}  # fmt: skip
    script = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    built = _variables(script)
    assert set(built) < set(saved) and built[OPS + "1/_kernel"] == [784, 10]  # the paths the doctor pairs
    # TensorFlow: the one layer built meets the first layer saved, and the restore stops there.
    try:
        tf.train.Checkpoint(model=script).restore(prefix)
    except ValueError as error:
        stopped = str(error)
    else:
        stopped = ""
    assert "(784, 128)" in stopped and "(784, 10)" in stopped, stopped
    # The advice: the layer added back restores every value; or the values left out, nothing restores.
    again = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    tf.train.Checkpoint(model=again).restore(prefix).assert_existing_objects_matched()

    said, notes = _said(_findings(saved, built))
    note = next(n for n in notes if n.startswith("a layer was removed"))
    assert "the checkpoint's model has 2 layers with weights in model/_functional/_operations (784->128->10)" in note
    assert "the script's 1 (784->10)" in note and "Add the missing layer back" in note
    assert all("went from" not in s and "old size" not in s for s in said.values()), said
    # Each value said for what it is (review 15, 5): the removed layer's, and the kept output layer's.
    assert said[OPS + "1/_kernel"].startswith("a value of the removed layer, not this layer's: see the notes")
    assert said[OPS + "2/_kernel"].startswith("a value of a layer the script has at another place, left unused")


def test_a_layer_added_is_said_the_other_way_and_a_cut_off_head_is_not_this():
    saved = {OPS + "1/_kernel": [784, 10], OPS + "1/bias": [10]}
    built = {OPS + "1/_kernel": [784, 128], OPS + "1/bias": [128], OPS + "2/_kernel": [128, 10], OPS + "2/bias": [10]}
    said, notes = _said(_findings(saved, built))
    assert any(n.startswith("a layer was added: the checkpoint's model has 1 layer with weights") for n in notes)
    assert "Remove the new layer" in notes[0] and "(784->128->10)" in notes[0]
    # The head cut off, the layers before it whole: no conflict, no such cause (a deliberate cut).
    whole = {OPS + "1/_kernel": [784, 128], OPS + "1/bias": [128]}
    _said_, notes = _said(_findings({**whole, OPS + "2/_kernel": [128, 10], OPS + "2/bias": [10]}, whole))
    assert not any("layer was" in n for n in notes)


def test_a_layer_removed_in_the_middle_is_still_the_shifts():
    """Dense 8->16->16->4 saved, 8->16->4 built: a shift explains it (layer_shift.py), not the counts."""
    saved = {OPS + "1/_kernel": [8, 16], OPS + "2/_kernel": [16, 16], OPS + "3/_kernel": [16, 4]}
    built = {OPS + "1/_kernel": [8, 16], OPS + "2/_kernel": [16, 4]}
    _said_, notes = _said(_findings(saved, built))
    assert any(n.startswith(f"a layer was removed at {OPS}2") for n in notes), notes
    assert not any("layers with weights" in n for n in notes)


def test_a_widened_layer_with_one_appended_keeps_each_conflicts_own_advice():
    """test_diagnose's widened-and-added case: Dense 12->16->4 saved, 12->32->4->8 built:
    the layers kept their places, one grew, one was appended; "from 16 to 32 units" is right."""
    saved = {OPS + "1/_kernel": [12, 16], OPS + "1/bias": [16], OPS + "2/_kernel": [16, 4], OPS + "2/bias": [4]}
    built = {OPS + "1/_kernel": [12, 32], OPS + "1/bias": [32], OPS + "2/_kernel": [32, 4], OPS + "2/bias": [4],
             OPS + "3/_kernel": [4, 8], OPS + "3/bias": [8]}  # fmt: skip
    said, notes = _said(_findings(saved, built))
    assert not any("layers with weights" in n for n in notes), notes
    assert "16 to 32" in said[OPS + "1/_kernel"]


def test_which_layer_went_is_not_guessed_when_the_sizes_repeat():
    """Dense 8->10->10 saved, 4->10 built: either saved layer could be the one gone."""
    saved = {OPS + "1/_kernel": [8, 10], OPS + "2/_kernel": [10, 10]}
    built = {OPS + "1/_kernel": [4, 10]}
    _said_, notes = _said(_findings(saved, built))
    note = next(n for n in notes if n.startswith("a layer was removed"))
    assert "which one cannot be told from the layers' sizes alone" in note and "the layer gone is" not in note
    # Without the repeat (8->16->10 saved), the one the kept size leaves over is named.
    saved = {OPS + "1/_kernel": [8, 16], OPS + "2/_kernel": [16, 10]}
    _said_, notes = _said(_findings(saved, built))
    assert f"the layer gone is {OPS}1 (8->16)" in next(n for n in notes if n.startswith("a layer was removed"))


def test_the_values_a_removed_layer_leaves_are_said_for_what_they_are_and_no_block_of_them_is_proposed():
    """Review 15, 5: seed 003's values at the place the script lacks still read "claimed by
    nothing" below the note, the Repair dialog asked "(a layer or variable removed since
    the save?)", and the removed layer's [784, 128] kernel was offered as a block to copy
    into the output layer's [784, 10]. The sizes say which layer each value is."""
    saved = {OPS + "1/_kernel": [784, 128], OPS + "1/bias": [128], OPS + "2/_kernel": [128, 10], OPS + "2/bias": [10]}
    built = {OPS + "1/_kernel": [784, 10], OPS + "1/bias": [10]}
    facts = _findings(saved, built)
    said, _notes = _said(facts)
    assert said[OPS + "1/_kernel"].startswith("a value of the removed layer, not this layer's: see the notes")
    moved = f"a value of {OPS}2 (128->10), which by the layers' sizes is the script's {OPS}1"
    assert said[OPS + "2/bias"] == "a value of a layer the script has at another place, left unused: see the notes"
    from ckpt_gui.diagnosis.unused_notes import unused_notes

    unused = unused_notes([RestoreFinding.from_fact(f) for f in facts], None)
    assert not any("claimed by nothing" in n for n in unused), unused
    note = next(n for n in unused if n.startswith(f"{OPS}2/_kernel, {OPS}2/bias, values of {OPS}2 (128->10)"))
    assert f"which by the layers' sizes is the script's {OPS}1" in note and "(kernel [128, 10] saved" in note
    _plan_, entries = _plan(*facts)
    kernel, later = entries[OPS + "1/_kernel"], entries[OPS + "2/_kernel"]
    assert kernel.action == "keep-initial" and "copy-overlap would" not in kernel.reason, kernel.reason
    assert kernel.reason.startswith(f"a value of the removed layer {OPS}1") and "not proposed" in kernel.reason
    assert later.action == "drop" and later.reason.startswith(moved) and "removed since" not in later.reason
    # A resize of the same layer, its place kept (Dense 12->16->4 saved, 12->32->4->8 built), keeps the offer.
    saved = {OPS + "1/_kernel": [12, 16], OPS + "1/bias": [16], OPS + "2/_kernel": [16, 4], OPS + "2/bias": [4]}
    built = {OPS + "1/_kernel": [12, 32], OPS + "1/bias": [32], OPS + "2/_kernel": [32, 4], OPS + "2/bias": [4],
             OPS + "3/_kernel": [4, 8], OPS + "3/bias": [8]}  # fmt: skip
    _plan_, entries = _plan(*_findings(saved, built))
    assert "copy-overlap would copy the old [12, 16] into [:, :16]" in entries[OPS + "1/_kernel"].reason


# -- which layer went or came, named as each side names it, checked with TensorFlow ----------

CHILD_MAIN = Path(__file__).resolve().parent.parent / "ckpt_gui" / "diagnosis" / "child" / "main.py"
SCRIPT = """
import {keras} as keras
import tensorflow as tf

def build():
    layers = [keras.Input((784,))] + [keras.layers.Dense(w) for w in {widths}]
    return tf.train.Checkpoint(model=keras.Sequential(layers))
"""
# Keras 3 numbers a Sequential's layers among its operations (the Input is 0), Keras 2
# (tf_keras) among its layers with weights: (module, the first layer's place, its kernel's name).
KERAS = {"keras": (OPS + "1", "_kernel"), "tf_keras": ("model/layer_with_weights-0", "kernel")}


@pytest.fixture(scope="module")
def doctor_child(tf):
    """The doctor's child's attempt, in this process (its modules loaded by path as its
    main.py loads them, the session's TensorFlow: no second import), as a function of a
    checkpoint prefix and a script giving the report the parent builds of its facts."""
    from ckpt_gui.diagnosis.report import build_report
    from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest

    spec = importlib.util.spec_from_file_location("_ckpt_gui_child_main", CHILD_MAIN)  # not "main" in sys.modules
    child_main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(child_main)
    child_main.load_package()
    importlib.import_module(child_main.PACKAGE + ".protocol")._channel = io.StringIO()  # phases: of no interest
    attempt = importlib.import_module(child_main.PACKAGE + ".attempt").attempt

    def diagnose(prefix: str, script: Path):
        cwd, path = os.getcwd(), list(sys.path)
        try:  # the attempt moves to its working folder and puts the script's on sys.path, as in a child
            facts = attempt({"checkpoint": prefix, "script": str(script), "workdir": str(script.parent)})
        finally:
            os.chdir(cwd)
            sys.path[:] = path
        return build_report(DiagnosisRequest(prefix, str(script)), AttemptResult(facts=facts))

    return diagnose


def _keras(name: str):
    return pytest.importorskip(name) if name == "tf_keras" else importlib.import_module(name)


def _save(tf, keras, widths: list[int], tmp_path: Path):
    model = keras.Sequential([keras.Input((784,))] + [keras.layers.Dense(w) for w in widths])
    return model, tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))


def _script(tmp_path: Path, keras: str, widths: list[int]) -> Path:
    path = tmp_path / "model_def.py"
    path.write_text(SCRIPT.format(keras=keras, widths=widths))
    return path


def _raised_layer(report) -> str:
    """The script's layer TensorFlow's restore error names ("... and name sequential_3/dense_7/kernel:0")."""
    found = re.search(r"and name (?:[^/\s]+/)*?([^/\s]+)/[^/\s]+:0", report.tensorflow.message)
    assert found, report.tensorflow.message
    return found.group(1)


@pytest.mark.parametrize("module", KERAS)
def test_the_layer_removed_is_named_as_the_checkpoint_names_it(tf, tmp_path, doctor_child, module):
    """Dense 784->128->10 saved, 784->10 built: the layer gone is the checkpoint's first,
    by its place and its saved Keras name (a layer only the checkpoint has: no class to tell);
    the script's layer that meets its values by the name TensorFlow's error gives it."""
    keras, (place, kernel) = _keras(module), KERAS[module]
    saved_model, prefix = _save(tf, keras, [128, 10], tmp_path)
    report = doctor_child(prefix, _script(tmp_path, module, [10]))
    note = next(n for n in report.notes if n.startswith("a layer was removed"))
    gone = saved_model.layers[0]
    assert f"the layer gone is {place} (the checkpoint's '{gone.name}', 784->128)" in note, note
    assert f"{place}/{kernel} of the script's '{_raised_layer(report)}': [784, 128] saved, [784, 10] built" in note
    # TensorFlow: that layer put back where the note says restores every value; put back elsewhere, not.
    back = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    tf.train.Checkpoint(model=back).restore(prefix).assert_existing_objects_matched()
    elsewhere = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10), keras.layers.Dense(128)])
    with pytest.raises(ValueError, match="incompatible"):
        tf.train.Checkpoint(model=elsewhere).restore(prefix)


@pytest.mark.parametrize("module", KERAS)
def test_the_layer_added_is_named_with_its_class_as_the_script_builds_it(tf, tmp_path, doctor_child, module):
    """Dense 784->10 saved, 784->128->10 built: the layer added is the script's first, a
    Dense, by the name TensorFlow's own error gives it; without it, the restore works."""
    keras, (place, kernel) = _keras(module), KERAS[module]
    _model, prefix = _save(tf, keras, [10], tmp_path)
    report = doctor_child(prefix, _script(tmp_path, module, [128, 10]))
    note = next(n for n in report.notes if n.startswith("a layer was added"))
    added = _raised_layer(report)  # the script's first layer: its weights met the saved [784, 10] and [10]
    assert f"the layer added is {place} (the script's Dense '{added}', 784->128)" in note, note
    assert f"{place}/{kernel} of the script's '{added}': [784, 10] saved, [784, 128] built" in note
    without = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    tf.train.Checkpoint(model=without).restore(prefix).assert_existing_objects_matched()


@pytest.mark.parametrize("module", KERAS)
def test_each_value_of_seed_003_is_said_as_tensorflow_places_it(tf, tmp_path, doctor_child, module):
    """Seed 003 (Dense 784->128->10 saved, 784->10 built), through the doctor's child: no
    value "claimed by nothing"; the first place's values are the removed layer's, the
    second's the output layer's, which the script builds with other inputs; the plan
    proposes no block of the removed layer. TensorFlow: the script's layer meets the
    removed layer's kernel and stops; with the layer put back, the second place's values
    restore into the output layer, 10 units as the script's, whose kernel they do not fit."""
    from ckpt_gui.cli.doctor_text import print_report
    from ckpt_gui.repair.planner import propose_plan

    keras, (place, kernel) = _keras(module), KERAS[module]
    second = place[:-1] + str(int(place[-1]) + 1)
    saved_model, prefix = _save(tf, keras, [128, 10], tmp_path)
    report = doctor_child(prefix, _script(tmp_path, module, [10]))
    gone, output = saved_model.layers
    assert not any("claimed by nothing" in n for n in report.notes), report.notes
    layer = (f"{second} (the checkpoint's '{output.name}', 128->10), which by the layers' sizes is "
             f"the script's {place}")  # fmt: skip
    assert any(f"values of {layer}" in n and "are left unused" in n for n in report.notes), report.notes
    rows = {f.checkpoint_key.split("/.ATTRIBUTES")[0]: f for f in report.variables if f.checkpoint_key}
    removed = f"a value of the removed layer {place} (the checkpoint's '{gone.name}', 784->128)"
    # Each row names its layer briefly, the notes whole, once (review 16, 10: the sentence three times).
    briefly = f"a value of the removed layer (the checkpoint's '{gone.name}'), not this layer's: see the notes"
    assert rows[f"{place}/{kernel}"].suggestions[0] == briefly
    assert (
        rows[f"{second}/{kernel}"].suggestions[0] == f"a value of the checkpoint's '{output.name}', left unused: "
        "see the notes"
    )
    text = io.StringIO()
    print_report(report, text)
    assert text.getvalue().count("which by the layers' sizes") == 1, text.getvalue()
    assert text.getvalue().count(f"the checkpoint's '{gone.name}', 784->128") == 1, text.getvalue()
    entries = {e.source_key.split("/.ATTRIBUTES")[0]: e for e in propose_plan(report).entries}
    assert entries[f"{place}/{kernel}"].reason.startswith(removed)
    assert "copy-overlap would" not in entries[f"{place}/{kernel}"].reason
    assert "no meaningful start" in entries[f"{place}/{kernel}"].overlap_not_offered  # nor in the dialog's box
    assert entries[f"{second}/{kernel}"].reason.startswith(f"a value of {layer}")
    assert "removed since the save" not in entries[f"{second}/bias"].reason
    # TensorFlow: the script's one layer meets the removed layer's [784, 128] kernel.
    script = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"shape \((784, 128|128,)\) when"):  # Keras 2 meets the bias first
        tf.train.Checkpoint(model=script).restore(prefix)
    # The layer put back: the second place's values are the output layer's, 10 units as the script's layer.
    back = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    tf.train.Checkpoint(model=back).restore(prefix).assert_existing_objects_matched()
    reader = tf.train.load_checkpoint(prefix)
    held = reader.get_tensor(f"{second}/{kernel}/.ATTRIBUTES/VARIABLE_VALUE")
    assert (back.layers[1].kernel.numpy() == held).all() and back.layers[1].units == script.layers[0].units
    with pytest.raises(ValueError):  # its kernel does not fit the script's layer, built on 784 inputs
        script.layers[0].kernel.assign(held)
