"""The job runner on its own: lanes, generations, cancelling, errors (real pool threads)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool

from ckpt_gui.app.job import JobContext, unfinished_jobs
from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.errors import CheckpointError

WAIT_MS = 10_000


@pytest.fixture()
def runner(qtbot):
    runner = JobRunner()
    yield runner
    runner.cancel()
    assert runner.wait(WAIT_MS)


def idle(qtbot, runner: JobRunner):
    """Waits until every job of the runner has reported (its callbacks have run)."""
    return qtbot.waitSignal(runner.busy_changed, timeout=WAIT_MS, check_params_cb=lambda busy: not busy)


def blocked(started: threading.Event, release: threading.Event, result, check: bool = False):
    """A job that starts, waits to be released, then (optionally) notices a cancel."""

    def job(context: JobContext):
        started.set()
        assert release.wait(WAIT_MS / 1000)
        if check:
            context.check()
        return result

    return job


def test_lanes_are_independent(qtbot, runner):
    got = []
    with idle(qtbot, runner):
        runner.submit("a", lambda _c: 1, lambda r: got.append(("a", r)))
        runner.submit("b", lambda _c: 2, lambda r: got.append(("b", r)))
        assert runner.busy and runner.is_running("a") and runner.is_running("b")
    assert sorted(got) == [("a", 1), ("b", 2)]
    assert not runner.busy and not runner.is_running("a") and unfinished_jobs() == []


def test_a_newer_job_in_the_lane_drops_the_older_result(qtbot, runner):
    started, release, got = threading.Event(), threading.Event(), []
    runner.submit("lane", blocked(started, release, "old"), got.append, label="Old")
    assert started.wait(WAIT_MS / 1000)
    assert unfinished_jobs() == ["lane (Old)"]
    with idle(qtbot, runner):
        runner.submit("lane", lambda _c: "new", got.append)
        release.set()  # the old job returns after the new one was submitted: its result is stale
    assert got == ["new"]


def test_a_replaced_job_is_cancelled_without_calling_back(qtbot, runner):
    started, release, calls = threading.Event(), threading.Event(), []
    runner.submit(
        "lane", blocked(started, release, "old", check=True), calls.append,
        lambda m, d: calls.append(m), on_cancelled=lambda: calls.append("cancelled"),
    )  # fmt: skip
    assert started.wait(WAIT_MS / 1000)
    with idle(qtbot, runner):
        runner.submit("lane", lambda _c: "new", calls.append)
        release.set()  # the old job sees its cancel and raises Cancelled
    assert calls == ["new"]  # neither its result, nor its cancel, nor an error


def test_cancel_reports_cancelled_not_done(qtbot, runner):
    calls = []

    def until_cancelled(context: JobContext):
        context.progress(0, 100)
        while True:
            context.progress(1)  # where a job notices the cancel
            if context.cancelled():
                context.check()

    with idle(qtbot, runner):
        runner.submit("slow", until_cancelled, calls.append, on_cancelled=lambda: calls.append("cancelled"))
        runner.submit("other", lambda _c: "other", calls.append)
        runner.cancel("slow")
    assert sorted(calls) == ["cancelled", "other"]


def test_drop_forgets_a_lane(qtbot, runner):
    started, release, calls = threading.Event(), threading.Event(), []
    runner.submit("lane", blocked(started, release, "dropped"), calls.append, on_cancelled=lambda: calls.append("x"))
    assert started.wait(WAIT_MS / 1000)
    with idle(qtbot, runner):
        runner.drop("lane")
        assert not runner.is_running("lane") and runner.busy  # forgotten, but still running
        release.set()
    assert calls == []


def test_errors_go_to_the_handler_or_the_error_signal(qtbot, runner):
    errors = []

    def broken(_context):
        raise CheckpointError("model.ckpt", "not a checkpoint")

    def buggy(_context):
        raise ValueError("a bug")

    with idle(qtbot, runner):
        runner.submit("expected", broken, errors.append, lambda m, d: errors.append(("handler", m, d)))
    assert errors == [("handler", "model.ckpt: not a checkpoint", "")]
    with qtbot.waitSignal(runner.error, timeout=WAIT_MS) as signal:
        runner.submit("bug", buggy, errors.append)  # no handler: the runner's error signal
    message, details = signal.args
    assert message == "ValueError: a bug" and "Traceback" in details and "buggy" in details


def test_progress_is_reported_with_the_label(qtbot, runner):
    seen, shown = [], []
    runner.progress_changed.connect(lambda label, done, total: shown.append((label, done, total)))

    def counting(context: JobContext):
        context.progress(0, 3)
        for done in (1, 2, 3):
            context.progress(done)
        return "done"

    with idle(qtbot, runner):
        runner.submit("lane", counting, lambda _r: None, label="Counting", on_progress=lambda d, t: seen.append((d, t)))
    assert shown[0] == ("Counting", 0, 0)  # shown as soon as it is submitted
    assert seen and seen[-1] == (3, 3)  # throttled, but the last one always comes
    assert ("Counting", 3, 3) in shown


def test_wait_returns_once_the_jobs_returned(qtbot, runner):
    started, release = threading.Event(), threading.Event()
    runner.submit("lane", blocked(started, release, None), lambda _r: None)
    assert started.wait(WAIT_MS / 1000)
    assert not runner.wait(50)
    release.set()
    assert runner.wait(WAIT_MS)
    assert unfinished_jobs() == []
    with idle(qtbot, runner):
        pass  # the result is delivered by the event loop, after wait()


def test_a_new_phase_is_shown_at_once(qtbot, runner):
    """Opening reports the index's bytes, then goes busy (total 0) for the object graph
    and the tree: the switch is not throttled away."""
    seen = []

    def phases(context: JobContext):
        context.progress(0, 100)
        context.progress(100)  # the last of a phase always comes
        context.progress(0, 0)  # within the throttle interval, but a new total
        return "done"

    with idle(qtbot, runner):
        runner.submit("lane", phases, lambda _r: None, label="Opening", on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-2:] == [(100, 100), (0, 0)], seen


# -- a job stuck in a read that never returns (a stuck NFS or FUSE mount) ---------------------


def in_a_read(started: threading.Event, release: threading.Event, path: str = "/mnt/gone/model.ckpt-1.index"):
    """A job blocked inside a read of ``path`` until released."""

    def job(_context: JobContext):
        with reads_in_flight.reading(path):
            started.set()
            release.wait()
        return "late"

    return job


@pytest.fixture()
def one_thread(qtbot):
    """A runner on a pool of one thread: a job holding it holds everything behind it."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    runner = JobRunner(pool=pool)
    yield runner
    runner.cancel()
    assert runner.wait(WAIT_MS) and pool.waitForDone(WAIT_MS)


