"""A layer renamed and resized since the save (review 12, 3: seed 004's ``dense2`` is now
``out``, and its input went from 16 to 32 features because ``dense1`` was widened):
its bias still pairs by shape, which establishes the rename; its kernel then pairs
under it as a shape conflict, in the doctor's suggestions, the plan and the repair's
outcome, rather than "a new variable" beside a value claimed by nothing. Without
TensorFlow: the findings are the child's facts (test_repair.py's renamed_widened case
runs the same situation through TensorFlow and the user's own restore)."""

from __future__ import annotations

from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.suggestions import with_suggestions
from ckpt_gui.repair.notes import restored_values
from ckpt_gui.repair.plan import Action
from tests.test_repair_plan import _matched, _missing, _plan, _value

SEED_004 = (
    _matched("model/dense1/_kernel", [20, 16], [20, 32]),
    _matched("model/dense1/bias", [16], [32]),
    _value("unmatched", "model/dense2/_kernel", [16, 10]),
    _value("unmatched", "model/dense2/bias", [10]),
    _missing("model/out/_kernel", [32, 10]),
    _missing("model/out/bias", [10]),
)


def _said(facts) -> dict[str, str]:
    findings = with_suggestions([RestoreFinding.from_fact(f) for f in facts], name_based=False)
    return {f.label: " | ".join(f.suggestions) for f in findings}


def test_the_kernel_of_a_renamed_and_resized_layer_is_its_counterparts_shape_conflict():
    said = _said(SEED_004)
    for side, other in (("model/out/_kernel", "model/dense2/_kernel"), ("model/dense2/_kernel", "model/out/_kernel")):
        assert f"likely the {'checkpoint' if side.startswith('model/out') else 'model'}'s {other}" in said[side]
        assert "'dense2' was renamed to 'out' (as model/dense2/bias shows)" in said[side]
        assert "a shape conflict there: the checkpoint has [16, 10], the model [32, 10]" in said[side]
        assert "its input went from 16 to 32 features" in said[side]
        assert "keep-initial" in said[side] and "copy-overlap" in said[side]
    assert "added since it was saved" not in said["model/out/_kernel"]


def test_the_plan_keeps_the_renamed_kernel_initial_and_the_outcome_counts_no_new_variable():
    plan, entries = _plan(*SEED_004)
    kernel = entries["model/dense2/_kernel"]
    assert (kernel.action, kernel.target) == (Action.KEEP_INITIAL, "model/out/_kernel")
    assert "'dense2' is now 'out'" in kernel.reason and "copy-overlap" in kernel.reason
    assert (entries["model/dense2/bias"].action, entries["model/dense2/bias"].target) == (Action.MAP, "model/out/bias")
    initial = {v.target: v.reason for v in plan.initial}
    assert initial["model/out/_kernel"].startswith("keeps its initial value: model/dense2/_kernel")
    assert restored_values(plan) == (
        "1 with the old values, 3 left at the model's initial values: their saved values had another shape"
    )


def test_no_rename_is_followed_when_the_bias_fits_two_layers():
    """Two new layers take a [10] bias: which one dense2 became is a guess, so its kernel is left alone."""
    facts = (*SEED_004, _missing("model/head/_kernel", [32, 10]), _missing("model/head/bias", [10]))
    plan, entries = _plan(*facts)
    assert entries["model/dense2/_kernel"].action == Action.DROP
    said = _said(facts)
    assert "renamed" not in said["model/out/_kernel"] and "renamed" not in said["model/head/_kernel"]


def test_a_tf1_scope_renamed_with_a_resized_weight():
    facts = (
        _value("unmatched", "layer1/weights", [6, 3]),
        _value("unmatched", "layer1/biases", [3]),
        _missing("encoder/weights", [8, 3]),
        _missing("encoder/biases", [3]),
    )
    said = _said(facts)
    assert "'layer1' was renamed to 'encoder' (as layer1/biases shows)" in said["encoder/weights"]
    _plan_, entries = _plan(*facts)
    assert (entries["layer1/weights"].action, entries["layer1/weights"].target) == (
        Action.KEEP_INITIAL, "encoder/weights")  # fmt: skip
