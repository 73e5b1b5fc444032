"""Another series in the diagnosed checkpoint's folder that the script's model fits
better (review 24 #1).

A folder may hold two series side by side: ``ckpt-1/2`` of a CheckpointManager beside
``checkpoints_custom_names-1/2`` of a ``checkpoint.save()`` of another model, its state
file naming the second. The doctor diagnoses what the folder's latest is, and every
variable of the model came out missing, "a layer or variable added since it was saved",
while ``ckpt-2`` restores all of them. When the model does not fit the checkpoint
diagnosed, the latest checkpoint of each other series is checked against the variables
the child reported (their keys, shapes and dtypes, from the ``.index`` alone: no
TensorFlow, no values); one that holds more of them is said first, and the missing
variables it holds no longer blame the model.
"""

from __future__ import annotations

import os
from dataclasses import replace

from ckpt_gui.core.format.conventions import VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.format.locations import CheckpointRef, Location
from ckpt_gui.core.format.series_fit import (
    SeriesFit,
    WantedVariable,
    index_fit,
    latest_of_other_series,
    other_series_fits,
)
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.better_series import BetterSeries
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport
from ckpt_gui.diagnosis.suggestions import ADDED_SINCE

# The model's variables: what the child found on the model's side (not its unused values).
_MODEL_SIDE = (
    RestoreStatus.CONSUMED,
    RestoreStatus.MISSING,
    RestoreStatus.SHAPE_CONFLICT,
    RestoreStatus.DTYPE_CONFLICT,
)
# What says the model does not fit the checkpoint diagnosed.
_NOT_FITTING = frozenset(
    {RestoreStatus.MISSING, RestoreStatus.UNMATCHED, RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT}
)
_CONFLICTS = (RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT)


def with_other_series(report: RestoreReport, location: Location, ref: CheckpointRef) -> RestoreReport:
    """``report``, and, if another series of its folder holds more of the model's
    variables than the checkpoint diagnosed, that series first and its hint on the
    variables it holds; unchanged otherwise (a folder of one series, a model that fits,
    an attempt that failed, a Keras file)."""
    if report.error is not None or report.mode not in ("object", "name") or location.kind != "bundle":
        return report
    if not any(v.status in _NOT_FITTING for v in report.variables):
        return report
    others = latest_of_other_series(location, ref)
    if not others:
        return report
    # A model not built yet: its layers' weights are not there to match; what it made
    # so far (an optimizer's step and learning rate) is matched, and the note says the
    # rest is checked once it is built (review 25 #1: those rows blamed the model).
    unbuilt = any(v.status == RestoreStatus.DEFERRED and not v.optimizer for v in report.variables)
    noted = _with_deferred_note(report, others) if unbuilt else report  # unless a series is said first
    findings = [v for v in report.variables if _is_model_variable(v)]
    if not findings:
        return noted
    wanted = [_wanted(v, report.mode) for v in findings]
    diagnosed = index_fit(report.checkpoint, wanted) or SeriesFit(report.checkpoint, _restored(findings))
    best = _better_fit(findings, other_series_fits(others, wanted), diagnosed)
    if best is None:
        return noted
    latest = (report.checkpoint_choice.latest_checkpoint if report.checkpoint_choice is not None else None) or ""
    better = BetterSeries(
        prefix=best.prefix,
        matched=best.matched,
        total=len(wanted),
        diagnosed_matched=diagnosed.matched,
        diagnosed=report.checkpoint,
        state_named=bool(latest) and os.path.realpath(latest) == os.path.realpath(report.checkpoint),
        by="object path" if report.mode == "object" else "name",
        unbuilt=unbuilt,
    )
    held = {id(v) for v, there, here in zip(findings, best.found, diagnosed.found, strict=True) if there and not here}
    # The note "once the model is built, the doctor also checks which series holds its
    # variables" beside a report that names the series said the opposite (review 27 #2).
    variables = tuple(_hinted(v, better) if id(v) in held else v for v in report.variables)
    return replace(report, variables=variables, better_series=better)


def _better_fit(findings: list[RestoreFinding], fits: list[SeriesFit], diagnosed: SeriesFit) -> SeriesFit | None:
    """The other series' checkpoint that holds more of the model than the one diagnosed,
    or None. More of its weights, first: an optimizer's step and learning rate, or a save
    counter, which any checkpoint of any model may hold, do not make a model's checkpoint
    (only when the model has no weights of its own do they count)."""
    weights = [not v.is_harmless for v in findings]
    if not any(weights):
        weights = [True] * len(findings)

    def held(fit: SeriesFit) -> int:
        return sum(found and weight for found, weight in zip(fit.found, weights, strict=True))

    best = max(fits, key=lambda fit: (held(fit), fit.matched), default=None)
    if best is None or held(best) <= held(diagnosed) or best.matched <= diagnosed.matched:
        return None
    return best


def _is_model_variable(finding: RestoreFinding) -> bool:
    """A variable of the model a checkpoint could hold (not one no checkpoint path reaches)."""
    return (
        finding.status in _MODEL_SIDE
        and bool(finding.model_path)
        and finding.model_shape is not None
        and bool(finding.model_dtype)
        and not finding.untracked
    )


def _wanted(finding: RestoreFinding, mode: str) -> WantedVariable:
    """The keys the variable may be saved under: the one it was restored (or refused)
    from, and its own path's (object-based) or name (a TF1 Saver's)."""
    own = finding.model_path + VARIABLE_VALUE_SUFFIX if mode == "object" else finding.model_path
    keys = tuple(dict.fromkeys(key for key in (finding.checkpoint_key, own) if key))
    return WantedVariable(keys, tuple(finding.model_shape or ()), finding.model_dtype or "")


def _restored(findings: list[RestoreFinding]) -> tuple[bool, ...]:
    """The diagnosed checkpoint's fit by the attempt itself, when its index cannot be read again."""
    return tuple(v.status == RestoreStatus.CONSUMED for v in findings)


def _hinted(finding: RestoreFinding, better: BetterSeries) -> RestoreFinding:
    """A variable the better series holds: that first; "added since it was saved" no more."""
    if finding.status != RestoreStatus.MISSING and finding.status not in _CONFLICTS:
        return finding
    kept = tuple(s for s in finding.suggestions if s != ADDED_SINCE)
    return replace(finding, suggestions=(better.row_hint(), *kept))


def _with_deferred_note(report: RestoreReport, others: list[CheckpointRef]) -> RestoreReport:
    """A model with no variables yet matches nothing: the folder's ``others`` series
    named beside the advice to build it (their fit is checked once it is built)."""
    names = ", ".join(other.name for other in others)
    note = (
        f"this folder holds another series too (latest: {names}): once the model is built, the doctor also checks "
        "which series holds its variables"
    )
    notes = list(report.notes)
    # Beside the note that says the model is not built, not after the routine lines.
    at = next((i + 1 for i, said in enumerate(notes) if "not built yet" in said), len(notes))
    return replace(report, notes=(*notes[:at], note, *notes[at:]))
