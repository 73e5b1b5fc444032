"""Writing one tensor to a ``.npy`` file (``.npz`` for strings ``.npy`` cannot hold exactly)."""

from __future__ import annotations

import os
import re

from ckpt_gui.core.checkpoint import Checkpoint, slot_names
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.conventions import OPTIMIZER_SLOT, VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.format.errors import CheckpointError, shown_path
from ckpt_gui.core.write_guard import Protected, check_output, write_file


def resolve_key(ckpt: Checkpoint, name: str) -> str:
    """A checkpoint key from what the user typed or pasted: any name the product prints
    for a variable. The key itself, a key without its ``/.ATTRIBUTES/VARIABLE_VALUE``,
    an object path (``model/dense1/_kernel``, ``optimizer/_momentums/0``), or an
    optimizer slot's name by its variable (``model/.../1/_kernel/momentum``: the tree,
    ``inspect``, ``diff`` and the doctor name a slot so; review 21 #8), a legacy slot's
    with ``.OPTIMIZER_SLOT`` before the slot's name too (the doctor's model path of it)."""
    entries = ckpt.index.entries
    if name in entries:
        return name
    if name + VARIABLE_VALUE_SUFFIX in entries:
        return name + VARIABLE_VALUE_SUFFIX
    for variable in ckpt.variables:
        if name in variable.object_paths:
            return variable.key
    slots = slot_names(ckpt)
    # The doctor names a legacy optimizer's slot in the model ``.../kernel/.OPTIMIZER_SLOT/m``.
    slot_name = name.replace(f"/{OPTIMIZER_SLOT}/", "/")
    for key, shown in slots.items():
        if shown == slot_name:
            return key
    if ckpt.graph_error is not None:  # not "no tensor": its name cannot be looked up (review 23 #6)
        lost = ckpt.graph_error
        raise CheckpointError(
            ckpt.index.index_path,
            f"{name!r} is not a key, and object paths and slot names cannot be looked up: the object graph "
            f"cannot be read ({shown_path(os.path.basename(lost.path))}: {lost.problem}); name the tensor by its "
            "key (`ckpt-gui inspect` lists them)",
        )
    last = name.rsplit("/", 1)[-1]
    shown = {v.key: slots.get(v.key) or v.display_path for v in ckpt.variables if not v.is_object_graph}
    close = [text for key, text in shown.items() if last in key or last in text][:3]
    hint = f"; similar: {', '.join(close)}" if close else ""
    raise CheckpointError(
        ckpt.index.index_path, f"no tensor with key, object path or slot name {name!r} (see `ckpt-gui inspect`){hint}"
    )


def npy_path(output: str) -> str:
    """The file ``np.save(output)`` writes: numpy appends ``.npy`` to a name without it.
    Decided here, once, so that what is reported is the file actually written."""
    return output if output.endswith((".npy", ".npz")) else output + ".npy"


def export_npy(ckpt: Checkpoint, key: str, output: str, also: Protected | None = None) -> tuple[str, str | None]:
    """Write the tensor to ``output`` (``.npy`` appended when missing); return the path
    written and a note when the dtype or the file format had to change to hold the
    value exactly. Refused, before any file is opened, when the path is or resolves
    into the checkpoint, or into what ``also`` protects (see write_guard)."""
    protected = Protected.of(ckpt) if also is None else Protected.of(ckpt).joined(also)
    output = npy_path(output)
    check_output(output, protected)  # before reading: a refusal should not wait for a large read
    value = ckpt.read(key)
    dtype_name = ckpt.variable(key).dtype.name
    arrays, output, note = _npz_or_npy(value, dtype_name, output)
    if arrays is not None:
        written = write_file(output, protected, lambda f: np.savez(f, allow_pickle=False, **arrays))
    else:
        value, note = npy_compatible(value, dtype_name)
        written = write_file(output, protected, lambda f: np.save(f, value, allow_pickle=False))
    return written, note


def _npz_or_npy(value: np.ndarray, dtype_name: str, output: str) -> tuple[dict | None, str, str | None]:
    """``(arrays for np.savez, path, note)``, or ``(None, path, None)`` when the .npy
    asked for holds the value exactly. Strings go to .npz when asked, or when an element
    ends in NUL bytes: numpy's fixed-width ``S`` type strips them (TF2 object graphs end
    in ``\\0``), and an object array would be a pickle."""
    if value.dtype.kind != "O":
        if output.endswith(".npz"):
            widened, note = npy_compatible(value, dtype_name)
            return {"value": widened}, output, note
        return None, output, None
    elements = value.reshape(-1).tolist()
    if elements and not isinstance(elements[0], bytes):
        raise CheckpointError(dtype_name, f"a {dtype_name} tensor cannot be written to .npy")
    if output.endswith(".npy") and not any(e.endswith(b"\0") for e in elements):
        return None, output, None
    arrays = {
        "data": np.frombuffer(b"".join(elements), dtype=np.uint8),
        "lengths": np.array([len(e) for e in elements], dtype=np.int64).reshape(value.shape),
    }
    if output.endswith(".npz"):
        return arrays, output, None
    npz = output[: -len(".npy")] + ".npz"
    note = (
        "a string ends in NUL bytes, which .npy's fixed-width strings drop; wrote "
        f"{os.path.basename(npz)} instead (data: uint8 bytes, lengths: int64 per element)"
    )
    return arrays, npz, note


def read_strings(npz_path: str) -> np.ndarray:
    """The string tensor :func:`export_npy` wrote to ``.npz``, as an object array of bytes."""
    with np.load(npz_path, allow_pickle=False) as npz:
        data = npz["data"].tobytes()
        lengths = npz["lengths"]
    ends = np.cumsum(lengths.reshape(-1), dtype=np.int64).tolist()
    starts = [0, *ends][: len(ends)]
    out = np.empty(lengths.size, dtype=object)
    out[:] = [data[a:b] for a, b in zip(starts, ends, strict=True)]
    return out.reshape(lengths.shape)


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


def export_name(path: str, ending: str = ".npy") -> str:
    """The file name offered for a variable's ``.npy``: its path's names joined by one
    underscore, their own leading underscores dropped (``model/_functional/_operations/1/bias``
    gives ``model_functional_operations_1_bias.npy``, not ``model__functional__...``);
    ``ending``: for another export of it (its histogram: ``..._bias_histogram.png``)."""
    names = [name.strip("_") for name in re.split(r"[/\\:]", path)]
    return ("_".join(name for name in names if name) or "tensor") + ending
