"""The tensor panel's plot parts, made when first asked for (by tensor_plots, which
imports pyqtgraph: its import is a third of the time to a usable tree at launch)."""

from __future__ import annotations

# The attributes make_heatmap and make_line (tensor_plots) give the panel.
HEATMAP_PARTS = frozenset(("graphics", "image_plot", "image", "overlay", "nonfinite", "colorbar", "image_title"))
LINE_PARTS = frozenset(("line", "line_curve", "line_title", "line_marks", "line_dots"))


def plots():
    """tensor_plots (and pyqtgraph), imported when the first picture is drawn."""
    from ckpt_gui.app.widgets import tensor_plots  # noqa: PLC0415 - start-up time: see the module's docstring

    return tensor_plots


def plot_of(ndim: int) -> str | None:
    """The plot part a tensor of ``ndim`` axes is drawn with (None: no picture)."""
    if ndim == 1:
        return "line"
    return "graphics" if ndim >= 2 else None
