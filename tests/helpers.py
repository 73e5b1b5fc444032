"""Comparisons against TensorFlow's own reader."""

from __future__ import annotations

import numpy as np


def tf_value(reader, key: str) -> np.ndarray:
    """``reader.get_tensor(key)`` as an array (TF returns bare bytes for string scalars)."""
    value = reader.get_tensor(key)
    if isinstance(value, bytes):
        return np.array(value, dtype=object)
    return np.asarray(value)


def assert_same_value(mine: np.ndarray, theirs: np.ndarray, key: str = "") -> None:
    """Equal shape, dtype and bytes (so NaN payloads and -0.0 count too)."""
    assert mine.shape == theirs.shape, f"{key}: shape {mine.shape} != {theirs.shape}"
    if theirs.dtype == object or mine.dtype == object:
        assert mine.dtype == object, f"{key}: expected strings, got {mine.dtype}"
        assert [bytes(x) for x in mine.reshape(-1)] == [bytes(x) for x in theirs.reshape(-1)], key
        return
    assert mine.dtype.name == theirs.dtype.name, f"{key}: dtype {mine.dtype} != {theirs.dtype}"
    assert np.ascontiguousarray(mine).tobytes() == np.ascontiguousarray(theirs).tobytes(), f"{key}: values differ"
