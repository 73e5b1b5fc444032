"""The histogram panel's plot, made when first needed (histogram_panel.PLOT_PARTS):
the panel's only way to pyqtgraph, whose import costs 0.5 to 1 s of start-up."""

from __future__ import annotations

import pyqtgraph as pg

from ckpt_gui.app.widgets.layouts import not_a_tab_stop
from ckpt_gui.app.widgets.plot_axes import SpacedAxis


def make_plot(fill: tuple[int, ...], y_label: str):
    """The plot, its step curve and its count axis."""
    count_axis = CountAxis("left")
    # No context menus: made without them rather than made and dropped (pyqtgraph's
    # view box menu is tens of milliseconds of the first plot's turn).
    plot = pg.PlotWidget(axisItems={"left": count_axis, "bottom": SpacedAxis("bottom")}, enableMenu=False)
    not_a_tab_stop(plot)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLabel("left", y_label)
    curve = plot.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=fill, pen=pg.mkPen(40, 90, 160))
    return plot, curve, count_axis


LABEL_OVERFLOW = 15  # px a tick label may reach past the axis' ends (pyqtgraph's own, without a grid)


class CountAxis(pg.AxisItem):
    """The count axis: counts are whole numbers, so no tick at 0.5 or 1.5 (a bin of
    one value gave ticks 0, 0.5, 1). Log counts (log10) keep their fractional ticks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.whole = True

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        levels = super().tickSpacing(minVal, maxVal, size)
        if not self.whole:
            return levels
        kept = [(spacing, offset) for spacing, offset in levels if spacing >= 1 and float(spacing).is_integer()]
        return kept or [(1.0, 0.0)]

    def boundingRect(self):  # noqa: N802 - Qt's API
        """With a grid pyqtgraph bounds the axis by the plot's height exactly, and drops
        every label reaching past it: counts 0..1 of a 3-value vector put their only
        ticks, 0 and 1, at the ends, and a plot of 150 px showed no number at all. The
        labels may overflow the ends by half their height, as they do without a grid."""
        return super().boundingRect().adjusted(0, -LABEL_OVERFLOW, 0, LABEL_OVERFLOW)
