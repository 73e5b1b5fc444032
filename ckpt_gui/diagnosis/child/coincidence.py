"""Restored, or only equal? A restore that raised stopped part-way (TensorFlow's
object-based restore stops at its first error; Keras's load_weights skips the object
that failed, all its variables with it). A variable it did not reach still holds its
initial value, and when the checkpoint's value is that same value (a bias saved
before training: zeros) reading it back cannot tell "restored" from "left alone".

Those few variables are told apart by doing it again: each is given a value unlike the
checkpoint's, the same restore call runs once more (it assigns what it assigned the
first time and stops where it stopped), and whatever then holds the checkpoint's value
again was assigned by it. Every such variable is given back the value it held. Only
runs when the call raised: a second restore then, nothing otherwise.
"""

from __future__ import annotations

import contextlib


def settle_coincidences(entries: list[dict], rerun, value_of) -> None:
    """Set ``restored`` of the ``entries`` that held the checkpoint's value only by
    coincidence to False. ``rerun()`` runs the restore call again (it may raise);
    ``value_of(entry)`` is the checkpoint's value for an entry."""
    import numpy as np  # the child's numpy, which came with its TensorFlow

    held = {}
    for entry in entries:
        obj = entry.get("_object")
        if entry.get("restored") is not True or isinstance(obj, list) or not hasattr(obj, "assign"):
            continue
        try:
            value = np.asarray(obj.numpy())
            other = _unlike(value)
            if other is None:
                continue
            obj.assign(other)
            held[id(entry)] = (entry, obj, value)
        except Exception:  # noqa: BLE001 - a variable that cannot be written keeps its verdict
            continue
    if not held:
        return
    with contextlib.suppress(Exception):  # it raised the first time too: that is the point
        rerun()
    for entry, obj, value in held.values():
        try:
            again = np.asarray(obj.numpy())
            expected = np.asarray(value_of(entry)).astype(again.dtype)
            entry["restored"] = bool(np.array_equal(again, expected, equal_nan=again.dtype.kind in "fc"))
        except Exception:  # noqa: BLE001 - cannot be read back: unknown
            entry["restored"] = None
        finally:
            obj.assign(value)  # as the first call left it


def _unlike(value):
    """A value of the same shape and dtype that differs from ``value`` everywhere, or None."""

    kind = value.dtype.kind
    if kind == "b":
        return ~value
    if kind in "iuf":
        return (value == 0).astype(value.dtype)  # 1 where it is 0, 0 elsewhere (and where NaN)
    if kind == "c":
        return (value == 0).astype(value.dtype)
    return None