def test_a_replaced_job_stuck_in_a_read_gives_its_pool_slot_back(qtbot, one_thread):
    started, release, got = threading.Event(), threading.Event(), []
    try:
        one_thread.submit("open", in_a_read(started, release), got.append)
        assert started.wait(WAIT_MS / 1000)
        one_thread.submit("open", lambda _c: "second", got.append)
        qtbot.waitUntil(lambda: got == ["second"], timeout=WAIT_MS)  # not behind the stuck one
        one_thread.submit("other", lambda _c: "third", got.append)  # nor is another lane's job
        qtbot.waitUntil(lambda: got == ["second", "third"], timeout=WAIT_MS)
        assert unfinished_jobs() == ["open"]  # the stuck one has not returned
    finally:
        release.set()
    assert one_thread.wait(WAIT_MS)
    qtbot.waitUntil(lambda: not one_thread.busy, timeout=WAIT_MS)
    assert got == ["second", "third"]  # its late result is ignored
    assert one_thread.pool.activeThreadCount() == 0  # its slot counted again once it returned


def test_cancelling_a_job_stuck_in_a_read_reports_it_cancelled_at_once(qtbot, runner, monkeypatch):
    monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.0)  # any read in progress counts as stuck
    started, release, calls = threading.Event(), threading.Event(), []
    try:
        runner.submit("open", in_a_read(started, release), calls.append, on_cancelled=lambda: calls.append("cancelled"),
                      label="Opening model.ckpt-1")  # fmt: skip
        assert started.wait(WAIT_MS / 1000)
        ((lane, read),) = runner.stuck_reads()
        assert (lane, read.path) == ("open", "/mnt/gone/model.ckpt-1.index")
        with qtbot.waitSignal(runner.busy_changed, timeout=0, check_params_cb=lambda busy: not busy):
            runner.cancel()  # not waited for: it would never notice
        assert calls == ["cancelled"] and not runner.busy and runner.stuck_reads() == []
    finally:
        release.set()
    assert runner.wait(WAIT_MS)
    qtbot.waitUntil(lambda: not runner._written_off, timeout=WAIT_MS)  # its late result came...
    assert calls == ["cancelled"]  # ...and was ignored


def test_a_replaced_job_stuck_in_a_read_no_longer_keeps_the_runner_busy(qtbot, runner, monkeypatch):
    started, release, got = threading.Event(), threading.Event(), []
    try:
        runner.submit("values", in_a_read(started, release), got.append)
        assert started.wait(WAIT_MS / 1000)
        runner.submit("values", lambda _c: "new", got.append)
        qtbot.waitUntil(lambda: got == ["new"], timeout=WAIT_MS)
        runner.write_off_stuck()
        assert runner.busy  # a replaced job ends soon, as a rule: waited for
        monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.0)  # ...unless its read is stuck
        assert runner.stuck_reads() == []  # no longer this runner's to name
        with qtbot.waitSignal(runner.busy_changed, timeout=0, check_params_cb=lambda busy: not busy):
            runner.write_off_stuck()
        assert not runner.wait(0)  # still waited for by a shutdown, within its time
    finally:
        release.set()
    assert runner.wait(WAIT_MS)


