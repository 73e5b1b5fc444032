"""Review 14 F5: a model with one layer fewer than the checkpoint's (seed 003: Dense
784->128->10 saved, a single Dense 784->10 built) was explained, conflict by conflict,
as "the layer went from 128 to 10 units: build this layer with its old size", the last
layer's values "claimed by nothing". Keras numbers the layers by position, so the one
layer built meets the first layer saved. The cause says the layer counts, and its advice
is checked against TensorFlow's own restore (the doctor's oracle)."""

from __future__ import annotations

from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.suggestions import with_suggestions
from tests.test_repair_plan import _matched, _value

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
    assert said[OPS + "1/_kernel"].startswith("the checkpoint's model has 2 layers with weights here, the script's 1")
    assert "the script's model does not have" in said[OPS + "2/_kernel"]


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
