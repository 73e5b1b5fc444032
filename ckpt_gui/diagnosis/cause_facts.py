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


def layer_place(layers: str, number: int) -> str:
    """The name of the layer at ``number`` in the list ``layers`` (layer_position's)."""
    return layers[:-1] if number == 0 and layers.endswith("_") else f"{layers}{number}"


def model_side(finding: RestoreFinding) -> str | None:
    """The model's path of a variable of the user's (None: a checkpoint-only value)."""
    if finding.status in (RestoreStatus.UNMATCHED, RestoreStatus.DEFERRED):
        return None
    return finding.model_path


# A Keras 3 weights file numbers each class's layers in a list by a suffix: layers/dense,
# layers/dense_1, layers/dense_2 (a list ``layers/dense_``, positions 0, 1, 2).
_KERAS3_FILE = re.compile(r"^(?P<list>(?:.*/)?[^/]*?[^/_\d])(?:_(?P<index>\d+))?/(?P<rest>vars/\d+)$")


def layer_position(path: str) -> tuple[str, int, str] | None:
    """``model/_functional/_operations/3/_kernel`` -> (``model/_functional/_operations/``,
    3, ``_kernel``); ``model/layer_with_weights-0/bias`` -> (``model/layer_with_weights-``,
    0, ``bias``); ``layers/dense_1/vars/0`` (a Keras 3 weights file) -> (``layers/dense_``, 1,
    ``vars/0``): the list a layer sits in, its position, and the weight's own name."""
    keras3 = _KERAS3_FILE.match(path)
    if keras3 is not None and not is_optimizer_name(path):
        return keras3.group("list") + "_", int(keras3.group("index") or 0), keras3.group("rest")
    found = re.search(r"^(?P<list>(?:.*/)?(?:[^/]*-|[^/]+/))(?P<index>\d+)/(?P<rest>.+)$", path)
    if found is None or is_optimizer_name(path):
        return None
    return found.group("list"), int(found.group("index")), found.group("rest")
