"""Large tensors in the app (issue 11): one streamed pass feeds the statistics, the
first NaN/Inf positions and the picture, a second the histogram, and the NaN/Inf scan
reads nothing again; the picture is a true min/max envelope; the table reads only the
rows it shows. Behaviour only: the speed itself is measured in benchmarks/."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ckpt_gui.app import browse_selection, plot_turns
from ckpt_gui.app.widgets.histogram_panel import BADGE_BACKGROUND, BADGE_TEXT
from ckpt_gui.app.widgets.paged_table import PAGE_ROWS, PagedTable
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.overview import first_pass
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.values import parallel
from ckpt_gui.core.values.mapped import mapped_entry
from ckpt_gui.core.views.large_values import plane_envelope
from ckpt_gui.core.views.planes import PlaneChoice
from tests.conftest import main_window

WAIT_MS = 60_000
EMBEDDING = "model/embedding/.ATTRIBUTES/VARIABLE_VALUE"  # 8192 x 1024 float32, 9 NaN


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    yield from main_window(qtbot, tmp_path, monkeypatch, scan_on_open=True, size=(1024, 640), idle_after_close=True)


def tf_values(tf, prefix, key: str) -> np.ndarray:
    return tf.train.load_checkpoint(str(prefix)).get_tensor(key)


def block_extremes(values: np.ndarray, block_rows: int, block_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """The oracle: np.nanmin / np.nanmax of every block, NaN where a block is all NaN.
    The blocks are axes of a NaN-padded copy: one numpy call for all of them (a call
    per block took 20 s of CPU for the 262,144 blocks of the embedding's two planes)."""
    rows, cols = values.shape
    out_rows, out_cols = -(-rows // block_rows), -(-cols // block_cols)
    padded = np.full((out_rows * block_rows, out_cols * block_cols), np.nan)
    padded[:rows, :cols] = values
    blocks = padded.reshape(out_rows, block_rows, out_cols, block_cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": that block's NaN
        return np.nanmin(blocks, axis=(1, 3)), np.nanmax(blocks, axis=(1, 3))


class ReadLog:
    """Every read of a tensor's values through the Checkpoint API, by key."""

    def __init__(self, monkeypatch) -> None:
        self.passes: list[str] = []
        self.whole: list[str] = []
        self.chunked: list[str] = []
        log = self
        original_map, original_read, original_iter = Checkpoint.map_chunks, Checkpoint.read, Checkpoint.iter_chunks

        def map_chunks(self, key, *args, **kwargs):
            log.passes.append(key)
            return original_map(self, key, *args, **kwargs)

        def read(self, key):
            log.whole.append(key)
            return original_read(self, key)

        def iter_chunks(self, key, *args, **kwargs):
            log.chunked.append(key)
            return original_iter(self, key, *args, **kwargs)

        monkeypatch.setattr(Checkpoint, "map_chunks", map_chunks)
        monkeypatch.setattr(Checkpoint, "read", read)
        monkeypatch.setattr(Checkpoint, "iter_chunks", iter_chunks)


def test_one_pass_feeds_statistics_positions_picture_and_scan(qtbot, window, checkpoints, tf, monkeypatch):
    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 1 << 20)  # the 32 MB tensor counts as large
    reads = ReadLog(monkeypatch)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "large"))

    def shown() -> bool:  # the picture is drawn after the statistics, in turns of its own
        return window.tensor.envelope is not None and not plot_turns.busy()

    qtbot.waitUntil(lambda: not window.busy and window.tree_panel.nonfinite is not None and shown(), timeout=WAIT_MS)
    assert window.browse.current.variable.key == EMBEDDING
    # The embedding was read twice (statistics + NaN + picture, then histogram), never
    # whole, and the scan that followed found its statistics known.
    assert reads.passes.count(EMBEDDING) == 2, reads.passes
    assert EMBEDDING not in reads.whole and EMBEDDING not in reads.chunked
    assert EMBEDDING in window.tree_panel.nonfinite

    tensor = window.tensor
    assert tensor.large and isinstance(tensor.value, np.memmap)
    envelope = assert_embedding_shown_as_tensorflow_reads_it(window, tf, checkpoints)
    np.testing.assert_array_equal(tensor.image.image, envelope.image())

    values = tf_values(tf, checkpoints / "large" / "ckpt", EMBEDDING)
    first = [tuple(int(i) for i in index) for index in np.argwhere(np.isnan(values))[:10]]
    text = window.details.positions.text().replace("\u00a0", " ")  # a position kept on one line
    assert window.details.positions.isVisible()
    assert text.startswith("NaN/Inf at " + ", ".join(f"[{r}, {c}] NaN" for r, c in first))
    # The GUI thread held the chunk workers while it showed each result, and let them go.
    # The workers' hold is released on the event loop's next turn (after the repaint the
    # result asked for): it must come, not hang on.
    qtbot.waitUntil(lambda: not parallel.held(), timeout=1000)


