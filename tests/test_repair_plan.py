"""The proposed repair plan from the doctor's findings, without TensorFlow: the
situations test_repair.py does not write a checkpoint for (a removed layer, two
equally likely targets, a dtype conflict, an EMA shadow, a value waiting for an
unbuilt layer). The findings are the child's facts as the doctor turns them into
a report (RestoreFinding.from_fact)."""

from __future__ import annotations

from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.repair.plan import Action
from ckpt_gui.repair.planner import propose_plan

OPS = "model/_functional/_operations/"
ATTR = "/.ATTRIBUTES/VARIABLE_VALUE"


def _value(status: str, path: str | None, shape, model_path=None, model_shape=None, dtype="float32", **extra) -> dict:
    return {"status": status, "checkpoint_key": path + ATTR if path else None, "model_path": model_path,
            "checkpoint_shape": shape, "model_shape": model_shape, "checkpoint_dtype": dtype if path else None,
            "model_dtype": extra.pop("model_dtype", dtype) if model_path else None,
            "checkpoint_path": path if status in ("unmatched", "deferred") else None, **extra}  # fmt: skip


def _matched(path: str, shape, model_shape=None, **extra) -> dict:
    status = "consumed" if model_shape in (None, shape) else "shape_conflict"
    return _value(status, path, shape, model_path=path, model_shape=model_shape or shape, **extra)


def _missing(path: str, shape, dtype="float32") -> dict:
    return _value("missing", None, None, model_path=path, model_shape=shape, dtype=dtype)


def _plan(*facts: dict):
    findings = tuple(RestoreFinding.from_fact(fact) for fact in facts)
    report = RestoreReport("/ckpt/ckpt-1", "/m.py", False, None, {s: 0 for s in RestoreStatus}, findings, (),
                           TensorFlowVerdict(), "python", "2.x", 0.0, "object")  # fmt: skip
    plan = propose_plan(report)
    return plan, {entry.source_key.removesuffix(ATTR): entry for entry in plan.entries}


def test_a_removed_layer_moves_the_later_weights_back_and_drops_its_own():
    # Saved: Dense 8->16, Dense 16->16 (removed since), Dense 16->4.
    plan, entries = _plan(
        _matched(OPS + "1/_kernel", [8, 16]),
        _matched(OPS + "2/_kernel", [16, 16], [16, 4]),
        _value("unmatched", OPS + "3/_kernel", [16, 4]),
    )
    moved = entries[OPS + "3/_kernel"]
    assert (moved.action, moved.target) == (Action.MAP, OPS + "2/_kernel") and "removed" in moved.reason
    removed = entries[OPS + "2/_kernel"]
    assert removed.action == Action.DROP and "removed layer" in removed.reason
    assert entries[OPS + "1/_kernel"].action == Action.MAP
    assert plan.initial == ()


def test_two_equally_likely_targets_are_left_to_the_user():
    plan, entries = _plan(
        _value("unmatched", "model/old/kernel", [4, 4]),
        _missing("model/left/kernel", [4, 4]),
        _missing("model/right/kernel", [4, 4]),
    )
    entry = entries["model/old/kernel"]
    assert entry.action == Action.DROP and "2 model variables" in entry.reason
    assert {v.target for v in plan.initial} == {"model/left/kernel", "model/right/kernel"}


def test_the_clearly_closer_path_wins_a_rename():
    _plan_, entries = _plan(
        _value("unmatched", "model/block/l1/kernel", [4, 4]),
        _value("unmatched", "model/block/l2/kernel", [4, 4]),
        _missing("model/encoder/l1/kernel", [4, 4]),
        _missing("model/encoder/l2/kernel", [4, 4]),
    )
    assert entries["model/block/l1/kernel"].target == "model/encoder/l1/kernel"
    assert entries["model/block/l2/kernel"].target == "model/encoder/l2/kernel"


def _step_dtype_conflict():
    """A step counter saved as int64 that the model holds as int32."""
    return _value("dtype_conflict", "model/step", [], model_path="model/step", model_shape=[], dtype="int64",
                  model_dtype="int32")  # fmt: skip


