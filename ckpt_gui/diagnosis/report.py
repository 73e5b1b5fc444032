"""The restore report from the child's facts: statuses, suggestions, notes (report_notes.py),
the attempt's error and the exit code; the report as Markdown is report_markdown.py.

Pure Python (no TensorFlow, no Qt): the CLI prints it, the app shows it, tests
check it. Its JSON (``RestoreReport.to_json()``) is the contract in the README.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace

from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.attempt_errors import GPUS_ALLOWED_BY, GPUS_HIDDEN_HOW, module_level_hint, script_import_hint
from ckpt_gui.diagnosis.binding_notes import binding_note
from ckpt_gui.diagnosis.causes import with_causes
from ckpt_gui.diagnosis.checkpoint_choice import CheckpointChoice
from ckpt_gui.diagnosis.findings import BLOCKING, AttemptError, RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.diagnosis.held_value_notes import with_reshape_warnings
from ckpt_gui.diagnosis.keras_causes import keras_file_notes, with_file_names
from ckpt_gui.diagnosis.report_notes import attempt_notes
from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest
from ckpt_gui.diagnosis.sandbox import FolderProtection
from ckpt_gui.diagnosis.suggestions import with_suggestions
from ckpt_gui.diagnosis.tensorflow_messages import without_ansi
from ckpt_gui.diagnosis.value_names import with_value_names


def build_report(
    request: DiagnosisRequest,
    result: AttemptResult,
    choice: CheckpointChoice | None = None,
    names: dict[str, str] | None = None,
) -> RestoreReport:
    """The report of one attempt (see the README's contract); ``choice``: which
    checkpoint of the folder the user named was diagnosed, and why; ``names``: the
    checkpoint's readable name of each key (value_names.source_paths), which names
    optimizer values as the Repair dialog does."""
    error = _protected_error(_error(result), result.protection, request.checkpoint)
    if error is not None:
        hinted = script_import_hint(error.kind, error.message, request.python, request.script)
        phase = (result.error or {}).get("phase")
        module_level = module_level_hint(error.kind, error.message, error.traceback, phase, request.script)
        error = AttemptError(error.kind, module_level or hinted, error.traceback, phase or "", error.output)
    host_notes = [result.protection.note()] if result.protection is not None else []
    if result.folder_changed:
        host_notes.append(
            "the checkpoint folder changed during the attempt (" + ", ".join(result.folder_changed[:5]) + "): "
            "another process, or the script, wrote there"
        )
    if result.gpus_hidden is not None:
        host_notes.append(
            "GPUs were hidden from the attempt (CUDA_VISIBLE_DEVICES=-1; restoring needs none): " + GPUS_HIDDEN_HOW
            if result.gpus_hidden
            else "GPUs were visible to the attempt (" + GPUS_ALLOWED_BY + ")"
        )
    facts = result.facts
    found: list[RestoreFinding] = []
    tensorflow, mode, child_notes, cause_notes = TensorFlowVerdict(), None, [], []
    binding, holds_optimizer, keras_file = None, None, None
    if facts is not None:
        found = [RestoreFinding.from_fact(raw) for raw in facts["variables"]]
        keras = facts.get("mode") == "keras"  # model.load_weights(FILE) of a Keras weights file
        if keras:  # before the suggestions, which name the file's weights as the tree does
            found = with_file_names(found, request.checkpoint)
        elif names:
            found = with_value_names(found, names)
        found = with_suggestions(found, name_based=facts.get("mode") == "name", keras=keras)
        found, cause_notes = with_causes(found, facts.get("optimizers", []))
        if keras:
            keras_file = facts.get("keras_file") or {}
            found, keras_notes = keras_file_notes(found, keras_file, request.checkpoint)
            cause_notes = keras_notes + cause_notes
        if "tensorflow" in facts:
            verdict = facts["tensorflow"]
            tensorflow = TensorFlowVerdict(
                verdict["verdict"], without_ansi(verdict.get("message", "")), bool(verdict.get("eager"))
            )
        found = with_reshape_warnings(found, tensorflow)
        mode, child_notes = facts.get("mode"), [without_ansi(note) for note in facts.get("notes", [])]
        binding, holds_optimizer = facts.get("binding"), facts.get("holds_optimizer")
    counts = Counter(v.status for v in found)
    notes = []
    if facts is not None:
        notes = attempt_notes(found, tensorflow, holds_optimizer, keras_file) + binding_note(binding)
    # The user's own latest_checkpoint() picks a broken save: not ok, whatever this one says.
    warning = choice.warning() if choice is not None else None
    return RestoreReport(
        checkpoint=request.checkpoint,
        script=request.script,
        ok=facts is not None
        and error is None
        and not any(v.status in BLOCKING or v.shared_with for v in found)
        and not warning,
        error=error,
        summary={status: counts[status] for status in RestoreStatus},
        variables=tuple(sorted(found, key=lambda v: v.attention_rank)),
        notes=tuple(([warning] if warning else []) + child_notes + cause_notes + notes + host_notes),
        tensorflow=tensorflow,
        python=request.python,
        tensorflow_version=result.tensorflow_version,
        seconds=round(result.seconds, 3),
        import_seconds=round(result.import_seconds, 3),
        mode=mode,
        checkpoint_choice=choice,
        folder_protection=result.protection,
        binding=binding,
        keras_file=keras_file,
        optimizer_built=_optimizer_built(facts),
    )


def _optimizer_built(facts: dict | None) -> bool | None:
    optimizers = (facts or {}).get("optimizers") or []
    return all(bool(o.get("built")) for o in optimizers) if optimizers else None


def exit_code(report: RestoreReport) -> int:
    """0: everything the model needs was restored; 1: conflicts or missing; 2: failed."""
    if report.error is not None:
        return 2
    return 0 if report.ok else 1


def _error(result: AttemptResult) -> AttemptError | None:
    if result.error is None:
        return None
    error = AttemptError.from_fact(result.error)
    # Keras 3 makes parts of its messages bold with terminal escape codes.
    error = AttemptError(error.kind, without_ansi(error.message), without_ansi(error.traceback))
    # A child that died without reporting (a crash, os._exit, a kill): its last
    # output is all there is to show. An error it reported says enough itself.
    died = "phase" not in result.error
    if result.facts is None and died and not error.traceback and result.log:
        return AttemptError(error.kind, error.message, without_ansi(result.log[-4000:]))
    # What the script printed before it failed ("bye" before its sys.exit): review 21, 14.
    output = tuple(without_ansi(line) for line in result.output or ())
    return replace(error, output=output) if output else error


def _protected_error(
    error: AttemptError | None, protection: FolderProtection | None, prefix: str
) -> AttemptError | None:
    """The script's own error, saying why its write into the checkpoint folder failed."""
    if error is None or protection is None or not protection.read_only:
        return error
    text = error.message + error.traceback
    folders = (*protection.folders, os.path.dirname(prefix))
    if "Read-only file system" not in text or not any(folder in text for folder in folders):
        return error
    why = (
        " (the checkpoint folder is read-only during the attempt: ckpt-gui protects it from the script; "
        "remove the save() or CheckpointManager that writes there from the model script, or point it elsewhere)"
    )
    return replace(error, message=error.message + why)
