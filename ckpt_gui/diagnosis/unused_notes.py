"""The report's notes on what the attempt left: checkpoint values the model did not take
(optimizer state, moving averages, counters, a removed or moved layer's values, values
claimed by nothing), and the model's problems counted (missing values, conflicts and who
reports them, deferred restores).

Pure Python, from the findings alone."""

from __future__ import annotations

from collections import Counter

from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.core.formatting import counted, format_some, one_or_many
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.binding_notes import unused_optimizer_note
from ckpt_gui.diagnosis.findings import RestoreFinding, TensorFlowVerdict
from ckpt_gui.diagnosis.held_value_notes import reshaped, reshaped_words
from ckpt_gui.diagnosis.layer_count import ValueRole, value_roles
from ckpt_gui.diagnosis.tensorflow_messages import SAVER_RAISED, SAVER_RAISED_PART_WAY, missing_saver_key


def unused_notes(variables: list[RestoreFinding], holds_optimizer: bool | None) -> list[str]:
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


def problem_notes(
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
    changed = reshaped(variables, tensorflow)
    if changed:  # TensorFlow raised nothing: it neither reported them nor stopped (review 21, 2)
        return reshaped_words(changed, conflicts)
    missing_key = missing_saver_key(tensorflow.message) if tensorflow.verdict == SAVER_RAISED else None
    if missing_key:  # RestoreV2 reads every value before any is assigned: a missing key comes first
        return (
            f": TensorFlow did not get to {one_or_many(conflicts, 'it', 'them')}: Saver.restore() raised first on "
            f"{missing_key}, a key not in the checkpoint"
        )
    if tensorflow.verdict == SAVER_RAISED_PART_WAY:  # its other assignments ran on, in parallel: not "stops"
        return ": TensorFlow reports only the first of these"
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
