"""Pausing the cyclic garbage collector while building large acyclic structures.

Decoding an index or an object graph creates tens of thousands of small objects and
no reference cycles; every generation-0 overflow would trigger a collection that
walks them all again. Pausing collection for the duration is the standard remedy
(json and pickle loaders benefit the same way).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
