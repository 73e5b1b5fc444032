"""Review 7 of the comparison (a new user, 1024x640): renames the CLI's `diff` proposes
were not suggested in the app; an only-A pair's plots showed a phantom B and an empty
B - A; the status bar said "only a"; ticks read "0.5e-4"; an all-zero B - A was pale
pink on a made-up range; a chip's filter left a hidden pair in the details; the Compare
dialog cut its checkpoints; a lone NaN vanished from a 1000x50 heatmap. Offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel

from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import find_renames, pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.core.views.pair_view import pair_view
from tests.test_app_desktop import WAIT_MS
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RNG = np.random.default_rng(7)
HEAD = RNG.uniform(-0.4, 0.4, (32, 4)).astype(np.float32)  # the renamed layer's kernel: same values both sides
DENSE = RNG.uniform(-0.2, 0.2, (8, 32)).astype(np.float32)


def _write(prefix: str, tensors: dict[str, np.ndarray]) -> None:
    write_bundle(prefix, ((key, "float32", value.shape, value.tobytes()) for key, value in tensors.items()))


def renamed_pair(tmp_path, changed: bool = False) -> tuple[str, str]:
    """A with layer `head`, B with it renamed `out` (same values); dense1 the same, or
    changed in B."""
    a, b = str(tmp_path / "a" / "ckpt-1"), str(tmp_path / "b" / "ckpt-1")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    bias = np.linspace(-1, 1, 4, dtype=np.float32)
    _write(a, {"model/head/kernel": HEAD, "model/head/bias": bias, "model/dense1/kernel": DENSE})
    _write(b, {"model/out/kernel": HEAD, "model/out/bias": bias, "model/dense1/kernel": DENSE + changed})
    return a, b


def _diff(a: str, b: str):
    diff = pair_variables(Checkpoint.open(a), Checkpoint.open(b))
    compare_all(diff)
    return diff


def _only(diff, status: str, key: str):
    return next(p for p in diff.pairs if p.status == status and key in (p.a and p.a.key, p.b and p.b.key))


# -- 1. renames ------------------------------------------------------------------------------


def _label_texts(panel) -> list[QLabel]:
    return [panel.numbers.itemAt(i).widget() for i in range(panel.numbers.count())]


def test_the_app_suggests_the_renames_the_cli_finds(qtbot, window, tmp_path):
    a, b = renamed_pair(tmp_path)
    said = []
    window.compare.status.connect(said.append)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(b)
    diff = window.compare.diff
    assert [(r.key_a, r.key_b) for r in find_renames(_diff(a, b))] == [("model/head/kernel", "model/out/kernel")]
    # The summary: a hint beside the chips, and the status bar's line.
    trees = window.compare_trees
    qtbot.waitUntil(lambda: trees.moved_note.isVisible(), timeout=WAIT_MS)  # found after the counts
    assert "1 perhaps moved" in trees.moved_note.text()
    assert any("1 perhaps moved" in text for text in said), said
    # The only-A pair's details: where it went, with a link there.
    head = _only(diff, "only_a", "model/head/kernel")
    out = _only(diff, "only_b", "model/out/kernel")
    trees.select_pair(head)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is head, timeout=WAIT_MS)
    moved = [w for w in _label_texts(window.pair_panel) if "perhaps moved" in w.text()]
    assert len(moved) == 1 and "moved to" in moved[0].text() and "model/\u200bout/\u200bkernel" in moved[0].text()
    assert "same values" in moved[0].text()
    moved[0].linkActivated.emit("pair")
    assert trees.selected_pair() is out
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is out, timeout=WAIT_MS)
    back = [w for w in _label_texts(window.pair_panel) if "perhaps moved" in w.text()]
    assert len(back) == 1 and "moved from" in back[0].text() and "in A" in back[0].text()
    # The summary's link: to the first rename's only-A side.
    trees.moved_note.linkActivated.emit("0")
    assert trees.selected_pair() is head
    # The bias (4 values) is not proposed: too few values to tell (as `diff`).
    bias = _only(diff, "only_a", "model/head/bias")
    trees.select_pair(bias)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is bias, timeout=WAIT_MS)
    assert not [w for w in _label_texts(window.pair_panel) if "perhaps moved" in w.text()]


# -- 2. a pair on one side only ----------------------------------------------------------------


def _panel(qtbot):
    from ckpt_gui.app.widgets.pair_panel import PairPanel

    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 560)
    panel.show()
    return panel


@pytest.mark.parametrize(("status", "key", "side", "missing"), [
    ("only_a", "model/head/kernel", "A", "not in B"),
    ("only_b", "model/out/kernel", "B", "not in A"),
])  # fmt: skip
def test_a_one_sided_pairs_histogram_is_its_side_alone_and_no_difference_is_plotted(
    qtbot, tmp_path, status, key, side, missing
):
    diff = _diff(*renamed_pair(tmp_path))
    panel = _panel(qtbot)
    pair = _only(diff, status, key)
    panel.show_view(pair_view(diff, pair, 20))
    shown, absent = (panel.curve_a, panel.curve_b) if side == "A" else (panel.curve_b, panel.curve_a)
    assert shown.isVisible() and not absent.isVisible()
    title = panel.hist_plot.titleLabel.text
    assert f"\u25a0 {side}" in title and "and" not in title
    # On its own range (-0.4..0.4), not squeezed on 0..1 by the other side's placeholder.
    qtbot.waitUntil(lambda: panel.hist_plot.vb.viewRange()[0][1] < 0.6, timeout=2000)
    assert panel.hist_plot.vb.viewRange()[0][0] < -0.3
    # Its heatmap on its own columns (only B's was squeezed into 0..50 by A's empty plot).
    heatmap = panel.image_plots[0 if side == "A" else 1]
    assert heatmap.isVisible()
    assert heatmap.vb.viewRange()[0] == pytest.approx([-0.5, 3.5], abs=0.01)
    # No B - A plot: the words in its place.
    assert panel.diff_plot.scene() is None
    assert panel.diff_missing.scene() is not None and missing in panel.diff_missing.text
    # A pair on both sides brings B - A back, with both curves and both names.
    both = next(p for p in diff.pairs if p.a is not None and p.b is not None)
    panel.show_view(pair_view(diff, both, 20))
    assert panel.diff_plot.scene() is not None and panel.diff_missing.scene() is None
    assert panel.curve_a.isVisible() and panel.curve_b.isVisible()
    assert "A" in panel.hist_plot.titleLabel.text and "B" in panel.hist_plot.titleLabel.text


# -- 3. the chips' words ---------------------------------------------------------------------


def test_the_status_bar_uses_the_chips_words():
    from ckpt_gui.app.controllers.compare import summary_text
    from ckpt_gui.app.status_style import DIFF_STYLES

    counts = {"changed": 1, "only_a": 34, "only_b": 29, "shape_changed": 2}
    text = summary_text(counts)
    assert text == ", ".join(f"{n} {DIFF_STYLES[status][1]}" for status, n in counts.items())
    assert "only A" in text and "only a" not in text


# -- 4. ticks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "spacing"), [
    ([0.0, 5e-5, 1e-4, 1.5e-4], 5e-5),
    ([0.0, 5e4, 1e5, 1.5e5], 5e4),
    ([0.0, 2.5e-9, 5e-9], 2.5e-9),
])  # fmt: skip
def test_tick_labels_read_as_numbers_are_written(values, spacing):
    """Review 7: "0.5e-4" beside "1e-4": each label a mantissa from 1 to 10 (or 0), and
    read back, the tick's value."""
    from ckpt_gui.app.widgets.plot_axes import short_labels

    labels = short_labels(values, spacing)
    for value, label in zip(values, labels, strict=True):
        assert float(label) == pytest.approx(value, abs=spacing * 1e-6), labels
        mantissa = label.partition("e")[0]
        assert label == "0" or 1 <= abs(float(mantissa)) < 10, labels


