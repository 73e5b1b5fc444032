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
    judge(entry)


def judge(entry: dict) -> None:
    """The status a matched pair's shapes and dtypes (both in ``entry``) make."""
    if entry["model_shape"] != entry["checkpoint_shape"]:
        entry["status"] = "shape_conflict"
    elif entry["model_dtype"] != entry["checkpoint_dtype"]:
        entry["status"] = "dtype_conflict"
    else:
        entry["status"] = "consumed"


def slice_info(variable):
    """A partition's place in its whole variable (tf.compat.v1 partitioners), or None."""
    return getattr(variable, "_save_slice_info", None)


def saver_names(variables) -> dict:
    """The names a TF1 Saver gives ``variables``: a partition is saved under its whole
    variable's name (``embedding/table``, with a slice spec), not its own op name
    (``embedding/table/part_0``); the parts of one variable are grouped in a list, as
    tf.compat.v1.train.Saver groups them, so a variable saved in 4 parts restores into
    2 (TensorFlow reads each part's slice of the whole)."""
    named: dict = {}
    for variable in variables:
        info = slice_info(variable)
        if info is None:
            named[variable_name(variable)] = variable
        else:
            named.setdefault(info.full_name, []).append(variable)
    return named


def whole_shape(value) -> list[int]:
    """A variable's shape, or the whole shape of a partitioned one (a list of its parts)."""
    if isinstance(value, list):
        return [int(d) for d in slice_info(value[0]).full_shape]
    return shape_of(value)


def whole_dtype(value) -> str:
    return dtype_of(value[0] if isinstance(value, list) else value)
