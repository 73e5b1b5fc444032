"""The byte mutations both fuzzers make (tools/fuzz_index.py on ``.index`` files,
tools/fuzz_c_decoders.py on object graphs): bit flips, odd bytes, insertions,
deletions, varints set to edge values, splices from another input, truncations.

The random draws are the same for the same arguments, so that a seed gives the same
inputs as before this was shared (a finding's input can be made again from its seed).
"""

from __future__ import annotations

import random

from ckpt_gui.core.format.wire import encode_varint


def mutate_bytes(
    rng: random.Random,
    data: bytes,
    other: bytes,
    *,
    odd_bytes: tuple[int, ...],
    edge_numbers: list[int],
    splice_max: int,
    truncate: bool = False,
) -> bytes:
    """One to four mutations of ``data``: ``odd_bytes`` are the bytes written over one
    (tags of the fuzzed format, varint edges), ``edge_numbers`` the values of varints
    written in, splices take up to ``splice_max - 1`` bytes of ``other``; ``truncate``
    also cuts ``data`` short."""
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4))):
        choice = rng.randrange(7 if truncate else 6)
        at = rng.randrange(len(data) + 1) if data else 0
        if choice == 0 and data:  # bit flip
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1 and data:  # an interesting byte
            data[min(at, len(data) - 1)] = rng.choice(odd_bytes)
        elif choice == 2:  # insertion
            data[at:at] = rng.randbytes(rng.choice((1, 2, 4, 9)))
        elif choice == 3 and data:  # deletion
            del data[at : at + rng.choice((1, 2, 4, 16))]
        elif choice == 4:  # a varint with an edge value
            data[at : at + rng.choice((0, 1, 2))] = encode_varint(rng.choice(edge_numbers))
        elif choice == 5 and other:  # splice from another input
            start = rng.randrange(len(other))
            data[at : at + rng.randrange(8)] = other[start : start + rng.randrange(1, splice_max)]
        elif choice == 6:  # truncation
            del data[at:]
    return bytes(data)
