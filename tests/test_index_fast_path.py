"""The whole-block decoder of index entries (bundle_blocks.decode_common_entries) against
the entry-by-entry one: same entries, same errors, whatever the block holds."""

from __future__ import annotations

import time

import pytest

from ckpt_gui.core.format import bundle
from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.wire import encode_varint as varint
from tests.test_table_snappy import TABLE_MAGIC, _append_block, _block, write_table

HEADER = (b"", b"\x08\x01\x1a\x02\x08\x01")


def entry(dtype=1, dims=(4,), shard=0, offset=0, size=16, crc=b"abcd", shape_bytes=None) -> bytes:
    """A BundleEntryProto as TensorFlow writes it (fields in order, zeros left out)."""
    if shape_bytes is None:
        shape_bytes = b"".join(b"\x12" + varint(len(varint(d)) + 1) + b"\x08" + varint(d) for d in dims)
    out = b"\x08" + varint(dtype) + b"\x12" + varint(len(shape_bytes)) + shape_bytes
    for tag, value in ((0x18, shard), (0x20, offset), (0x28, size)):
        if value:
            out += bytes([tag]) + varint(value)
    return out + b"\x35" + crc


def ordinary(n: int, prefix: bytes = b"model/layer") -> list[tuple[bytes, bytes]]:
    return [(prefix + b"/%05d/.ATTRIBUTES/VARIABLE_VALUE" % i, entry(offset=16 * i)) for i in range(n)]


UNUSUAL = {
    "big dims and offsets": [
        (b"k%03d" % i, entry(dims=(768, 3072, 1 << 33), offset=1 << (7 * (i % 8)))) for i in range(40)
    ],
    "zero and empty dims": [(b"a", entry(dims=(0, 5), size=0)), (b"b", entry(shape_bytes=b"\x12\x00\x12\x02\x08\x03"))],
    "scalars, all dtypes": [(b"s%02d" % d, entry(dtype=d, dims=())) for d in range(1, 34)],
    "shards": [(b"v%02d" % i, entry(shard=i * 40, offset=i)) for i in range(30)],
    "long keys": [(b"x" * n + b"/%d" % n, entry()) for n in (100, 126, 127, 128, 200, 300, 16384, 20000)],
    "keys holding 08 bytes": [(b"a\x08b", entry()), (b"a\x08c\x08\x01\x12\x00", entry())],
    "non-UTF-8 keys": [(b"caf\xc3\xa9", entry()), (b"odd\xff\xfe", entry())],
    "unknown dtype, no shape": [(b"u", b"\x08\x4d\x28\x04\x35abcd"), (b"v", b"\x08\x01\x35abcd")],
    "unknown field": [(b"f", entry() + b"\x40\x05")],
    "fields out of order": [(b"g", b"\x35abcd\x08\x01\x12\x00\x28\x04")],
    "value of 128+ bytes": [(b"h", entry(dims=tuple(range(1, 60))))],
    "crc missing": [(b"i", b"\x08\x01\x12\x00\x28\x04")],
    "mixed with ordinary ones": ordinary(50) + [(b"zz", entry(dims=(300,)))],
}


def read_both_ways(tmp_path, entries, monkeypatch, per_block=7):
    """(fast, slow): each the BundleIndex or the error it raised."""
    path = tmp_path / "t"
    if entries is not None:  # else t.index is already written
        (tmp_path / "t.index").write_bytes(write_table([HEADER, *sorted(entries)], per_block, compress=False))

    def read():
        try:
            return BundleIndex(str(path))
        except CheckpointError as exc:
            return f"{type(exc).__name__}: {exc}"

    fast = read()
    with monkeypatch.context() as m:
        m.setattr(bundle, "decode_common_entries", lambda *args: None)
        slow = read()
    return fast, slow


def assert_same(fast, slow):
    if isinstance(slow, str):
        assert fast == slow
    else:
        assert fast.entries == slow.entries and list(fast.entries) == list(slow.entries)
        assert fast.slice_entries == slow.slice_entries and fast.header == slow.header


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_unusual_entries_decode_as_one_by_one(tmp_path, monkeypatch, case):
    for per_block in (3, 1000):
        assert_same(*read_both_ways(tmp_path, UNUSUAL[case], monkeypatch, per_block))


