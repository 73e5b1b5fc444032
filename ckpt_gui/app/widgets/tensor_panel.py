"""Values of the selected tensor: a heatmap of a 2-D plane (axes and slice chosen by
the user; tensor_plane.py), a line plot for vectors (tensor_line.py), and a table of
the numbers shown. This module shows a tensor and schedules its drawing: the plots are
made when first drawn (tensor_plot_parts.py), not while pyqtgraph is being imported."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QWidget

from ckpt_gui.app import plot_import, plot_turns, theme
from ckpt_gui.app.widgets import plot_cover
from ckpt_gui.app.widgets.focus_ring import TabFocusFrame
from ckpt_gui.app.widgets.paged_table import PagedTable, cell_text
from ckpt_gui.app.widgets.tensor_line import LineDrawing
from ckpt_gui.app.widgets.tensor_marks import NonFiniteMarks
from ckpt_gui.app.widgets.tensor_plane import PlaneDrawing
from ckpt_gui.app.widgets.tensor_plot_parts import BAR_PARTS, HEATMAP_PARTS, LINE_PARTS, plot_of, plots
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.views.planes import Envelope, PlaneChoice, ValueView, plane, prepare_view, slice_label

# The large tensor's picture after a Cancel of the pass that builds it (one title line).
LARGE_TABLE = "large table"  # plot_turns' key of a large tensor's numbers, shown a turn later
ENVELOPE_CANCELLED = "min/max envelope cancelled: select the variable again to draw it"

HEATMAP, PLOT = "Heatmap", "Plot"  # the picture tab's name: what it shows


class TensorPanel(PlaneDrawing, LineDrawing, NonFiniteMarks, QTabWidget):
    """Two tabs: the picture (heatmap or line) and the numbers (table).

    A tensor too large to read whole (:meth:`show_large`) is a memory map: its table
    reads the rows shown, and its picture is a min/max envelope the controller
    computes off the GUI thread (:meth:`show_envelope`); choosing another plane asks
    for one with ``plane_requested``."""

    plane_requested = Signal(object)  # PlaneChoice of a large tensor whose envelope is needed

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.value: np.ndarray | None = None
        self.choice: PlaneChoice | None = None
        self.shown: np.ndarray | None = None  # the 2-D (or 1-D) array on screen
        self.large = False  # self.value is a memory map: never read it whole
        self.envelope: BlockEnvelope | None = None  # what a large tensor's picture shows
        self.title = ""
        self._pending_draw = None  # a drawing waiting for pyqtgraph's import (see _draw) or its plot
        self._expected: list[str] = []  # the plot parts to make in turns of their own (expect_picture)
        self._import_awaited = False  # a drawing waits for pyqtgraph's import (see _draw)
        # NaN and Inf the statistics counted in a large tensor (its envelope's blocks
        # keep min and max, so a NaN among finite values shows in no cell): (title, NaN, Inf).
        self._counted: tuple[str, int, int, int] | None = None

        self.picture = QStackedWidget()
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.picture.addWidget(self.message)
        self.picture.addWidget(self._make_heat_page())  # the line plot, the third page, comes with the plots

        self.table = PagedTable()
        self.table_model = self.table.model

        self.addTab(self.picture, HEATMAP)  # "Plot" while a vector's line plot is shown
        self.addTab(self.table, "Values")
        TabFocusFrame(self.tabBar())  # a Tab stop, its focus a faint fill otherwise (review 19, F7)
        self.show_message("Select a variable to see its values.")
        theme.follow(self)

    def __getattr__(self, name: str):
        if name in HEATMAP_PARTS:  # not made yet: made now
            plots().make_heatmap(self, self._heat_layout)
            return object.__getattribute__(self, name)
        if name in BAR_PARTS:
            plots().make_colour_bar(self)
            return object.__getattribute__(self, name)
        if name in LINE_PARTS:
            plots().make_line(self)
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def expect_picture(self, ndim: int) -> None:
        """A picture of a tensor of ``ndim`` axes is coming (its values are being read):
        its plot, if not made yet, is made now in an event-loop turn of its own
        (app/plot_turns.py), not in the turn that draws the picture (making a pyqtgraph
        plot takes 30 to 70 ms, its first paint 15 to 25 more: one turn of both stalled
        the loop 0.3 to 0.5 s on a busy machine). Made when first wanted, never ahead of
        a selection."""
        self._expected = [part for part in plot_of(ndim) if part not in self.__dict__]
        if not self._expected:
            return
        if plot_import.pending():
            plot_import.when_done(self._make_later)
        else:
            self._make_later()

    def _make_later(self) -> None:
        """Each plot part expected made in a turn of its own, not this one."""
        for part in self._expected:
            plot_turns.later(self, lambda part=part: self._make(part), key=part)

    def _make(self, part: str) -> None:
        """A piece of plot_turns: ``part`` made (nothing drawn in it)."""
        getattr(self, part)  # made by __getattr__ if not made yet

    def _draw(self, draw, *args) -> None:
        """``draw(*args)``: now if the event loop's turn is free and its plot made, else
        in a turn of its own (app/plot_turns.py), after the one that makes its plot;
        while pyqtgraph is imported in the background (app/plot_import.py), once it is
        (the latest drawing asked for): the event loop does not wait for the import. The
        state (value, table) is set meanwhile."""
        self._pending_draw = (draw, args)  # the latest drawing: an older one queued draws this one
        if plot_import.pending():
            self.picture.setCurrentWidget(self.message)
            self.message.setText("Drawing...")
            if not self._import_awaited:
                self._import_awaited = True
                plot_import.when_done(self._after_import)
            return
        self._queue_drawing()

    def _after_import(self) -> None:
        self._import_awaited = False
        if self._pending_draw is not None:
            self._queue_drawing()

    def _queue_drawing(self) -> None:
        ndim = self.value.ndim if self.value is not None else 0
        self._expected = [part for part in plot_of(ndim) if part not in self.__dict__]
        if self._expected:  # made in turns of their own before the drawing's
            self.picture.setCurrentWidget(self.message)  # not the last tensor's picture meanwhile
            self.message.setText("Drawing...")
            self._make_later()
        plot_turns.run(self, self._draw_pending, key="draw")

    def _draw_pending(self):
        """A piece of plot_turns: the latest drawing asked for, if any (a message shown
        meanwhile drops it); returns the plot it changed, whose paint comes before the
        next piece."""
        if self._pending_draw is None:
            return None
        draw, args = self._pending_draw
        self._pending_draw = None
        for part in ("graphics", "line"):  # a cover's message (_empty_picture) gives way to the drawing
            plot_cover.uncover(self.__dict__.get(part))
        draw(*args)
        for part in ("graphics", "line"):
            plot = self.__dict__.get(part)
            if plot is not None and plot.isVisible():
                return plot
        return None

    # -- content --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self._pending_draw = None
        self.value = None
        self.shown = None
        self.large = False
        self.envelope = None
        self._show_picture_tab(True)
        self.picture.setCurrentWidget(self.message)
        self.message.setText(text)
        plot_turns.drop(self, LARGE_TABLE)
        self.table.set_source(None, text)
        self.show_marks()

    def show_large(self, values: np.ndarray, title: str, choice: PlaneChoice | None) -> None:
        """A tensor too large to read: ``values`` maps it; the picture waits for
        :meth:`show_envelope` of ``choice`` (the first plane) or of the whole vector."""
        self.value, self.large, self.envelope, self.title = values, True, None, title
        self.choice = choice
        self._show_picture_tab(True)
        if values.ndim != 1:
            self._build_axis_controls(values.shape)
        self.shown = values if values.ndim == 1 else plane(values, choice)
        # Its numbers in the next turn (app/plot_turns.py), before the picture's pieces:
        # the table's reset (a 16384 x 16384 plane: 5 to 10 ms of the GUI thread) was in
        # the selection's turn, with Details and the jobs started. Any other table shown
        # meanwhile drops it (``_show_table``, ``show_message``).
        plot_turns.later(self, self._show_large_table, key=LARGE_TABLE)
        self._draw(self._wait_for_picture)  # in the turn after its plot is made, if not made yet

    def _show_large_table(self) -> QWidget | None:
        """A piece of plot_turns: the large tensor's numbers (``shown``) in the table;
        returns the table if it paints them."""
        if self.shown is None or not self.large:
            return None
        self._show_table(self.shown, from_start=True)
        return self.table if self.table.isVisible() else None

    def show_envelope(self, envelope: BlockEnvelope, choice: PlaneChoice | None) -> None:
        """The min/max envelope of the large tensor's vector, or of its plane ``choice``
        (ignored if another plane has been chosen since)."""
        if not self.large or self.value is None or choice != self.choice:
            return
        self.envelope = envelope
        if self.value.ndim == 1:
            self._draw(self._draw_vector_envelope, envelope)
        else:
            self._draw(self._draw_plane_envelope, envelope)

    def note_nonfinite(self, title: str, nan: int, posinf: int, neginf: int) -> None:
        """The NaN, +Inf and -Inf the statistics of the large tensor ``title`` counted: its
        heatmap's title names them as Details and the histogram do (a redraw now if its
        envelope is on screen)."""
        self._counted = (title, nan, posinf, neginf)
        shown = self.large and self.envelope is not None and self.value is not None and self.value.ndim == 2
        if shown and not plot_import.pending():  # else the envelope's drawing, waiting for it, titles it
            self._title_envelope(self.envelope)

    def envelope_cancelled(self) -> None:
        """The pass that builds the large tensor's envelope was cancelled before it came:
        its page says so and how to get it, as Details and the histogram do; it read
        "drawing the min/max envelope..." for good, nothing running (review 18, F1)."""
        if self.large and self.value is not None and self.envelope is None:
            self._draw(self._empty_picture, ENVELOPE_CANCELLED)

    def _wait_for_picture(self) -> None:
        self._empty_picture("drawing the min/max envelope...")  # short: the plot's title is one line

    def _empty_picture(self, waiting: str) -> None:
        """The page the envelope will be drawn on, empty, under a cover saying it is
        coming (or why not), centred alone in the plot's place (plot_cover.py). The page
        stays laid out, its title the same words (switching to the message page and back
        re-laid out the plot, with its title row, in the same turn as drawing the envelope)."""
        if self.value.ndim == 1:
            self.picture.setCurrentWidget(self.line)
            self.line_curve.setData([], [])
            self.line.setTitle(waiting, size="9pt")
            self.line_title.fit()
            plot_cover.cover(self.line).say(waiting)
        else:
            self.picture.setCurrentWidget(self.picture.widget(1))
            self.image.clear()
            self.overlay.clear()
            self.image_plot.setTitle(waiting, size="9pt")
            self.image_title.fit()
            plot_cover.cover(self.graphics).say(waiting)

    def show_value(self, value: np.ndarray | ValueView, title: str) -> None:
        """Show a tensor; pass a ValueView (core.planes.prepare_view, run off the GUI
        thread) for large ones so the first picture costs nothing here."""
        view = value if isinstance(value, ValueView) else prepare_view(value)
        value = view.value
        self.value, self.large, self.envelope, self._pending_draw = value, False, None, None
        self.title = title  # what note_positions' positions are of
        strings = value.dtype == object
        self._show_picture_tab(not strings)
        if strings:  # only the table makes sense: the picture's tab is hidden (review 7)
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\n{format_shape(value.shape)} strings: see the Values tab.")
            self._show_table(value.reshape(-1) if value.ndim != 2 else value, from_start=True)
            return
        if value.ndim == 0:
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\nscalar: {cell_text(value)}")
            self._show_table(value.reshape(1), from_start=True)
            return
        if view.envelope is not None:
            self._show_vector(value.reshape(-1), view.envelope, title)
            return
        self.choice = view.choice
        self._build_axis_controls(value.shape)
        # The numbers now, the picture in its turn (app/plot_turns.py), which does not
        # set the table again.
        self._show_table(plane(value, self.choice), from_start=True)
        self._draw(self._show_plane, view)

    # -- internals --------------------------------------------------------------------------

    def _show_vector(self, vector: np.ndarray, envelope: Envelope, title: str) -> None:
        self._draw(self._draw_line, envelope.x, envelope.low, envelope.high, envelope.step, vector.shape, title)
        self._show_table(vector, from_start=True)

    def _show_picture_tab(self, shown: bool) -> None:
        """The picture's tab hidden for strings (a tab named "Heatmap" beside a string
        vector's values offered nothing); shown again, and current, for the next tensor."""
        index = self.indexOf(self.picture)
        if self.isTabVisible(index) == shown:
            return
        self.setTabVisible(index, shown)
        self.setCurrentWidget(self.picture if shown else self.table)

    def _show_table(self, array: np.ndarray, from_start: bool = False) -> None:
        """The numbers shown, named when they are part of the tensor: the slice the
        heatmap's axes and index boxes choose (review: an 8x16 table of a [3, 3, 8, 16]
        kernel did not say which one), or all of a string tensor's values in a row;
        ``from_start``: another tensor's, scrolled to [0, 0] (review 7: the last one's
        scroll position was kept)."""
        plot_turns.drop(self, LARGE_TABLE)  # this table, not a large tensor's asked for before
        self.shown = array
        value, caption = self.value, ""
        if value is not None and value.ndim > 2:
            if array.ndim == 2 and self.choice is not None:
                caption = slice_label(self.choice, value.shape)
            else:
                caption = f"all {value.size:,} values of {format_shape(value.shape)}, in order (flattened)"
        vector = value is not None and value.ndim == 1 and value.dtype != object
        self.setTabText(self.indexOf(self.picture), PLOT if vector else HEATMAP)
        self.table.set_source(array, caption=caption, from_start=from_start)
        self.show_marks()
