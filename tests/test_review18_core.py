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


def test_inspect_warns_once_for_a_missing_data_file_that_holds_the_object_graph(scratch_copy):
    """`inspect` of review 16's nodata warned twice for the one missing file ("... is
    missing: names, dtypes and shapes only", then "... data shard is missing (...); the
    keys are listed without their object paths"); `diff` says it once: inspect too."""
    import os

    from ckpt_gui.cli.documents import listing_warnings
    from ckpt_gui.core.checkpoint import Checkpoint

    folder = scratch_copy("keras_seq")
    data = Checkpoint.open(folder / "ckpt-4").index.data_path(0)
    os.remove(data)
    warnings = listing_warnings(Checkpoint.open(folder / "ckpt-4"))
    said = [w for w in warnings if os.path.basename(data) in w]
    assert len(said) == 1, warnings
    assert "names, dtypes and shapes only" in said[0] and "without their object paths" in said[0]
