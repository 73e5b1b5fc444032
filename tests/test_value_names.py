"""One optimizer value, one name (review 12, 8): the doctor's report, the repair's note and
the Repair dialog name a Keras 3 slot by its place in the model (``.../_kernel/momentums``,
value_names.source_paths), the key second. Without TensorFlow (test_diagnose.py checks the
report and the CLI's rows on a checkpoint TensorFlow wrote)."""

from __future__ import annotations

from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.value_names import with_value_names
from ckpt_gui.repair.notes import outcome_notes
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

KEY = "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"
PLACE = "model/dense1/_kernel/momentums"


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
