"""The one rule for turning a tensor's elements into numbers numpy reduces natively.

Narrow floats (float16, bfloat16, float8, float4) widen to float32; bool and the
ml_dtypes integers (int4...) become small ints; complex becomes its magnitude |z|.

Comparing two tensors (:func:`as_components`) follows the same rule with two
deliberate exceptions: complex is split into its real and imaginary parts, because
two numbers of equal magnitude but different phase differ; and integers become
float64, because their differences must not wrap around.
"""

from __future__ import annotations

from ckpt_gui.core.deferred import numpy as np


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype :func:`as_real` turns ``dtype`` into."""
    kind = dtype.kind
    if kind == "c":
        return np.dtype(np.float64 if dtype.itemsize == 16 else np.float32)
    if kind == "b":
        return np.dtype(np.uint8)
    if kind in "iu" or (kind == "f" and dtype.itemsize >= 4):
        return dtype
    # float16, and ml_dtypes types (kind 'V'): floats (bfloat16, float8_*, float4) or ints (int4...)
    name = dtype.name
    if "int" in name:
        return np.dtype(np.int8 if name.startswith("int") else np.uint8)
    return np.dtype(np.float32)


def as_real(chunk: np.ndarray) -> tuple[np.ndarray, bool]:
    """The chunk as numbers of :func:`real_dtype`; ``True`` if these are magnitudes."""
    kind = chunk.dtype.kind
    if kind == "c":
        return np.abs(chunk), True
    if kind == "b":
        return chunk.view(np.uint8), False
    if kind in "iu" or (kind == "f" and chunk.dtype.itemsize >= 4):
        return chunk, False
    return chunk.astype(real_dtype(chunk.dtype)), False


def as_components(chunk: np.ndarray) -> np.ndarray:
    """The chunk as floats to subtract: complex as (real, imaginary) pairs, bool and
    integers as float64, narrow floats and the ml_dtypes types as float32."""
    kind = chunk.dtype.kind
    if kind == "c":
        return chunk.view(real_dtype(chunk.dtype))
    if kind in "iub":
        return chunk.astype(np.float64)
    if kind == "f" and chunk.dtype.itemsize >= 4:
        return chunk
    return chunk.astype(np.float32)
