"""TensorFlow's DataType enum: names as ``tf.DType.name`` spells them, sizes, and the
numpy type of each spelled as a string.

No numpy here, so listing a checkpoint stays cheap: values/numpy_dtypes.py turns the
spelling into a numpy dtype when a value is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# enum value -> (tf name, numpy type spelled for little-endian data, bytes per element)
# numpy spelling: a struct code such as "<f4", or "ml:<name>" for an ml_dtypes type.
# Quantized types (qint8...) hold plain integers on disk.
_TABLE: dict[int, tuple[str, str | None, int]] = {
    1: ("float32", "<f4", 4),
    2: ("float64", "<f8", 8),
    3: ("int32", "<i4", 4),
    4: ("uint8", "|u1", 1),
    5: ("int16", "<i2", 2),
    6: ("int8", "|i1", 1),
    7: ("string", None, 0),
    8: ("complex64", "<c8", 8),
    9: ("int64", "<i8", 8),
    10: ("bool", "|b1", 1),
    11: ("qint8", "|i1", 1),
    12: ("quint8", "|u1", 1),
    13: ("qint32", "<i4", 4),
    14: ("bfloat16", "ml:bfloat16", 2),
    15: ("qint16", "<i2", 2),
    16: ("quint16", "<u2", 2),
    17: ("uint16", "<u2", 2),
    18: ("complex128", "<c16", 16),
    19: ("float16", "<f2", 2),
    20: ("resource", None, 0),
    21: ("variant", None, 0),
    22: ("uint32", "<u4", 4),
    23: ("uint64", "<u8", 8),
    24: ("float8_e5m2", "ml:float8_e5m2", 1),
    25: ("float8_e4m3fn", "ml:float8_e4m3fn", 1),
    26: ("float8_e4m3fnuz", "ml:float8_e4m3fnuz", 1),
    27: ("float8_e4m3b11fnuz", "ml:float8_e4m3b11fnuz", 1),
    28: ("float8_e5m2fnuz", "ml:float8_e5m2fnuz", 1),
    29: ("int4", "ml:int4", 1),
    30: ("uint4", "ml:uint4", 1),
    31: ("int2", "ml:int2", 1),
    32: ("uint2", "ml:uint2", 1),
    33: ("float4_e2m1fn", "ml:float4_e2m1fn", 1),
}

_REF_OFFSET = 100  # DT_FLOAT_REF = 101 ...: only in graphs, but decode them as their base type

STRING = 7
VARIANT = 21

# Sub-byte types that TF stores one element per byte but could, in principle, pack.
SUB_BYTE_BITS = {29: 4, 30: 4, 31: 2, 32: 2, 33: 4}


@dataclass(frozen=True, slots=True)
class DType:
    """One TensorFlow data type."""

    enum: int
    name: str
    itemsize: int  # bytes per element on disk; 0 for variable-length types
    numpy_spec: str | None  # see _TABLE; None for variable-length types

    @property
    def known(self) -> bool:
        return not self.name.startswith("unknown")

    @property
    def is_string(self) -> bool:
        return self.enum == STRING

    @property
    def is_variant(self) -> bool:
        return self.enum == VARIANT

    @property
    def is_numeric(self) -> bool:
        """Has a fixed-size numpy representation (includes bool and complex)."""
        return self.numpy_spec is not None

    @property
    def is_complex(self) -> bool:
        return self.enum in (8, 18)

    @property
    def is_floating(self) -> bool:
        return self.enum in (1, 2, 14, 19, 24, 25, 26, 27, 28, 33)

    def __str__(self) -> str:
        return self.name


@cache
def dtype_from_enum(value: int) -> DType:
    """The DType for a DataType enum value; unknown values keep their number, never raise."""
    base = value - _REF_OFFSET if value > _REF_OFFSET else value
    entry = _TABLE.get(base)
    if entry is None:
        return DType(value, f"unknown({value})", 0, None)
    name, spec, size = entry
    return DType(base, name, size, spec)