# -- 5. an all-zero B - A ----------------------------------------------------------------------


def test_the_diverging_maps_zero_is_neutral():
    from ckpt_gui.app.widgets.heatmap import diverging_map

    lut = diverging_map().getLookupTable(nPts=256, alpha=False)
    r, g, b = (int(c) for c in lut[128])  # where 0 falls on symmetric levels
    assert r == g == b, lut[128]
    assert tuple(lut[0]) != tuple(lut[255])  # still diverging


def test_an_all_zero_difference_says_no_difference_in_the_neutral_colour(qtbot, tmp_path):
    diff = _diff(*renamed_pair(tmp_path))
    panel = _panel(qtbot)
    pair = next(p for p in diff.pairs if p.key == "model/dense1/kernel")
    assert pair.status == "same"
    panel.show_view(pair_view(diff, pair, 20))
    qtbot.wait(100)
    assert "no difference" in panel.heatmap_note.text
    assert not panel.colorbar_diff.isVisible()  # no range to name
    plot = panel.image_plots[2]
    centre = plot.vb.mapViewToScene(plot.vb.viewRect().center())
    where = panel.heatmap_view.mapFromScene(centre)
    pixel = panel.heatmap_view.grab().toImage().pixelColor(QPoint(where.x(), where.y()))
    assert pixel.red() == pixel.green() == pixel.blue(), pixel.getRgb()


# -- 6. a filter hiding the selected pair ------------------------------------------------------


def shown_renamed_trees(qtbot, tmp_path):
    """The comparison trees (600x400) of A (model/head, model/dense1) and B (model/out,
    model/dense1 changed), and their diff."""
    diff = _diff(*renamed_pair(tmp_path, changed=True))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(600, 400)
    trees.show()
    trees.show_tree(PairTree(diff), "a", "b")
    return diff, trees


