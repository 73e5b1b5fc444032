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


def edge_hugging_values(
    dtype, bins: int, low: float, high: float, rng, edges=None, copies: int | None = None, uniform: int = 30_000
) -> np.ndarray:
    """The values most likely to be put in the wrong bin by anything but exact
    comparisons: every edge of ``bins`` bins over ``low..high`` as a ``dtype`` value
    (``edges``: those given, such as the app's, HistogramAccumulator.edges_for; else
    ``np.histogram``'s), the floats one and two steps either side of each, within
    low..high, repeated ``copies`` times (by default to some 40,000 values: many near
    every edge), among ``uniform`` uniform values, shuffled by ``rng``."""
    lo, hi = dtype(low), dtype(high)
    if edges is None:
        edges = np.histogram_bin_edges(np.array([lo, hi], dtype), bins=bins)
    edges = np.asarray(edges).astype(dtype)
    points = [edges]
    for direction in (dtype(-np.inf), dtype(np.inf)):
        step = edges
        for _ in range(2):
            step = np.nextafter(step, direction)
            points.append(step)
    points = np.concatenate(points)
    points = points[(points >= lo) & (points <= hi)]
    copies = 1 + 40_000 // points.size if copies is None else copies
    values = np.concatenate([np.tile(points, copies), rng.uniform(lo, hi, uniform).astype(dtype)])
    rng.shuffle(values)
    return values.astype(dtype)


def open_with_a_held_pass(qtbot, window, tmp_path, monkeypatch, shape: tuple[int, ...], wait_ms: int):
    """A float32 tensor of ``shape`` opened in ``window``, drawn as a large one (its
    preview from a sample of 1,000 elements, as tensor1g's) while its exact pass (the
    1 GB pass of core/analysis/pass_process.py) runs until cancelled: the threading.Event
    set once that pass has started (Cancel in the status bar ends it)."""
    import threading

    from ckpt_gui.app import browse_selection, selection_stats
    from ckpt_gui.core.analysis import pass_process
    from ckpt_gui.core.format.errors import Cancelled
    from tools.bundle_writer import write_bundle

    values = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    prefix = tmp_path / "big" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(str(prefix), [("big", "float32", values.shape, values.tobytes())])
    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 1000)  # the small tensor is drawn as a large one
    started = threading.Event()

    class Held(pass_process.InProcess):
        def first(self, envelope, progress, cancelled):  # the 1 GB pass, running until Cancel
            started.set()
            while not cancelled():
                threading.Event().wait(0.01)
            raise Cancelled()

    monkeypatch.setattr(selection_stats.pass_process, "tensor_passes", lambda ckpt, key: Held(ckpt, key))
    monkeypatch.setattr(selection_stats, "PREVIEW_ELEMENTS", 1000)  # a sample's preview first, as tensor1g's
    with qtbot.waitSignal(window.loaded, timeout=wait_ms):
        window.browse.open_path(str(prefix))
    return started
