"""Review 12, finding 11: text of the comparison cut or run together at 1024x640: the
heatmaps' index ticks of a [784, 64] pair read "2060", Details' "Mean |B-A| (finite"
was cut at the window's edge. Offscreen, the window at 1024x640."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from tests.test_app_compare_review7 import _write
from tests.test_app_desktop import WAIT_MS
from tests.test_app_ux import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _tall_pair(tmp_path) -> tuple[str, str]:
    """s002's first kernel's shape ([784, 64], Sequential 784-64-10), trained a step."""
    rng = np.random.default_rng(12)
    a = rng.uniform(-0.08, 0.08, (784, 64)).astype(np.float32)
    b = a + rng.uniform(-0.001, 0.001, a.shape).astype(np.float32)
    paths = []
    for name, value in (("a", a), ("b", b)):
        (tmp_path / name).mkdir()
        _write(str(tmp_path / name / "ckpt-1"), {"model/dense/kernel": value, "model/dense/bias": value[0]})
        paths.append(str(tmp_path / name / "ckpt-1"))
    return paths[0], paths[1]


def _labels(axis) -> list[tuple[float, float, str]]:
    """The tick labels ``axis`` draws, as (left, right, text) in its own pixels."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect.left(), rect.right(), text) for rect, _flags, text in specs[2])


@pytest.fixture()
def compared(qtbot, window, tmp_path):
    window.resize(1024, 640)
    a, b = _tall_pair(tmp_path)
    open_path(qtbot, window, a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(b)
    pair = next(p for p in window.compare.diff.pairs if p.a.shape == (784, 64))
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT_MS)
    qtbot.wait(200)  # the graphics layouts settle on the event loop
    return window


def test_the_heatmaps_index_ticks_never_run_together(qtbot, compared):
    """Whatever room the heatmaps get (the details' share narrowed a step at a time, down
    to A and B about 25 px wide, as s002's [784, 64] kernel had at 1024x640): two labels
    at least under each, none touching its neighbour."""
    window = compared
    total = sum(window.main_splitter.sizes())
    narrowest = 1e9
    for right in range(403, 280, -12):
        window.main_splitter.setSizes([total - right, right])
        qtbot.wait(50)  # the graphics layouts settle on the event loop
        for plot in window.pair_panel.image_plots:
            axis = plot.getAxis("bottom")
            narrowest = min(narrowest, axis.geometry().width())
            labels = _labels(axis)
            assert len(labels) >= 2, (right, plot.titleLabel.text, labels)
            for (_l, end, text), (start, _r, other) in zip(labels, labels[1:]):
                assert end + 3 <= start, (right, plot.titleLabel.text, text, other, labels)
    assert narrowest < 30, f"the heatmaps never got narrow: {narrowest} px, no test"


def test_the_details_labels_are_never_cut_at_1024x640(qtbot, window, checkpoints):
    """A pair where NaN appeared labels its numbers "Mean |B-A| (finite)": at 1024x640
    the right column read "Mean |B-A| (finite" at the window's edge (review 12)."""
    window.resize(1024, 640)
    folder = checkpoints / "bf16_pair"
    open_path(qtbot, window, folder / "a" / "ckpt")
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "b" / "ckpt"))
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT_MS)
    pair = next(p for p in window.compare.diff.pairs if p.path.endswith("flaky"))
    window.compare_trees.select_pair(pair)
    panel = window.pair_panel
    qtbot.waitUntil(lambda: getattr(panel.view, "pair", None) is pair, timeout=WAIT_MS)
    qtbot.wait(100)
    grid = panel.numbers
    labels = [grid.itemAt(i).widget() for i in range(grid.count())]
    assert "Mean |B-A| (finite)" in [label.text().replace("\u2060", "").replace("\u00a0", " ") for label in labels]
    total = sum(window.main_splitter.sizes())
    for room in range(window.main_splitter.sizes()[1], 350, -10):  # a longer number's few px less, too
        window.main_splitter.setSizes([total - room, room])
        qtbot.wait(20)
        right = panel.mapTo(window, panel.rect().topRight()).x()
        for label in labels:
            edge = label.mapTo(window, label.rect().topRight()).x()
            assert edge <= right, (room, label.text(), edge, right)
            words = label.text().split()
            widest = max(label.fontMetrics().horizontalAdvance(word) for word in words) if words else 0
            assert label.contentsRect().width() >= widest, (room, label.text(), label.width(), widest)
            if not label.wordWrap():
                assert label.contentsRect().width() >= label.fontMetrics().horizontalAdvance(label.text()), label.text()


def test_flat_paths_keep_the_part_that_tells_rows_apart(qtbot):
    """An Estimator's linear model (damon-est-2019): every feature's weights and Ftrl
    slots end ".../weights/part_0/Ftrl". Cut at 1024x640, the feature's name, the only
    part that tells two rows apart, was what went: "…/Ca…in/weights/part_0/Ftrl" beside
    "…/Ca…ss/weights/part_0/Ftrl" (review 12). Now the parts between it and the leaf go
    ("…/Capital-Gain/…/Ftrl"), where no other row reads the same: not "…/dense/…/v" for
    both kernel/v and bias/v."""
    from PySide6.QtWidgets import QWidget

    from ckpt_gui.app.widgets.flat_paths import elide_path
    from ckpt_gui.core.views.path_ends import end_depths, unique_gapped_forms

    features = ("Age", "Capital-Gain", "Capital-Loss", "Education", "Hours-per-week", "Sex_indicator")
    paths = [
        f"linear/linear_model/{feature}/weights/part_0{slot}"
        for feature in features
        for slot in ("", "/Ftrl", "/Ftrl_1")
    ]
    paths += [f"net/dense_{i}/{name}/{slot}" for i in (0, 1) for name in ("kernel", "bias") for slot in ("m", "v")]
    depths = end_depths(paths)
    gapped = unique_gapped_forms(depths)
    widget = QWidget()
    qtbot.addWidget(widget)
    metrics = widget.fontMetrics()
    gain = "linear/linear_model/Capital-Gain/weights/part_0/Ftrl"
    told = 0
    for room in range(metrics.horizontalAdvance(gain), 40, -4):
        shown = {path: elide_path(path, metrics, room, depths[path], gapped) for path in paths}
        if room >= metrics.horizontalAdvance("\u2026/Capital-Gain/\u2026/Ftrl"):
            assert "/Capital-Gain/" in shown[gain], (room, shown[gain])
            assert len(set(shown.values())) == len(paths), (room, shown)  # no two rows alike
            told += 1
    assert told > 5


def test_without_nan_the_details_names_stay_on_one_line(compared):
    """Only "(finite)" names wrap: "Mean |B-" over "A|" read worse than the values wrapped."""
    grid = compared.pair_panel.numbers
    names = [grid.itemAt(i).widget() for i in range(grid.count()) if grid.getItemPosition(i)[1] % 2 == 0]
    assert "Mean |B-A|" in [name.text() for name in names]
    for name in names:
        assert name.height() < 2 * name.fontMetrics().lineSpacing(), (name.text(), name.height())
