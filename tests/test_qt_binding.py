"""The Qt binding itself must keep Python's reference counts straight.

PySide6 6.12.0 returns the results of QCoreApplication.processEvents() and of
Signal.emit() without a reference of their own. On Python 3.11 (where None, True and
False are not yet immortal) every call takes one reference away from them, and after
some thousands of calls the interpreter aborts ("deallocating None"). The app calls
both constantly, so a binding with this fault must not pass the test suite.
"""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QObject, Signal

# From Python 3.12 on None, True and False are immortal: their reference counts never
# move, so counting them could not catch the fault (and the fault cannot abort there).
pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="None/True/False are immortal from Python 3.12: nothing to count"
)


class _Emitter(QObject):
    progress = Signal(int, int)


def _references_lost(call, times: int = 500) -> dict[str, int]:
    gc.collect()
    before = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    for _ in range(times):
        call()
    gc.collect()
    after = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    # A few references may come and go elsewhere; a lost one per call shows as ~times.
    return {name: before[name] - after[name] for name in before if before[name] - after[name] > times // 2}


def test_process_events_keeps_references(qapp):
    assert _references_lost(qapp.processEvents) == {}


def test_signal_emit_keeps_references(qapp):
    emitter = _Emitter()
    received = []
    emitter.progress.connect(lambda done, total: received.append(done))
    assert _references_lost(lambda: emitter.progress.emit(1, 2)) == {}
    assert len(received) == 500
