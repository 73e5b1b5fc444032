"""The comparison's row of heatmaps, A | B | bar | B - A | bar, laid out so that the
three heatmaps of one shape are drawn the same size and as tall as their pane allows
(review 19, F12: at 1024x640 A and B were 26x60 px beside a wider B - A, in a pane
with 390x150 px to spare: the note under them, spanning every column, had widened
one column, and nested margins and 30 px title rows took the height)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from ckpt_gui.app.widgets.plot_axes import LABEL_GAP_PX

PLOT_COLUMNS, BAR_COLUMNS = (0, 1, 3), (2, 4)
ROW_SPACING = 3  # px between two plots of the row (pyqtgraph's 6, four times over, cut the last bar's labels)


def even_heatmaps(row: pg.GraphicsLayout, plots: list[pg.PlotItem], bars: list[pg.PlotItem]) -> None:
    """``row``'s plots in columns that share its width alike, its bars as wide as their
    labels; no margins of its own (its view has them), title rows a line tall."""
    layout = row.layout
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setHorizontalSpacing(ROW_SPACING)
    for column in PLOT_COLUMNS:
        layout.setColumnStretchFactor(column, 1)
    for column in BAR_COLUMNS:
        layout.setColumnStretchFactor(column, 0)
    for item in (*plots, *bars):
        label = item.titleLabel
        # The text's own line, not its document's margins too (pyqtgraph's row: 30 px)
        margins = 2 * label.item.document().documentMargin()
        height = int(label.item.boundingRect().height() - margins) + 2
        label.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)
    for plot in plots:
        _title_gives_way(plot.titleLabel)


def _title_gives_way(label: pg.LabelItem) -> None:
    """``label`` (a plot's title) asks no width of its plot: pyqtgraph sets a label's
    least width to its text's at every resize, and "B - A", the widest title, held its
    plot the widest (short, a title reaches over the axis beside it, which is free there)."""
    own = label.updateMin

    def update_min() -> None:
        own()
        label.setMinimumWidth(0)
        label._sizeHint[Qt.SizeHint.MinimumSize] = (0, label._sizeHint[Qt.SizeHint.MinimumSize][1])  # noqa: SLF001

    label.updateMin = update_min
    update_min()


UNBOUNDED = 16_777_215.0  # Qt's QWIDGETSIZE_MAX: no greatest width of one's own


def collapse(item: pg.GraphicsWidget) -> None:
    """A hidden plot or bar of the row no width: Qt's grid keeps a hidden item's room."""
    item.setMinimumWidth(0)
    item.setMaximumWidth(0)


def fit_row(row: pg.GraphicsLayout, plots: list, drawn: list, bars: dict, columns: list[int]) -> None:
    """The row laid out for what it draws: ``bars`` (bar: shown) at their own widths or
    none, the ``drawn`` plots evenly (even_widths; ``columns``: their planes' widths)."""
    for bar, on in bars.items():
        bar.setVisible(on)
        if on:
            bar.setMinimumWidth(-1)
            bar.setMaximumWidth(UNBOUNDED)
        else:
            collapse(bar)
    even_widths(row, plots, drawn, max(columns, default=1))


def even_widths(row: pg.GraphicsLayout, plots: list[pg.PlotItem], drawn: list[pg.PlotItem], columns: int) -> None:
    """The plots shown the same least width, the widest's (its axis labels'): in a row
    too narrow for their preferred widths, Qt took from each in proportion to what it
    had above its least, and "B - A", its title the widest, kept the most. Each picture
    keeps room for its first and last column's labels side by side (``columns``: the
    widest plane's), which its title had given A's and B's. The row's width goes to the
    plots ``drawn`` only: a hidden plot's column kept its share, and A alone (B not
    readable) was drawn a third as wide as the pane. Call once their axes are set."""
    for plot, column in zip(plots, PLOT_COLUMNS, strict=True):
        row.layout.setColumnStretchFactor(column, 1 if plot in drawn else 0)
        if plot not in drawn:
            collapse(plot)
    shown = list(drawn)
    for plot in shown:
        plot.setMaximumWidth(UNBOUNDED)
    for plot in shown:
        axis = plot.getAxis("bottom")
        metrics = QFontMetricsF(axis.style["tickFont"] or QApplication.font())
        labels = metrics.horizontalAdvance("0") + metrics.horizontalAdvance(str(max(columns - 1, 0)))
        plot.vb.setMinimumWidth(labels + LABEL_GAP_PX if columns > 1 else labels)
        plot.setMinimumWidth(-1)  # its own least width again, as its parts ask now
    if not shown:
        return
    least = max(plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() for plot in shown)
    for plot in shown:
        plot.setMinimumWidth(least)