def test_ordinary_blocks_take_the_fast_path(tmp_path, monkeypatch):
    calls = []
    real = bundle.decode_common_entries
    monkeypatch.setattr(bundle, "decode_common_entries", lambda *a: calls.append(real(*a)) or calls[-1])
    fast, slow = read_both_ways(tmp_path, ordinary(100), monkeypatch, per_block=30)
    assert_same(fast, slow)
    assert len(calls) == 4 and None not in calls


@pytest.mark.parametrize(
    "lie",
    [
        b"\x02\x01\x0c",  # value shorter than stored: the crc32c is cut off
        b"\x02\x01\x0e",  # value longer than stored
        b"\x02\x00\x0d",  # key shorter than stored
        b"\x02\x02\x0d",  # key longer than stored
        b"\x05\x01\x0d",  # shares more than the previous key has
        b"\x02\x02\x0d\x02\x00\x0d",  # two keys, one byte too long and one too short
    ],
)
def test_lying_lengths_give_the_same_error(tmp_path, monkeypatch, lie):
    entries = [HEADER] + [(b"k%02d" % i, entry(size=0)) for i in range(40)]
    honest = b"\x02\x01\x0d"  # shared 2, unshared 1, value 13 bytes
    for first in (1, 20):  # lie early in the block, or after a restart point
        contents = _block(entries, 16)
        at = -1
        for i in range(first + len(lie) // 3):
            at = contents.index(honest, at + 1)
            if i >= first:
                told = lie[3 * (i - first) : 3 * (i - first) + 3]
                contents = contents[:at] + told + contents[at + 3 :]
        (tmp_path / "t.index").write_bytes(one_block_table(contents))
        fast, slow = read_both_ways(tmp_path, None, monkeypatch)
        assert_same(fast, slow)


def one_block_table(contents: bytes) -> bytes:
    file = bytearray()
    handle = _append_block(file, contents, compress=False)
    meta = _append_block(file, _block([], 1), compress=False)
    index = _append_block(file, _block([(b"\xff", handle)], 1), compress=False)
    return bytes(file + (meta + index).ljust(40, b"\x00") + TABLE_MAGIC)


def test_search_through_a_huge_odd_value_stays_fast(tmp_path, monkeypatch):
    entries = ordinary(1000) + [(b"zz", bytes(100_000))]  # no 08 byte for the key scan to stop at
    start = time.perf_counter()
    fast, slow = read_both_ways(tmp_path, entries, monkeypatch, per_block=2000)
    assert_same(fast, slow)
    assert time.perf_counter() - start < 3  # an unbounded key scan would be quadratic: 10 s or more


def test_entries_kept_as_columns_answer_as_a_dict(tmp_path, monkeypatch):
    """The index keeps its entries as columns and finds a key by bisection; keys that
    are not UTF-8 (decoded with surrogate escapes, whose str order can differ from the
    table's bytes order: U+DCFF sorts before U+10000, 0xFF after 0xF0) are still found."""
    odd = [(b"a\xf0\x90\x80\x80", entry(offset=1)), (b"a\xff", entry(offset=2)), (b"b\xc3\xa9", entry(offset=3))]
    for written in (ordinary(40), ordinary(40) + odd):
        offset_of = {raw.decode("utf-8", "surrogateescape"): 16 * i for i, (raw, _v) in enumerate(written[:40])}
        offset_of.update({raw.decode("utf-8", "surrogateescape"): i + 1 for i, (raw, _v) in enumerate(written[40:])})
        table_order = [raw.decode("utf-8", "surrogateescape") for raw, _v in sorted(written)]
        for index in read_both_ways(tmp_path, written, monkeypatch, per_block=16):
            entries = index.entries
            assert list(entries) == table_order and len(entries) == len(written)
            assert [e.key for e in entries.values()] == table_order
            for key, offset in offset_of.items():
                assert key in entries and entries[key].offset == offset and entries.get(key) == entries[key]
                assert key + "x" not in entries and entries.get(key[:-1]) is None
            with pytest.raises(KeyError):
                entries["a"]
