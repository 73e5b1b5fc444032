"""How the doctor and the repair name optimizer values. One value, one name (review 12, 8):
the doctor's report, the repair's note and the Repair dialog name a Keras 3 slot by its
place in the model (``.../_kernel/momentum``, value_names.source_paths), the key second;
a TF1 graph's optimizer state and step counter in TF1's words (review 12, 6). Without
TensorFlow (test_diagnose.py checks the report and the CLI's rows on a checkpoint
TensorFlow wrote)."""

from __future__ import annotations

from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.value_names import with_value_names
from ckpt_gui.repair.notes import outcome_notes
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

KEY = "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"
PLACE = "model/dense1/_kernel/momentum"


def test_the_repair_note_names_a_dropped_slot_by_its_place_then_its_key():
    entry = PlanEntry(KEY, Action.DROP, None, "waits for optimizer, which the script does not build")
    plan = RepairPlan("/run/ckpt-5", "/m.py", "object", (entry,), ())
    (note,) = outcome_notes(plan, False, {KEY: PLACE})
    assert f"(e.g. {PLACE} ({KEY}))" in note
    (unnamed,) = outcome_notes(plan, False)
    assert f"(e.g. {KEY})" in unnamed


def test_the_report_names_an_optimizer_value_as_the_dialog_does():
    fact = {"status": "deferred", "checkpoint_key": KEY, "model_path": None, "checkpoint_shape": [20, 16],
            "checkpoint_dtype": "float32", "optimizer": True, "checkpoint_path": "optimizer/_momentums/0"}  # fmt: skip
    (named,) = with_value_names([RestoreFinding.from_fact(fact)], {KEY: PLACE})
    assert named.readable_name == PLACE and named.label == "optimizer/_momentums/0"
    weight = {**fact, "optimizer": False}  # a model weight keeps the model's own name
    (kept,) = with_value_names([RestoreFinding.from_fact(weight)], {KEY: PLACE})
    assert kept.readable_name == "optimizer/_momentums/0"


def test_a_tf1_plan_drops_adam_slots_with_tf1_advice_and_its_step_as_a_counter():
    """Review 12, 6: a TF1 Saver checkpoint's Adam slots dropped: no Keras optimizer.build
    advice for a graph script; global_step is a step counter, said apart, its step kept
    in the Saver's name (test_repair.py's TF1 case writes and restores one)."""
    entries = (
        PlanEntry("layer1/weights/Adam", Action.DROP, None, "optimizer state: no optimizer variable to take it"),
        PlanEntry("global_step", Action.DROP, None, "the training step counter (TF1's global_step)"),
    )
    notes = outcome_notes(RepairPlan("/run/model.ckpt-1000", "/m.py", "name", entries, ()), False)
    optimizer, step = notes
    assert "optimizer.minimize(loss)" in optimizer and "optimizer.build" not in optimizer
    assert "global_step" not in optimizer and "1 optimizer value" in optimizer
    assert step.startswith("step counter dropped") and "keeps the source's step, 1000" in step


def test_the_doctor_tables_tooltip_says_which_name_is_whose():
    """Review 15, 11: one slot read three ways; the row shows the checkpoint's name for it
    (as the tree and ``diff`` do), its tooltip says the script's or the saved path and the
    key for what they are."""
    from ckpt_gui.app.widgets.report_texts import names_tip

    deferred = {"status": "deferred", "checkpoint_key": KEY, "model_path": None, "checkpoint_shape": [20, 16],
                "checkpoint_dtype": "float32", "optimizer": True,
                "checkpoint_path": "optimizer/_momentums/0"}  # fmt: skip
    (named,) = with_value_names([RestoreFinding.from_fact(deferred)], {KEY: PLACE})
    assert names_tip(named).splitlines() == [PLACE, "Saved at: optimizer/_momentums/0", f"Checkpoint key: {KEY}"]
    matched = {**deferred, "status": "consumed", "model_path": "optimizer/_momentums/0", "model_shape": [20, 16],
               "model_dtype": "float32", "checkpoint_path": None}  # fmt: skip
    (named,) = with_value_names([RestoreFinding.from_fact(matched)], {KEY: PLACE})
    assert names_tip(named).splitlines()[1] == "In the script's model: optimizer/_momentums/0"
    # A Keras weights file names the value by one path on both sides: no side named.
    keras = {**matched, "checkpoint_key": "layers/dense_1/vars/0", "model_path": "layers/dense_1/vars/0"}
    (named,) = with_value_names([RestoreFinding.from_fact(keras)], {"layers/dense_1/vars/0": "dense_1/kernel"})
    assert "Path: layers/dense_1/vars/0" in names_tip(named).splitlines()