def test_conflicts_keep_the_initial_value_and_never_reshape_or_cast():
    plan, entries = _plan(
        _matched("model/dense/kernel", [8, 16], [8, 24]),
        _step_dtype_conflict(),
    )
    assert entries["model/dense/kernel"].action == Action.KEEP_INITIAL
    assert "copy-overlap" in entries["model/dense/kernel"].reason
    assert entries["model/step"].action == Action.KEEP_INITIAL and "dtype" in entries["model/step"].reason
    assert {v.target for v in plan.initial} == {"model/dense/kernel", "model/step"}


def test_averages_counters_and_values_waiting_for_an_unbuilt_layer_are_dropped_with_their_reason():
    _plan_, entries = _plan(
        _value("unmatched", "ema/model/dense/kernel/ExponentialMovingAverage", [4]),
        _value("unmatched", "save_counter", [], dtype="int64"),
        _value("deferred", "model/head/kernel", [4, 2], deferred_owner="model/head"),
    )
    assert "moving average" in entries["ema/model/dense/kernel/ExponentialMovingAverage"].reason
    assert "save counter" in entries["save_counter"].reason
    deferred = entries["model/head/kernel"]
    assert deferred.action == Action.DROP and "model/head" in deferred.reason
    assert all(entry.action == Action.DROP for entry in entries.values())


def test_a_plan_that_drops_optimizer_slots_says_so_in_the_outcome(capsys):
    """The seed scenario: the script does not build its optimizer, so the plan maps its
    step counter and drops its Adam slots (deferred). The model restores ("verified"),
    but the outcome says the optimizer state was dropped, what that means and how to
    keep it: in the JSON, the CLI text and the app's result. No block copies: not named."""
    from ckpt_gui.app.widgets.repair_panel import outcome_html
    from ckpt_gui.cli.repair_command import _print_outcome
    from ckpt_gui.repair.writer import RepairOutcome, ValueCheck

    slots = [f"optimizer/_variables/{i}" for i in range(1, 9)]
    plan, entries = _plan(
        _matched("model/dense/kernel", [3, 2]),
        _matched("optimizer/iter", [], dtype="int64"),
        *(_value("deferred", key, [3, 2], deferred_owner="optimizer") for key in slots),
    )
    assert {entries[key].action for key in slots} == {Action.DROP}
    checks = [ValueCheck(e.source_key, e.target, e.source_key, "equal") for e in plan.written()]
    outcome = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", checks=checks)
    document = outcome.to_json()
    assert sorted(document["dropped_optimizer_state"]) == sorted(key + ATTR for key in slots)
    (note,) = document["notes"]
    assert (
        "8 optimizer values (e.g. " in note
        and ") are not in the new checkpoint" in note
        and "fresh optimizer state" in note
        and "build the optimizer" in note
    )
    _print_outcome(outcome)
    printed = capsys.readouterr().out
    assert f"note: {note}" in printed
    assert "values: 2 equal bit for bit, of 2 written" in printed and "overlapping" not in printed
    assert "fresh optimizer state" in outcome_html(outcome) and "overlapping" not in outcome_html(outcome)


def test_a_normalization_after_a_widened_layer_is_told_its_input_changed_once():
    """The review's Keras model: Dense(32 -> 64 units), then BatchNormalization, whose
    four vectors follow the Dense's width. The Dense's own size changed (units); the
    normalization has no units (its input changed): said once per layer, not per weight."""
    from ckpt_gui.diagnosis.suggestions import with_suggestions

    facts = [
        _matched("layers/dense/vars/0", [20, 32], [20, 64]),
        _matched("layers/dense/vars/1", [32], [64]),
        *(_matched(f"layers/batch_normalization/vars/{i}", [32], [64]) for i in range(4)),
    ]
    findings = with_suggestions([RestoreFinding.from_fact(f) for f in facts], name_based=False, keras=True)
    said = {f.model_path: f.suggestions[0] for f in findings}
    assert "the layer went from 32 to 64 units" in said["layers/dense/vars/0"]
    assert said["layers/dense/vars/1"].endswith("the same change as layers/dense/vars/0 (see its advice)")
    first = said["layers/batch_normalization/vars/0"]
    assert "its input went from 32 to 64 features: the layer before it changed" in first and "units" not in first
    for i in (1, 2, 3):
        assert "the same change as layers/batch_normalization/vars/0" in said[f"layers/batch_normalization/vars/{i}"]


