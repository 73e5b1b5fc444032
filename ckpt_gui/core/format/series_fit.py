"""How well the checkpoints of a folder's series hold a model's variables, by their
``.index`` alone: keys, shapes and dtypes, no values, no object graph (that lives in a
data file), no TensorFlow.

A folder may hold two series side by side (``checkpoint.save('./a')`` and a
CheckpointManager's ``ckpt-N``: seeds 003/004), and its state file names one of them,
often not the one a given script saved (review 24 #1). The doctor diagnoses what the
state file names; with the variables its child reported (object paths, shapes,
dtypes), this says whether the latest checkpoint of another series holds more of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.locations import CheckpointRef, Location, other_series, series_name


@dataclass(frozen=True, slots=True)
class WantedVariable:
    """One variable of the model: the keys it may be saved under (its object path with
    ``/.ATTRIBUTES/VARIABLE_VALUE``, the key it was restored from...), its shape and dtype."""

    keys: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str  # as tf.DType.name spells it ("float32")


@dataclass(frozen=True, slots=True)
class SeriesFit:
    """Which of the wanted variables one checkpoint holds, by key, shape and dtype."""

    prefix: str
    found: tuple[bool, ...]  # one per wanted variable, in their order

    @property
    def matched(self) -> int:
        return sum(self.found)


def index_fit(prefix: str, wanted: list[WantedVariable]) -> SeriesFit | None:
    """Which of ``wanted`` the checkpoint at ``prefix`` holds; None when its index
    cannot be read (missing, truncated, garbled, not a regular file)."""
    try:
        entries = BundleIndex(prefix).entries
    except (CheckpointError, OSError, ValueError):  # what could not be read is never a match, nor an error
        return None
    found = []
    for variable in wanted:
        stored = (entries.get(key) for key in variable.keys)
        found.append(
            any(entry is not None and entry.shape == variable.shape and entry.dtype.name == variable.dtype
                for entry in stored)
        )  # fmt: skip
    return SeriesFit(prefix, tuple(found))


def latest_of_other_series(location: Location, ref: CheckpointRef) -> list[CheckpointRef]:
    """The newest complete, readable-looking checkpoint of each series of ``location``
    other than ``ref``'s (none in a folder of one series, nor outside a TF2 bundle
    folder), in the folder's order."""
    broken = set(location.broken)
    newest: dict[str, CheckpointRef] = {}
    for other in other_series(location, ref):  # oldest first: the last one kept is the newest
        if other.complete and other.prefix not in broken:
            newest[series_name(other.prefix)] = other
    return list(newest.values())


def other_series_fits(others: list[CheckpointRef], wanted: list[WantedVariable]) -> list[SeriesFit]:
    """The fit of each of ``others`` (latest_of_other_series), best first; those whose
    index cannot be read are left out."""
    fits = [fit for other in others if (fit := index_fit(other.prefix, wanted))]
    return sorted(fits, key=lambda fit: -fit.matched)
