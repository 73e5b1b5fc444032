"""A cached property whose lock is its instance's, not its class's.

``functools.cached_property`` (Python 3.8 to 3.11) computes under ONE lock per class
attribute, shared by every instance. A getter that reads a file can block for good (a
stuck NFS or FUSE mount): while one checkpoint's object graph waited for its data file,
every other checkpoint's object graph waited for that lock, so one stuck read held every
later open, comparison and doctor run (review 15, M1). Here each instance has its own
lock per attribute: two threads asking for the same instance's value still compute it
once (an object graph of 200,000 variables is worth not decoding twice), and other
instances never wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from threading import RLock
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

_LOCK_SUFFIX = "·lock"  # the instance's lock for an attribute, in its __dict__ while computing


class cached_property(Generic[T]):  # noqa: N801 (named as the functools one it replaces)
    """As ``functools.cached_property``: computed on first access and stored in the
    instance's ``__dict__`` under the attribute's name (later reads do not call the
    descriptor); the computing is serialized per instance and attribute only."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.attrname: str | None = None
        self.__doc__ = func.__doc__
        self.__module__ = func.__module__

    def __set_name__(self, owner: type, name: str) -> None:
        self.attrname = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.attrname
        cache = instance.__dict__
        if name in cache:  # another thread stored it since the instance's attribute was missed
            return cache[name]
        # setdefault is atomic: every thread asking now gets the same lock.
        key = name + _LOCK_SUFFIX
        lock = cache.setdefault(key, RLock())
        try:
            with lock:
                if name in cache:
                    return cache[name]
                value = self.func(instance)
                cache[name] = value
                return value
        finally:
            # Stored (later reads find the value, not the descriptor) or failed (the next
            # read tries again, as functools' does): no lock left in the instance (it would
            # not pickle).
            if cache.get(key) is lock:
                cache.pop(key, None)