def test_numbered_values_sort_by_number_in_the_report_and_the_plan():
    slots = [_value("unmatched", f"optimizer/vars/{i}", [3], optimizer=True) for i in range(12)]
    findings = [RestoreFinding.from_fact(f) for f in slots]
    ranked = [f.checkpoint_key.removesuffix(ATTR) for f in sorted(findings, key=lambda f: f.attention_rank)]
    assert ranked == [f"optimizer/vars/{i}" for i in range(12)]
    plan, _entries = _plan(*slots)
    assert [e.source_key.removesuffix(ATTR) for e in plan.entries] == ranked


def test_optimizer_state_dropped_by_a_layer_shift_is_said_so_when_the_script_builds_its_optimizer():
    """A layer removed: the optimizer's slots of the moved layers met other layers' slots
    (by position in its lists), and the plan drops them. The script built its optimizer
    (as the doctor's child saw it), so "build the optimizer" would be wrong advice."""
    from dataclasses import replace

    from ckpt_gui.repair.writer import RepairOutcome

    facts = (
        _matched(OPS + "1/_kernel", [8, 16]),
        _matched(OPS + "2/_kernel", [16, 16], [16, 4]),
        _value("unmatched", OPS + "3/_kernel", [16, 4]),
        _matched("optimizer/_momentums/1", [16, 16], [16, 4], optimizer=True),
        _value("unmatched", "optimizer/_momentums/2", [16, 4], optimizer=True),
        _value("unmatched", "optimizer/_trainable_variables/2", [16]),  # a removed layer's weight, not a slot
    )
    plan, entries = _plan(*facts)
    for key in ("optimizer/_momentums/1", "optimizer/_momentums/2"):
        assert entries[key].action == Action.DROP and "moved layer" in entries[key].reason, entries[key]
    findings = tuple(RestoreFinding.from_fact(fact) for fact in facts)
    built = RestoreReport("/out/ckpt-1", "/m.py", True, None, {s: 0 for s in RestoreStatus}, findings, (),
                          TensorFlowVerdict(), "python", "2.x", 0.0, "object", optimizer_built=True)  # fmt: skip
    (note,) = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", verification=built).notes()
    assert "2 optimizer values (e.g. " in note and "a layer was removed or inserted" in note
    assert "build the optimizer" not in note
    unbuilt = replace(built, optimizer_built=False)
    (note,) = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", verification=unbuilt).notes()
    assert "build the optimizer in the model script" in note


def test_the_plan_names_what_each_opaque_key_holds():
    """Beside ``optimizer/_trainable_variables/4/...`` the dialog shows the weight it is;
    beside an Adam slot (``optimizer/_variables/10/...``), the weight it belongs to: a
    slot has that weight's shape, on the bundled demo (Keras 3 Adam, saved by TensorFlow)."""
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.repair.source_names import source_names
    from ckpt_gui.resources import demo_path

    ckpt = Checkpoint.open(demo_path())
    names = source_names(ckpt.variables)
    by_path = {path: v for v in ckpt.variables for path in v.object_paths}
    listed = [v for v in ckpt.variables if v.key.startswith("optimizer/_trainable_variables/")]
    assert listed and all(names[v.key] == v.object_paths[0] and names[v.key].startswith("model/") for v in listed)
    slots = {key: name for key, name in names.items() if name.startswith("optimizer slot ")}
    assert slots and len(slots) == 2 * len(listed)  # Adam's two per trainable variable
    for key, name in slots.items():
        owner = name.split(" of ", 1)[1]
        assert ckpt.variable(key).shape == by_path[owner].shape, (key, name)
    assert "save_counter/.ATTRIBUTES/VARIABLE_VALUE" not in names  # its key says it already


