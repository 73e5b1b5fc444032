"""Writing one tensor to a ``.npy`` file."""

from __future__ import annotations

import numpy as np

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.write_guard import Protected, check_output, write_file

_ATTRIBUTE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def resolve_key(ckpt: Checkpoint, name: str) -> str:
    """A checkpoint key from what the user typed: the key itself, an object path
    (``model/dense1/_kernel``) or a key without its ``/.ATTRIBUTES/VARIABLE_VALUE``."""
    entries = ckpt.index.entries
    if name in entries:
        return name
    if name + _ATTRIBUTE_SUFFIX in entries:
        return name + _ATTRIBUTE_SUFFIX
    for variable in ckpt.variables:
        if name in variable.object_paths:
            return variable.key
    close = [v.key for v in ckpt.variables if name.rsplit("/", 1)[-1] in v.key][:3]
    hint = f"; similar: {', '.join(close)}" if close else ""
    raise CheckpointError(ckpt.index.index_path, f"no tensor with key or object path {name!r}{hint}")


def npy_path(output: str) -> str:
    """The file ``np.save(output)`` writes: numpy appends ``.npy`` to a name without it.
    Decided here, once, so that what is reported is the file actually written."""
    return output if output.endswith(".npy") else output + ".npy"


def export_npy(ckpt: Checkpoint, key: str, output: str) -> tuple[str, str | None]:
    """Write the tensor to ``output`` (``.npy`` appended when missing); return the path
    written and a note when the dtype had to change to fit .npy. Refused, before any
    file is opened, when the path is or resolves into the checkpoint (see write_guard)."""
    protected = Protected.of(ckpt)
    output = npy_path(output)
    check_output(output, protected)  # before reading: a refusal should not wait for a large read
    value, note = npy_compatible(ckpt.read(key), ckpt.variable(key).dtype.name)
    written = write_file(output, protected, lambda f: np.save(f, value, allow_pickle=False))
    return written, note


def npy_compatible(value: np.ndarray, dtype_name: str) -> tuple[np.ndarray, str | None]:
    """``.npy`` has no bfloat16/float8/int4 and pickles strings: widen exactly instead."""
    kind = value.dtype.kind
    if kind == "O":
        if value.size and not isinstance(value.reshape(-1)[0], bytes):
            raise CheckpointError(dtype_name, f"a {dtype_name} tensor cannot be written to .npy")
        return np.array(value.tolist(), dtype=bytes).reshape(value.shape), None
    if kind == "V":  # ml_dtypes
        if "int" in value.dtype.name:
            wide = np.int8 if value.dtype.name.startswith("int") else np.uint8
        else:
            wide = np.float32
        return value.astype(wide), f"{dtype_name} has no .npy type; wrote {np.dtype(wide).name} (exact)"
    return value, None
