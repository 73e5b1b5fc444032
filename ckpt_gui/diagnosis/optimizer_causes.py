"""Optimizer state saved by another optimizer than the user's: another class (the
state lists Keras 3 optimizers keep per variable tell which: Adam's ``_momentums`` and
``_velocities``, SGD's ``momentums``...), or a LossScaleOptimizer (mixed precision),
which keeps its inner optimizer's state under ``optimizer/inner_optimizer/``."""

from __future__ import annotations

import re

from ckpt_gui.core.format.conventions import KERAS_OPTIMIZER_LISTS, is_optimizer_name
from ckpt_gui.diagnosis.cause_facts import Cause, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding

INNER = "inner_optimizer"
# Keras 3 optimizers by the per-variable lists they keep: (required, optional). The
# order breaks ties: RMSprop with momentum keeps the same lists as Adam.
KERAS3_STATE_LISTS = {
    "Adam": ({"_momentums", "_velocities"}, {"_velocity_hats"}),
    "SGD": ({"momentums"}, set()),
    "RMSprop": ({"_velocities"}, {"_momentums", "_average_gradients"}),
    "Adagrad": ({"_accumulators"}, set()),
    "Ftrl": ({"_accumulators", "_linears"}, set()),
    "Adadelta": ({"_accumulated_grads", "_accumulated_delta_vars"}, set()),
    "Adamax": ({"_m", "_u"}, set()),
    "Lion": ({"_momentums"}, set()),
}
# Classes that keep the lists of another (subclasses, variants).
_SAME_LISTS = {"AdamW": "Adam", "Nadam": "Adam", "Lamb": "Adam"}
_STATE_LIST = re.compile(r"^(?P<owner>(?:.*/)?optimi[sz]er(?:/" + INNER + r")?)/(?P<list>[^/]+)/\d+$")


def optimizer_causes(findings: list[RestoreFinding], optimizers: list[dict]) -> list[Cause]:
    """What the checkpoint's optimizer state says against the user's optimizer (one)."""
    if len(optimizers) != 1:
        return []  # none to compare with, or several: which saved what cannot be told from paths
    mine = optimizers[0]
    lists = _saved_lists(findings)
    saved_inner = any(owner.endswith("/" + INNER) for owner in lists)
    wrapped = mine["inner"] is not None
    causes = []
    if saved_inner and not wrapped:
        inner = _saved_class(lists, inner=True)
        causes.append(_loss_scale_cause(findings, inner, mine["class"]))
    elif wrapped and not saved_inner and any(_is_optimizer_state(f) for f in findings):
        causes.append(Cause(
            f"the model's optimizer is a LossScaleOptimizer (mixed precision) around {mine['inner']}, the "
            "checkpoint's was not: its state is not under optimizer/inner_optimizer/ where the wrapped optimizer "
            "looks. Restore with the plain optimizer, then wrap it, or restore the model alone"
        ))  # fmt: skip
    saved = _saved_class(lists, inner=saved_inner)
    used = mine["inner"] if wrapped else mine["class"]
    if saved is not None and not _keeps(used, lists, saved_inner):
        causes.append(_class_change_cause(findings, saved, used))
    return causes


def _saved_lists(findings: list[RestoreFinding]) -> dict[str, set[str]]:
    """The per-variable state lists the checkpoint holds, by the optimizer path owning them."""
    lists: dict[str, set[str]] = {}
    for finding in findings:
        found = _STATE_LIST.match(saved_path(finding) or "")
        if found and found.group("list") not in KERAS_OPTIMIZER_LISTS:
            lists.setdefault(found.group("owner"), set()).add(found.group("list"))
    return lists


def _owned(lists: dict[str, set[str]], inner: bool) -> set[str]:
    return set().union(*(names for owner, names in lists.items() if owner.endswith("/" + INNER) == inner))


def _saved_class(lists: dict[str, set[str]], inner: bool) -> str | None:
    """The first Keras 3 optimizer class that keeps exactly these lists, if any."""
    names = _owned(lists, inner)
    if not names:
        return None
    for name, (required, optional) in KERAS3_STATE_LISTS.items():
        if required <= names <= required | optional:
            return name
    return None


def _keeps(class_name: str, lists: dict[str, set[str]], inner: bool) -> bool:
    """Whether an optimizer of this class keeps the lists saved (unknown classes: assumed so)."""
    known = KERAS3_STATE_LISTS.get(_SAME_LISTS.get(class_name, class_name))
    if known is None:
        return True
    required, optional = known
    names = _owned(lists, inner)
    return required <= names <= required | optional or (class_name == "SGD" and not names)


def _is_optimizer_state(finding: RestoreFinding) -> bool:
    return finding.optimizer and is_optimizer_name(saved_path(finding) or finding.label)


def _loss_scale_cause(findings: list[RestoreFinding], inner: str | None, mine: str) -> Cause:
    saved = inner or "the optimizer"
    wrapped = f"keras.optimizers.{inner}(...)" if inner else "your optimizer"
    note = (
        f"the checkpoint was written with a LossScaleOptimizer (mixed precision): {saved}'s state is saved under "
        f"optimizer/{INNER}/, which the model's plain {mine} does not have. To resume training, create the "
        f"optimizer the same way: keras.optimizers.LossScaleOptimizer({wrapped}) (what model.compile does under "
        "keras.mixed_precision.set_global_policy('mixed_float16')); for inference, restore the model alone"
    )
    explains = {}
    for i, f in enumerate(findings):
        if f"/{INNER}/" in (saved_path(f) or "") and f.optimizer:
            explains[i] = f"saved by the LossScaleOptimizer's inner {saved}; see the notes"
        elif _is_optimizer_state(f) and f.status.value != "consumed":
            explains[i] = f"state of the plain {mine}: the checkpoint has it under optimizer/{INNER}/; see the notes"

    return Cause(note, explains)


def _class_change_cause(findings: list[RestoreFinding], saved: str, used: str) -> Cause:
    note = (
        f"optimizer state saved by {saved}, restoring into {used}: {used} keeps other values per variable, so "
        f"{saved}'s cannot be restored into it. To resume training as it was, create a keras.optimizers.{saved}; "
        f"to switch to {used}, restore the model alone (tf.train.Checkpoint(model=model)) and let {used} start "
        "afresh"
    )
    explains = {
        i: f"optimizer state of {saved}, restoring into {used}; see the notes"
        for i, f in enumerate(findings)
        if _is_optimizer_state(f) and f.status.value != "consumed"
    }
    return Cause(note, explains)
