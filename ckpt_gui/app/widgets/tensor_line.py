"""The tensor panel's line plot of a vector: its values, or a large one's min/max
envelope drawn as one zigzag, with its NaN and +-Inf marked at the foot."""

from __future__ import annotations

from ckpt_gui.app.widgets.tensor_plot_parts import plots
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import format_shape, nonfinite_text


class LineDrawing:
    """Mixed into TensorPanel: draws on its line plot (``self.line`` and its parts,
    made when first used) the vector it shows (``self.value``, ``self.title``)."""

    def _draw_vector_envelope(self, envelope: BlockEnvelope) -> None:
        x = np.arange(envelope.low.shape[1]) * envelope.block_cols
        self._draw_line(x, envelope.low[0], envelope.high[0], envelope.block_cols, self.value.shape, self.title)

    def _draw_line(self, x, low, high, step: int, shape, title: str) -> None:
        self.picture.setCurrentWidget(self.line)
        # NaN leaves a gap; so does an Inf (no axis can hold it; its run's other
        # extreme still shows).
        raw_low, raw_high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        low, high = _finite_or_nan(raw_low), _finite_or_nan(raw_high)
        points_x = x
        if step > 1:  # one zigzag through each run's min and max: the band, drawn as one cheap curve
            x, y = np.repeat(x, 2), np.column_stack([low, high]).reshape(-1)
        else:
            y = high
        # A finite value between two gaps is a point no segment reaches: drawn as a dot.
        lonely = np.isfinite(y) & ~np.isfinite(np.r_[np.nan, y[:-1]]) & ~np.isfinite(np.r_[y[1:], np.nan])
        self.line_curve.setData(x, y, connect="finite")
        self.line_dots.setData(x[lonely], y[lonely])
        _set_line_range(self.line, x, y)
        marks = self._mark_nonfinite(points_x, raw_low, raw_high, y)
        counted = self._counted  # a large vector's counts, from its statistics
        if counted is not None and counted[0] == title and self.large and any(counted[1:]):
            # Each sign on its own, as Details and the histogram word them, and as the
            # heatmap's title: "2 \u00b1Inf marked" counted blocks (review 18, F7); a lone
            # NaN among finite values marks no block. The marks are explained in the tooltip.
            marks = "  \u00b7 " + nonfinite_text(*counted[1:])
        note = f"  (min/max of every {step:,} values)" if step > 1 else ""
        self.line.setTitle(f"{title}  {format_shape(shape)}{note}{marks}", size="9pt")
        self.line_title.fit()
        self.line.setLabel("bottom", "index")

    def _mark_nonfinite(self, x, low, high, y) -> str:
        """Marks at the foot of the line where it is NaN (a block of only NaN, for an
        envelope) or reaches +-Inf; what they are, for the title ("" when none)."""
        nan = np.isnan(low) & np.isnan(high)
        inf = np.isinf(low) | np.isinf(high)
        if not (nan.any() or inf.any()):
            self.line_marks.setData([], [])
            return ""
        finite = y[np.isfinite(y)]
        foot = float(finite.min()) if finite.size else 0.0
        spots = [{"pos": (float(i), foot), "brush": plots().NAN_COLOUR, "symbol": "x"} for i in x[nan]]
        spots += [{"pos": (float(i), foot), "brush": plots().INF_COLOUR, "symbol": "t1"} for i in x[inf]]
        self.line_marks.setData(spots)
        counts = nonfinite_text(int(nan.sum()), either_inf=int(inf.sum()))  # blocks, Inf of either sign
        self.line.setToolTip(
            f"Marked at the foot of the plot: NaN ({plots().NAN_NAME} x), \u00b1Inf ({plots().INF_NAME} triangle)"
        )
        return "  \u00b7 " + counts + " marked"


def _set_line_range(plot, x: np.ndarray, y: np.ndarray) -> None:
    """The line's range from its data, once (auto-range recomputes it on every paint)."""
    finite = y[np.isfinite(y)]
    if not len(x) or not finite.size:
        plot.enableAutoRange()
        return
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    plot.setRange(xRange=(float(x[0]), float(x[-1]) + 1.0), yRange=(low, high), padding=0.02)


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), values, np.nan)
