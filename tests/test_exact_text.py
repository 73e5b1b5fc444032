"""exact_text: the text a copy of a tensor's element gives (review 19, F2). It reads back
as the very value of its dtype, with no more digits than that takes: numpy's float32
0.15277405 is copied so, not as the table's 0.152774 nor as float64's 0.15277405083179474."""

from __future__ import annotations

import math
from decimal import Decimal

import ml_dtypes
import numpy as np
import pytest

from ckpt_gui.core.formatting import exact_text

FLOATS = [np.float16, np.float32, np.float64, ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn]


def _values(dtype) -> np.ndarray:
    rng = np.random.default_rng(19)
    wide = rng.standard_normal(200) * 10.0 ** rng.integers(-6, 6, 200)
    values = np.concatenate([wide, [0.0, -0.0, 1.0, 1 / 3]]).astype(dtype)
    return values[np.isfinite(values.astype(np.float64))]


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_a_float_reads_back_as_itself_in_the_fewest_digits(dtype):
    for value in _values(dtype):
        text = exact_text(value)
        assert dtype(float(text)) == value and math.copysign(1, float(text)) == math.copysign(1, float(value))
        digits = len(Decimal(text).normalize().as_tuple().digits)
        fewer = f"{float(value):.{digits - 1}g}" if digits > 1 else None
        assert fewer is None or dtype(float(fewer)) != value, (value, text, fewer)


def test_a_float32_is_copied_as_numpy_writes_it_not_as_a_float64():
    value = np.float32(1) / np.float32(3)
    assert exact_text(value) == str(value) != repr(float(value))


def test_integers_are_exact_and_bools_read_as_bools():
    big = np.iinfo(np.int64).max
    assert exact_text(np.int64(big)) == str(big)  # a float would round it
    assert exact_text(np.uint64(np.iinfo(np.uint64).max)) == str(np.iinfo(np.uint64).max)
    assert [exact_text(b) for b in np.array([True, False])] == ["True", "False"]


def test_non_finite_values_and_strings():
    assert [exact_text(v) for v in np.array([np.nan, np.inf, -np.inf], dtype=np.float32)] == ["nan", "inf", "-inf"]
    assert exact_text(b"a\tb") == "a\\tb"  # a tab in a string would split the pasted cell
