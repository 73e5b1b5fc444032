"""The histogram of the selected variable (or of a group's variables together).

Only draws: the counts come from the core (exact, computed off the GUI thread);
changing bins or range asks the main window for a new computation.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import plot_import, plot_turns, theme
from ckpt_gui.app.widgets.fitting_label import FittingLabel
from ckpt_gui.app.widgets.layouts import FlowLayout, clear_on_leave, keep_flow_height, labelled
from ckpt_gui.app.widgets.titled_png import with_title
from ckpt_gui.core.analysis.histogram import DEFAULT_BINS, Histogram
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import counted, format_number, no_finite_text, nonfinite_text

_FILL = (70, 130, 200, 170)
# The NaN/Inf badge: white on red, its own background, so that it reads the same on a
# light or dark window and on a highlighted row (contrast 5.6:1, WCAG AA).
BADGE_BACKGROUND, BADGE_TEXT = "#c62828", "#ffffff"
_PREVIEW_FILL = (150, 150, 150, 120)
# The plot's least height: under a restore report at 1024x640 it was squeezed to 30 px.
PLOT_MIN_HEIGHT = 150
TITLE_POINTS = 9
TITLE_MARGIN = 70  # px of the plot's width the title leaves: the left axis, margins
# The plot's parts, made by histogram_plot.make_plot when first asked for: importing
# pyqtgraph costs 0.5 to 1 s of CPU, a third of the time to a usable tree at launch.
PLOT_PARTS = frozenset(("plot", "curve", "count_axis"))


class HistogramPanel(QWidget):
    request = Signal(int, object)  # bins, (low, high) or None for the data's range
    save_requested = Signal()  # "Save PNG...": the controller asks where and writes

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.histogram: Histogram | None = None
        self._preview = False
        self._title: tuple[str, str] | None = None  # the variable's name, a note after it
        self._y_label = "count"
        self._plot_made = False  # the plot (pyqtgraph) is made when first asked for: see PLOT_PARTS
        self._waiting = False  # the histogram is drawn in a later turn (see show_histogram)
        self._footer = " "  # the counts line of the histogram to draw (shown once it is drawn)
        # Nothing to plot (a string, a group too large, an error): a message instead of
        # empty axes, whose automatic range (-400..400, "count (x0.001)") means nothing.
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAutoFillBackground(True)  # the plot's background, in the palette's colours
        self.empty.setBackgroundRole(QPalette.ColorRole.Base)
        theme.mute(self.empty)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        # Says less rather than lose its end: at 1024x640 "[-0.115504, -0.00281811): 6,021,080
        # (4.4" was cut at the pane's edge, the share lost (review 18, F6); whole in its tooltip.
        self.readout = FittingLabel()
        self.readout.setText(" ")
        self.readout.setStyleSheet("font-family: monospace;")
        self.counts_label = QLabel(" ")
        self.counts_label.setWordWrap(True)

        self.bins = QSpinBox(minimum=1, maximum=10000, value=DEFAULT_BINS)
        self.bins.setKeyboardTracking(False)
        self.bins.setToolTip("Number of bins")
        self.log_y = QCheckBox("Log count")
        self.auto_range = QCheckBox("Data range")
        self.auto_range.setChecked(True)
        self.low = QLineEdit(placeholderText="min")
        self.high = QLineEdit(placeholderText="max")
        for edit in (self.low, self.high):
            edit.setValidator(QDoubleValidator())
            edit.setMinimumWidth(60)
            edit.setMaximumWidth(90)
            edit.setEnabled(False)
        self.log_y.setToolTip("Counts on a log scale: rare values stay visible")
        self.auto_range.setToolTip("Bin the data's whole range; untick to enter your own")
        self.export_button = QPushButton("Save PNG...")
        self.export_button.setToolTip("Save the histogram as a PNG image")

        # One row that wraps: the panel shares the width with the heatmap and the tree,
        # and whatever width the splitters leave it, no control is cut.
        # The range fields only while "Data range" is unticked (the data's own range is
        # in the statistics): one row of controls fewer, more height for the plot.
        range_unit = self.range_unit = QWidget()
        range_unit.hide()
        range_row = QHBoxLayout(range_unit)
        range_row.setContentsMargins(0, 0, 0, 0)
        range_row.setSpacing(4)
        range_row.addWidget(self.low)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.high)
        self.controls = FlowLayout()
        self._units = (labelled("Bins", self.bins), self.log_y, self.auto_range, range_unit, self.export_button)
        for unit in self._units:
            self.controls.addWidget(unit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.controls)
        self.stack.setMinimumHeight(PLOT_MIN_HEIGHT)  # the plot's least height, before it is made
        layout.addWidget(self.stack, 1)
        # The readout on a line of its own: beside the counts, a long one wrapped them onto
        # a second line the panel's least height had not counted, and the footer was cut.
        layout.addWidget(self.counts_label)
        layout.addWidget(self.readout)
        keep_flow_height(self, self.controls)
        theme.follow(self)

        self.bins.valueChanged.connect(lambda _v: self._ask())
        self.log_y.toggled.connect(lambda _on: self._redraw())
        self.auto_range.toggled.connect(self._on_auto_range)
        self.low.editingFinished.connect(self._ask)
        self.high.editingFinished.connect(self._ask)
        self.export_button.clicked.connect(self.save_requested)
        self.clear("Select a variable to see its histogram.")

    def __getattr__(self, name: str):
        if name in PLOT_PARTS and not self._plot_made:  # made now
            self._make_plot()
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def expect_plot(self) -> None:
        """A histogram is coming (its pass runs): the plot, if not made yet, is made in
        an event-loop turn of its own (app/plot_turns.py) meanwhile, not in the turn
        that draws and paints the histogram."""
        if self._plot_made:
            return
        if plot_import.pending():
            plot_import.when_done(self.expect_plot)
        else:
            plot_turns.later(self, self._make_plot, key="make")

    def _make_plot(self) -> None:
        """The plot made (a piece of plot_turns, or on first use of a PLOT_PARTS)."""
        if self._plot_made:
            return
        from ckpt_gui.app.widgets import histogram_plot  # noqa: PLC0415 - start-up time: see PLOT_PARTS

        self._plot_made = True
        self.plot, self.curve, self.count_axis = histogram_plot.make_plot(_FILL, self._y_label)
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.stack.insertWidget(0, self.plot)
        self.stack.setMinimumHeight(0)  # the plot's own least height holds it now, as before it was made late
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        self.plot.installEventFilter(self)
        clear_on_leave(self.plot, self.readout)
        theme.style_plot(self.plot)

    # -- content ------------------------------------------------------------------------

    def clear(self, message: str = "") -> None:
        self.histogram = None
        self._waiting = False
        if self._plot_made:
            self.curve.setData([0, 1], [0])
        self._title = None
        self._show_title()
        self.empty.setText(message or "No histogram")
        self.stack.setCurrentWidget(self.empty)
        if self.auto_range.isChecked():  # the data's range is no more: the last checkpoint's was shown
            self.low.clear()
            self.high.clear()
        self.counts_label.setText(" ")
        self.readout.setText(" ")
        self._enable(False)

    def _enable(self, on: bool, save: bool | None = None) -> None:
        """The controls act on a histogram: disabled while there is none to draw or save
        (review: Save PNG... and Bins stayed enabled with no checkpoint open). The
        containers, not the range fields themselves: those follow "Data range"."""
        for unit in self._units:
            unit.setEnabled(on)
        self.export_button.setEnabled(on if save is None else save)

    def say_waiting(self, message: str) -> None:
        """Why no histogram is shown yet (a read that does not return), unless one is (a
        preview's: kept, it is what there is)."""
        if self.histogram is None:
            self.empty.setText(message)

    def computing(self, title: str) -> None:
        """The histogram of ``title`` is being computed: another variable's gives way at once
        (it stayed up, titled, for the 10 s of a 512 MB vector, read as the new one's); the
        same variable's (new bins, a new range) stays until replaced."""
        if self._title is None or self._title[0] != title:
            self.clear(f"Computing the histogram of {title}...")
            self._enable(True, save=False)  # new bins or range may be asked for; nothing to save yet

    def show_histogram(self, histogram: Histogram, title: str, preview: bool = False) -> None:
        nonfinite = (histogram.nan, histogram.posinf, histogram.neginf)
        if not preview and histogram.total == 0 and not histogram.outside and any(nonfinite):
            # No finite value: said as a comparison says it, not empty axes on 0..1 (review 23 #15).
            self.clear(f"No histogram: {no_finite_text(*nonfinite)}")
            self.counts_label.setText(" · ".join(_footer_parts(histogram, preview)))
            return
        # The footer describes the plot shown: set when it is drawn (_show_plot). Under
        # "Drawing the histogram..." it said "65,536 sampled values in range · no NaN or
        # Inf in the sample" of a plot not there yet (review 12); a plot still shown (the
        # same variable's preview) keeps its own footer until the new one replaces it.
        self._footer = " · ".join(_footer_parts(histogram, preview))
        self.histogram = histogram
        self._preview = preview
        self._enable(True)
        self._title = (title, "  (preview from a sample...)" if preview else "")
        if plot_import.pending():  # pyqtgraph is imported in the background: drawn once it is
            self.empty.setText("Drawing the histogram...")
            self.stack.setCurrentWidget(self.empty)
            if not self._waiting:
                self._waiting = True
                plot_import.when_done(self._queue_plot)
        else:
            self._waiting = True
            self._queue_plot()
        if self._waiting and self.stack.currentWidget() is self.empty:
            self.counts_label.setText(" ")
        if self.auto_range.isChecked() and not preview:
            self.low.setText(format_number(float(histogram.edges[0])))
            self.high.setText(format_number(float(histogram.edges[-1])))

    def _queue_plot(self) -> None:
        """The histogram drawn now if the event loop's turn is free and the plot made,
        else in a turn of its own (app/plot_turns.py), after the one that makes the plot
        (never the turn that asked for it)."""
        if not self._plot_made:
            if self.stack.currentWidget() is not self.empty:  # not the last histogram meanwhile
                self.empty.setText("Drawing the histogram...")
                self.stack.setCurrentWidget(self.empty)
            plot_turns.later(self, self._make_plot, key="make")
        plot_turns.run(self, self._show_plot, key="draw")

    def _show_plot(self):
        """The histogram shown (the latest one asked for), unless cleared meanwhile: a
        piece of plot_turns, returning the plot whose paint comes before the next piece."""
        if not self._waiting or self.histogram is None:  # cleared, or drawn already
            return None
        self._waiting = False
        self.stack.setCurrentWidget(self.plot)
        self._show_title()
        self._redraw()
        self.counts_label.setText(self._footer)
        return self.plot

    def mark_cancelled(self) -> None:
        """The exact computation was cancelled: say so instead of implying it is coming."""
        if self.histogram is None:
            self.clear("Histogram cancelled")
        elif self._preview:
            # What changed first: a title too wide for the plot is cut at its end (_show_title).
            self._title = (self._title[0], "  (exact histogram cancelled; preview from a sample)")
            if not self._waiting:
                self._show_title()

    @property
    def is_preview(self) -> bool:
        return self._preview

    def requested_range(self) -> tuple[float, float] | None:
        if self.auto_range.isChecked():
            return None
        try:
            low, high = float(self.low.text()), float(self.high.text())
        except ValueError:
            return None
        # Typed the other way round ("0.3 to -0.2"): taken in order, not ignored without a word.
        return (min(low, high), max(low, high)) if math.isfinite(low) and math.isfinite(high) and low != high else None

    def png_bytes(self, checkpoint: str = "") -> bytes:
        """The plot as a PNG file's bytes, titled with the variable's whole path and
        ``checkpoint`` (titled_png); the controller writes them (through the write guard,
        never into a checkpoint folder)."""
        from pyqtgraph.exporters import ImageExporter  # noqa: PLC0415 - the plot has imported pyqtgraph

        exporter = ImageExporter(self.plot.plotItem)
        exporter.parameters()["width"] = max(800, self.plot.width())
        if self._title is None:
            image = exporter.export(toBytes=True)
        else:  # the on-screen title (cut to the panel) left out: the image's own goes above the plot
            self.plot.setTitle(None)
            self.plot.plotItem.layout.activate()
            try:
                image = exporter.export(toBytes=True)
            finally:
                self._show_title()
                self.plot.plotItem.layout.activate()
            name, note = self._title
            scale = image.width() / max(self.plot.width(), 1)
            image = with_title(image, self.font(), name + note, checkpoint, scale)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data)

    # -- internals ----------------------------------------------------------------------

    def _show_title(self, width: int | None = None) -> None:
        """The variable's name cut in the middle to the plot's width (a narrow panel
        clipped its end), the note after it whole (the name is whole in Details) unless
        even a short name leaves it no room: then the whole title is cut at its end."""
        if self._title is None:
            if self._plot_made:
                self.plot.setTitle(None)
            return
        name, note = self._title
        font = QFont(self.font())
        font.setPointSizeF(TITLE_POINTS)
        metrics = QFontMetrics(font)
        whole = max((width or self.plot.width()) - TITLE_MARGIN, TITLE_MARGIN)
        room = max(whole - metrics.horizontalAdvance(note), TITLE_MARGIN)
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room) + note
        # The title is laid out at its whole width: one wider than the plot widened the
        # plot's layout past its pane (review 16: after Cancel the note grew to "preview
        # from a sample; exact histogram cancelled" and the x axis was cut at 1.5).
        shown = metrics.elidedText(shown, Qt.TextElideMode.ElideRight, whole)
        self.plot.setTitle(shown, size=f"{TITLE_POINTS}pt")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        # Before the plot lays its items out at the new width: a title wider than the
        # plot would hold it wider than its window, its right end cut.
        resized = watched is self.plot and event.type() == QEvent.Type.Resize
        if resized and self._title is not None and event.size().width() != event.oldSize().width():
            self._show_title(event.size().width())
        return False

    def _redraw(self) -> None:
        histogram = self.histogram
        if histogram is None or self._waiting:  # drawn once pyqtgraph is imported
            return
        counts = histogram.counts.astype(np.float64)
        edges = histogram.edges.astype(np.float64)
        log = self.log_y.isChecked()
        floor = 0.0
        if log:
            # log10 by hand: pyqtgraph's log mode drops empty bins and the fill with them.
            floor = -0.3
            with np.errstate(divide="ignore"):
                counts = np.where(counts > 0, np.log10(counts), floor)
        fill = _PREVIEW_FILL if self._preview else _FILL
        self.curve.setData(edges, counts, stepMode="center", fillLevel=floor, brush=fill, skipFiniteCheck=True)
        self.count_axis.whole = not log
        label = "log10(count)" if log else "count"
        if label != self._y_label:  # setting it again re-lays the axis out (a few ms each time)
            self._y_label = label
            self.plot.setLabel("left", label)
        # The range from what is known (not auto-range: pyqtgraph recomputes that from the
        # items' bounds on every paint, on the GUI thread).
        top = float(counts.max()) if counts.size else 1.0
        self.plot.setRange(xRange=(edges[0], edges[-1]), yRange=(floor, max(top, floor + 1.0)), padding=0.02)

    def _on_auto_range(self, on: bool) -> None:
        self.low.setEnabled(not on)
        self.high.setEnabled(not on)
        self.range_unit.setVisible(not on)
        if on:
            self._ask()

    def _ask(self) -> None:
        # The fields are left as typed (put in order at once, the first typed of two was
        # lost to the other field's old value, review 27 #1); the range is taken in order.
        wanted = self.requested_range()
        if wanted is None and not self.auto_range.isChecked() and self.low.text() and self.high.text():
            # A range of no width: said where the values' readout goes (review 26 #16).
            self.readout.setText("min = max: data range shown")
        self.request.emit(self.bins.value(), wanted)

    def _on_mouse(self, position: QPointF) -> None:
        histogram = self.histogram
        if histogram is None or not self.plot.sceneBoundingRect().contains(position):
            return
        x = self.plot.plotItem.vb.mapSceneToView(position).x()
        edges = histogram.edges
        i = int(np.searchsorted(edges, x, side="right")) - 1
        if 0 <= i < len(histogram.counts):
            share = histogram.counts[i] / histogram.total if histogram.total else 0.0
            count = f"{int(histogram.counts[i]):,} ({share:.2%})"
            low, high = float(edges[i]), float(edges[i + 1])
            self.readout.setText(
                f"[{format_number(low)}, {format_number(high)}): {count}",
                f"[{low:.3g}, {high:.3g}): {count}",  # the edges shorter, the count and share whole
                count,
            )
        else:
            self.readout.setText(f"x = {format_number(x)}")


