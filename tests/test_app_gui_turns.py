"""The GUI thread's work while a large tensor opens, cut into shorter turns (issue 11:
the event loop never blocked over 100 ms, also with the GUI thread on half a core).
What moved must still happen, in the same order, and show the same; the turns' CPU
itself is measured by benchmarks/gui_turns_bench.py, not here."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pg = pytest.importorskip("pyqtgraph")


def _heatmap(qtbot, image: np.ndarray):
    """An ExtremeImageItem holding ``image`` in a plot a few hundred pixels wide: more
    cells than pixels, so that a paint reduces it to screen cells."""
    from ckpt_gui.app.widgets.heatmap_cells import ExtremeImageItem

    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = view.addPlot()
    item = ExtremeImageItem()
    plot.addItem(item)
    item.setImage(image, autoLevels=False, levels=(-3, 3))
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    plot.autoRange(padding=0)
    return view, item


def _counting_reductions(monkeypatch) -> list[tuple[int, int]]:
    from ckpt_gui.app.widgets import heatmap_cells

    calls: list[tuple[int, int]] = []
    reduce = heatmap_cells.screen_cells

    def counted(image, rows_per, cols_per):
        calls.append((rows_per, cols_per))
        return reduce(image, rows_per, cols_per)

    monkeypatch.setattr(heatmap_cells, "screen_cells", counted)
    return calls


def _pixels(view) -> np.ndarray:
    from PySide6.QtGui import QImage

    grabbed = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = grabbed.width(), grabbed.height()
    pixels = np.frombuffer(grabbed.constBits(), np.uint8, grabbed.bytesPerLine() * height)
    return pixels.reshape(height, grabbed.bytesPerLine())[:, : 3 * width].copy()


def test_a_heatmap_repainted_with_new_levels_reduces_its_image_once(qtbot, monkeypatch):
    """pyqtgraph renders an image again for new levels or a new colour map (the first
    picture of a large matrix: twice); the reduction of the same image to the same
    screen cells is kept, and the picture is the one a fresh reduction draws."""
    image = np.random.default_rng(1).standard_normal((2000, 1500)).astype(np.float32)
    view, item = _heatmap(qtbot, image)
    calls = _counting_reductions(monkeypatch)
    _pixels(view)  # painted: reduced
    assert len(calls) == 1 and calls[0] != (1, 1)
    item.setLevels((-2, 2))
    item.setColorMap(pg.colormap.get("viridis"))
    kept = _pixels(view)
    assert len(calls) == 1  # rendered again, not reduced again
    item._cells = None  # what a paint without the kept reduction draws
    item.setLevels((-2, 2))
    assert np.array_equal(_pixels(view), kept)
    assert len(calls) == 2


def test_a_new_image_is_reduced_anew(qtbot, monkeypatch):
    image = np.zeros((2000, 1500), np.float32)
    view, item = _heatmap(qtbot, image)
    calls = _counting_reductions(monkeypatch)
    _pixels(view)
    changed = image.copy()
    changed[:10, :10] = -3
    item.setImage(changed, autoLevels=False)  # the same shape and factors, another array
    _pixels(view)
    assert len(calls) == 2
    assert item._cells[2].min() == -3  # the change is in what is drawn
    item.setImage(changed, autoLevels=False)  # the same array again: a new view of it
    _pixels(view)
    assert len(calls) == 3


def test_the_heatmaps_colour_maps_are_made_on_the_import_thread(monkeypatch):
    """plot_import's thread makes the colour maps the first heatmap and its colour bar
    set (read from pyqtgraph's files), not the GUI thread's first picture."""
    from ckpt_gui.app import gui_gc, plot_import
    from ckpt_gui.app.widgets import heatmap, tensor_plots

    monkeypatch.setattr(gui_gc, "_running", False)  # no collector here: nothing of the test frozen
    heatmap.diverging_map.cache_clear()
    monkeypatch.delitem(pg.colormap._mapCache, tensor_plots.SEQUENTIAL, raising=False)
    monkeypatch.setattr(plot_import, "_done", threading.Event())
    thread = threading.Thread(target=plot_import._import)
    thread.start()
    thread.join()
    assert plot_import._done.is_set()
    assert heatmap.diverging_map.cache_info().currsize == 1
    assert tensor_plots.SEQUENTIAL in pg.colormap._mapCache
    made = heatmap.diverging_map()
    assert tensor_plots.colour_map(True) is made  # the map made there is the one drawn with
    assert tensor_plots.colour_map(False) is pg.colormap.get(tensor_plots.SEQUENTIAL)


def test_the_gui_threads_steps_before_the_plot_import_each_get_a_turn(qtbot, monkeypatch):
    """The Qt modules pyqtgraph needs are imported one a turn and the types made a few
    milliseconds a turn, each step on a timer (a chain of posted calls runs back to
    back in Qt's glib event loop: one long turn), in order, then the import begins."""
    from ckpt_gui.app import background_work, plot_import

    steps: list[str] = []
    delays: list[int] = []
    real_shot = plot_import.QTimer.singleShot

    def shot(msec, *args):
        delays.append(msec)
        return real_shot(msec, *args)

    monkeypatch.setattr(plot_import.QTimer, "singleShot", shot)
    monkeypatch.setattr(plot_import.importlib, "import_module", lambda name: steps.append(name))
    unmade = [(object(), f"type{i}") for i in range(3)]
    monkeypatch.setattr(plot_import, "unmade_types", lambda: unmade)
    monkeypatch.setattr(plot_import, "getattr", lambda _module, name: steps.append(name), raising=False)
    monkeypatch.setattr(plot_import, "TYPES_TURN_S", 0.0)  # one type a turn
    began = []
    monkeypatch.setattr(background_work, "run_later", lambda *args: began.append(args[0]))
    plot_import._begin()
    assert steps == [plot_import.QT_MODULES[0]]  # one module in this turn
    qtbot.waitUntil(lambda: bool(began), timeout=5000)
    assert steps == [*plot_import.QT_MODULES, "type0", "type1", "type2"]
    assert began == ["plot import"]
    assert delays and all(msec > 0 for msec in delays)  # real timers, not posted calls


def _blocks_max(image: np.ndarray, rows_per: int, cols_per: int) -> np.ndarray:
    """Each block's largest value of each channel, block by block (the reference)."""
    rows, cols = image.shape[:2]
    return np.array(
        [
            [image[i : i + rows_per, j : j + cols_per].max(axis=(0, 1)) for j in range(0, cols, cols_per)]
            for i in range(0, rows, rows_per)
        ]
    )


@pytest.mark.parametrize("shape", [(512, 512), (511, 509), (40, 7)])
@pytest.mark.parametrize("per", [(3, 3), (4, 1), (1, 7), (5, 6)])
@pytest.mark.parametrize("coloured", [0, 3, 60, 5000])
def test_an_overlay_reduced_to_screen_cells_keeps_every_coloured_cell(shape, per, coloured):
    """The NaN/Inf overlay reduced to screen cells: the largest of each channel of each
    block (NaN's magenta over Inf's black), whether few cells are coloured (reduced one
    by one) or many (block by block)."""
    from ckpt_gui.app.widgets.heatmap_cells import NonFinite, screen_cells

    rng = np.random.default_rng(sum(shape) + coloured)
    image = rng.standard_normal(shape).astype(np.float32)
    where = rng.integers(0, image.size, coloured)
    image.flat[where[: coloured // 2]] = np.nan
    image.flat[where[coloured // 2 :]] = rng.choice([np.inf, -np.inf], coloured - coloured // 2)
    overlay = NonFinite(image).overlay
    if overlay is None:
        overlay = np.zeros((*shape, 4), np.uint8)
    reduced = screen_cells(overlay, *per)
    assert reduced.dtype == np.uint8
    assert np.array_equal(reduced, _blocks_max(overlay, *per))


def test_no_collection_walks_the_plot_import_and_its_objects_are_frozen(monkeypatch):
    """pyqtgraph's import on the background thread makes about 100,000 long-lived objects:
    the GUI thread's collector does not walk them while they are made (a tick collected
    tens of thousands of them, 10 to 17 ms of a turn), and they are frozen once made."""
    from types import SimpleNamespace

    from ckpt_gui.app import gui_gc, plot_import

    done: list = []
    monkeypatch.setattr(gui_gc, "_running", True)  # as in the app: settle freezes
    monkeypatch.setattr(gui_gc.gc, "collect", done.append)
    monkeypatch.setattr(gui_gc.gc, "freeze", lambda: done.append("freeze"))
    monkeypatch.setattr(gui_gc.gc, "get_count", lambda: (800, 11, 11))  # enough to collect them all
    collector = SimpleNamespace(threshold=(700, 10, 10))
    monkeypatch.setattr(plot_import, "_done", threading.Event())
    seen = []

    def import_module(name):
        seen.append(gui_gc.in_bulk())
        gui_gc.GuiThreadCollector.check(collector)  # a tick of the collector while the import runs
        done.append(name)

    monkeypatch.setattr(plot_import.importlib, "import_module", import_module)
    thread = threading.Thread(target=plot_import._import)
    thread.start()
    thread.join()
    assert seen == [True] * len(plot_import.PLOT_MODULES)
    assert done == [*plot_import.PLOT_MODULES, "freeze"]  # nothing collected, then frozen
    assert plot_import._done.is_set() and not gui_gc.in_bulk()
    done.clear()
    gui_gc.GuiThreadCollector.check(collector)  # after it: collected again
    assert done == [0, 1, 2]


def _large_panel(qtbot, monkeypatch, events: list[str]):
    """A shown TensorPanel whose table's resets and plot pieces are recorded in ``events``."""
    from ckpt_gui.app.widgets.tensor_panel import TensorPanel

    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    set_source = panel.table.set_source

    def recorded(source, *args, **kwargs):
        events.append("table" if source is not None else "table cleared")
        return set_source(source, *args, **kwargs)

    monkeypatch.setattr(panel.table, "set_source", recorded)
    draw = panel._wait_for_picture
    monkeypatch.setattr(panel, "_wait_for_picture", lambda: (events.append("picture"), draw())[1])
    return panel


def test_a_large_tensors_numbers_come_in_a_turn_after_its_selection(qtbot, monkeypatch):
    """The table's reset of a large tensor (5 to 10 ms for a 16384 x 16384 plane) is not
    in the selection's turn: it comes in the next one, before its picture's pieces, and
    shows that tensor's first plane from its start."""
    from ckpt_gui.app import plot_turns
    from ckpt_gui.core.views.large_values import large_choice

    events: list[str] = []
    panel = _large_panel(qtbot, monkeypatch, events)
    values = np.arange(40 * 30, dtype=np.float32).reshape(40, 30)
    panel.show_large(values, "matrix", large_choice(values.shape))
    assert events == []  # nothing of it in this turn
    assert panel.shown.shape == (40, 30)  # what the table will show, known already
    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=5000)
    assert events[0] == "table" and "picture" in events
    assert panel.table.model.rowCount() == 40 and panel.table.model.columnCount() == 30


@pytest.mark.parametrize("meanwhile", ["message", "small tensor"])
def test_a_table_shown_before_the_large_ones_turn_is_not_replaced(qtbot, monkeypatch, meanwhile):
    """Another selection shown before the large tensor's table came (a message, a small
    tensor's numbers): the large tensor's table does not come after it."""
    from ckpt_gui.app import plot_turns
    from ckpt_gui.core.views.large_values import large_choice
    from ckpt_gui.core.views.planes import prepare_view

    events: list[str] = []
    panel = _large_panel(qtbot, monkeypatch, events)
    panel.show_large(np.zeros((50, 60), np.float32), "large", large_choice((50, 60)))
    if meanwhile == "message":
        panel.show_message("A group: select one variable to see its values.")
    else:
        panel.show_value(prepare_view(np.ones((3, 4), np.float32)), "small")
    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=5000)
    qtbot.wait(50)
    assert events[-1] != "table" or panel.table.model.rowCount() == 3
    if meanwhile == "message":
        assert events.count("table") == 0 and panel.shown is None
        assert panel.message.text().startswith("A group")
    else:
        assert events.count("table") == 1 and panel.table.model.rowCount() == 3
        assert panel.shown.shape == (3, 4)


def test_a_large_tensors_statistics_lay_details_out_once_as_each_change_would(qtbot, monkeypatch):
    """The first pass's result (statistics, first NaN, CRC verdict) changes Details three
    times: laid out once at the end, to what laying out each change shows."""
    from PySide6.QtWidgets import QApplication, QLabel

    from ckpt_gui.app.widgets.details_panel import DetailsPanel
    from ckpt_gui.core.analysis.overview import NonFinite
    from ckpt_gui.core.analysis.stats import TensorStats

    stats = TensorStats(count=16, finite=15, min=-0.28, max=0.27, mean=0.003, std=0.1,
                        nan=1, posinf=0, neginf=0, zeros=0)  # fmt: skip
    positions = (NonFinite((3,), "NaN"),)
    pictures, layouts = [], []
    for batched in (False, True):
        panel = DetailsPanel()
        qtbot.addWidget(panel)
        panel.resize(560, 200)
        panel.show()
        qtbot.waitExposed(panel)
        panel.show_facts("big", [("Key", "big/.ATTRIBUTES/VARIABLE_VALUE"), ("Bytes", "512 MB")])
        panel.show_stats(None)
        lay_out = panel._lay_out_now
        count = []
        monkeypatch.setattr(panel, "_lay_out_now", lambda count=count, lay_out=lay_out: (count.append(1), lay_out()))
        if batched:
            with panel.settled_once():
                panel.show_stats(stats)
                panel.show_positions(positions, stats)
                panel.add_fact("CRC32C", "verified", after="Bytes")
                assert count == []  # not laid out meanwhile
        else:
            panel.show_stats(stats)
            panel.show_positions(positions, stats)
            panel.add_fact("CRC32C", "verified", after="Bytes")
        layouts.append(len(count))
        body = panel.widget()
        at_once = [body.size()] + [
            (label.text(), label.isVisible(), label.geometry()) for label in body.findChildren(QLabel)
        ]
        QApplication.processEvents()
        pictures.append(at_once)
    assert layouts == [3, 1]
    assert pictures[0] == pictures[1]


@pytest.mark.parametrize("settled", [True, False])
def test_a_heatmaps_axes_take_their_labels_room_before_the_first_paint(qtbot, settled):
    """A heatmap of a new range (0..16383 after the waiting picture's 0..1): its index
    axes get the room their labels take before the first paint (``settle_axes``), so
    that paint lays nothing out again and no second paint follows; left to pyqtgraph,
    the left axis widens only after painting its labels (``settled=False``: the check
    that this test sees the difference)."""
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.widgets.heatmap import index_axes, place, settle_axes
    from ckpt_gui.app.widgets.heatmap_cells import ExtremeImageItem

    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = view.addPlot(axisItems=index_axes())
    plot.invertY(True)
    item = ExtremeImageItem()
    plot.addItem(item)
    view.resize(280, 230)
    view.show()
    qtbot.waitExposed(view)
    plot.setLabel("left", "axis 0 (32 per cell)")
    plot.setLabel("bottom", "axis 1 (32 per cell)")
    view.grab()  # the waiting picture painted: labels of 0..1
    QApplication.processEvents()
    item.setImage(np.random.default_rng(2).standard_normal((512, 512)).astype(np.float32), autoLevels=True)
    place(item, 16384, 16384)
    plot.autoRange(padding=0)
    if settled:
        settle_axes(view, plot)
    before_paint = (plot.getAxis("left").width(), plot.getAxis("bottom").height(), plot.vb.geometry())
    view.grab()  # the first paint of the new range
    QApplication.processEvents()
    after_paint = (plot.getAxis("left").width(), plot.getAxis("bottom").height(), plot.vb.geometry())
    assert (before_paint == after_paint) is settled
