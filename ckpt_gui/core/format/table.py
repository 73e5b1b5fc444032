"""The LevelDB-style sorted table ("SSTable") that a checkpoint's ``.index`` file is.

Layout (tsl/lib/io/format.cc, block.cc): data blocks, a metaindex block and an index
block, each followed by a 5-byte trailer (type byte + masked CRC32C), then a 48-byte
footer holding the handles of the metaindex and index blocks and a magic number.
Keys inside a block are prefix-compressed against the previous key, with "restart
points" where the full key is stored. All CRCs are verified.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ckpt_gui.core.format.crc import crc32c, unmask
from ckpt_gui.core.format.errors import CorruptCheckpointError, WireFormatError
from ckpt_gui.core.format.wire import read_varint

TABLE_MAGIC = bytes.fromhex("57fb808b247547db")
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5
NO_COMPRESSION = 0
SNAPPY_COMPRESSION = 1


class SSTable:
    """One table file: footer and index block checked on construction, data blocks
    decoded (and CRC-checked) as they are iterated."""

    def __init__(self, data: bytes, path: str) -> None:
        self.path = path
        self._data = data
        try:
            self._handles = self._read_index()
        except (WireFormatError, IndexError, struct.error) as exc:
            raise CorruptCheckpointError(path, f"index table is garbled ({_reason(exc)})") from None

    def blocks(self) -> Iterator[bytes]:
        """The data blocks in order, decompressed, each one's CRC verified."""
        for offset, size in self._handles:
            yield self._read_block(offset, size, "data block")

    @property
    def block_sizes(self) -> list[int]:
        """The stored size of each data block, in the order blocks() gives them."""
        return [size for _offset, size in self._handles]

    def items(self) -> list[tuple[bytes, bytes]]:
        """Every (key, value) pair in key order, the empty header key first."""
        out = []
        previous = None
        try:
            for block in self.blocks():
                spans = block_spans(block, previous)
                out.extend((key, block[start:end]) for key, start, end in spans)
                if spans:
                    previous = spans[-1][0]
        except (WireFormatError, IndexError, struct.error) as exc:
            raise CorruptCheckpointError(self.path, f"index table is garbled ({_reason(exc)})") from None
        return out

    # -- decoding -----------------------------------------------------------------

    def _read_index(self) -> list[tuple[int, int]]:
        data = self._data
        if len(data) < FOOTER_SIZE:
            raise CorruptCheckpointError(
                self.path, f"file is truncated ({len(data)} bytes, a table needs at least {FOOTER_SIZE})"
            )
        if data[-8:] != TABLE_MAGIC:
            raise CorruptCheckpointError(
                self.path,
                "not a TensorFlow index table (bad magic number at the end of the file): "
                "the file is truncated, overwritten or not an index",
            )
        footer = data[-FOOTER_SIZE:]
        _meta_offset, pos = read_varint(footer, 0)
        _meta_size, pos = read_varint(footer, pos)
        index_offset, pos = read_varint(footer, pos)
        index_size, pos = read_varint(footer, pos)
        index_block = self._read_block(index_offset, index_size, "index block")
        handles = []
        for _separator, start, end in block_spans(index_block):
            offset, pos = read_varint(index_block, start)
            size, pos = read_varint(index_block, pos)
            if pos > end:
                raise WireFormatError("block handle runs past its index entry")
            handles.append((offset, size))
        return handles

    def _read_block(self, offset: int, size: int, what: str) -> bytes:
        data = self._data
        end = offset + size + BLOCK_TRAILER_SIZE
        if end > len(data) - FOOTER_SIZE:
            raise CorruptCheckpointError(
                self.path,
                f"{what} at offset {offset} (+{size} bytes) runs past the end of the file "
                f"({len(data)} bytes): the file is truncated or garbled",
            )
        contents_and_type = data[offset : offset + size + 1]
        stored = int.from_bytes(data[offset + size + 1 : end], "little")
        actual = crc32c(contents_and_type)
        if unmask(stored) != actual:
            raise CorruptCheckpointError(
                self.path,
                f"{what} at offset {offset} fails its CRC32C check "
                f"(stored {unmask(stored):#010x}, computed {actual:#010x})",
            )
        block_type = data[offset + size]
        block = contents_and_type[:-1]
        if block_type == NO_COMPRESSION:
            return block
        if block_type == SNAPPY_COMPRESSION:
            return _snappy_decompress(block, self.path, what, offset)
        raise CorruptCheckpointError(self.path, f"{what} at offset {offset} has unknown block type {block_type}")


def block_spans(block: bytes, previous_key: bytes | None = None) -> list[tuple[bytes, int, int]]:
    """Decode the prefix-compressed entries of one block (block.cc) as
    ``(key, value_start, value_end)``: offsets rather than value copies, so the
    caller can decode values in place. Keys must increase, across blocks too."""
    limit = entries_end(block)
    out = []
    append = out.append
    pos = 0
    key = b""
    while pos < limit:
        shared = block[pos]
        unshared = block[pos + 1]
        value_length = block[pos + 2]
        if (shared | unshared | value_length) < 0x80:  # fast path: three one-byte varints
            pos += 3
        else:
            shared, pos = read_varint(block, pos)
            unshared, pos = read_varint(block, pos)
            value_length, pos = read_varint(block, pos)
        if shared > len(key):
            raise WireFormatError("entry shares more bytes than the previous key has")
        key_end = pos + unshared
        value_end = key_end + value_length
        if value_end > limit:
            raise WireFormatError("entry runs past the end of its block")
        key = key[:shared] + block[pos:key_end]
        if previous_key is not None and key <= previous_key:
            raise WireFormatError("keys out of order")
        previous_key = key
        append((key, key_end, value_end))
        pos = value_end
    return out


def entries_end(block: bytes) -> int:
    """Where a block's entries end and its restart array begins."""
    if len(block) < 4:
        raise WireFormatError(f"block of {len(block)} bytes has no restart count")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 * (num_restarts + 1)
    if num_restarts == 0 or limit < 0:
        raise WireFormatError(f"block has an impossible restart count {num_restarts}")
    return limit


def _snappy_decompress(block: bytes, path: str, what: str, offset: int) -> bytes:
    # Snappy blocks are legal in the table format but TF has written uncompressed
    # index blocks since 1.2; the optional decoder is only imported when one shows up.
    import cramjam  # noqa: PLC0415

    # The block starts with its uncompressed length, untrusted: a Snappy element of n
    # bytes expands to at most 64/3 of them (a 3-byte copy of 64), so a claim beyond
    # that is garbage, refused before the decoder allocates it.
    try:
        claimed, _pos = read_varint(block, 0)
    except WireFormatError:
        claimed = -1
    if not 0 <= claimed <= 22 * len(block):
        raise CorruptCheckpointError(
            path, f"{what} at offset {offset}: bad Snappy data (claims {claimed} bytes from {len(block)})"
        )
    try:
        return bytes(cramjam.snappy.decompress_raw(block))
    except Exception as exc:  # cramjam raises its own error types
        raise CorruptCheckpointError(path, f"{what} at offset {offset}: bad Snappy data ({exc})") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, IndexError | struct.error):
        return "unexpected end of data"
    return str(exc)