def test_verified_says_which_variables_hold_the_old_values_and_which_their_initial_ones(capsys):
    """Review: "Verified: every model variable restores" while 9 of 14 held the script's
    fresh initial values; the line says how many of each, and why."""
    import dataclasses

    from ckpt_gui.app.widgets.repair_panel import outcome_html
    from ckpt_gui.cli.repair_command import _print_outcome
    from ckpt_gui.repair.notes import restored_values
    from ckpt_gui.repair.writer import RepairOutcome, ValueCheck

    plan, _entries = _plan(
        _matched("model/a/kernel", [3, 2]),
        _matched("model/b/kernel", [3, 2]),
        _matched("model/c/kernel", [8, 16], [8, 24]),
        _matched("model/d/kernel", [4, 4], [2, 4]),
        _step_dtype_conflict(),
        _missing("model/new/kernel", [4, 4]),
    )
    said = (
        "2 with the old values, 4 left at the model's initial values: 2 saved with another shape, 1 saved with"
        " another dtype and 1 new variable"
    )
    assert restored_values(plan) == said
    checks = [ValueCheck(e.source_key, e.target, e.source_key, "equal") for e in plan.written()]
    outcome = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", checks=checks)
    # Verified as the doctor would: every model variable consumed.
    outcome = dataclasses.replace(outcome, verification=_all_consumed(plan))
    assert outcome.ok
    assert f"new checkpoint ({said})." in outcome_html(outcome).replace("&#x27;", "'")
    _print_outcome(outcome)
    assert f"verified: every model variable restores from the new checkpoint ({said})" in capsys.readouterr().out


def _all_consumed(plan):
    targets = {e.target for e in plan.entries if e.target} | {v.target for v in plan.initial}
    findings = tuple(RestoreFinding.from_fact(_value("consumed", t, [1], model_path=t, model_shape=[1]))
                     for t in sorted(targets))  # fmt: skip
    return RestoreReport("/out/ckpt-1", "/m.py", True, None, {s: 0 for s in RestoreStatus}, findings, (),
                         TensorFlowVerdict(), "python", "2.x", 0.0, "object")  # fmt: skip


def test_the_save_counter_is_no_new_variable_in_the_plan_or_its_outcome():
    """Review 7: a 4-variable model's repair said "1 with the model's initial values: 1 new
    variable": tf.train.Checkpoint's save_counter, which the new checkpoint counts itself."""
    import dataclasses

    from ckpt_gui.repair.notes import restored_values
    from ckpt_gui.repair.plan import InitialVariable

    plan, entries = _plan(
        _matched("model/a/kernel", [3, 2]),
        _matched("model/a/bias", [2]),
        _matched("save_counter", [], dtype="int64"),
    )
    assert entries["save_counter"].action == Action.DROP
    assert "save_counter" not in {v.target for v in plan.initial}
    assert restored_values(plan) == "2 with the old values"
    # A plan file written before lists it under "initial": still no new variable.
    older = dataclasses.replace(plan, initial=(InitialVariable("save_counter", "the save counter", (), "int64"),))
    assert restored_values(older) == "2 with the old values"


def test_the_verification_names_the_save_counter_apart_from_the_restored_variables():
    """Review 8: "Verification: 15 consumed" beside "5 with the old values, 9 with the
    model's initial values": the 15th was save_counter. Named apart, the numbers add up.
    Review: "consumed" is the JSON's word; the app says restored everywhere else."""
    import dataclasses

    from ckpt_gui.app.widgets.repair_panel import outcome_html
    from ckpt_gui.repair.notes import restored_values
    from ckpt_gui.repair.writer import RepairOutcome, ValueCheck

    plan, _entries = _plan(
        _matched("model/a/kernel", [3, 2]),
        _matched("model/a/bias", [2]),
        _missing("model/new/kernel", [4, 4]),
        _matched("save_counter", [], dtype="int64"),
    )
    assert restored_values(plan) == "2 with the old values, 1 left at the model's initial values: 1 new variable"
    checks = [ValueCheck(e.source_key, e.target, e.source_key, "equal") for e in plan.written()]
    outcome = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", checks=checks)
    verified = _all_consumed(plan)
    counter = RestoreFinding.from_fact(_matched("save_counter", [], dtype="int64"))
    findings = (*verified.variables, counter)
    summary = {s: 0 for s in RestoreStatus} | {RestoreStatus.CONSUMED: len(findings)}
    outcome = dataclasses.replace(outcome, verification=dataclasses.replace(verified, variables=findings,
                                                                            summary=summary))  # fmt: skip
    model_variables = len(findings) - 1
    assert model_variables == 3  # 2 with the old values + 1 initial
    shown = outcome_html(outcome)
    # A sentence (review 11, 8: "14 restored and save_counter" read as a list cut short).
    assert f"new checkpoint): {model_variables} restored, and save_counter too (the new checkpoint" in shown
    assert "consumed" not in shown