def test_plots_show_all_of_their_data_without_auto_range(qtbot, window, checkpoints, tf):
    """The histogram's and the line's ranges are set once from their data (pyqtgraph's
    auto-range would recompute them on every paint): everything plotted is in view."""
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "large"))

    def drawn() -> bool:  # the plots draw in turns of their own
        return not plot_turns.busy()

    qtbot.waitUntil(lambda: not window.busy and window.histogram.histogram is not None and drawn(), timeout=WAIT_MS)
    histogram = window.histogram.histogram
    (x_low, x_high), (y_low, y_high) = window.histogram.plot.plotItem.vb.viewRange()
    assert x_low <= histogram.edges[0] and histogram.edges[-1] <= x_high
    assert y_low <= 0 and histogram.counts.max() <= y_high
    assert not any(window.histogram.plot.plotItem.vb.autoRangeEnabled())
    vector = np.linspace(-3.0, 5.0, 1000)
    vector[10] = np.nan
    window.tensor.show_value(vector, "a vector")
    qtbot.waitUntil(drawn, timeout=WAIT_MS)
    (x_low, x_high), (y_low, y_high) = window.tensor.line.plotItem.vb.viewRange()
    assert x_low <= 0 and x_high >= 999 and y_low <= -3.0 and y_high >= 5.0


def test_envelope_is_a_true_min_max_envelope_wherever_chunks_cut_rows(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "large")
    values = tf_values(tf, checkpoints / "large" / "ckpt", EMBEDDING)
    # Chunks of 1,000 values: each starts and ends in the middle of a 1,024-value row.
    matrix = BlockEnvelope.for_region(*values.shape)
    found = first_pass(ckpt, EMBEDDING, matrix, chunk_bytes=4000)
    low, high = block_extremes(values, matrix.block_rows, matrix.block_cols)
    np.testing.assert_array_equal(matrix.low, low)
    np.testing.assert_array_equal(matrix.high, high)
    nan = np.isnan(values).sum()
    assert found.stats.nan == nan and len(found.positions) == min(10, nan)
    # As one long vector (the line plot's envelope).
    vector = BlockEnvelope.for_region(1, values.size)
    first_pass(ckpt, EMBEDDING, vector, chunk_bytes=4 << 20)
    low, high = block_extremes(values.reshape(1, -1), 1, vector.block_cols)
    np.testing.assert_array_equal(vector.low, low)
    np.testing.assert_array_equal(vector.high, high)
    # Another plane (here the transpose), read through the memory map.
    mapped = mapped_entry(ckpt.reader, ckpt.entry(EMBEDDING))
    plane = plane_envelope(mapped, PlaneChoice(1, 0, (0, 0)))
    low, high = block_extremes(values.T, plane.block_rows, plane.block_cols)
    np.testing.assert_array_equal(plane.low, low)
    np.testing.assert_array_equal(plane.high, high)


def test_choosing_another_plane_of_a_large_tensor_draws_its_envelope(qtbot, window, checkpoints, tf, monkeypatch):
    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 1 << 20)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "large"))
    qtbot.waitUntil(lambda: not window.busy and window.tensor.envelope is not None, timeout=WAIT_MS)
    tensor = window.tensor
    tensor.rows_box.setCurrentIndex(1)  # rows: axis 1 (columns swap to axis 0)
    assert tensor.envelope is None  # the old picture is not passed off as the new plane's
    qtbot.waitUntil(lambda: tensor.envelope is not None, timeout=WAIT_MS)
    values = tf_values(tf, checkpoints / "large" / "ckpt", EMBEDDING).T
    low, high = block_extremes(values, tensor.envelope.block_rows, tensor.envelope.block_cols)
    np.testing.assert_array_equal(tensor.envelope.low, low)
    np.testing.assert_array_equal(tensor.envelope.high, high)
    assert tensor.table_model.rowCount() == 1024 and tensor.table_model.columnCount() == 8192
    assert tensor.table_model.cell(5, 7) == values[5, 7]


