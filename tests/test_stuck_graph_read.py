"""One checkpoint's object graph read that never returns (a stuck NFS or FUSE mount)
holds no other checkpoint's: the cached values of the core (the object graph, the
variables, the trees) are computed under a lock of their instance's, not one of their
class's (functools.cached_property's on Python 3.11, shared by every instance: review
15 found a later open stuck at "decoding the object graph" behind a cancelled one's).

The stuck read is made by the local files' raw reads (storage._raw_file) waiting on an
event for one folder's data file; released at the end."""

from __future__ import annotations

import ast
import io
import os
import pathlib
import shutil
import threading

import pytest

import ckpt_gui
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight, storage
from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.resources import demo_path

WAIT_S = 30


@pytest.fixture()
def blocked(tmp_path, monkeypatch):
    """Two copies of the demo, ``a`` (its data files' reads wait for ``release``) and ``b``."""
    folders = {name: str(shutil.copytree(demo_path(), tmp_path / name)) for name in ("a", "b")}
    release = threading.Event()

    def waits(path: str) -> bool:
        return os.path.abspath(path).startswith(folders["a"] + os.sep) and ".data-" in os.path.basename(path)

    class Raw(io.FileIO):
        def readinto(self, buffer):
            if waits(self.name):
                release.wait()
            return super().readinto(buffer)

        def readall(self):
            if waits(self.name):
                release.wait()
            return super().readall()

        def read(self, size=-1):
            if waits(self.name):
                release.wait()
            return super().read(size)

    monkeypatch.setattr(storage, "_raw_file", Raw)
    yield folders
    release.set()


def in_thread(work) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    return thread, out


def test_a_checkpoints_graph_is_decoded_while_anothers_graph_read_is_stuck(blocked):
    stuck_ckpt, other = Checkpoint.open(blocked["a"]), Checkpoint.open(blocked["b"])
    assert stuck_ckpt.format == "tf2"  # it has an object graph, read from its data file
    stuck_thread, _ = in_thread(lambda: stuck_ckpt.object_graph)
    for _ in range(2000):
        if reads_in_flight.reading_for(stuck_thread.ident) is not None:
            break
        threading.Event().wait(0.005)
    assert ".data-" in reads_in_flight.reading_for(stuck_thread.ident).path

    thread, out = in_thread(lambda: (other.object_graph, other.variables))
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the other checkpoint's graph waited for the stuck one's"
    graph, variables = out[0]
    expected = Checkpoint.open(demo_path())
    assert graph is not None and other.graph_error is None
    assert [v.object_paths for v in variables] == [v.object_paths for v in expected.variables]
    assert stuck_thread.is_alive() and not stuck_ckpt.graph_decoded  # still stuck, and left alone


def test_two_threads_asking_one_instance_compute_it_once():
    calls, started, go = [], threading.Event(), threading.Event()

    class Slow:
        @cached_property
        def value(self) -> int:
            calls.append(1)
            started.set()
            go.wait(WAIT_S)
            return len(calls)

    slow = Slow()
    first, out_first = in_thread(lambda: slow.value)
    started.wait(WAIT_S)
    second, out_second = in_thread(lambda: slow.value)
    go.set()
    first.join(WAIT_S)
    second.join(WAIT_S)
    assert out_first == out_second == [1] and calls == [1]
    assert slow.__dict__ == {"value": 1}  # stored where functools puts it; no lock left behind


def test_a_getter_that_raises_is_tried_again_and_leaves_no_lock():
    calls = []

    class Flaky:
        @cached_property
        def value(self) -> int:
            calls.append(1)
            if len(calls) == 1:
                raise OSError("first read failed")
            return len(calls)

    flaky = Flaky()
    with pytest.raises(OSError):
        _ = flaky.value
    assert flaky.__dict__ == {}
    assert flaky.value == 2 and flaky.value == 2 and flaky.__dict__ == {"value": 2}


def test_no_module_uses_functools_cached_property():
    """Its lock is its class's (Python 3.11): a getter that reads a file would hold
    every instance's (use ckpt_gui.core.format.cached)."""
    found = []
    for path in pathlib.Path(ckpt_gui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "functools":
                found += [f"{path.name}: {a.name}" for a in node.names if a.name == "cached_property"]
            elif isinstance(node, ast.Attribute) and node.attr == "cached_property":
                found.append(f"{path.name}: functools.cached_property")
    assert found == []
