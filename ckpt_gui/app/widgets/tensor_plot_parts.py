"""The tensor panel's plot parts, made when first asked for (by tensor_plots, which
imports pyqtgraph: its import is a third of the time to a usable tree at launch)."""

from __future__ import annotations

# The attributes make_heatmap, make_colour_bar and make_line (tensor_plots) give the
# panel. The heatmap is made in two event-loop turns (app/plot_turns.py), its colour bar
# in the second: together they took 30 to 70 ms of the GUI thread's CPU, half each.
HEATMAP_PARTS = frozenset(("graphics", "image_plot", "image", "overlay", "nonfinite", "image_title"))
BAR_PARTS = frozenset(("colorbar",))
LINE_PARTS = frozenset(("line", "line_curve", "line_title", "line_marks", "line_dots"))


def plots():
    """tensor_plots (and pyqtgraph), imported when the first picture is drawn."""
    from ckpt_gui.app.widgets import tensor_plots  # noqa: PLC0415 - start-up time: see the module's docstring

    return tensor_plots


def plot_of(ndim: int) -> tuple[str, ...]:
    """The plot parts a tensor of ``ndim`` axes is drawn with, each made in a turn of
    its own, in this order (none: no picture)."""
    if ndim == 1:
        return ("line",)
    return ("graphics", "colorbar") if ndim >= 2 else ()
