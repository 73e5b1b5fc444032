"""The restore report from the child's facts: statuses, suggestions, notes, and the
report as Markdown.

Pure Python (no TensorFlow, no Qt): the CLI prints it, the app shows it, tests
check it. Its JSON (``RestoreReport.to_json()``) is the contract in the README.
"""

from __future__ import annotations

import os
from collections import Counter

from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.core.formatting import counted, format_shape, format_some, one_or_many
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.attempt_errors import module_level_hint, script_import_hint
from ckpt_gui.diagnosis.binding_notes import (
    binding_note,
    deferred_optimizer_notes,
    moved_notes,
    shared_notes,
    unused_optimizer_note,
)
from ckpt_gui.diagnosis.causes import with_causes
from ckpt_gui.diagnosis.checkpoint_choice import CheckpointChoice
from ckpt_gui.diagnosis.findings import (
    BLOCKING,
    STATUS_WORDS,
    STOPPED,
    AttemptError,
    RestoreFinding,
    RestoreReport,
    TensorFlowVerdict,
    not_restored_reason,
)
from ckpt_gui.diagnosis.keras_causes import keras_file_notes, with_file_names
from ckpt_gui.diagnosis.layer_count import ValueRole, value_roles
from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest
from ckpt_gui.diagnosis.sandbox import FolderProtection
from ckpt_gui.diagnosis.suggestions import with_suggestions
from ckpt_gui.diagnosis.tensorflow_messages import SAVER_RAISED, missing_saver_key, saver_failure, without_ansi
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
        error = AttemptError(error.kind, module_level or hinted, error.traceback, phase or "")
    host_notes = [result.protection.note()] if result.protection is not None else []
    if result.folder_changed:
        host_notes.append(
            "the checkpoint folder changed during the attempt (" + ", ".join(result.folder_changed[:5]) + "): "
            "another process, or the script, wrote there"
        )
    if result.gpus_hidden is not None:
        host_notes.append(
            "GPUs were hidden from the attempt (CUDA_VISIBLE_DEVICES=-1; restoring needs none): "
            "--allow-gpu, or Restore > Allow GPUs in the app, lets TensorFlow use them"
            if result.gpus_hidden
            else "GPUs were visible to the attempt (allowed by --allow-gpu or Restore > Allow GPUs)"
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
            tensorflow = TensorFlowVerdict(verdict["verdict"], without_ansi(verdict.get("message", "")))
        mode, child_notes = facts.get("mode"), [without_ansi(note) for note in facts.get("notes", [])]
        binding, holds_optimizer = facts.get("binding"), facts.get("holds_optimizer")
    counts = Counter(v.status for v in found)
    attempt_notes = (
        _notes(found, tensorflow, holds_optimizer, keras_file) + binding_note(binding) if facts is not None else []
    )
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
        notes=tuple(([warning] if warning else []) + child_notes + cause_notes + attempt_notes + host_notes),
        tensorflow=tensorflow,
        python=request.python,
        tensorflow_version=result.tensorflow_version,
        seconds=round(result.seconds, 3),
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
    return error


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
    return AttemptError(error.kind, error.message + why, error.traceback)


# -- notes -----------------------------------------------------------------------------------


def _notes(
    variables: list[RestoreFinding],
    tensorflow: TensorFlowVerdict,
    holds_optimizer: bool | None,
    keras_file: dict[str, str] | None = None,
) -> list[str]:
    stopped = _stopped(tensorflow, keras_file)
    weight_notes = _weight_notes(variables, tensorflow, stopped)
    # The reason matching values were not restored is said once: the model weights'
    # note says it first; the last note had said it again (review 11, 7: three bullets
    # of a Keras report said Keras skipped the layers that failed).
    said = any(stopped in note for note in weight_notes)
    return (
        _saver_notes(variables, tensorflow)
        + weight_notes
        + _unused_notes(variables, holds_optimizer)
        + _problem_notes(variables, tensorflow, keras_file)
        + shared_notes(variables)
        + moved_notes(variables)
        + deferred_optimizer_notes(variables)
        + _held_back_notes(variables, tensorflow, stopped, said)
    )


def _stopped(tensorflow: TensorFlowVerdict, keras_file: dict[str, str] | None) -> str:
    """Why matching values were not assigned, as the status bar says it (the report's
    held_reason), TensorFlow named when it is its restore that stopped."""
    reason = not_restored_reason(tensorflow.verdict, keras_file)
    return "TensorFlow's restore stopped at its first error" if reason == STOPPED else reason


def _weight_notes(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict, stopped: str) -> list[str]:
    weights = _model_weights(variables)
    if not weights:
        return []
    restored = [name for name, its in weights.items() if any(_assigned(v) for v in its)]
    if len(restored) == len(weights):
        return [f"all {counted(len(weights), 'model weight')} restored"]
    said = f"{len(restored):,} of {counted(len(weights), 'model weight')} restored"
    held = sum(1 for v in variables if v.held_back and not v.is_harmless)
    if not held or _saver_failed(variables, tensorflow):  # a failed Saver.restore() is the first note
        return [said]
    # Why matching weights were not restored, here rather than in a later note (review:
    # "0 of 12 restored" beside "matches 5", the reason the sixth note down).
    names = [v.label for v in variables if v.held_back and not v.is_harmless]
    return [
        f"{said}: {stopped}; the {held:,} matching "
        f"{one_or_many(held, 'one is', 'ones are')} restored once the conflicts are fixed "
        f"({format_some(names, 3)})"
    ]


def _model_weights(variables: list[RestoreFinding]) -> dict[str, list[RestoreFinding]]:
    """The model's own weights, each with its findings: counted against the model, not the
    file (review: a file with a layer more read "4 of 6 model weights" for a model of 4).
    A checkpoint value no model variable claims is not one; a deferred one is, by its key:
    it waits for the model's unbuilt layer."""
    weights: dict[str, list[RestoreFinding]] = {}
    for v in variables:
        if v.is_harmless:
            continue
        if v.model_path and v.status != RestoreStatus.UNMATCHED:
            weights.setdefault(v.model_path, []).append(v)
        elif v.status == RestoreStatus.DEFERRED and v.checkpoint_key:
            weights.setdefault(v.checkpoint_key, []).append(v)
    return weights


def _assigned(v: RestoreFinding) -> bool:
    return v.status == RestoreStatus.CONSUMED and v.restored is not False


def _unused_notes(variables: list[RestoreFinding], holds_optimizer: bool | None) -> list[str]:
    """What the checkpoint holds that the model did not take: harmless, or not."""
    notes = []
    unused = [v for v in variables if v.status == RestoreStatus.UNMATCHED]
    optimizer_left = [v for v in unused if v.optimizer]
    averages_left = [v for v in unused if v.is_average and not v.optimizer]
    counters_left = [v for v in unused if v.is_counter and not v.optimizer and not v.is_average]
    # Values a changed layer count places are said for what they are (review 15, 5: the
    # removed layer's values still read "claimed by nothing" below the note naming it).
    roles = value_roles(variables)
    placed = [(v, roles[i]) for i, v in enumerate(variables) if v.status == RestoreStatus.UNMATCHED and i in roles]
    stray = [v for i, v in enumerate(variables) if v.status == RestoreStatus.UNMATCHED and not v.is_harmless
             and i not in roles]  # fmt: skip
    if optimizer_left:
        notes.append(unused_optimizer_note(len(optimizer_left), holds_optimizer))
    if averages_left:
        notes.append(
            f"moving averages unmatched ({counted(len(averages_left), 'value')}): expected, unless the model should be "
            "restored from its averaged weights (ExponentialMovingAverage.variables_to_restore())"
        )
    if counters_left:
        names = sorted({without_attributes(v.label) for v in counters_left})
        notes.append(f"{format_some(names, 4)} unmatched (counters, harmless)")
    if stray:
        notes.append(
            f"{counted(len(stray), 'checkpoint value')} that "
            f"{one_or_many(len(stray), 'looks like a model weight is', 'look like model weights are')} claimed by "
            "nothing in the model: " + format_some([v.readable_name for v in stray], 3) + _counterparts(stray)
        )
    return notes + _placed_notes(placed)


def _placed_notes(placed: list[tuple[RestoreFinding, ValueRole]]) -> list[str]:
    """The unused values of a removed (or moved) layer, per layer, as the layer note names it."""
    layers: dict[ValueRole, list[str]] = {}
    for v, role in placed:
        layers.setdefault(role, []).append(v.readable_name)
    notes = []
    for role, names in layers.items():
        left = one_or_many(len(names), "is left unused", "are left unused")
        why = (
            "harmless if the layer was removed on purpose, else a sign the script does not build the model that "
            "saved the checkpoint"
            if role.gone
            else role.unused
        )
        notes.append(f"{format_some(names, 3)}, {one_or_many(len(names), 'a value', 'values')} of {role.layer}, "
                     f"{left} by the script's model: {why}")  # fmt: skip
    return notes


def _counterparts(stray: list[RestoreFinding]) -> str:
    """How many of the unclaimed values the suggestions pair with a model variable (a
    renamed layer): "claimed by nothing" alone read as weights to throw away (review 12, 3)."""
    likely = sum(1 for v in stray if any(s.startswith("likely the model's") for s in v.suggestions))
    if not likely:
        return ""
    if likely == len(stray):
        which = "it has" if likely == 1 else "each has"
    else:
        which = f"{likely:,} of them {one_or_many(likely, 'has', 'have')}"
    return f" ({which} a likely counterpart in the model: see the suggestions)"


def _problem_notes(
    variables: list[RestoreFinding], tensorflow: TensorFlowVerdict, keras_file: dict[str, str] | None = None
) -> list[str]:
    """Missing values, conflicts and deferred restores, counted."""
    notes = []
    count = Counter(v.status for v in variables)
    if count[RestoreStatus.MISSING]:
        untracked = sum(1 for v in variables if v.untracked)
        missing = count[RestoreStatus.MISSING]
        notes.append(
            f"{counted(missing, 'model variable')} {one_or_many(missing, 'has', 'have')} no value in the checkpoint "
            f"and {one_or_many(missing, 'keeps its initial value', 'keep their initial values')}"
            + (f" ({untracked} of them in layers the checkpoint cannot reach)" if untracked else "")
        )
    conflicts = count[RestoreStatus.SHAPE_CONFLICT] + count[RestoreStatus.DTYPE_CONFLICT]
    if conflicts:
        notes.append(
            f"{counted(conflicts, 'variable')} {one_or_many(conflicts, 'matches', 'match')} by path but not by shape "
            f"or dtype" + _who_reports_conflicts(tensorflow, conflicts, variables, keras_file)
        )
    # Optimizer state held back for an optimizer not built: deferred_optimizer_notes.
    waiting = [v for v in variables if v.status == RestoreStatus.DEFERRED and not v.optimizer]
    if waiting:
        owners = sorted({v.deferred_owner or "?" for v in waiting})
        notes.append(
            f"{counted(len(waiting), 'value')} {one_or_many(len(waiting), 'waits', 'wait')} for objects that are not "
            "built yet "
            f"({format_some(owners, 4)}): the model must be built, e.g. by calling it once on an input, before the "
            "restore can be checked"
        )
    return notes


def _who_reports_conflicts(
    tensorflow: TensorFlowVerdict, conflicts: int, variables: list[RestoreFinding], keras_file: dict[str, str] | None
) -> str:
    """Which of the conflicts TensorFlow (or Keras) itself reported, after ": "."""
    missing_key = missing_saver_key(tensorflow.message) if tensorflow.verdict == SAVER_RAISED else None
    if missing_key:  # RestoreV2 reads every value before any is assigned: a missing key comes first
        return (
            f": TensorFlow did not get to {one_or_many(conflicts, 'it', 'them')}: Saver.restore() raised first on "
            f"{missing_key}, a key not in the checkpoint"
        )
    if tensorflow.speaker == "Keras" and (keras_file or {}).get("loader") == "legacy_h5":
        return ": Keras's .h5 loader reports only the first of these and stops"
    if tensorflow.speaker == "Keras":
        # Keras 3 goes on past a layer that fails and raises once at the end, naming
        # every object it could not load ("A total of 2 objects could not be loaded"):
        # the note had said it reports only the first (review 11, 7).
        layers = {_layer_of(v) for v in variables if v.status in (RestoreStatus.SHAPE_CONFLICT,
                                                                  RestoreStatus.DTYPE_CONFLICT)}  # fmt: skip
        return f", in {counted(len(layers), 'layer')}: Keras lists each layer it could not load"
    return ": TensorFlow reports only the first of these and stops"


def _layer_of(v: RestoreFinding) -> str:
    """A Keras 3 weight's layer: its path before "/vars/N" (``layers/dense_1``)."""
    path = v.model_path or v.checkpoint_key or ""
    return path.rpartition("/vars/")[0] or path.rpartition("/")[0]


def _saver_failed(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> bool:
    return tensorflow.verdict == SAVER_RAISED and not any(v.restored for v in variables)


def _saver_notes(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> list[str]:
    """A failed Saver.restore() assigned nothing: said first, with the key TensorFlow did not find."""
    if not _saver_failed(variables, tensorflow):
        return []
    held_back = sorted((v for v in variables if v.held_back), key=lambda v: v.is_harmless)
    said = f"Saver.restore() is one operation: it raised {saver_failure(tensorflow.message)}, so it assigned nothing"
    if not held_back:
        return [said]
    names = format_some([v.label for v in held_back], 3)
    return [
        f"{said}, not even the {counted(len(held_back), 'matching value')} ({names}); "
        f"{one_or_many(len(held_back), 'it', 'they')} will be restored once that is fixed"
    ]


def _held_back_notes(
    variables: list[RestoreFinding], tensorflow: TensorFlowVerdict, stopped: str, said: bool = False
) -> list[str]:
    """Matching values TensorFlow did not assign (those the model weights' note did not
    name, when it ``said`` why), or the verification that all were."""
    if _saver_failed(variables, tensorflow):
        return []  # _saver_notes
    # Model weights first: they are what the user is after.
    held_back = sorted((v for v in variables if v.held_back), key=lambda v: v.is_harmless)
    if said:
        others = [v for v in held_back if v.is_harmless]
        if not others:
            return []
        return [
            f"for the same reason {counted(len(others), 'other matching value')} "
            f"{one_or_many(len(others), 'was', 'were')} not restored: " + format_some([v.label for v in others], 3)
        ]
    if held_back:
        return [
            f"{counted(len(held_back), 'matching value')} {one_or_many(len(held_back), 'was', 'were')} not restored "
            f"because {stopped}; {one_or_many(len(held_back), 'it', 'they')} will be once the conflicts are fixed: "
            + format_some([v.label for v in held_back], 3)
        ]
    verified = [v for v in variables if v.restored is True]
    if verified:
        held = one_or_many(len(verified), "holds", "hold")
        return [f"verified: the {counted(len(verified), 'restored variable')} {held} exactly the checkpoint's values"]
    return []


# -- Markdown ----------------------------------------------------------------------------------


def markdown(report: RestoreReport) -> str:
    """The report as Markdown, for bug reports and notes."""
    lines = [f"# Restore diagnosis: {report.checkpoint}", "", f"Script: `{report.script}`", ""]
    error = report.error
    if error is not None:
        lines += [f"**The attempt failed: {error.kind}: {error.message}**", "", "```", error.traceback, "```"]
        return "\n".join(lines) + "\n"
    verdict = "everything the model needs was restored" if report.ok else "the restore is incomplete"
    lines += [f"**Result: {verdict}.**", ""]
    lines += ["| Status | Count |", "|---|---:|"] + _markdown_counts(report)
    lines += ["", f"{report.tensorflow.speaker}: {report.tensorflow.verdict}"]
    if report.tensorflow.message:
        lines += ["", "```", report.tensorflow.message, "```"]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    if report.problems:
        lines += [
            "",
            "## Variables needing attention",
            "",
            "| Status | Checkpoint key | Model path | Shapes | Suggestions |",
        ]
        lines += ["|---|---|---|---|---|"]
        lines += [_markdown_row(v) for v in report.problems]
    return "\n".join(lines) + "\n"


def _markdown_counts(report: RestoreReport) -> list[str]:
    """The summary's rows in the app's words; matching values TensorFlow did not assign
    (it stopped at its first error) are not counted as restored (counts_text says so too)."""
    rows = []
    for status, n in report.summary.items():
        held = sum(1 for v in report.variables if v.held_back) if status == RestoreStatus.CONSUMED else 0
        if n - held:
            rows.append(f"| {STATUS_WORDS[status]} | {n - held} |")
        if held:
            rows.append(f"| matching, not restored ({report.held_reason}) | {held} |")
    return rows


def _markdown_row(v: RestoreFinding) -> str:
    shapes = f"{_shape_or_dash(v.checkpoint_shape)} / {_shape_or_dash(v.model_shape)}"
    key, path = v.checkpoint_key or "-", v.model_path or "-"
    if v.checkpoint_name:  # a Keras file: the weight's name before its HDF5 path
        key = f"{v.checkpoint_name} ({key})"
    elif v.checkpoint_path and v.checkpoint_path != v.model_path:  # what the key was saved as, beside it
        key = f"{key} ({v.checkpoint_path})"
    if v.model_name:
        path = f"{v.model_name} ({path})"
    cells = [STATUS_WORDS[v.status], key, path, shapes, "<br>".join(v.suggestions)]
    return "| " + " | ".join(cells) + " |"


def _shape_or_dash(shape) -> str:
    return format_shape(shape) if shape is not None else "-"
