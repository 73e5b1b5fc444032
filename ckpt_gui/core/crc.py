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