def test_a_chip_hiding_the_selected_pair_selects_a_pair_it_shows(qtbot, tmp_path):
    diff, trees = shown_renamed_trees(qtbot, tmp_path)
    chosen = []
    trees.pair_selected.connect(chosen.append)
    head = _only(diff, "only_a", "model/head/kernel")
    assert trees.select_pair(head)
    trees.summary["changed"].setChecked(True)
    assert trees.selected_pair() is not None and trees.selected_pair().status == "changed"
    assert chosen[-1] is trees.selected_pair()  # the details follow
    trees.summary["changed"].setChecked(False)  # the filter gone: back on the pair chosen
    assert trees.selected_pair() is head
    trees.search.setText("no such pair")  # nothing shown: no details of a hidden pair
    assert trees.selected_pair() is None and chosen[-1] is None
    trees.search.clear()
    assert trees.selected_pair() is head


# -- 7. the Compare dialog's checkpoints -------------------------------------------------------


def test_the_compare_dialogs_checkpoints_are_whole(qtbot, tmp_path):
    from ckpt_gui.app.widgets.compare_dialog import CompareDialog
    from ckpt_gui.core.format.discovery import locate

    a, _b = renamed_pair(tmp_path)
    _write(str(tmp_path / "a" / "ckpt-2"), {"model/head/kernel": HEAD})
    dialog = CompareDialog(a, str(tmp_path / "a"), locate)
    qtbot.addWidget(dialog)
    dialog.checkpoints.setCurrentIndex(1)  # the shown one: its text is the longest ("(shown)")
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.checkpoints
    metrics = box.fontMetrics()
    widest = max(metrics.horizontalAdvance(box.itemText(i)) for i in range(box.count()))
    assert "(shown)" in box.currentText()
    assert dialog.width() <= dialog.screen().availableGeometry().width()
    # The box's field holds its text whole (the screen is wide enough here).
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    field = box.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, box
    )
    assert field.width() >= metrics.horizontalAdvance(box.currentText()), (field.width(), box.currentText())
    box.showPopup()
    try:
        assert box.view().width() >= widest
    finally:
        box.hidePopup()


# -- 8. a lone NaN -----------------------------------------------------------------------------


NAN_MARK_PIXELS = 16  # at least 4x4 px of the NaN colour: a mark, not a sliver


def _nan_pixels(image) -> int:
    """Pixels of ``image`` (a QImage) in the NaN colour."""
    from ckpt_gui.app.widgets.heatmap_cells import NAN_COLOUR

    found = 0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            found += (
                abs(colour.red() - NAN_COLOUR[0])
                + abs(colour.green() - NAN_COLOUR[1])
                + abs(colour.blue() - NAN_COLOUR[2])
                < 30
            )
    return found


def test_a_lone_nan_shows_in_a_1000x50_browse_heatmap(qtbot, tmp_path, window):
    values = RNG.normal(size=(1000, 50)).astype(np.float32)
    values[537, 23] = np.nan
    _write(str(tmp_path / "nan"), {"w": values})
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(tmp_path / "nan"))
    window.resize(1024, 640)
    assert window.tree_panel.select_key("w")
    from tests.conftest import wait_drawn

    panel = window.tensor
    qtbot.waitUntil(lambda: panel.value is not None, timeout=WAIT_MS)
    wait_drawn(qtbot)
    qtbot.wait(200)
    assert panel.nonfinite.nan == 1  # the heatmap's legend
    assert _nan_pixels(panel.graphics.grab().toImage()) >= NAN_MARK_PIXELS  # a mark, not a sliver (review 8)


def test_screen_cells_let_a_nan_win_its_pixel():
    from ckpt_gui.app.widgets.heatmap_cells import screen_cells
    from ckpt_gui.core.views.planes import extreme_image

    values = np.ones((1000, 50), np.float32)
    values[537, 23] = np.nan
    image, block = extreme_image(values)
    assert block != (1, 1) and np.isnan(image).sum() == 1
    assert np.isnan(screen_cells(image, 3, 1)).sum() == 1


def test_a_lone_nan_shows_in_the_comparisons_heatmaps(qtbot, tmp_path):
    """The comparison's planes of a 1000x50 pair (one NaN in A) at the panel's size:
    A's and B - A's NaN cell drawn, whatever the blocks and the pixels per cell."""
    values = RNG.normal(size=(1000, 50)).astype(np.float32)
    changed = values + np.float32(0.5)
    values[537, 23] = np.nan
    for side, tensor in (("a", values), ("b", changed)):
        _write(str(tmp_path / side), {"w": tensor})
    diff = _diff(str(tmp_path / "a"), str(tmp_path / "b"))
    panel = _panel(qtbot)
    panel.show_view(pair_view(diff, diff.pairs[0], 20))
    qtbot.wait(200)
    assert "NaN" in panel.heatmap_note.text
    view = panel.heatmap_view
    image = view.grab().toImage()
    for plot in (panel.image_plots[0], panel.image_plots[2]):  # A, and B - A (NaN - x is NaN)
        rect = view.mapFromScene(plot.vb.sceneBoundingRect()).boundingRect()
        assert _nan_pixels(image.copy(rect)) > 0, plot.titleLabel.text