def _footer_parts(histogram: Histogram, preview: bool) -> list[str]:
    """The footer's parts; a preview's counts are of its sample (NaN 2 in a sample is
    not the tensor's count), and each part keeps its words together: the footer wraps
    between parts ("· 777 / outside the range" had been cut inside one)."""
    sample = " in the sample" if preview else ""
    parts = [counted(histogram.total, f"{'sampled ' if preview else ''}value") + " in range"]
    if histogram.nan or histogram.posinf or histogram.neginf:
        text = nonfinite_text(histogram.nan, histogram.posinf, histogram.neginf)
        parts.append(f"{badge_html(text)} (not plotted{sample})")
    else:
        parts.append(_together(f"no NaN or Inf{sample}"))
    if histogram.outside:
        parts.append(_together(f"{histogram.outside:,} outside the range"))
    if histogram.of_magnitude:
        parts.append(_together("complex values: magnitudes"))
    parts[0] = _together(parts[0])
    return parts


def _together(text: str) -> str:
    return text.replace(" ", "\u00a0")


def badge_html(text: str) -> str:
    """``text`` as a badge in rich text: bold, white on red, whatever the palette, on
    one line (a narrow panel broke "-Inf" from its count)."""
    text = text.replace(" ", "&nbsp;").replace("-", "\u2011")  # no break at a space or the minus
    return (
        f"<span style='background-color:{BADGE_BACKGROUND}; color:{BADGE_TEXT}; font-weight:bold;'>"
        f"&nbsp;{text}&nbsp;</span>"
    )
