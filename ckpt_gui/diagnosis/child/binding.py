"""TensorFlow's own binding of checkpoint nodes to the user's objects, recorded.

TensorFlow's restore walks the checkpoint's object graph breadth-first, in the
graph's child order, and binds each node to the first object it reaches it with
(``CheckpointPosition.bind_object``); a Keras 3 optimizer is reached through its
``_variables`` list first, by position. Rather than re-implement that walk, the
doctor records it: while TensorFlow's restore runs, every binding it makes is noted.
Bindings made later by a deferred restore (an optimizer built at its first step) are
recorded too, as long as the recorder is open.

This touches TensorFlow internals. Where they are not found (another TensorFlow
version), ``BindingRecorder.available`` is False and the doctor falls back to its
own walk (objects.py), and says so in the report. The environment variable
CKPT_GUI_DOCTOR_BINDING=walk forces that fallback (the tests use it).
"""

from __future__ import annotations

import contextlib
import importlib
import os

# Where TensorFlow kept CheckpointPosition over the versions the doctor supports.
_POSITION_MODULES = (
    "tensorflow.python.checkpoint.restore",  # 2.11 and later
    "tensorflow.python.trackable.base",  # 2.9, 2.10
    "tensorflow.python.training.tracking.base",  # older
)
FORCE_FALLBACK_ENV = "CKPT_GUI_DOCTOR_BINDING"


def _position_class():
    if os.environ.get(FORCE_FALLBACK_ENV) == "walk":
        return None
    for name in _POSITION_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not in this version
            continue
        position = getattr(module, "CheckpointPosition", None)
        if position is not None and callable(getattr(position, "bind_object", None)):
            return position
    return None


class BindingRecorder:
    """A context manager: inside it, every node TensorFlow binds is recorded in
    ``bound`` (node id -> object, the first binding, which is the one TensorFlow
    keeps) and ``order`` (node ids in the order TensorFlow bound them)."""

    def __init__(self) -> None:
        self._position = _position_class()
        self._original = None
        self.bound: dict[int, object] = {}
        self.order: list[int] = []
        self._coordinator = None  # the restore being recorded: bindings of others are not ours

    @property
    def available(self) -> bool:
        return self._position is not None

    def __enter__(self) -> BindingRecorder:
        if self._position is None:
            return self
        original = self._original = self._position.bind_object
        recorder = self

        def bind_object(position, *args, **kwargs):
            new = original(position, *args, **kwargs)
            with contextlib.suppress(Exception):  # recording must never change what TensorFlow does
                recorder._note(position, args[0] if args else kwargs.get("trackable"))
            return new

        self._position.bind_object = bind_object
        return self

    def __exit__(self, *exc_info) -> None:
        if self._original is not None:
            self._position.bind_object = self._original
            self._original = None

    def _note(self, position, trackable) -> None:
        coordinator = position.checkpoint
        if self._coordinator is None:
            self._coordinator = coordinator
        if coordinator is not self._coordinator or trackable is None:
            return
        node_id = position.proto_id
        if node_id not in self.bound:
            self.bound[node_id] = trackable
            self.order.append(node_id)
