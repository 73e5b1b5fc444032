"""What the child reads of a user's variable, and how a matched pair is judged."""

from __future__ import annotations


def is_variable(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "assign")


def variable_name(variable) -> str:
    name = getattr(variable, "path", None) or variable.name
    return name[:-2] if name.endswith(":0") else name


def shape_of(obj) -> list[int]:
    return [int(d) if d is not None else -1 for d in list(obj.shape)]


def dtype_of(obj) -> str:
    dtype = obj.dtype
    name = getattr(dtype, "name", None) or str(dtype)
    return name[:-4] if name.endswith("_ref") else name


def compare(entry: dict, obj) -> None:
    """Give a matched checkpoint value (``entry``, with its checkpoint shape and dtype)
    the object's shape and dtype and the status they make."""
    if not is_variable(obj):
        entry["status"] = "consumed"  # iterators, tables, Python state: restorable, no shape to compare
        entry["model_shape"] = entry["checkpoint_shape"]
        entry["model_dtype"] = entry["checkpoint_dtype"]
        return
    entry["model_shape"] = shape_of(obj)
    entry["model_dtype"] = dtype_of(obj)
    if entry["model_shape"] != entry["checkpoint_shape"]:
        entry["status"] = "shape_conflict"
    elif entry["model_dtype"] != entry["checkpoint_dtype"]:
        entry["status"] = "dtype_conflict"
    else:
        entry["status"] = "consumed"
