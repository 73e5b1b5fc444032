"""The open job lets go of the interpreter lock as it loads (issue 11: the event loop
never blocked over 100 ms). Python hands the lock to the GUI thread only between two
bytecodes, so a built-in call over every variable (``sorted``, ``list(map(...))``,
``dict(zip(...))``) holds it from start to end: loading must cut such calls into slices
(core/format/lock_slices.py). Counted here, not timed: with slices of a few variables,
no built-in call of the loading modules takes a large share of a checkpoint's
variables at once, and each step lets go of the lock about once per slice."""

from __future__ import annotations

import builtins
import sys
import types
from collections import Counter

import pytest

from ckpt_gui.app import opening
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import (
    bundle,
    lock_slices,
    object_graph,
    object_graph_bulk,
    object_graph_columns,
    object_graph_exact,
    object_graph_wire,
)
from ckpt_gui.core.views import key_levels, lazy_node, tree, tree_build, variable_tree

SLICE = 32  # variables per slice in these tests (10,000 in the app)
PACE = 8  # items of a loop in Python between two let-go points in these tests (500 in the app)
# Every module whose code runs in the open job (a built-in called there is looked up in it first).
LOADING = [opening, bundle, object_graph, object_graph_wire, object_graph_columns, object_graph_bulk]
LOADING += [object_graph_exact, key_levels, lazy_node, tree, tree_build, variable_tree]
LOADING += [sys.modules["ckpt_gui.core.checkpoint"], sys.modules["ckpt_gui.core.variable_columns"], lock_slices]
# Built-ins that run over a whole iterable in one C call (list.sort, dict.update and str.join
# cannot be wrapped: the slices' own calls are those).
WHOLE_CALLS = (sorted, list, tuple, set, frozenset, dict, sum, min, max, all, any)


class Job:
    """What the open job is given: no cancel, no GUI."""

    def check(self) -> None: ...

    def cancelled(self) -> bool:
        return False

    def report(self, _part) -> None: ...

    def progress(self, _done, _total=None) -> None: ...


def counting(real, largest: Counter):
    """``real`` (a built-in), recording the most items each place in the code gave it at once."""

    def call(*args, **kwargs):
        if len(args) not in (1, 2) or (len(args) == 2 and real not in (sum,)) or hasattr(args[0], "keys"):
            return real(*args, **kwargs)  # max(a, b), dict(mapping), list(): not a walk over an iterable
        items = args[0]
        key = kwargs.get("key")
        if isinstance(items, types.GeneratorType) and real is not sorted:
            return real(items, *args[1:], **kwargs)  # Python-level steps: the lock is let go between them
        if real in (min, max) and isinstance(key, types.FunctionType):
            return real(items, *args[1:], **kwargs)  # a Python key between every two items
        items = builtins.list(items)
        caller = sys._getframe(1)
        if caller.f_code is _Counted.__call__.__code__:  # a type's stand-in called it
            caller = caller.f_back
        place = f"{caller.f_code.co_filename.rsplit('ckpt_gui/', 1)[-1]}:{caller.f_lineno} {real.__name__}"
        largest[place] = builtins.max(largest[place], len(items))
        return real(items, *args[1:], **kwargs)

    if not isinstance(real, type):
        return call
    # A type (list, dict...): ``isinstance(x, list)`` in the code stays true of real lists.
    return _Counted(real.__name__, (), {"real": real, "call": staticmethod(call), "__new__": real.__new__})


class _Counted(type):
    """A stand-in for a built-in type: called, it counts; otherwise it is the type."""

    def __instancecheck__(cls, thing) -> bool:
        return isinstance(thing, cls.real)

    def __getattr__(cls, name: str):
        return getattr(cls.real, name)

    def __call__(cls, *args, **kwargs):
        return cls.call(*args, **kwargs)


