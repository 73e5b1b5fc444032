"""Masked CRC32C, as TensorFlow stores it in table trailers and bundle entries.

The CRC itself comes from google-crc32c (hardware accelerated; a pure-Python CRC
would run at a few MB/s). TensorFlow never stores a raw CRC: it rotates and offsets
it ("masks" it) so that a CRC of data containing CRCs stays well distributed.
"""

from __future__ import annotations

import google_crc32c

_MASK_DELTA = 0xA282EAD8


def crc32c(data, crc: int = 0) -> int:
    """CRC32C of ``data`` (bytes or a contiguous numpy array), continuing from ``crc``."""
    return google_crc32c.extend(crc, data)


def mask(crc: int) -> int:
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# Combining the CRCs of consecutive pieces (zlib's crc32_combine, for the CRC-32C
# polynomial), so that pieces can be checked on several threads in any order:
# crc(A + B) = crc(A) * x^(8 len(B)) mod P  xor  crc(B), in the bit-reflected
# representation where 1 << 31 is x^0.
_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _multmodp(a: int, b: int) -> int:
    """a * b modulo the CRC polynomial (a != 0)."""
    m = 1 << 31
    p = 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_X2N = [1 << 30]  # x^(2^k) mod P for k = 0..31
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))


def crc32c_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC32C of A + B from ``crc1`` of A, ``crc2`` of B and B's length in bytes."""
    p = 1 << 31  # x^0
    k = 3  # a byte is x^8 = x^(2^3)
    n = len2
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


def crc32c_of_zeros(length: int) -> int:
    """The CRC32C of ``length`` zero bytes, from the CRCs of runs of 1, 2, 4... zero bytes
    combined (a few dozen steps for any length: no bytes made, none read)."""
    crc, run, run_length = 0, crc32c(b"\0"), 1
    while length:
        if length & 1:
            crc = crc32c_combine(crc, run, run_length)
        run, run_length = crc32c_combine(run, run, run_length), 2 * run_length
        length >>= 1
    return crc
