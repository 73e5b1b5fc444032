"""The local reads in progress are known, by file and by the thread they are done for
(core/format/reads_in_flight.py): what the app names when a read never returns (a
stuck NFS or FUSE mount). A read is made to block by the local files' raw reads
(storage._raw_file) or the positioned read (os.preadv) waiting on an event."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight, storage
from ckpt_gui.core.values import parallel
from ckpt_gui.core.values.reader import Pieces
from ckpt_gui.core.values.scratch import Scratch
from ckpt_gui.resources import demo_path

WAIT_S = 10


@pytest.fixture()
def index_path() -> str:
    return Checkpoint.open(demo_path()).index.index_path


def in_thread(work) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    return thread, out


def until_reading(owner: int) -> reads_in_flight.Read:
    for _ in range(2000):
        read = reads_in_flight.reading_for(owner)
        if read is not None:
            return read
        threading.Event().wait(0.005)
    raise AssertionError("no read in progress for that thread")


def test_a_blocked_read_is_listed_with_its_file_until_it_returns(index_path, monkeypatch):
    release = threading.Event()

    class Raw(io.FileIO):
        def readall(self):
            release.wait()
            return super().readall()

        def readinto(self, buffer):
            release.wait()
            return super().readinto(buffer)

    monkeypatch.setattr(storage, "_raw_file", Raw)
    thread, out = in_thread(lambda: storage.read_bytes(index_path))
    try:
        read = until_reading(thread.ident)
        assert read.path == index_path and read in reads_in_flight.in_flight()
    finally:
        release.set()
        thread.join(WAIT_S)
    assert reads_in_flight.reading_for(thread.ident) is None
    with open(index_path, "rb") as f:
        assert out == [f.read()]


def test_a_file_opened_for_reading_reads_as_open_does(index_path):
    with storage.open_read(index_path) as f, open(index_path, "rb") as plain:
        assert storage.size_of_open(f) == os.path.getsize(index_path)
        f.seek(3)
        plain.seek(3)
        assert f.read(10) == plain.read(10)
        buffer, expected = bytearray(7), bytearray(7)
        assert f.readinto(buffer) == plain.readinto(expected) and buffer == expected
        assert f.read() == plain.read()
        assert f.name == index_path
    assert reads_in_flight.in_flight() == []


def test_a_chunk_workers_read_is_the_callers(monkeypatch):
    """Statistics of a large tensor read on the chunk pool: a stuck read there is the
    job's that asked for it (the job's thread only waits for the pool)."""
    release = threading.Event()

    def read(item: int) -> int:
        with reads_in_flight.reading(f"/mnt/gone/shard-{item}"):
            release.wait()
        return item

    thread, out = in_thread(lambda: list(parallel.ordered_map(read, range(3))))
    try:
        assert until_reading(thread.ident).path.startswith("/mnt/gone/shard-")
    finally:
        release.set()
        thread.join(WAIT_S)
    assert out == [[0, 1, 2]]


def test_a_positioned_read_of_a_piece_is_listed(monkeypatch):
    ckpt = Checkpoint.open(demo_path())
    entry = max((ckpt.entry(v.key) for v in ckpt.variables if v.dtype.is_numeric), key=lambda e: e.size)
    release, preadv = threading.Event(), os.preadv

    def blocked_preadv(fd, buffers, offset):
        release.wait()
        return preadv(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", blocked_preadv)
    pieces = Pieces(ckpt.reader, entry, 1 << 20)

    def read_first():
        with pieces:
            return pieces.read(pieces.pieces[0], Scratch())[0].copy()

    thread, out = in_thread(read_first)
    try:
        assert until_reading(thread.ident).path == ckpt.index.data_path(entry.shard_id)
    finally:
        release.set()
        thread.join(WAIT_S)
    assert np.array_equal(out[0], ckpt.read(entry.key).reshape(-1)[: len(out[0])])


def test_chunks_go_on_while_the_chunk_pools_workers_are_stuck_in_a_read(monkeypatch):
    """A job whose chunk workers all wait for a read that never returns (abandoned: its
    thread waits too) held the shared chunk pool, and every later large tensor's
    statistics queued behind it for good: the pool is replaced, and chunks queued behind
    the stuck ones move to the new one."""
    monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.0)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)  # in parallel on any machine
    release, stuck_in = threading.Event(), []

    def stuck_read(item: int) -> int:
        with reads_in_flight.reading(f"/mnt/gone/shard-{item}"):
            stuck_in.append(item)
            release.wait()
        return item

    first, _ = in_thread(lambda: list(parallel.ordered_map(stuck_read, range(5))))
    try:
        for _ in range(2000):  # both workers inside a read
            if len(stuck_in) == 2:
                break
            threading.Event().wait(0.005)
        later, out = in_thread(lambda: list(parallel.ordered_map(lambda item: item * 10, range(4))))
        later.join(WAIT_S)
        assert out == [[0, 10, 20, 30]]
    finally:
        release.set()
        first.join(WAIT_S)
    assert not first.is_alive()
