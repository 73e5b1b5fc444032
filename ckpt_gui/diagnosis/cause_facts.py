"""What the cause detectors (causes.py) share: a cause, and where a finding sits on
either side (the saved object graph, the user's model)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ckpt_gui.core.format.conventions import is_optimizer_name, without_attributes
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding

_MATCHED = (RestoreStatus.CONSUMED, RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT)


@dataclass(frozen=True, slots=True)
class Cause:
    """One cause, its note, and the findings it explains (index -> their suggestion)."""

    note: str
    explains: dict[int, str] = field(default_factory=dict)


def saved_path(finding: RestoreFinding) -> str | None:
    """Where a checkpoint value sits in the saved object graph (None: a model-only variable).
    A matched value sits where the model's variable does: they were matched by path."""
    if finding.checkpoint_key is None:
        return None
    if finding.checkpoint_path:  # TensorFlow bound it elsewhere than where it was saved
        return finding.checkpoint_path
    if finding.status in _MATCHED and finding.model_path:
        return finding.model_path
    return without_attributes(finding.checkpoint_key)


def model_side(finding: RestoreFinding) -> str | None:
    """The model's path of a variable of the user's (None: a checkpoint-only value)."""
    if finding.status in (RestoreStatus.UNMATCHED, RestoreStatus.DEFERRED):
        return None
    return finding.model_path


def layer_position(path: str) -> tuple[str, int, str] | None:
    """``model/_functional/_operations/3/_kernel`` -> (``model/_functional/_operations/``,
    3, ``_kernel``); ``model/layer_with_weights-0/bias`` -> (``model/layer_with_weights-``,
    0, ``bias``): the list a layer sits in, its position, and the weight's own name."""
    found = re.search(r"^(?P<list>(?:.*/)?(?:[^/]*-|[^/]+/))(?P<index>\d+)/(?P<rest>.+)$", path)
    if found is None or is_optimizer_name(path):
        return None
    return found.group("list"), int(found.group("index")), found.group("rest")
