"""A large tensor's passes in the app's pass process (core/analysis/pass_process.py):
the same results and the same errors as in-process, on tensors TensorFlow wrote; a
cancel, a killed child and a stuck one; no child left once its parent has gone; the
child imports neither Qt nor TensorFlow. (The test tensors are small: the threshold
is lowered.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from ckpt_gui.core.analysis import pass_process
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.overview import first_pass, histogram_pass
from ckpt_gui.core.analysis.pass_child import CANCEL, HOLD
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.errors import Cancelled, CorruptCheckpointError
from ckpt_gui.core.values import parallel

EMBEDDING = "model/embedding/.ATTRIBUTES/VARIABLE_VALUE"  # 8192 x 1024 float32, 9 NaN
BIAS = "model/bias/.ATTRIBUTES/VARIABLE_VALUE"  # 1024 float32
ENDED_WAIT_S = 20  # how long a process is given to end (not a measure: a bound on a hang)


@pytest.fixture(autouse=True)
def child_for_all(monkeypatch):
    """Every numeric tensor counts as large here; the child is killed after each test."""
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 1)
    monkeypatch.setattr(pass_process._process, "cannot_start", False)
    yield
    pass_process.shutdown()


def _in_child(ckpt: Checkpoint, key: str) -> pass_process.InChild:
    passes = pass_process.tensor_passes(ckpt, key)
    assert isinstance(passes, pass_process.InChild)
    return passes


def _assert_same_first(here, there) -> None:
    assert there.stats == here.stats
    assert there.positions == here.positions
    np.testing.assert_array_equal(there.envelope.low, here.envelope.low)
    np.testing.assert_array_equal(there.envelope.high, here.envelope.high)


def _assert_same_histogram(here, there) -> None:
    np.testing.assert_array_equal(there.counts, here.counts)
    np.testing.assert_array_equal(there.edges, here.edges)
    assert (there.nan, there.posinf, there.neginf, there.outside) == (here.nan, here.posinf, here.neginf, here.outside)


def test_the_childs_passes_equal_the_in_process_ones_and_tensorflows_values(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "large")
    values = tf.train.load_checkpoint(str(checkpoints / "large" / "ckpt")).get_tensor(EMBEDDING)
    passes = _in_child(ckpt, EMBEDDING)
    for make in (lambda: BlockEnvelope.for_region(*values.shape), lambda: BlockEnvelope.for_region(1, values.size)):
        here = first_pass(ckpt, EMBEDDING, make())
        there = passes.first(make(), None, None)
        _assert_same_first(here, there)
    finite = values[np.isfinite(values)]
    assert (there.stats.min, there.stats.max) == (finite.min(), finite.max())
    assert there.stats.nan == int(np.isnan(values).sum()) and len(there.positions) == min(10, there.stats.nan)
    first_nan = [tuple(int(i) for i in index) for index in np.argwhere(np.isnan(values))[:10]]
    assert [p.index for p in there.positions] == first_nan
    for bins, value_range in ((100, None), (37, (-1.0, 0.5))):
        here = histogram_pass(ckpt, EMBEDDING, there.stats, bins, value_range)
        _assert_same_histogram(here, passes.histogram(there.stats, bins, value_range, None, None))
    counts, _edges = np.histogram(finite, bins=100)
    np.testing.assert_array_equal(passes.histogram(there.stats, 100, None, None, None).counts, counts)
    # A small tensor (read in one go, not in pieces), by the same child.
    pid = pass_process.child_pid()
    bias = first_pass(ckpt, BIAS, BlockEnvelope.for_region(1, 1024))
    _assert_same_first(bias, _in_child(ckpt, BIAS).first(BlockEnvelope.for_region(1, 1024), None, None))
    assert pass_process.child_pid() == pid
    assert pass_process._process.imported == []  # neither PySide6 nor TensorFlow in the child


def test_only_large_local_fixed_size_bundle_tensors_go_to_the_child(checkpoints, monkeypatch):
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 1 << 20)
    large = Checkpoint.open(checkpoints / "large")
    assert isinstance(pass_process.tensor_passes(large, EMBEDDING), pass_process.InChild)
    assert isinstance(pass_process.tensor_passes(large, BIAS), pass_process.InProcess)  # 4 KB
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 1)
    tf1 = Checkpoint.open(checkpoints / "tf1")
    partitioned = [key for key in tf1.index.entries if tf1.entry(key).is_partitioned]
    assert partitioned and isinstance(pass_process.tensor_passes(tf1, partitioned[0]), pass_process.InProcess)
    dtypes = Checkpoint.open(checkpoints / "dtypes")
    strings = [key for key in dtypes.index.entries if not dtypes.entry(key).dtype.is_numeric]
    assert strings and isinstance(pass_process.tensor_passes(dtypes, strings[0]), pass_process.InProcess)


def _damaged(scratch_copy, how: str) -> Checkpoint:
    folder = scratch_copy("large")
    ckpt = Checkpoint.open(folder)
    entry = ckpt.entry(EMBEDDING)
    path = ckpt.reader.shards.path(entry)
    with open(path, "r+b") as f:
        if how == "flip":
            f.seek(entry.offset + entry.size // 2)
            byte = f.read(1)
            f.seek(entry.offset + entry.size // 2)
            f.write(bytes([byte[0] ^ 0xFF]))
        else:
            f.truncate(entry.offset + entry.size // 2)
    return ckpt


@pytest.mark.parametrize("how", ["flip", "truncate"])
def test_a_corrupt_or_truncated_data_file_is_the_same_error_through_the_child(checkpoints, scratch_copy, how):
    ckpt = _damaged(scratch_copy, how)
    with pytest.raises(CorruptCheckpointError) as here:
        first_pass(ckpt, EMBEDDING)
    with pytest.raises(CorruptCheckpointError) as there:
        _in_child(ckpt, EMBEDDING).first(None, None, None)
    assert str(there.value) == str(here.value) and there.value.path == here.value.path
    assert ("CRC32C" if how == "flip" else "truncated") in str(there.value)
    assert os.path.basename(there.value.path).startswith("ckpt.data-")
    # The child carries on: the next request is answered.
    pid, intact = pass_process.child_pid(), Checkpoint.open(checkpoints / "large")
    assert _in_child(intact, BIAS).first(None, None, None).stats == first_pass(intact, BIAS).stats
    assert pass_process.child_pid() == pid


def test_a_cancelled_pass_stops_and_the_child_takes_the_next(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "large")
    passes = _in_child(ckpt, EMBEDDING)
    passes.first(None, None, None)  # started and warm
    pid, seen = pass_process.child_pid(), []
    with pytest.raises(Cancelled):
        passes.first(None, seen.append, lambda: bool(seen))  # cancelled once it has reported progress
    assert seen and pass_process.child_pid() == pid  # stopped at a chunk, not killed
    assert pass_process._process._flags[CANCEL] == 1
    assert passes.first(None, None, None).stats == first_pass(ckpt, EMBEDDING).stats


def test_a_killed_child_is_a_clear_error_and_the_next_request_starts_another(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "large")
    passes = _in_child(ckpt, EMBEDDING)
    passes.first(None, None, None)
    pid = pass_process.child_pid()

    def kill_it(_done: int) -> None:
        os.kill(pid, signal.SIGKILL)

    with pytest.raises(pass_process.PassProcessError) as failed:
        passes.first(None, kill_it, None)
    assert EMBEDDING in str(failed.value) and "ended unexpectedly" in str(failed.value)
    assert passes.first(None, None, None).stats == first_pass(ckpt, EMBEDDING).stats
    assert pass_process.child_pid() not in (None, pid)


def test_a_child_that_goes_quiet_is_a_stuck_read_of_the_data_file_and_cancel_kills_it(checkpoints, monkeypatch):
    """A read stuck on a dead mount, played by a stopped child: the waiting thread stands
    for a stuck read of the data file (the status bar's "Still reading"), and a cancel
    does not wait for the child: it is killed."""
    monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.2)
    ckpt = Checkpoint.open(checkpoints / "large")
    passes = _in_child(ckpt, EMBEDDING)
    passes.first(None, None, None)
    pid = pass_process.child_pid()
    cancel, outcome = threading.Event(), []

    def pass_stopped_midway() -> None:
        def stop_child(_done: int) -> None:
            os.kill(pid, signal.SIGSTOP)

        try:
            passes.first(None, stop_child, cancel.is_set)
        except Cancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=pass_stopped_midway)
    thread.start()
    deadline = time.monotonic() + ENDED_WAIT_S
    while reads_in_flight.stuck_for(thread.ident) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    stuck = reads_in_flight.stuck_for(thread.ident)
    cancel.set()
    thread.join(ENDED_WAIT_S)
    assert stuck is not None and stuck.path == ckpt.reader.shards.path(ckpt.entry(EMBEDDING))
    assert not thread.is_alive() and outcome
    assert _ended(pid)
    assert passes.first(None, None, None).stats == first_pass(ckpt, EMBEDDING).stats  # a new child


def test_holds_reach_the_child(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "large")
    _in_child(ckpt, BIAS).first(None, None, None)
    flags = pass_process._process._flags
    try:
        parallel.hold()
        assert flags[HOLD] == 1
    finally:
        parallel.resume()
    assert flags[HOLD] == 0


def _ended(pid: int) -> bool:
    """Whether process ``pid`` has ended (gone, or a zombie), waiting a while for it."""
    deadline = time.monotonic() + ENDED_WAIT_S
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("ending", ["os._exit", "SIGKILL"])
def test_no_child_outlives_its_parent(checkpoints, ending):
    """The app quits with os._exit (app/launch.py end_now), and may crash or be killed:
    the pass process ends with it, even in the middle of a pass."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        from ckpt_gui.core.analysis import pass_process
        from ckpt_gui.core.checkpoint import Checkpoint
        pass_process.CHILD_MIN_BYTES = 1
        ckpt = Checkpoint.open(sys.argv[1])
        passes = pass_process.tensor_passes(ckpt, {EMBEDDING!r})
        passes.first(None, None, None)
        print(pass_process.child_pid(), flush=True)

        def end(_done):
            if {ending!r} == "SIGKILL":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(0)

        passes.first(None, end, None)  # ended in the middle of a pass
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    parent = subprocess.run(
        [sys.executable, "-c", script, str(checkpoints / "large")], capture_output=True, text=True, env=env, timeout=120
    )
    child = int(parent.stdout.split()[0])
    assert _ended(child), f"the pass process {child} outlived its parent"


def test_opening_a_checkpoint_with_a_large_data_file_starts_the_child_in_the_background(checkpoints, monkeypatch):
    ckpt = Checkpoint.open(checkpoints / "large")  # one 32 MB data file
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 64 << 20)
    pass_process.warm_up_for(ckpt)
    assert pass_process.child_pid() is None
    monkeypatch.setattr(pass_process, "CHILD_MIN_BYTES", 16 << 20)
    pass_process.warm_up_for(Checkpoint.open(checkpoints / "keras_seq"))  # small files
    assert pass_process.child_pid() is None
    pass_process.warm_up_for(ckpt)
    deadline = time.monotonic() + ENDED_WAIT_S
    while pass_process.child_pid() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pass_process.child_pid() is not None


def test_a_child_that_cannot_start_leaves_the_passes_in_process(checkpoints, monkeypatch):
    """An interpreter where the child's imports fail (a broken install): the passes run
    here instead, with the same results, and no child is started again."""
    monkeypatch.setattr(pass_process, "CHILD_CODE", "raise SystemExit(3)")
    ckpt = Checkpoint.open(checkpoints / "large")
    passes = _in_child(ckpt, EMBEDDING)
    here = first_pass(ckpt, EMBEDDING, BlockEnvelope.for_region(1, 8192 * 1024))
    _assert_same_first(here, passes.first(BlockEnvelope.for_region(1, 8192 * 1024), None, None))
    _assert_same_histogram(histogram_pass(ckpt, EMBEDDING, here.stats), passes.histogram(here.stats))
    assert pass_process._process.cannot_start and pass_process.child_pid() is None
    assert isinstance(pass_process.tensor_passes(ckpt, EMBEDDING), pass_process.InProcess)
