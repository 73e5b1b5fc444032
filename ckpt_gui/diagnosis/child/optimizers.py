"""The optimizers among the user's objects, by class: the parent compares them with
the optimizer state the checkpoint holds (another class, a LossScaleOptimizer)."""

from __future__ import annotations


def user_optimizers(tf, target: dict) -> list[dict]:
    """``[{"class": "SGD", "inner": None, "built": True}, ...]``: each optimizer reachable
    from the restore's root; ``inner`` is the class a LossScaleOptimizer wraps."""
    root = target.get("root")
    if root is None:
        return []
    try:
        objects = tf.train.TrackableView(root).descendants()
    except Exception:  # noqa: BLE001 - objects that cannot be listed hold no optimizer we can name
        return []
    optimizers = [obj for obj in objects if _is_optimizer(obj)]
    wrapped = {id(getattr(obj, "inner_optimizer", None)) for obj in optimizers}
    return [_described(obj) for obj in optimizers if id(obj) not in wrapped]


def _described(optimizer) -> dict:
    inner = getattr(optimizer, "inner_optimizer", None)
    return {
        "class": type(optimizer).__name__,
        "inner": type(inner).__name__ if _is_optimizer(inner) else None,
        "built": bool(getattr(optimizer, "built", True)),
    }


def _is_optimizer(obj) -> bool:
    """Keras 3, tf_keras and legacy optimizers all have these."""
    return obj is not None and callable(getattr(obj, "apply_gradients", None)) and hasattr(obj, "iterations")
