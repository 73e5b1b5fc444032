"""The report's notes on what the attempt restored: the model weights restored (or why
not), a failed Saver.restore() (in its read, or part-way), matching values TensorFlow held back, or the verification
that every restored variable holds the checkpoint's values; with the notes on what it left
(unused_notes.py), the binding and the shared, moved or deferred values (binding_notes.py),
in the order the report gives them.

Pure Python, from the findings alone."""

from __future__ import annotations

from ckpt_gui.core.formatting import counted, format_some, one_or_many
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.binding_notes import deferred_optimizer_notes, moved_notes, shared_notes
from ckpt_gui.diagnosis.findings import STOPPED, RestoreFinding, TensorFlowVerdict, not_restored_reason
from ckpt_gui.diagnosis.held_value_notes import non_finite_notes
from ckpt_gui.diagnosis.tensorflow_messages import SAVER_RAISED, SAVER_RAISED_PART_WAY, saver_failure
from ckpt_gui.diagnosis.unused_notes import problem_notes, unused_notes


def attempt_notes(
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
        + _part_way_notes(variables, tensorflow)
        + weight_notes
        + non_finite_notes(variables)
        + unused_notes(variables, holds_optimizer)
        + problem_notes(variables, tensorflow, keras_file)
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
    if not held or _saver_said(variables, tensorflow):  # a failed Saver.restore() is the first note
        return [said]
    # Why matching weights were not restored, here rather than in a later note (review:
    # "0 of 12 restored" beside "matches 5", the reason the sixth note down).
    names = [_named(v) for v in variables if v.held_back and not v.is_harmless]
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


def _saver_failed(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> bool:
    return tensorflow.verdict == SAVER_RAISED and not any(v.restored for v in variables)


def _saver_said(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> bool:
    """A failed Saver.restore()'s first note says what it assigned (_saver_notes, _part_way_notes)."""
    return _saver_failed(variables, tensorflow) or tensorflow.verdict == SAVER_RAISED_PART_WAY


def _saver_notes(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> list[str]:
    """A Saver.restore() whose read of the checkpoint raised assigned nothing (every
    assignment takes its value from that read): said first, with the key TensorFlow did
    not find."""
    if not _saver_failed(variables, tensorflow):
        return []
    held_back = sorted((v for v in variables if v.held_back), key=lambda v: v.is_harmless)
    said = f"Saver.restore() raised {saver_failure(tensorflow.message)} reading the checkpoint, so it assigned nothing"
    if not held_back:
        return [said]
    names = format_some([_named(v) for v in held_back], 3)
    return [
        f"{said}, not even the {counted(len(held_back), 'matching value')} ({names}); "
        f"{one_or_many(len(held_back), 'it', 'they')} will be restored once that is fixed"
    ]


def _part_way_notes(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> list[str]:
    """A Saver.restore() that raised in an assignment (a reference variable of another
    shape) may have run others: in a graph its assignments run in parallel, so which ran
    before the error is not determined (in eager mode they run one by one and it stops at
    the one that fails), and the report had said it assigned nothing. What is known is
    what each matching variable holds, read back after it: said first."""
    if tensorflow.verdict != SAVER_RAISED_PART_WAY:
        return []
    said = f"Saver.restore() raised {saver_failure(tensorflow.message)} part-way, in its assignments: "
    if tensorflow.eager:  # not "in parallel", which is a graph's: a wrong account of what ran (no test had it)
        said += "in eager mode they run one by one, in the order of the variables' names, up to the one that failed"
    else:
        said += "it does not say which ran before the error (in a graph they run in parallel, in no set order)"
    matching = sorted((v for v in variables if v.status == RestoreStatus.CONSUMED), key=lambda v: v.is_harmless)
    held = [v for v in matching if v.restored is True]
    left = [v for v in matching if v.restored is False]
    unknown = [v for v in matching if v.restored is None]
    if not matching:
        return [said]
    if len(unknown) == len(matching):
        return [f"{said}; it may have assigned some variables before it stopped: the model's values are not to be "
                "trusted"]  # fmt: skip
    read = f"{said}; read back after it, {len(held):,} of {counted(len(matching), 'matching value')} "
    read += f"{one_or_many(len(held), 'holds', 'hold')} the checkpoint's values (assigned before the error)"
    if left:
        read += (
            f", {len(left):,} {one_or_many(len(left), 'does', 'do')} not (not assigned: "
            f"{format_some([_named(v) for v in left], 3)}; restored once the conflicts are fixed)"
        )
    if unknown:
        names = format_some([_named(v) for v in unknown], 3)
        read += f", {len(unknown):,} could not be read back and may hold either ({names})"
    return [read]


def _held_back_notes(
    variables: list[RestoreFinding], tensorflow: TensorFlowVerdict, stopped: str, said: bool = False
) -> list[str]:
    """Matching values TensorFlow did not assign (those the model weights' note did not
    name, when it ``said`` why), or the verification that all were."""
    if _saver_said(variables, tensorflow):
        return []  # _saver_notes, _part_way_notes
    # Model weights first: they are what the user is after.
    held_back = sorted((v for v in variables if v.held_back), key=lambda v: v.is_harmless)
    if said:
        others = [v for v in held_back if v.is_harmless]
        if not others:
            return []
        return [
            f"for the same reason {counted(len(others), 'other matching value')} "
            f"{one_or_many(len(others), 'was', 'were')} not restored: " + format_some([_named(v) for v in others], 3)
        ]
    if held_back:
        return [
            f"{counted(len(held_back), 'matching value')} {one_or_many(len(held_back), 'was', 'were')} not restored "
            f"because {stopped}; {one_or_many(len(held_back), 'it', 'they')} will be once the conflicts are fixed: "
            + format_some([_named(v) for v in held_back], 3)
        ]
    verified = [v for v in variables if v.restored is True]
    if verified:
        held = one_or_many(len(verified), "holds", "hold")
        return [f"verified: the {counted(len(verified), 'restored variable')} {held} exactly the checkpoint's values"]
    return []


def _named(v: RestoreFinding) -> str:
    """A value as the notes name it, as the report's rows do: an optimizer slot by its
    variable's path and slot (``…/2/bias/momentum``, not ``optimizer/momentums/3``:
    review 20, G10), a Keras file's weight by its name (``dense_1/bias``, not
    ``layers/dense_1/vars/1``: review 23 #10), anything else by its label."""
    return v.readable_name
