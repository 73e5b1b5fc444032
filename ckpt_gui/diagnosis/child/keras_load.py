"""Keras's own ``model.load_weights(FILE)``, run once, with what it did recorded.

Its verdict (it loads, or what it raised, and what it warned) is the report's, as
TensorFlow's is for a checkpoint. For Keras 3 weights files (``.weights.h5``,
``.keras``) the load is also the pairing: Keras walks the model and each object asks
the file for the group at its path (``layers/dense_1``) and loads its weights from it
by number. Rather than re-implement that walk, the doctor records it: while the load
runs, the store Keras opens is a subclass of its own ``H5IOStore`` that notes, at each
request, the object asking (the caller's ``saveable``) and the group it got. These are
Keras internals; where they are not found (another Keras), ``recorded`` is None.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
import warnings

from .protocol import first_lines

RAISED = "load_weights() raised"
_VALUE_DUMP = re.compile(r", value=[^>]*>")  # Keras prints whole variables in its errors


class LoadRecord:
    """``visits``: ``(object, the path it asked for, the vars group it got or None)``
    in the order Keras asked; None when the walk could not be recorded."""

    def __init__(self) -> None:
        self.visits: list[tuple[object, str, str | None]] | None = None
        self.verdict = {"verdict": "not run", "message": ""}
        self.warnings: list[str] = []


def load_as_keras_does(model, path: str, record_walk: bool) -> LoadRecord:
    record = LoadRecord()
    saving_lib = _saving_lib(model) if record_walk else None
    with _recording(saving_lib, record), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
            record.verdict = {"verdict": "load_weights() passed", "message": ""}
        except Exception as exc:  # noqa: BLE001 - Keras's verdict, whatever it raised
            message = _VALUE_DUMP.sub(">", f"{type(exc).__name__}: {exc}")
            record.verdict = {"verdict": RAISED, "message": first_lines(message)}
    skipped = [str(w.message) for w in caught if "Skipping variable loading" in str(w.message)]
    record.warnings = [first_lines(text, 400) for text in skipped]
    return record


def _saving_lib(model):
    """Keras 3's saving_lib, if the model is a Keras 3 model and it has what is recorded."""
    if not is_keras3(model):
        return None
    try:
        module = importlib.import_module("keras.src.saving.saving_lib")
    except ImportError:
        return None
    store = getattr(module, "H5IOStore", None)
    return module if isinstance(store, type) and callable(getattr(store, "get", None)) else None


def is_keras3(model) -> bool:
    """A model of Keras 3's classes (a subclass defined in the user's script included)."""
    return any(cls.__module__.startswith("keras.") for cls in type(model).__mro__)


@contextlib.contextmanager
def _recording(saving_lib, record: LoadRecord):
    if saving_lib is None:
        yield
        return
    original = saving_lib.H5IOStore
    visits: list = []

    class RecordingStore(original):
        def get(self, path):
            result = super().get(path)
            with contextlib.suppress(Exception):  # recording must never change what Keras does
                caller = sys._getframe(1).f_locals  # noqa: SLF001 - _load_state's frame: who asks
                group = getattr(self._h5_entry_group, "name", None)
                visits.append((caller.get("saveable"), path, group.strip("/") if group else None))
            return result

    saving_lib.H5IOStore = RecordingStore
    try:
        yield
    finally:
        saving_lib.H5IOStore = original
    record.visits = visits if all(obj is not None for obj, _path, _group in visits) else None