class RecordingRows:
    """A 2-D array-like that records which rows are read."""

    def __init__(self, rows: int, cols: int) -> None:
        self.shape = (rows, cols)
        self.ndim = 2
        self.read: list[tuple[int, int]] = []

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _step = rows.indices(self.shape[0])
        self.read.append((start, stop))
        return np.arange(start, stop, dtype=np.int64)[:, None] * 10 + np.arange(self.shape[1])


def test_values_table_reads_only_the_rows_it_shows(qtbot):
    table = PagedTable()
    table.resize(400, 300)
    qtbot.addWidget(table)
    source = RecordingRows(2 * PAGE_ROWS + 500, 3)
    table.set_source(source)
    table.show()
    qtbot.waitExposed(table)
    model = table.model
    assert model.rowCount() == PAGE_ROWS and table.bar.isVisible()
    assert model.index(2, 1).data() == "21"
    rows_read = sum(stop - start for start, stop in source.read)
    assert 0 < rows_read <= 2 * model._band_rows and all(stop <= 2 * model._band_rows for _s, stop in source.read)
    source.read.clear()
    table.go_to_row(2 * PAGE_ROWS + 123)  # the third page, scrolled to that row
    qtbot.wait(50)
    assert model.first_row == 2 * PAGE_ROWS and model.rowCount() == 500
    assert model.headerData(123, Qt.Orientation.Vertical) == str(2 * PAGE_ROWS + 123)
    assert model.index(123, 2).data() == str((2 * PAGE_ROWS + 123) * 10 + 2)
    row, band = 2 * PAGE_ROWS + 123, model._band_rows
    assert source.read and all(row - 2 * band <= start and stop <= row + 2 * band for start, stop in source.read)


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        channels = [x / 255 for x in c.getRgb()[:3]]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_nan_badge_is_readable_and_details_list_the_positions(qtbot, window, checkpoints, tf):
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "dtypes"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    key = "values/float32/.ATTRIBUTES/VARIABLE_VALUE"
    assert window.tree_panel.select_key(key)
    qtbot.waitUntil(lambda: not window.busy and window.histogram.histogram is not None, timeout=WAIT_MS)
    values = tf_values(tf, checkpoints / "dtypes" / "ckpt", key)
    kinds = {True: "NaN"}
    expected = []
    for index in np.argwhere(~np.isfinite(values)):
        value = values[tuple(index)]
        kind = kinds.get(bool(np.isnan(value))) or ("+Inf" if value > 0 else "-Inf")
        expected.append(f"[{', '.join(str(int(i)) for i in index)}] {kind}")
    assert window.details.positions.text().replace("\u00a0", " ") == "NaN/Inf at " + ", ".join(expected)
    # The badge under the histogram carries its own colours: readable on any palette,
    # a highlighted row's included.
    qtbot.waitUntil(lambda: bool(window.histogram.counts_label.text().strip()), timeout=WAIT_MS)  # set once drawn
    label = window.histogram.counts_label.text()
    assert f"background-color:{BADGE_BACKGROUND}" in label and f"color:{BADGE_TEXT}" in label
    assert _contrast(QColor(BADGE_BACKGROUND), QColor(BADGE_TEXT)) >= 4.5
    assert f"&nbsp;{int(np.isnan(values).sum())}&nbsp;NaN" in label  # core/formatting.nonfinite_text: "1 NaN, 1 +Inf"


def assert_embedding_shown_as_tensorflow_reads_it(window, tf, checkpoints):
    """The embedding's statistics, histogram and min/max envelope, as shown, against its
    values read by TensorFlow (however the app read them: here, or in the pass process).
    The envelope, for what a test checks of it further."""
    values = tf_values(tf, checkpoints / "large" / "ckpt", EMBEDDING)
    finite = values[np.isfinite(values)]
    stats = window.browse.stats_cache[EMBEDDING]
    assert (stats.min, stats.max, stats.nan) == (finite.min(), finite.max(), int(np.isnan(values).sum()))
    counts, edges = np.histogram(finite, bins=window.histogram.bins.value())
    np.testing.assert_array_equal(window.histogram.histogram.counts, counts)
    np.testing.assert_array_equal(window.histogram.histogram.edges, edges)
    envelope = window.tensor.envelope
    low, high = block_extremes(values, envelope.block_rows, envelope.block_cols)
    np.testing.assert_array_equal(envelope.low, low)
    np.testing.assert_array_equal(envelope.high, high)
    return envelope
