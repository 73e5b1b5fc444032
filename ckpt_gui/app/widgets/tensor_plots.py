"""The tensor panel's plots (heatmap, line), each made when first drawn.

Importing pyqtgraph costs 0.5 to 1 s of CPU (it copies every Qt enum into its own
namespace), a third of the time to a usable tree at launch: this module, the only
way the tensor panel reaches pyqtgraph, is imported when a picture is first needed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QBoxLayout

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.heatmap import (
    IndexAxis,
    TitleWrapper,
    colour_bar,
    constant_value,
    diverging_map,
    index_axes,
    place,
    set_levels,
    settle_axes,
)
from ckpt_gui.app.widgets.heatmap_cells import (
    INF_COLOUR,
    INF_NAME,
    NAN_COLOUR,
    NAN_NAME,
    ExtremeImageItem,
    NonFinite,
    overlay_item,
)
from ckpt_gui.app.widgets.histogram_panel import PLOT_MIN_HEIGHT
from ckpt_gui.app.widgets.layouts import clear_on_leave, not_a_tab_stop

__all__ = [
    "INF_COLOUR", "INF_NAME", "NAN_COLOUR", "NAN_NAME", "NonFinite", "colour_map", "constant_value",
    "make_colour_bar", "make_heatmap", "make_line", "place", "set_levels", "settle_axes",
]  # fmt: skip


HEAT_MARGIN = 3  # px round the heatmap (pyqtgraph's is 9)


def make_heatmap(panel, heat_layout: QBoxLayout) -> None:
    """Give ``panel`` (a TensorPanel) its heatmap, in the place kept for it between the
    axis controls and the readout of ``heat_layout``."""
    panel.graphics = not_a_tab_stop(pg.GraphicsLayoutWidget())
    # 3 px round the plot, not pyqtgraph's 9: at 1024x640 the panel is 170 px tall and a
    # [1000, 50] matrix was left 60 px of it (review 10).
    panel.graphics.ci.layout.setContentsMargins(*[HEAT_MARGIN] * 4)
    panel.image_plot = panel.graphics.addPlot(axisItems=index_axes())
    panel.image_plot.invertY(True)  # row 0 at the top, like a matrix
    panel.image_plot.setAspectLocked(False)
    panel.image = ExtremeImageItem()  # an outlier stays in view however small the plot
    panel.image_plot.addItem(panel.image)
    panel.overlay = overlay_item()  # NaN and Inf cells, in colours of their own
    panel.image_plot.addItem(panel.overlay)
    panel.nonfinite = NonFinite(np.zeros((1, 1)))
    panel.graphics.setMinimumHeight(PLOT_MIN_HEIGHT)
    heat_layout.replaceWidget(panel._plot_place, panel.graphics)
    # Shown now, not by the layout's queued show: till then the layout counts no plot
    # and the window's least height drops by it for a turn.
    panel.graphics.show()
    panel._plot_place.deleteLater()
    # Long titles wrap to the plot's width rather than hold the plot wider.
    # The title's room: the view less its margins (and 4 px to spare); TITLE_MARGIN, for
    # pyqtgraph's 9 px ones and more, wrapped "1 NaN, 1 +Inf, 1 -Inf" where it fitted.
    panel.image_title = TitleWrapper(panel.graphics, panel.image_plot, 2 * HEAT_MARGIN + 4)
    panel.graphics.scene().sigMouseMoved.connect(panel._on_mouse)
    clear_on_leave(panel.graphics, panel.readout)
    theme.style_plot(panel.graphics)


def make_colour_bar(panel) -> None:
    """Give ``panel``'s heatmap (made first if it is not) its colour bar, beside the plot."""
    panel.colorbar = colour_bar(SEQUENTIAL, width=14)
    panel.colorbar.setImageItem(panel.image, insert_in=panel.image_plot)
    theme.style_plot(panel.graphics)  # the bar's axis too


def make_line(panel) -> None:
    """Give ``panel`` its line plot (for vectors), the picture stack's third page."""
    panel.line = not_a_tab_stop(pg.PlotWidget(axisItems={"bottom": IndexAxis("bottom")}))
    panel.line.showGrid(x=True, y=True, alpha=0.2)
    panel.line_curve = panel.line.plot(pen=pg.mkPen(40, 90, 160))
    # Where a vector is NaN (or +-Inf): a mark at the foot of the plot, in the heatmap's
    # colours; a line has no point to draw there ([1, NaN, 3] drew nothing at all).
    panel.line_marks = pg.ScatterPlotItem(size=9, pen=None)
    panel.line.addItem(panel.line_marks)
    # A finite value with no finite neighbour ([1, NaN, 3]) has no segment: a dot of its
    # own. (A symbol at every point of the curve instead: an envelope's thousands of
    # points, made again by each change of the view range, 0.1 s of the drawing.)
    panel.line_dots = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(40, 90, 160))
    panel.line.addItem(panel.line_dots)
    panel.line_title = TitleWrapper(panel.line, panel.line.plotItem)
    panel.picture.addWidget(panel.line)
    theme.style_plot(panel.line)


def colour_map(diverging: bool):
    return diverging_map() if diverging else pg.colormap.get(SEQUENTIAL)


SEQUENTIAL = "viridis"  # for values of one sign


def made_ahead() -> None:
    """Called on the background thread that imported this module (app/plot_import.py):
    the colour maps a heatmap sets, read from pyqtgraph's files and made (plain numpy
    and QColor values, no Qt object), cached for the GUI thread. Made there, the
    diverging one took 4 to 14 ms of the first heatmap's turn and viridis 2 to 8 ms of
    its colour bar's."""
    pg.colormap.get(SEQUENTIAL)
    diverging_map()