def test_a_current_job_stuck_in_a_read_lets_the_jobs_behind_it_run(qtbot, one_thread, monkeypatch):
    """Still awaited (its lane's latest: the selection's values on a dead mount), it held
    the pool's one thread, and another lane's job (the open of another checkpoint) never
    started (review 15, M1b); its result still comes if its read returns."""
    monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.0)
    started, release, got, told = threading.Event(), threading.Event(), [], []
    one_thread.read_stuck.connect(lambda lane, read: told.append((lane, read.path)))
    try:
        one_thread.submit("values", in_a_read(started, release), got.append)
        assert started.wait(WAIT_MS / 1000)
        one_thread.submit("open", lambda _c: "opened", got.append)
        qtbot.waitUntil(lambda: got == ["opened"], timeout=WAIT_MS)
        assert [lane for lane, _read in one_thread.tell_stuck()] == ["values"]
        one_thread.tell_stuck()  # told once a job
        assert told == [("values", "/mnt/gone/model.ckpt-1.index")]
    finally:
        release.set()
    qtbot.waitUntil(lambda: got == ["opened", "late"], timeout=WAIT_MS)  # still awaited: delivered
    assert one_thread.wait(WAIT_MS) and one_thread.pool.waitForDone(WAIT_MS)
    assert one_thread.pool.activeThreadCount() == 0  # its slot counted again once it returned


def test_results_that_arrive_together_are_shown_one_per_event_loop_turn(qtbot, runner):
    """app/result_turns.py: two jobs' results (a partial and two ends) reaching the GUI
    thread in one pass are shown in three turns, a timer due meanwhile firing between
    two, a job's in the order they came; a deleted runner's result is not shown."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QTimer

    go, log = threading.Event(), []

    def job(name, partial=False):
        def run(context: JobContext):
            assert go.wait(WAIT_MS / 1000)
            if partial:
                context.report(f"{name} partial")
            return name

        return run

    gone = JobRunner()
    runner.submit("a", job("a", partial=True), lambda r: log.append(r), on_partial=log.append)
    runner.submit("b", job("b"), lambda r: log.append(r))
    gone.submit("c", job("c"), lambda r: log.append(r))
    go.set()
    assert runner.wait(WAIT_MS) and gone.wait(WAIT_MS)
    shiboken6.delete(gone)  # its result, posted already, is not shown
    ticker = QTimer(interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: log.append("|"))
    ticker.start()
    QCoreApplication.processEvents()  # every result posted so far delivered or queued
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
    qtbot.wait(20)
    ticker.stop()
    shown = [entry for entry in log if entry != "|"]
    assert sorted(shown) == ["a", "a partial", "b"], log  # not "c": its runner is deleted
    assert shown.index("a partial") < shown.index("a"), log  # a job's results in their order
    passes = "".join(entry if entry == "|" else "*" for entry in log).split("|")
    assert all(part.count("*") <= 1 for part in passes), log


def test_a_plots_piece_and_a_result_due_together_run_in_passes_of_their_own(qtbot):
    """app/turn_gate.py: the plots' pieces and the jobs' results wait for timers of
    their own; due together, they still run one per pass of the event loop (a heatmap
    made and a histogram's statistics shown in one pass had made a 78 ms gap)."""
    from PySide6.QtCore import QObject, QTimer

    from ckpt_gui.app import plot_turns, result_turns

    owner, log = QObject(), []
    qtbot.wait(20)  # nothing of an earlier test left in this pass
    ticker = QTimer(interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: log.append("|"))
    ticker.start()
    result_turns.deliver(owner, lambda: log.append("result 1"))
    plot_turns.later(owner, lambda: log.append("piece 1"))
    plot_turns.later(owner, lambda: log.append("piece 2"))
    result_turns.deliver(owner, lambda: log.append("result 2"))
    result_turns.deliver(owner, lambda: log.append("result 3"))
    qtbot.waitUntil(lambda: len([e for e in log if e != "|"]) == 5 and not plot_turns.busy(), timeout=5000)
    ticker.stop()
    passes = "".join(entry if entry == "|" else "*" for entry in log).split("|")
    assert all(part.count("*") <= 1 for part in passes), log
    assert [e for e in log if e.startswith("result")] == ["result 1", "result 2", "result 3"], log
