"""Details at 1024x640 for a variable holding NaN or Inf, once the scan found it (it came
with a banner, "1 variable holds NaN or Inf", until review 19 F6): the positions line
above the statistics took one more row and Details, kept to half the height above the
plots, needed about 20 px more than it got: its last rows under a scroll bar (review
11). The three kinds' counts are one row ("NaN/Inf: 1 NaN", "none"), the zeros' share
beside their count."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.views.describe import describe_stats, nonfinite_text
from tests.test_app_review10_browse import open_path
from tests.test_app_review10_nan import bad_checkpoint, select
from tools.bundle_writer import write_bundle

WINDOW_SIZE = (1024, 640)  # the reviewer's screen


def one_nan(tmp_path):
    """As the review's: a [1000, 50] matrix with one NaN, under a layer's path."""
    values = np.random.default_rng(0).standard_normal((1000, 50)).astype(np.float32)
    values[437, 23] = np.nan
    prefix = tmp_path / "nan" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(str(prefix), [("model/m/.ATTRIBUTES/VARIABLE_VALUE", "float32", values.shape, values.tobytes())])
    return prefix, "model/m/.ATTRIBUTES/VARIABLE_VALUE"


def three_kinds(tmp_path):
    """A NaN, a +Inf and a -Inf: the positions line wraps to two lines."""
    return bad_checkpoint(tmp_path), "bad"


@pytest.mark.parametrize("checkpoint", [one_nan, three_kinds])
def test_details_of_a_variable_with_nan_show_whole_under_the_scans_banner(qtbot, scanning_window, tmp_path, checkpoint):
    window = scanning_window
    path, key = checkpoint(tmp_path)
    open_path(qtbot, window, path)
    qtbot.waitUntil(lambda: "NaN" in window.status_message(), timeout=30_000)  # the scan's end
    select(qtbot, window, key)
    details = window.details
    qtbot.waitUntil(lambda: details.positions.isVisible() and details.stats.count() > 0, timeout=30_000)
    qtbot.wait(100)  # the splitter's share after any change of room (window_splits._on_resize)
    scrolled = details.verticalScrollBar().maximum()
    assert scrolled == 0, (scrolled, details.viewport().height())
    bottom = details.widget().mapTo(details.viewport(), details.widget().rect().bottomLeft()).y()
    assert bottom < details.viewport().height(), (bottom, details.viewport().height())


def _stats(nan: int = 0, posinf: int = 0, neginf: int = 0, zeros: int = 0) -> TensorStats:
    count = 10_000
    return TensorStats(count, count - nan - posinf - neginf, 0.0, 1.0, 0.5, 0.1, nan, posinf, neginf, zeros)


def test_the_counts_of_nan_and_inf_read_as_one_row_naming_only_the_kinds_present():
    assert nonfinite_text(_stats()) == "none"
    assert nonfinite_text(_stats(nan=1024, neginf=3)) == "1,024\u00a0NaN, 3\u00a0-Inf"
    rows = dict(describe_stats(_stats(posinf=2, zeros=5)))
    assert rows["NaN/Inf"] == "2\u00a0+Inf"
    assert rows["Zeros"].startswith("5 (") and rows["Zeros"].endswith("%)")
