"""A min/max envelope of a large tensor, built from the chunks of the pass that also
computes its statistics: the line plot of a long vector and the heatmap of a large
matrix are drawn from it instead of from every value.

The region is a 2-D block of the tensor's storage (a vector is one row; a matrix, or
the plane of an N-D tensor over its last two axes, is contiguous), cut into blocks
of ``block_rows`` x ``block_cols`` elements. Each block keeps the smallest and the
largest of its values (NaN ignored, +-Inf kept: a true envelope), so a single spike
among 100 million values still shows; made with ``mark_nan``, it also notes which
blocks hold a NaN, whose cells the picture then draws NaN (the comparison's heatmaps:
a NaN that appeared is a change to see). Chunks may arrive in any order and cut rows
anywhere; each chunk's blocks are reduced on its own thread (:func:`chunk_blocks`)
and merged into the whole here (:meth:`BlockEnvelope.merge`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ckpt_gui.core.analysis.real_numbers import as_real
from ckpt_gui.core.deferred import numpy as np

MAX_ENVELOPE_POINTS = 2048  # a vector's line: this many (min, max) pairs at most (each costs paint time)
MAX_ENVELOPE_SIDE = 512  # a heatmap: at most this many blocks along each axis (more than it has pixels)


@dataclass(frozen=True, slots=True)
class BlockPiece:
    """The min and max of the blocks one chunk touches, starting at block (row, col)."""

    row: int
    col: int
    low: np.ndarray
    high: np.ndarray
    nan: np.ndarray | None = None  # which blocks hold a NaN, when marked and any does


@dataclass(slots=True)
class BlockEnvelope:
    rows: int
    cols: int
    block_rows: int
    block_cols: int
    base: int = 0  # flat index of the region's first element in the tensor
    mark_nan: bool = False  # note the blocks holding a NaN (``nan``): image() draws them NaN
    low: np.ndarray = field(init=False)
    high: np.ndarray = field(init=False)
    nan: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        shape = (-(-self.rows // self.block_rows), -(-self.cols // self.block_cols))
        self.low = np.full(shape, np.nan)  # NaN: nothing seen (np.fmin ignores it)
        self.high = np.full(shape, np.nan)
        if self.mark_nan:
            self.nan = np.zeros(shape, dtype=bool)

    @classmethod
    def for_region(cls, rows: int, cols: int, base: int = 0) -> BlockEnvelope:
        """Blocks small enough for the screen: a vector (one row) gets up to
        MAX_ENVELOPE_POINTS of them, a matrix up to MAX_ENVELOPE_SIDE per axis, its
        blocks holding a NaN marked (a heatmap draws them NaN, so a lone NaN shows)."""
        if rows == 1:
            return cls(1, cols, 1, max(1, -(-cols // MAX_ENVELOPE_POINTS)), base)
        side = (max(1, -(-rows // MAX_ENVELOPE_SIDE)), max(1, -(-cols // MAX_ENVELOPE_SIDE)))
        return cls(rows, cols, *side, base, mark_nan=True)

    @property
    def size(self) -> int:
        return self.rows * self.cols

    def chunk_blocks(self, chunk: np.ndarray, start: int) -> list[BlockPiece]:
        """The blocks of the part of a flat chunk (first element at flat index
        ``start`` of the tensor) that lies in the region; safe on any thread."""
        begin, end = max(start, self.base), min(start + chunk.size, self.base + self.size)
        if begin >= end:
            return []
        values, _magnitude = as_real(chunk[begin - start : end - start])
        pieces = []
        offset = begin - self.base
        for row, col, part in _row_parts(values, offset, self.cols):
            # Rows first (an element-wise reduction numpy vectorises), then the columns
            # of the fewer rows left.
            low = _reduce_blocks(np.fmin, part, row, self.block_rows, 0)
            high = _reduce_blocks(np.fmax, part, row, self.block_rows, 0)
            low = _reduce_blocks(np.fmin, low, col, self.block_cols, 1)
            high = _reduce_blocks(np.fmax, high, col, self.block_cols, 1)
            nan = self._nan_blocks(part, row, col) if self.mark_nan and part.dtype.kind == "f" else None
            pieces.append(BlockPiece(row // self.block_rows, col // self.block_cols, low, high, nan))
        return pieces

    def _nan_blocks(self, part: np.ndarray, row: int, col: int) -> np.ndarray | None:
        """Which blocks of ``part`` hold a NaN; None if none does (the usual case: one
        pass of isnan, no reduction)."""
        nan = np.isnan(part)
        if not nan.any():
            return None
        nan = _reduce_blocks(np.logical_or, nan, row, self.block_rows, 0)
        return _reduce_blocks(np.logical_or, nan, col, self.block_cols, 1)

    def merge(self, pieces: list[BlockPiece]) -> None:
        for piece in pieces:
            rows, cols = piece.low.shape
            where = (slice(piece.row, piece.row + rows), slice(piece.col, piece.col + cols))
            np.fmin(self.low[where], piece.low, out=self.low[where])
            np.fmax(self.high[where], piece.high, out=self.high[where])
            if piece.nan is not None and self.nan is not None:
                np.logical_or(self.nan[where], piece.nan, out=self.nan[where])

    def add(self, chunk: np.ndarray, start: int) -> None:
        self.merge(self.chunk_blocks(chunk, start))

    def transposed(self) -> BlockEnvelope:
        """The envelope of the transposed region (for a region of one row, of one column)."""
        flipped = BlockEnvelope(self.cols, self.rows, self.block_cols, self.block_rows, self.base, self.mark_nan)
        flipped.low, flipped.high = self.low.T.copy(), self.high.T.copy()
        if self.nan is not None:
            flipped.nan = self.nan.T.copy()
        return flipped

    def image(self) -> np.ndarray:
        """One value a block for a heatmap: its min or its max, whichever lies further
        from zero (a block's outlier stays visible, with its sign); NaN where the block
        holds only NaN, or any NaN when marked (``mark_nan``)."""
        with np.errstate(invalid="ignore"):
            image = np.where(np.abs(self.low) > np.abs(self.high), self.low, self.high)
        if self.nan is not None:
            image[self.nan] = np.nan
        return image

    def block_bounds(self, block_row: int, block_col: int) -> tuple[range, range]:
        """The rows and columns (of the region) that block (block_row, block_col) covers."""
        rows = range(block_row * self.block_rows, min(self.rows, (block_row + 1) * self.block_rows))
        cols = range(block_col * self.block_cols, min(self.cols, (block_col + 1) * self.block_cols))
        return rows, cols


def _row_parts(values: np.ndarray, offset: int, cols: int):
    """Split flat values starting at region offset ``offset`` into 2-D pieces of whole
    or partial rows: (first row, first column, array of shape (k, width))."""
    row, col = divmod(offset, cols)
    done = 0
    if col:  # the end of a row the previous chunk began
        width = min(cols - col, values.size)
        yield row, col, values[:width].reshape(1, width)
        done, row = width, row + 1
    whole = (values.size - done) // cols
    if whole:
        yield row, 0, values[done : done + whole * cols].reshape(whole, cols)
        done, row = done + whole * cols, row + whole
    if done < values.size:  # the start of a row the next chunk ends
        yield row, 0, values[done:].reshape(1, -1)


def _reduce_blocks(ufunc: np.ufunc, part: np.ndarray, first: int, block: int, axis: int) -> np.ndarray:
    """Reduce ``part`` (2-D) along ``axis`` in the region's blocks of ``block``, where
    index 0 of ``part`` is index ``first`` of the region along that axis. Whole blocks
    go through one reshape (``reduceat`` is ten times slower along rows); the partial
    blocks at either end are reduced apart."""
    n = part.shape[axis]
    if block == 1:
        return part
    head = min(n, -first % block)  # before the first block boundary
    whole = (n - head) // block
    cut = [0, head, head + whole * block, n]
    pieces = []
    for k, (begin, end) in enumerate(zip(cut, cut[1:], strict=False)):
        if begin == end:
            continue
        piece = part[begin:end] if axis == 0 else part[:, begin:end]
        if k == 1:  # the whole blocks
            shape = (whole, block, part.shape[1]) if axis == 0 else (part.shape[0], whole, block)
            pieces.append(ufunc.reduce(piece.reshape(shape), axis=axis + 1))
        else:
            pieces.append(ufunc.reduce(piece, axis=axis, keepdims=True))
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=axis)