def test_the_verification_counts_in_the_doctors_words():
    """Review: the repair's verification said "consumed" and "shape_conflict" (the JSON's
    status values) where the doctor's status bar and report say restored and shape
    conflicts: each count is the report's own words for it."""
    from ckpt_gui.repair.notes import verification_counts

    findings = tuple(
        RestoreFinding.from_fact(fact)
        for fact in (
            _value("consumed", "model/a/kernel", [3, 2], model_path="model/a/kernel", model_shape=[3, 2]),
            _value("consumed", "model/a/bias", [2], model_path="model/a/bias", model_shape=[2]),
            _value("shape_conflict", "model/b/kernel", [3, 2], model_path="model/b/kernel", model_shape=[4, 2]),
            _missing("model/new/kernel", [4, 4]),
        )
    )
    summary = {s: sum(1 for f in findings if f.status == s) for s in RestoreStatus}
    report = RestoreReport("/out/ckpt-1", "/m.py", False, None, summary, findings, (),
                           TensorFlowVerdict(), "python", "2.x", 0.0, "object")  # fmt: skip
    said = verification_counts(report)
    assert said == report.counts_text()  # no save_counter: the doctor's summary as it is
    assert "consumed" not in said and "_" not in said
    assert said.startswith(f"{summary[RestoreStatus.CONSUMED]} restored")


def test_a_repair_keeping_no_old_value_is_said_for_what_happened_not_verified(capsys):
    """Review 15: a removed layer's repair (two shape conflicts kept initial, the rest
    dropped) showed "Values: 0 equal bit for bit, of 0 written" and a bold "Verified":
    nothing of the old weights survives. It restores, and says every variable starts fresh."""
    import dataclasses

    from ckpt_gui.app.widgets.repair_panel import outcome_html
    from ckpt_gui.cli.repair_command import _print_outcome
    from ckpt_gui.repair.writer import RepairOutcome

    plan, entries = _plan(
        _matched(OPS + "1/_kernel", [784, 128], [784, 10]),
        _matched(OPS + "1/bias", [128], [10]),
        _value("unmatched", OPS + "2/_kernel", [128, 10]),
        _value("unmatched", OPS + "2/bias", [10]),
    )
    assert not plan.written() and {e.action for e in entries.values()} <= {Action.KEEP_INITIAL, Action.DROP}
    outcome = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", checks=[])
    outcome = dataclasses.replace(outcome, verification=_all_consumed(plan))
    assert outcome.ok
    shown = outcome_html(outcome).replace("&#x27;", "'")
    assert "Verified" not in shown and "bit for bit" not in shown and "0 with the old values" not in shown
    # The conflicts were the old checkpoint's, not the new one's (review 16, 9: "2 shape conflicts").
    fresh = "every variable starts fresh (2 left at the model's initial values: their saved values had another shape"
    assert f"Restores in your model; no old value kept: {fresh}" in shown and "conflict" not in shown
    _print_outcome(outcome)
    printed = capsys.readouterr().out
    assert "verified" not in printed and "values: none of the old checkpoint's values written" in printed
    assert f"restores in your model; no old value kept: {fresh}" in printed and "conflict" not in printed
