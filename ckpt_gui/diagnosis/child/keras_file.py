"""A Keras weights file's contents, read with h5py (which TensorFlow depends on):
every weight with its HDF5 path, shape and dtype, and its value on request.

Two layouts, whatever the file is named: Keras 3 (``layers/dense_1/vars/0``: a
``vars`` group per object, its weights numbered in the order the object loads them)
and Keras 2 (``<layer>/<layer>/<weight>:0``, the layers listed in the root's
``layer_names`` attribute and each layer's weights in its ``weight_names``; in a
whole-model file under ``model_weights/``). A ``.keras`` archive holds a Keras 3
``model.weights.h5``; it is read from the zip, nothing else of it is opened.
"""

from __future__ import annotations

import zipfile

from .keras_kind import KERAS3_ARCHIVE

ARCHIVE_WEIGHTS = "model.weights.h5"  # the weights inside a .keras archive
KERAS3, KERAS2 = "keras3", "keras2"


class KerasWeightsFile:
    """The open file (a context manager). ``layout`` is KERAS3 or KERAS2; ``weights``
    maps each weight's path to ``(shape, dtype)``; ``groups`` (Keras 3) maps each
    ``vars`` group's path to its weights' paths, by number; ``layers`` (Keras 2) lists
    ``(layer name, [weight paths])`` in the file's order, layers without weights left out."""

    def __init__(self, path: str, kind: str) -> None:
        import h5py  # the child's own, which came with its TensorFlow

        self._archive = zipfile.ZipFile(path) if kind == KERAS3_ARCHIVE else None
        self._inner = self._archive.open(ARCHIVE_WEIGHTS) if self._archive is not None else None
        self._file = h5py.File(self._inner if self._inner is not None else path, "r")
        root = self._file
        if "layer_names" not in root.attrs and "model_weights" in root:
            root = root["model_weights"]  # a whole Keras 2 model file (model.save("x.h5"))
        self.root = root
        self.layout = KERAS2 if "layer_names" in root.attrs else KERAS3
        self.weights: dict[str, tuple[list[int], str]] = {}
        self.groups: dict[str, list[str]] = {}
        self.layers: list[tuple[str, list[str]]] = []
        if self.layout == KERAS3:
            self._read_keras3(h5py)
        else:
            self._read_keras2()

    def __enter__(self) -> KerasWeightsFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()
        if self._inner is not None:
            self._inner.close()
        if self._archive is not None:
            self._archive.close()

    def value(self, key: str):
        """The weight's value as numpy holds it (bfloat16 as Keras reads it)."""
        import numpy as np

        dataset = self._file[key]
        if dataset.attrs.get("dtype") == "bfloat16":
            import ml_dtypes  # Keras 3 depends on it

            return np.array(dataset, dtype=ml_dtypes.bfloat16)
        return np.asarray(dataset[()])

    def _read_keras3(self, h5py) -> None:
        found: list[tuple[str, object]] = []
        self._file.visititems(lambda name, obj: found.append((name, obj)))
        for name, obj in found:
            if isinstance(obj, h5py.Dataset) and name.rpartition("/")[0].rpartition("/")[2] == "vars":
                self.weights[name] = _described(obj)
        for name in self.weights:
            group = name.rpartition("/")[0]
            self.groups.setdefault(group, []).append(name)
        for names in self.groups.values():
            names.sort(key=lambda n: _number(n.rpartition("/")[2]))

    def _read_keras2(self) -> None:
        prefix = self.root.name.strip("/")
        for layer in _names(self.root.attrs, "layer_names"):
            group = self.root[layer]
            paths = [f"{prefix}/{layer}/{w}".lstrip("/") for w in _names(group.attrs, "weight_names")]
            if not paths:
                continue  # load_weights_from_hdf5_group skips these too
            for path in paths:
                self.weights[path] = _described(self._file[path])
            self.layers.append((layer, paths))


def _described(dataset) -> tuple[list[int], str]:
    dtype = "bfloat16" if dataset.attrs.get("dtype") == "bfloat16" else dataset.dtype.name
    return [int(d) for d in dataset.shape], dtype


def _names(attrs, name: str) -> list[str]:
    """An attribute list, also when HDF5's header limit made Keras split it into
    ``name0``, ``name1``... (load_attributes_from_hdf5_group)."""
    if name in attrs:
        chunks = [attrs[name]]
    else:
        chunks, n = [], 0
        while f"{name}{n}" in attrs:
            chunks.append(attrs[f"{name}{n}"])
            n += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for chunk in chunks for v in chunk]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 1 << 30