@pytest.fixture()
def small_slices(monkeypatch):
    """Slices of SLICE variables, loops paced by PACE; every let-go of the lock recorded (in order)."""
    monkeypatch.setattr(lock_slices, "SLICE", SLICE)
    monkeypatch.setattr(lock_slices, "PACE", PACE)
    monkeypatch.setattr(lock_slices, "SAMPLES", 4)
    let_go: list[int] = []
    monkeypatch.setattr(lock_slices, "between_slices", lambda: let_go.append(0))
    monkeypatch.setattr(opening, "EARLY_GRAPH_BYTES", 0)  # the key view first, as for a large object graph
    return let_go


def test_no_builtin_call_of_the_open_job_takes_the_whole_checkpoint(checkpoints, small_slices, monkeypatch):
    """The whole open job (index, key view, object graph, variable list, object view,
    totals, first levels) on 5,000 variables in 500 groups: no built-in call takes more
    than a few slices' worth of items at once."""
    largest: Counter = Counter()
    for module in LOADING:
        for real in WHOLE_CALLS:
            monkeypatch.setattr(module, real.__name__, counting(real, largest), raising=False)
    ckpt, trees = opening.opener(lambda progress: Checkpoint.open(checkpoints / "many", progress))(Job())
    total = len(ckpt.variables)
    assert total >= 5000 and trees["objects"].variable_total == total - 1  # (the object graph's own entry)
    assert len(largest) > 5, "the built-ins were not reached: the test checks nothing"
    too_large = {place: items for place, items in largest.items() if items > 4 * SLICE}
    assert not too_large, f"built-in calls over {total} variables in one piece: {too_large}"


def test_every_loading_step_lets_go_of_the_lock_once_per_slice(checkpoints, small_slices):
    """Each step over every variable lets go of the lock about once per slice of them."""
    ckpt = Checkpoint.open(checkpoints / "many")
    total = len(ckpt.index.entries)
    steps = {
        "key view": lambda: opening._key_view(ckpt),
        "object graph's parts": lambda: (ckpt.object_graph.children, ckpt.object_graph.make_lazy_parts()),
        "variable list": lambda: ckpt.variables,
        "object view": lambda: tree.object_tree(ckpt),
    }
    for name, step in steps.items():
        small_slices.clear()
        step()
        assert len(small_slices) >= total // SLICE - 1, f"{name}: let go {len(small_slices)} times"


# The most Python calls (functions, generators resumed) between two let-go points: a
# paced loop of PACE items makes a few hundred; one over every variable, 5,000 of them
# in this checkpoint, makes tens of thousands.
MOST_CALLS = 3_000


def test_no_python_loop_of_the_open_job_runs_long_without_letting_go(checkpoints, small_slices, monkeypatch):
    """A loop in Python over every variable hands the lock to a waiting thread only
    when that thread has waited a switch interval, and takes it back at once: the GUI
    thread, entering Python hundreds of times in one turn, waited that long each time.
    So the open job's loops let go of the lock every PACE items (lock_slices.paced),
    where the app's worker waits while the GUI thread is at work. Counted here: the
    Python calls between two let-go points of the whole open job, on 5,000 variables."""
    stretches: list[tuple[int, list]] = []
    called: Counter = Counter()  # the functions called since the last let-go point

    def profile(frame, event, _arg) -> None:
        if event == "call":
            called[frame.f_code] += 1

    def between() -> None:
        profiling = sys.getprofile()
        sys.setprofile(None)
        top = [f"{code.co_filename.rsplit('/', 1)[-1]}:{code.co_name} {n}" for code, n in called.most_common(3)]
        stretches.append((called.total(), top))
        called.clear()
        sys.setprofile(profiling)

    monkeypatch.setattr(lock_slices, "between_slices", between)
    job = opening.opener(lambda progress: Checkpoint.open(checkpoints / "many", progress))
    sys.setprofile(profile)
    try:
        ckpt, trees = job(Job())
    finally:
        sys.setprofile(None)
    between()
    assert len(ckpt.variables) >= 5000 and trees["objects"].variable_total == len(ckpt.variables) - 1
    assert len(stretches) > 5000 // PACE, f"the lock let go only {len(stretches)} times"
    longest = sorted(stretches, reverse=True)[:5]
    assert longest[0][0] <= MOST_CALLS, f"Python calls between two let-go points (and the last one called): {longest}"
