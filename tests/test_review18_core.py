"""Review 18's nits in core (no Qt): F2, two sizes that read alike."""

from __future__ import annotations

from ckpt_gui.core.formatting import format_bytes, sizes_apart


def test_sizes_that_round_alike_are_told_apart():
    """F2: "1.0 GB left to read, more than the 1.0 GB scanned on open": 1,073,742,052
    bytes against 1 GiB. Sizes that read alike are given in bytes; others as before."""
    gib = 1 << 30
    left, most = sizes_apart(gib + 228, gib)
    assert left != most and left == f"{gib + 228:,} bytes" and most == f"{gib:,} bytes"
    assert sizes_apart(3 * gib, gib) == (format_bytes(3 * gib), format_bytes(gib))
