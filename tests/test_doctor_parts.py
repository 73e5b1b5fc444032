"""The restore doctor's parts: the child needs nothing of ckpt_gui, the naming
conventions are one stdlib-only module, and the typed report gives the JSON contract."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ckpt_gui
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import conventions
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import MODEL_ONLY, object_tree
from ckpt_gui.diagnosis.child_process import CHILD_SCRIPT
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.protocol_check import MalformedMessage, protocol_message
from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.report_markdown import markdown
from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest
from ckpt_gui.diagnosis.sandbox import FolderProtection

PACKAGE = Path(ckpt_gui.__file__).parent
CHILD = Path(CHILD_SCRIPT).parent
CONVENTIONS = PACKAGE / "core" / "format" / "conventions.py"

# The child runs with ckpt_gui unimportable: any import of it raises ImportError.
WITHOUT_CKPT_GUI = """
import runpy, sys
sys.modules["ckpt_gui"] = None
sys.argv = [{main!r}]
runpy.run_path({main!r}, run_name="__main__")
"""

INFERENCE = """
import keras
import tensorflow as tf

def build():
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
    return tf.train.Checkpoint(model=model)
"""


def test_child_runs_isolated_without_the_package(tmp_path, checkpoints):
    script = tmp_path / "model_def.py"
    script.write_text(textwrap.dedent(INFERENCE))
    prefix = locate(checkpoints / "keras_seq").selected.prefix
    request = json.dumps({"checkpoint": prefix, "script": str(script), "workdir": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_CKPT_GUI.format(main=CHILD_SCRIPT)],
        input=request + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and events[-1]["event"] == "report", result.stdout + result.stderr
    facts = events[-1]["report"]
    assert facts["mode"] == "object" and facts["tensorflow"]["verdict"].startswith("assert_consumed()")
    assert {v["status"] for v in facts["variables"]} == {"consumed", "unmatched"}  # the optimizer is left out


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), feature_version=(3, 8))  # the user's interpreter may be old
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_child_and_conventions_import_only_the_standard_library():
    allowed = set(sys.stdlib_module_names)
    assert _imported_roots(CONVENTIONS) <= allowed
    # The repair's fit rule, which the child loads by path as it loads the conventions.
    assert _imported_roots(Path(ckpt_gui.__file__).parent / "repair" / "fit.py") <= allowed
    for path in CHILD.glob("*.py"):
        # h5py and ml_dtypes come with TensorFlow: the Keras weights file reader's (keras_file.py).
        assert _imported_roots(path) <= allowed | {"numpy", "tensorflow", "h5py", "ml_dtypes"}, path


def test_conventions_agree_on_optimizer_names():
    assert conventions.is_optimizer_name("optimiser") and conventions.is_optimizer_name("model/Optimizer")
    assert conventions.is_optimizer_object(["learning_rate", "iter"], False)
    assert conventions.is_optimizer_object([], True) and not conventions.is_optimizer_object(["iter"], False)
    assert conventions.is_tf1_optimizer_key("layer/w/Adadelta_1") and conventions.is_tf1_optimizer_key("beta1_power")
    assert not conventions.is_tf1_optimizer_key("global_step")  # a step counter, no optimizer state (review 12, 6)
    assert not conventions.is_tf1_optimizer_key("layer/Adamant")
    assert conventions.is_tf1_slot("ExponentialMovingAverage") and not conventions.is_tf1_optimizer_slot(
        "ExponentialMovingAverage"
    )
    assert conventions.without_attributes("save_counter/.ATTRIBUTES/VARIABLE_VALUE") == "save_counter"


FACTS = {
    "variables": [
        {"status": "consumed", "checkpoint_key": "step/.ATTRIBUTES/VARIABLE_VALUE", "model_path": "step",
         "checkpoint_shape": [], "model_shape": [], "checkpoint_dtype": "int64", "model_dtype": "int64",
         "optimizer": False, "restored": True},
        {"status": "unmatched", "checkpoint_key": "old/kernel/.ATTRIBUTES/VARIABLE_VALUE", "model_path": None,
         "checkpoint_shape": [4, 2], "checkpoint_dtype": "float32", "optimizer": False,
         "checkpoint_path": "old/kernel"},
        {"status": "missing", "checkpoint_key": None, "model_path": "new/kernel", "model_shape": [4, 2],
         "model_dtype": "float32", "checkpoint_shape": None, "checkpoint_dtype": None, "optimizer": False},
        {"status": "shape_conflict", "checkpoint_key": "bias/.ATTRIBUTES/VARIABLE_VALUE", "model_path": "bias",
         "checkpoint_shape": [], "model_shape": [2], "checkpoint_dtype": "float32", "model_dtype": "float32",
         "optimizer": False},
    ],
    "tensorflow": {"verdict": "restore() raised", "message": "ValueError: shape"},
    "notes": ["from the child"],
    "mode": "object",
    "binding": "tensorflow",
}  # fmt: skip


def test_report_json_keeps_the_contract():
    request = DiagnosisRequest("/ckpt/ckpt-1", "/model.py", python="python3")
    report = build_report(request, AttemptResult(facts=FACTS, tensorflow_version="2.x", seconds=1.23456))
    document = report.to_json()
    assert list(document) == [
        "checkpoint", "script", "ok", "error", "summary", "variables", "notes", "tensorflow", "python",
        "tensorflow_version", "seconds", "import_seconds", "checkpoint_choice", "folder_protection", "mode",
        "binding",
    ]  # fmt: skip
    assert document["checkpoint_choice"] is None and document["folder_protection"] is None  # not known here
    assert document["summary"] == {
        "consumed": 1, "shape_conflict": 1, "dtype_conflict": 0, "unmatched": 1, "missing": 1, "deferred": 0
    }  # fmt: skip
    assert [v["status"] for v in document["variables"]] == ["shape_conflict", "missing", "unmatched", "consumed"]
    assert list(document["variables"][0]) == [
        "status", "checkpoint_key", "model_path", "checkpoint_shape", "model_shape", "checkpoint_dtype",
        "model_dtype", "suggestions", "optimizer",
    ]  # fmt: skip
    assert document["variables"][3]["restored"] is True and "restored" not in document["variables"][1]
    assert document["variables"][2]["checkpoint_path"] == "old/kernel"
    assert "likely the checkpoint's old/kernel" in document["variables"][1]["suggestions"][0]
    assert document["notes"][0] == "from the child" and document["seconds"] == 1.235
    assert json.loads(json.dumps(document)) == document
    assert not report.ok and report.variables[0].status is RestoreStatus.SHAPE_CONFLICT
    # One shape text everywhere: a scalar is "scalar", in the suggestion and the Markdown.
    assert "the checkpoint has scalar, the model [2]" in report.variables[0].suggestions[0]
    assert "| scalar / [2] |" in markdown(report)


# Issue 9: two values TensorFlow binds to one variable, and optimizer state deferred to
# an optimizer not built, with the doctor's rehearsal of the first step.
BINDING_FACTS = {
    "variables": [
        {"status": "consumed", "checkpoint_key": "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": "optimizer/_momentums/0", "checkpoint_shape": [2], "model_shape": [2],
         "checkpoint_dtype": "float32", "model_dtype": "float32", "optimizer": True, "restored": True,
         "checkpoint_path": "optimizer/_model_variables_moving_average/0",
         "shared_with": ["optimizer/_variables/4/.ATTRIBUTES/VARIABLE_VALUE"]},
        {"status": "consumed", "checkpoint_key": "optimizer/_variables/4/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": "optimizer/_momentums/0", "checkpoint_shape": [2], "model_shape": [2],
         "checkpoint_dtype": "float32", "model_dtype": "float32", "optimizer": True, "restored": False,
         "shared_with": ["optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"]},
        {"status": "deferred", "checkpoint_key": "optimizer/_variables/5/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": None, "checkpoint_shape": [2], "checkpoint_dtype": "float32", "optimizer": True,
         "checkpoint_path": "optimizer/_velocities/0", "deferred_owner": "optimizer",
         "first_step": {"result": "dropped", "model_path": None}},
    ],
    "tensorflow": {"verdict": "assert_consumed() passed", "message": ""},
    "notes": [],
    "mode": "object",
    "binding": "tensorflow",
    "holds_optimizer": True,
}  # fmt: skip


def test_report_json_of_bindings():
    request = DiagnosisRequest("/ckpt/ckpt-1", "/model.py", python="python3")
    report = build_report(request, AttemptResult(facts=BINDING_FACTS, tensorflow_version="2.x"))
    document = report.to_json()
    assert document["binding"] == "tensorflow" and not document["ok"]  # a variable bound twice is not restored
    shared, other, deferred = sorted(document["variables"], key=lambda v: v["checkpoint_key"])
    assert shared["shared_with"] == [other["checkpoint_key"]] and other["shared_with"] == [shared["checkpoint_key"]]
    assert deferred["first_step"] == {"result": "dropped", "model_path": None}
    assert "first_step" not in shared and "shared_with" not in deferred
    notes = "\n".join(document["notes"])
    assert "1 variable is bound to two or more checkpoint values: TensorFlow reached it by" in notes
    assert "so it holds at most one of those" in notes
    assert "optimizer/_momentums/0 (optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE, " in notes
    assert "it now holds optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE" in notes
    assert "optimizer/_model_variables_moving_average/0 -> optimizer/_momentums/0" in notes
    assert "1 optimizer value is deferred" in notes and "TensorFlow restores it when" in notes and "1 dropped" in notes
    assert "not restored because TensorFlow's restore stopped" not in notes  # a lost double claim is not held back
    assert "recorded while TensorFlow's own restore ran" in notes
    assert json.loads(json.dumps(document)) == document
    # The parent checks the new facts like every other: a malformed one is a clear error.
    assert protocol_message({"event": "report", "report": BINDING_FACTS})
    broken = {**BINDING_FACTS, "variables": [{**BINDING_FACTS["variables"][2], "first_step": {"result": "?"}}]}
    with pytest.raises(MalformedMessage, match="first_step"):
        protocol_message({"event": "report", "report": broken})


def test_failed_attempt_has_no_mode_and_the_log_as_traceback():
    request = DiagnosisRequest("/ckpt/ckpt-1", "/model.py", python="python3")
    result = AttemptResult(error={"type": "Crash", "message": "crashed", "traceback": ""}, log="last words")
    document = build_report(request, result).to_json()
    assert "mode" not in document and document["error"] == {
        "type": "Crash", "message": "crashed", "traceback": "last words"
    }  # fmt: skip


def test_tree_takes_typed_findings(checkpoints):
    tree = object_tree(Checkpoint.open(checkpoints / "keras_seq"))
    key = "save_counter/.ATTRIBUTES/VARIABLE_VALUE"
    found = RestoreFinding(RestoreStatus.CONSUMED, key, "save_counter", (), (), "int64", "int64", False)
    lost = RestoreFinding(RestoreStatus.MISSING, None, "model/extra/kernel", None, (3, 2), None, "float32", False)
    tree.apply_report([found, lost])
    assert tree.by_key[key].status is RestoreStatus.CONSUMED and tree.by_key[key].finding is found
    (row,) = tree.model_only
    assert row.kind == MODEL_ONLY and row.path == "model/extra/kernel" and row.finding is lost
    tree.clear_report()
    assert tree.model_only == [] and tree.by_key[key].status is None


def test_report_json_says_how_the_folder_was_protected():
    request = DiagnosisRequest("/ckpt/ckpt-1", "/model.py", python="python3")
    for protection in (FolderProtection(True, ("/ckpt",)), FolderProtection(False, ("/ckpt",), "turned off")):
        result = AttemptResult(facts=FACTS, protection=protection)
        report = build_report(request, result)
        document = report.to_json()
        assert document["folder_protection"] == {
            "read_only": protection.read_only, "folders": ["/ckpt"], "reason": protection.reason
        }  # fmt: skip
        assert protection.note() in document["notes"]
        assert protection.note() in markdown(report)
    # The script's own error, with why a write into the protected folder failed.
    error = {"type": "PermissionDeniedError", "message": "/ckpt/ckpt-2_temp; Read-only file system", "traceback": ""}
    result = AttemptResult(error=error, protection=FolderProtection(True, ("/ckpt",)))
    message = build_report(request, result).to_json()["error"]["message"]
    assert message.startswith(error["message"]) and "the checkpoint folder is read-only during the attempt" in message
    elsewhere = {**error, "message": "/usr/lib/x; Read-only file system"}  # not the checkpoint's folder
    result = AttemptResult(error=elsewhere, protection=FolderProtection(True, ("/ckpt",)))
    assert build_report(request, result).to_json()["error"]["message"] == elsewhere["message"]


UNMATCHED_FACTS = {
    "variables": [
        {"status": "unmatched", "checkpoint_key": "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": None, "checkpoint_shape": [], "checkpoint_dtype": "int64", "optimizer": True},
        {"status": "unmatched", "checkpoint_key": "step/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": None, "checkpoint_shape": [], "checkpoint_dtype": "int64"},
        {"status": "unmatched", "checkpoint_key": "model/old/kernel/.ATTRIBUTES/VARIABLE_VALUE",
         "model_path": None, "checkpoint_shape": [3, 2], "checkpoint_dtype": "float32"},
    ],
    "tensorflow": {"verdict": "assert_consumed() failed", "message": ""},
    "notes": [],
    "mode": "object",
    "binding": "tensorflow",
    "holds_optimizer": False,
}  # fmt: skip


def test_one_word_for_unmatched_values_in_the_cli_and_the_app():
    # The doctor's own word (the status, README's table) everywhere a user reads it; the
    # JSON status value stays what it is.
    import io

    from ckpt_gui.app import status_style
    from ckpt_gui.cli.doctor_text import print_report

    request = DiagnosisRequest("/ckpt/ckpt-1", "/model.py", python="python3")
    report = build_report(request, AttemptResult(facts=UNMATCHED_FACTS, tensorflow_version="2.x"))
    assert {v["status"] for v in report.to_json()["variables"]} == {"unmatched"}
    word = RestoreStatus.UNMATCHED.value
    out = io.StringIO()
    print_report(report, out)
    texts = {
        "cli": out.getvalue(),
        "app legend": status_style.label(RestoreStatus.UNMATCHED),
        "counts": report.counts_text(),
        "notes": "\n".join(report.notes),
    }
    for where, text in texts.items():
        assert word in text, where
        assert "unused" not in text and "not used" not in text, (where, text)


def test_the_summary_counts_matching_values_not_assigned_apart_and_agrees_in_number():
    # TensorFlow stopped at its first error: a matching value it did not assign is not
    # "restored"; the CLI's result line and the app's status bar say the same.
    from ckpt_gui.app.controllers.doctor import _outcome

    def value(status, key, restored, shape=(2,), model_shape=(2,)):
        return {"status": status, "checkpoint_key": f"model/{key}/.ATTRIBUTES/VARIABLE_VALUE",
                "model_path": f"model/{key}", "checkpoint_shape": list(shape), "model_shape": list(model_shape),
                "checkpoint_dtype": "float32", "model_dtype": "float32", "restored": restored}  # fmt: skip

    facts = {**UNMATCHED_FACTS, "variables": [
        value("consumed", "a", True), value("consumed", "b", True), value("consumed", "c", False),
        value("shape_conflict", "d", None, model_shape=(3,)), value("shape_conflict", "e", None, model_shape=(3,)),
        *UNMATCHED_FACTS["variables"][2:],
    ]}  # fmt: skip
    report = build_report(DiagnosisRequest("/ckpt/ckpt-1", "/model.py"), AttemptResult(facts=facts))
    text = report.counts_text()
    assert (
        text == "3 matching (2 restored, 1 not: the restore stopped at its first error), 2 shape conflicts, 1 unmatched"
    )
    assert _outcome(report) == "Restore incomplete: " + text
    # The first note says why matching weights were not restored (review: the reason was
    # the sixth note, "not assigned" unexplained).
    assert report.notes[0].endswith(
        " model weights restored: TensorFlow's restore stopped at its first error;"
        " the 1 matching one is restored once the conflicts are fixed (model/c)"
    ), report.notes
    # Said once (review 11, 7): no later note gives the same reason again.
    assert not any("stopped at its first error" in note for note in report.notes[1:]), report.notes
    assert report.notes[0].startswith("2 of ")
    none = build_report(DiagnosisRequest("/ckpt/ckpt-1", "/model.py"), AttemptResult(facts={
        **facts, "variables": [{**v, "restored": False} if v["status"] == "consumed" else v
                               for v in facts["variables"]]}))  # fmt: skip
    assert none.counts_text().startswith("3 matching (not restored: the restore stopped at its first error)")
    assert "the 3 matching ones are restored once" in none.notes[0]
    one = build_report(DiagnosisRequest("/ckpt/ckpt-1", "/model.py"), AttemptResult(facts={
        **facts, "variables": facts["variables"][:2] + facts["variables"][3:4]}))  # fmt: skip
    assert one.counts_text() == "2 restored, 1 shape conflict"


def test_the_markdown_names_what_a_key_bound_elsewhere_was_saved_as():
    # An opaque key TensorFlow bound by position in the optimizer's list: its saved object
    # path beside it (here a removed normalization's gamma, bound to a Dense kernel).
    key = "optimizer/_trainable_variables/4/.ATTRIBUTES/VARIABLE_VALUE"
    facts = {**UNMATCHED_FACTS, "variables": [
        {"status": "shape_conflict", "checkpoint_key": key, "checkpoint_path": "model/_functional/_operations/4/gamma",
         "model_path": "model/_functional/_operations/5/_kernel", "checkpoint_shape": [16], "model_shape": [16, 32],
         "checkpoint_dtype": "float32", "model_dtype": "float32"},
    ]}  # fmt: skip
    report = build_report(DiagnosisRequest("/ckpt/ckpt-1", "/model.py"), AttemptResult(facts=facts))
    assert f"| {key} (model/_functional/_operations/4/gamma) | model/_functional/_operations/5/_kernel |" in markdown(
        report
    )


def test_a_failed_saver_restore_is_the_first_note_even_with_nothing_matching():
    # The README's promise: the report explains that a failed Saver.restore() assigns
    # nothing and names the key TensorFlow did not find, before the counts.
    message = "NotFoundError: Restoring from checkpoint failed.\n\nKey weights not found in checkpoint\n\t [[{{node}}]]"
    facts = {"variables": [
        {"status": "missing", "checkpoint_key": None, "model_path": "weights", "model_shape": [2, 3],
         "model_dtype": "float32"},
        {"status": "unmatched", "checkpoint_key": "weights_0", "model_path": None, "checkpoint_shape": [2, 3],
         "checkpoint_dtype": "float32"},
    ], "tensorflow": {"verdict": "Saver.restore() raised", "message": message}, "notes": [],
        "mode": "name"}  # fmt: skip
    report = build_report(DiagnosisRequest("/ckpt/model.ckpt", "/model.py"), AttemptResult(facts=facts))
    assert report.notes[0] == (
        "Saver.restore() raised NotFoundError (weights is not in the checkpoint) reading the checkpoint, so it "
        "assigned nothing"
    )
    (missing,) = [v for v in report.variables if v.status == "missing"]
    assert "the variable's name changed (weights_0 -> weights)" in missing.suggestions[0]


def test_a_saver_restore_that_raised_part_way_says_what_each_variable_holds_never_nothing():
    # A reference variable's assignment raised and the Saver's others ran in parallel with
    # it: the child read each matching variable back (True: holds the checkpoint's value,
    # False: does not, None: could not be read). The report had said "it assigned nothing".
    import io

    from ckpt_gui.app.controllers.doctor import _outcome
    from ckpt_gui.cli.doctor_text import print_report

    variable = {"checkpoint_shape": [2], "model_shape": [2], "checkpoint_dtype": "float32", "model_dtype": "float32"}
    message = "InvalidArgumentError: Restoring from checkpoint failed. Assign requires shapes of both tensors to match."
    facts = {"variables": [
        {**variable, "status": "consumed", "checkpoint_key": "a", "model_path": "a", "restored": True},
        {**variable, "status": "consumed", "checkpoint_key": "b", "model_path": "b", "restored": False},
        {**variable, "status": "consumed", "checkpoint_key": "c", "model_path": "c", "restored": None},
        {**variable, "status": "shape_conflict", "checkpoint_key": "d", "model_path": "d", "model_shape": [3]},
    ], "tensorflow": {"verdict": "Saver.restore() raised part-way", "message": message}, "notes": [],
        "mode": "name"}  # fmt: skip
    report = build_report(DiagnosisRequest("/ckpt/model.ckpt", "/model.py"), AttemptResult(facts=facts))
    assert report.notes[0] == (
        "Saver.restore() raised InvalidArgumentError (a variable's shape does not fit its checkpoint value) part-way, "
        "in its assignments: it does not say which ran before the error (in a graph they run in parallel, in no set "
        "order); read back after it, "
        "1 of 3 matching values holds the checkpoint's values (assigned before the error), 1 does not (not "
        "assigned: b; restored once the conflicts are fixed), 1 could not be read back and may hold either (c)"
    )
    assert "3 matching (2 restored, 1 not: Saver.restore() raised part-way, before assigning these)" in (
        report.counts_text()
    )
    assert any(note.endswith("TensorFlow reports only the first of these") for note in report.notes), report.notes
    text = io.StringIO()
    print_report(report, text)
    for shown in (text.getvalue(), markdown(report), json.dumps(report.to_json()), _outcome(report)):
        assert "assigned nothing" not in shown and "stops" not in shown, shown
    # None read back: the model's values are not to be trusted.
    for entry in facts["variables"][:3]:
        entry["restored"] = None
    report = build_report(DiagnosisRequest("/ckpt/model.ckpt", "/model.py"), AttemptResult(facts=facts))
    assert report.notes[0].endswith(
        "in no set order); it may have assigned some variables before it stopped: the model's values are not to be "
        "trusted"
    )


def test_the_markdown_words_statuses_as_the_app_does():
    """Review 7: the Markdown table said "consumed" where the app says "restored"; a
    matching value TensorFlow did not assign is not counted as restored there either."""
    variable = {"checkpoint_shape": [2], "model_shape": [2], "checkpoint_dtype": "float32", "model_dtype": "float32"}
    facts = {"variables": [
        {**variable, "status": "consumed", "checkpoint_key": "a", "model_path": "a", "restored": True},
        {**variable, "status": "consumed", "checkpoint_key": "b", "model_path": "b", "restored": False},
        {**variable, "status": "shape_conflict", "checkpoint_key": "c", "model_path": "c", "model_shape": [3]},
    ], "tensorflow": {"verdict": "restore() raised", "message": "ValueError: incompatible"}, "notes": [],
        "mode": "object"}  # fmt: skip
    text = markdown(build_report(DiagnosisRequest("/ckpt/ckpt-1", "/model.py"), AttemptResult(facts=facts)))
    assert "| restored | 1 |" in text
    assert "| matching, not restored (the restore stopped at its first error) | 1 |" in text
    assert "| shape conflict | 1 |" in text and "| shape conflict | c |" in text
    assert "consumed" not in text and "shape_conflict" not in text


def test_a_timeouts_stack_shows_the_scripts_frames_not_the_childs():
    """Review 8: the timeout's stack (faulthandler's dump) listed ckpt-gui's contract.py,
    attempt.py and main.py under the script's frame; the other errors show the script's only."""
    import os

    import ckpt_gui
    from ckpt_gui.diagnosis.child_process import user_frames

    child = os.path.join(os.path.dirname(ckpt_gui.__file__), "diagnosis", "child")
    frames = (("contract.py", 88, "build_model"), ("attempt.py", 40, "run"), ("main.py", 70, "main"))
    ours = [f'  File "{os.path.join(child, name)}", line {n} in {fn}' for name, n, fn in frames]
    script = '  File "/home/user/hangs.py", line 5 in build'
    library = '  File "/usr/lib/python3/site-packages/tensorflow/python/ops/io_ops.py", line 9 in restore_v2'
    dump = [
        "Thread 0x00007f0000000002 (most recent call first):",
        f'  File "{os.path.join(child, "main.py")}", line 30 in _read_requests',
        '  File "<frozen threading>", line 1 in run',
        "",
        "Current thread 0x00007f0000000001 (most recent call first):",
        library,
        script,
        *ours,
        '  File "<frozen runpy>", line 88 in _run_code',
    ]
    assert user_frames(dump) == ["Current thread 0x00007f0000000001 (most recent call first):", library, script]
    # A dump with no frame of the script's is kept whole rather than emptied.
    assert user_frames(dump[:3]) == dump[:3]
