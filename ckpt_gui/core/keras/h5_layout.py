"""The datasets of a Keras HDF5 weights file, as records: where each one's bytes are.

Three layouts (read with h5py; nothing in them is executed):

- Keras 3 (``model.save_weights('x.weights.h5')`` and the ``model.weights.h5`` of a
  ``.keras`` archive): ``layers/<layer>/vars/<i>`` (nested models and RNN cells nest
  further: ``layers/<model>/layers/<layer>/vars/<i>``, ``layers/lstm/cell/vars/<i>``),
  ``optimizer/vars/<i>``, and the ``vars`` groups carry the object's ``name``.
- Keras 2 full model (``tf_keras`` ``model.save('x.h5')``): ``model_weights/<layer>/...``
  with the root's ``layer_names`` and each layer's ``weight_names`` attributes, and
  ``optimizer_weights`` with its own ``weight_names``.
- Keras 2 weights only (``model.save_weights('x.h5')``): the same at the root.

A dataset stored contiguously and uncompressed, in little-endian order, has a byte
offset in the file (``dataset.id.get_offset()``): its values are read from there like
a bundle's (chunked, parallel, memory-mapped). Any other (chunked, compressed,
big-endian, not allocated) is read through h5py, whole, within a size bound.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import h5py
import numpy as np

from ckpt_gui.core.format.dtypes import _TABLE, DType, dtype_from_enum

# numpy's spelling of a little-endian type -> TensorFlow's DType (ml_dtypes types excluded:
# HDF5 has no bfloat16, Keras writes them widened).
_BY_NUMPY = {spec: dtype_from_enum(enum) for enum, (_name, spec, _size) in _TABLE.items() if spec and enum < 20}
_BY_NUMPY["|b1"] = dtype_from_enum(10)
_BFLOAT16 = dtype_from_enum(14)


@dataclass(frozen=True, slots=True)
class StoredDataset:
    """One weight dataset: its h5 path (the key), type, shape and where its bytes are."""

    key: str
    dtype: DType
    shape: tuple[int, ...]
    offset: int | None  # in the HDF5 file; None: read through h5py
    size: int  # bytes of its values
    names: tuple[str, ...] = ()  # Keras 2: the readable weight name, from ``weight_names``
    shard: int = 0  # sharded Keras 3 weights (``x.weights.json``): which of its HDF5 files


def dataset_record(key: str, ds: h5py.Dataset) -> StoredDataset | None:
    """The record of one dataset, None for what holds no numbers (strings, objects)."""
    np_dtype = ds.dtype
    spec = np_dtype.str
    swapped = spec[0] == ">"
    dtype = _BY_NUMPY.get("<" + spec[1:] if swapped else spec)
    if spec == "|V2" and attribute_text(ds, "dtype") == "bfloat16":
        dtype = _BFLOAT16  # Keras 3 stores bfloat16 as 2 opaque bytes, marked so (H5IOStore)
    if dtype is None:
        return None
    shape = tuple(int(d) for d in ds.shape)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    offset = None
    if not swapped and ds.chunks is None and ds.compression is None and not ds.id.get_create_plist().get_nfilters():
        offset = ds.id.get_offset()  # None when the storage was never allocated
    return StoredDataset(key, dtype, shape, offset, size)


def layout_of(f: h5py.File) -> str:
    """ "keras3-weights", "keras2-h5" (full model or weights only), or "" (no Keras weights)."""
    if "model_weights" in f and "layer_names" in f["model_weights"].attrs:
        return "keras2-h5"
    if "layer_names" in f.attrs:
        return "keras2-h5"
    if any(name in f for name in ("layers", "vars", "optimizer")):
        return "keras3-weights"
    return ""


def keras3_datasets(f: h5py.File, skipped: list[str]) -> list[StoredDataset]:
    """Every numeric dataset, in the file's (name) order; Keras 3 names them by index.
    The others (strings, compound types) are named in ``skipped``."""
    found: list[StoredDataset] = []

    def visit(name: str, obj) -> None:
        if isinstance(obj, h5py.Dataset):
            record = dataset_record(name, obj)
            if record is not None:
                found.append(record)
            else:
                skipped.append(f"{name} ({obj.dtype})")

    f.visititems(visit)
    return found


def keras2_datasets(f: h5py.File) -> list[StoredDataset]:
    """The model's weights in ``layer_names`` / ``weight_names`` order (the order
    ``load_weights`` assigns them), then the optimizer's, each with its readable name."""
    root = f.get("model_weights", f)
    prefix = "model_weights/" if "model_weights" in f else ""
    found = []
    for layer in _texts(root.attrs.get("layer_names")):
        group = root.get(layer)
        if not isinstance(group, h5py.Group):
            continue
        for weight in _texts(group.attrs.get("weight_names")):
            found += _named(group, weight, f"{prefix}{layer}/{weight}", _readable(layer, weight))
    optimizer = f.get("optimizer_weights")
    if isinstance(optimizer, h5py.Group):
        for weight in _texts(optimizer.attrs.get("weight_names")):
            found += _named(optimizer, weight, f"optimizer_weights/{weight}", ("optimizer", weight.removesuffix(":0")))
    return found


def _named(group: h5py.Group, weight: str, key: str, names: tuple[str, ...]) -> list[StoredDataset]:
    ds = group.get(weight)
    record = dataset_record(key, ds) if isinstance(ds, h5py.Dataset) else None
    return [] if record is None else [dataclasses.replace(record, names=names)]


def _readable(layer: str, weight: str) -> tuple[str, ...]:
    """``conv`` + ``conv/kernel:0`` -> (conv, kernel): the layer, then the weight's own
    name (its layer prefix and the ``:0`` output index dropped). Keras 3's
    ``model.save('x.h5')`` names weights by their path from the model
    (``sequential_1/d1/kernel``): the model's part goes too, (d1, kernel) as its
    ``.weights.h5`` names them (review 12: ``d1/sequential_1/d1/kernel``)."""
    name = weight.removesuffix(":0")
    if name.startswith(layer + "/"):
        name = name.removeprefix(layer + "/")
    elif name.count("/") == 2 and name.split("/")[1] == layer:
        name = name.split("/")[2]
    return (layer, *name.split("/"))


def _texts(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (bytes, str)):
        values = [values]
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def attribute_text(obj, name: str) -> str:
    value = obj.attrs.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""
