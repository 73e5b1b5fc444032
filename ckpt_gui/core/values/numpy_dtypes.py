"""The numpy dtype of each TensorFlow dtype (ml_dtypes for bfloat16, float8, int4...)."""

from __future__ import annotations

from functools import cache

from ckpt_gui.core.deferred import ml_dtypes
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.dtypes import DType


def numpy_dtype(dtype: DType) -> np.dtype:
    """The numpy dtype of ``dtype``'s little-endian elements."""
    if dtype.numpy_spec is None:
        raise TypeError(f"{dtype.name} has no fixed-size numpy representation")
    return _from_spec(dtype.numpy_spec)


@cache
def _from_spec(spec: str) -> np.dtype:
    if spec.startswith("ml:"):
        return np.dtype(getattr(ml_dtypes, spec[3:]))
    return np.dtype(spec)
