"""The comparison's right half: the selected pair's numbers, its two histograms
overlaid, the histogram of B - A, and the heatmaps of A, B and B - A (pair_heatmaps.py)."""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from ckpt_gui.app import theme
from ckpt_gui.app.models.compare_model import status_label
from ckpt_gui.app.widgets.histogram_plot import CountAxis
from ckpt_gui.app.widgets.layouts import not_a_tab_stop
from ckpt_gui.app.widgets.pair_heatmaps import PairHeatmaps
from ckpt_gui.app.widgets.pair_numbers import (
    COLOUR_A,
    COLOUR_B,
    MOVED,
    breakable,
    fill_grid,
    legend_title,
    pair_numbers,
    single_values,
)
from ckpt_gui.app.widgets.pair_slice import SliceControls
from ckpt_gui.app.widgets.plot_axes import SpacedAxis
from ckpt_gui.app.widgets.plot_cover import cover, uncover
from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.analysis.unreadable_pair import unreadable_sides
from ckpt_gui.core.formatting import format_number, no_finite_text
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_view import GroupView, PairView
from ckpt_gui.core.views.pairing import pairing_note

NO_PAIR_NOTE = "The histograms and heatmaps of A, B and B - A show here once a pair is selected."
COMPUTING_NOTE = "Computing the histograms and heatmaps of this pair..."


HISTOGRAMS_MIN_HEIGHT = 120  # px: the two histograms' least, and the heatmaps'
HEATMAP_SHARE = 0.6  # of the plots' height, the heatmaps' while the user has not dragged the line


class PairPanel(PairHeatmaps, QWidget):
    """The selected pair: its numbers, overlaid histograms, B - A, and heatmaps."""

    # (view, choice): another slice of a large pair, to be read on a worker (show_plane)
    plane_wanted = Signal(object, object)
    jump_to = Signal(object)  # the Pair a link of the details names (a moved variable's other side)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view: PairView | None = None
        self.path_of: Callable[[Pair], str] = lambda pair: pair.path  # where the trees show a pair
        self.note_of: Callable[[Pair], str | None] = pairing_note  # why a pairing is only a guess
        # The other side of a variable that seems to have moved (only in A, the same values only in B).
        self.moved_of: Callable[[Pair], Pair | None] = lambda pair: None
        self.title = QLabel("Select a pair to compare its values.")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        # Rich text always: left to auto-detection, a title without a tag (no "stored
        # as" line) would be taken for plain text and show its &nbsp; literally.
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.setMinimumWidth(320)
        self.numbers = QGridLayout()
        self.numbers.setHorizontalSpacing(14)
        # The two histograms side by side above the heatmaps, a line between them the
        # user drags: in one graphics layout, three heatmaps under two histograms one
        # above the other were 80x65 px at 1280x800.
        self.plots = QSplitter(Qt.Orientation.Vertical)
        self.plots.setChildrenCollapsible(False)
        self.histogram_view, self.heatmap_view = pg.GraphicsLayoutWidget(), pg.GraphicsLayoutWidget()
        for view in (self.histogram_view, self.heatmap_view):
            not_a_tab_stop(view)
            view.setMinimumHeight(HISTOGRAMS_MIN_HEIGHT)
            self.plots.addWidget(view)
        self.plots.setStretchFactor(0, 2)
        self.plots.setStretchFactor(1, 3)  # the heatmaps the larger share: three side by side are narrow
        self.heatmap_share = HEATMAP_SHARE  # of the plots' height; the user's own once they drag the line
        self.plots.splitterMoved.connect(lambda _pos, _index: self._keep_heatmap_share())
        # The title is the legend: a legend inside the plot would cover the curves.
        # Counts are whole numbers: no tick at 0.5 or 1.5 (the browse histogram's axis).
        self.hist_plot = self.histogram_view.addPlot(
            row=0, col=0, title=legend_title(), axisItems={"left": CountAxis("left"), "bottom": SpacedAxis("bottom")}
        )
        self.hist_plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_a = self.hist_plot.plot(
            [0, 1], [0], stepMode="center", fillLevel=0, brush=(*COLOUR_A, 70), pen=pg.mkPen(COLOUR_A), name="A"
        )
        self.curve_b = self.hist_plot.plot(
            [0, 1], [0], stepMode="center", fillLevel=0, brush=(*COLOUR_B, 70), pen=pg.mkPen(COLOUR_B), name="B"
        )
        self.diff_plot = self.histogram_view.addPlot(
            row=0, col=1, title="B - A", axisItems={"left": CountAxis("left"), "bottom": SpacedAxis("bottom")}
        )
        self.diff_plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_diff = self.diff_plot.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=(120, 120, 120, 120))
        # In B - A's place for a variable on one side only: no difference to plot (the empty
        # plot on made-up axes it was misled, review 7).
        self.diff_missing = pg.LabelItem("")
        self._make_heatmaps()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.numbers)
        layout.addWidget(self.plots, 1)
        self.slice_controls = SliceControls()  # which plane of a tensor of more than two axes
        self.slice_controls.chosen.connect(self._choose_plane)
        self.slice_controls.setVisible(False)
        layout.addWidget(self.slice_controls)
        # A group row shows this instead of the plots: no histogram of different
        # variables' values together means anything, and an empty plot says nothing.
        self.group_note = QLabel()
        self.group_note.setWordWrap(True)
        self.group_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.group_note.setVisible(False)
        theme.mute(self.group_note)
        layout.addWidget(self.group_note, 1)
        layout.addStretch(0)  # with the plots hidden (single values), the numbers stay at the top
        theme.follow(self)
        self.show_pair(None)

    def show_pair(self, pair: Pair | None, values: list[tuple[str, str]] = (), failed: str = "") -> None:
        """The numbers known so far and "computing..." (before the histograms arrive,
        ``show_view``), and ``values``: a pair of single values, as text; ``failed``:
        why its values could not be read, in place of "computing..." (show_failed)."""
        self.view = None
        self.slice_controls.setVisible(False)  # until the pair's view says it has more than two axes
        self._show_plots(True)
        self.plots.setVisible(not values)  # a pair of single values: as text, no plots
        if pair is None:  # a line of text, not empty axes
            self.title.setText("Select a pair to compare its values.")
            fill_grid(self.numbers, [])
            self._clear_plots()
            self._show_plots(False)
            self.group_note.setText(NO_PAIR_NOTE)
            return
        place, stored = self.path_of(pair), pair.path
        text = f"{html.escape(status_label(pair.status))}&nbsp;&nbsp; {breakable(place)}"
        muted = f"<br><span style='font-weight: normal; color: {theme.muted().name()};'>"
        # Paired by key (an object graph cannot be read): the tree names it as the normal
        # comparison does when a graph reads, and "Paired by" says whose names they are.
        if place != stored:  # an optimizer slot shown under its variable
            # Another object path of it, not its key ("stored as optimizer/_momentums/0"
            # read as the key, which is optimizer/_variables/N/..., review 24): both said.
            text += f"{muted}also reachable as {breakable(stored)}; key {breakable(pair.key)}</span>"
        renamed = pair.a is not None and pair.b is not None and pair.b.display_path != pair.a.display_path
        # B's own name (a rename); not B's raw key when one side has no object paths
        if renamed and (pair.key_b is not None or (pair.a.object_paths and pair.b.object_paths)):
            text += f"{muted}in B: {breakable(pair.b.display_path)}</span>"
        self.title.setText(text)
        # Until its view comes: a line of text, not empty axes on 0..1 (review finding 33).
        self._clear_plots()
        self._show_plots(False)
        failed_note = f"Could not read this pair's values: {html.escape(failed)}"
        self.group_note.setText(failed_note if failed else COMPUTING_NOTE)
        rows = [*pair_numbers(pair, stopped=bool(failed)), *values]
        guess = self.note_of(pair)
        if guess is not None:
            rows.append(("Paired by", guess.replace("/", "/\u200b")))
        other = self.moved_of(pair)
        if other is not None:  # as `ckpt-gui diff` proposes it, with a link to the other side
            where = "to" if pair.b is None else "from"
            link = f"<a href='pair'>{breakable(self.path_of(other))}</a>"
            rows.append((MOVED, f"perhaps moved {where} {link} in {'B' if pair.b is None else 'A'}: same values"))
        fill_grid(self.numbers, rows, lambda _link: self.jump_to.emit(other))

    def show_failed(self, pair: Pair, message: str) -> None:
        """Reading ``pair``'s values for its plots failed (not a value that cannot be read:
        that pair is marked unreadable and plotted; e.g. storage that stopped answering):
        said in place of the plots, its values "not compared", nothing left computing."""
        self.show_pair(pair, failed=message)

    def show_group_pending(self, path: str) -> None:
        """A group row was selected: its summary is being made."""
        self.view = None
        self.title.setText(f"{breakable(path)}<br><span style='font-weight: normal;'>summing up...</span>")
        fill_grid(self.numbers, [])
        self._clear_plots()
        self._show_plots(False)
        self.group_note.setText("")

    def show_group(self, view: GroupView) -> None:
        """A group: its pairs by status, and its largest changes (each one's place,
        status and relative L2 change); plots are for a pair."""
        self.view = None
        self._show_plots(False)
        self.title.setText(f"{breakable(view.path or '(all)')}<br><span style='font-weight: normal;'>"
                           f"a group of {view.pairs:,} pairs</span>")  # fmt: skip
        rows = [(status_label(status), f"{n:,}") for status, n in view.counts.most_common()]
        if view.pending:
            rows.append(("To compare", f"{view.pending:,}"))
        fill_grid(self.numbers, rows)
        apart = ""
        if view.unreadable:  # not ranked among the changes: said apart (review 19 F11)
            n = view.unreadable
            apart = (f"{n:,} pair{'s' if n != 1 else ''} below could not be compared: a value cannot be read "
                     f"({status_label(DiffStatus.UNREADABLE)} in the trees). ")  # fmt: skip
        if not view.largest:
            if view.pending:
                so_far = "No change among the pairs compared so far. "
            elif view.unreadable:
                so_far = "No change among the pairs that could be compared. "
            else:
                so_far = "Every pair below is the same. "
            self.group_note.setText(f"{so_far}{apart}Select a pair for its histograms and heatmaps.")
            return
        lines = []
        for pair in view.largest:
            rel = pair.values.rel_l2 if pair.values is not None else None
            change = f" &nbsp; rel. L2 {html.escape(format_number(rel))}" if rel is not None else ""
            place = view.paths.get(id(pair), pair.path)
            if view.path and place.startswith(view.path + "/"):  # the rest of the path, below the group
                place = place[len(view.path) + 1 :]
            place = breakable(place)
            lines.append(f"<li>{html.escape(status_label(pair.status))} &nbsp; {place}{change}</li>")
        self.group_note.setText(
            f"<b>Largest changes below this group</b> ({len(view.largest):,} shown):<ol>{''.join(lines)}</ol>"
            f"{html.escape(apart)}Select a pair for its histograms and heatmaps."
        )

    def _show_plots(self, on: bool) -> None:
        self.plots.setVisible(on)
        self.group_note.setVisible(not on)
        if not on:
            self.slice_controls.setVisible(False)

    def show_view(self, view: PairView) -> None:
        single = single_values(view.scalars) if view.scalars is not None else []
        self.show_pair(view.pair, single)
        self.view = view
        self._show_plots(True)
        self.plots.setVisible(not single)  # a pair of single values: as text, no plots
        self._show_histograms(view)
        self._draw_heatmaps(view)
        choosable = view.values is not None and view.choice is not None
        if choosable:
            self.slice_controls.show_choice(view.pair.a.shape, view.choice)
        self.slice_controls.setVisible(choosable)

    def _show_histograms(self, view: PairView) -> None:
        # A side with no finite value (all NaN) draws nothing either, and says so: its
        # flat line at 0 had stretched an empty axis to -15..15 (review 23 #15).
        no_finite = {side: _no_finite_text(h) for side, h in (("A", view.hist_a), ("B", view.hist_b)) if _empty(h)}
        for curve, histogram in ((self.curve_a, view.hist_a), (self.curve_b, view.hist_b)):
            drawn = histogram is not None and not _empty(histogram)
            if drawn:
                curve.setData(histogram.edges.astype(np.float64), histogram.counts.astype(np.float64))
            # A side without values draws nothing: its placeholder [0, 1] line had widened
            # the other side's range to 0..1 and read as a B (review 7).
            curve.setVisible(drawn)
        drawn_a, drawn_b = (h is not None and not _empty(h) for h in (view.hist_a, view.hist_b))
        said = "; ".join(f"{side}: {text}" for side, text in no_finite.items())
        muted = f" &nbsp; <span style='color: {theme.muted().name()};'>{html.escape(said)}</span>" if said else ""
        self.hist_plot.setTitle(legend_title(drawn_a, drawn_b) + muted if drawn_a or drawn_b else "")
        self.hist_plot.enableAutoRange()
        pair = view.pair
        missing = "not in B" if pair.b is None else "not in A" if pair.a is None else ""
        if pair.unreadable:  # its side's histogram left out: no B - A either
            missing = " and ".join(sorted(unreadable_sides(pair))) + " cannot be read"
        if not missing and view.hist_diff is None and tuple(pair.a.shape) != tuple(pair.b.shape):
            missing = "shapes differ"  # no B - A to plot: an empty box with a lone 0 tick said nothing (review 8)
        both = view.hist_a is not None and view.hist_b is not None
        if not missing and both and (view.hist_diff is None or _empty(view.hist_diff)):
            # Every difference NaN or Inf (none finite to bin): said, not axes over nothing.
            missing = "no finite difference"  # short: the label does not wrap (the title says which side)
        self._show_diff_plot(not missing, f"B - A: {missing}")
        # Neither side read: a message, not empty axes on a made-up range (review 21 #18).
        if pair.unreadable and view.hist_a is None and view.hist_b is None:
            cover(self.histogram_view).say(f"No histograms: {missing} (Cannot read, above, says why)")
        elif said and not (drawn_a or drawn_b):  # no finite value on either side
            cover(self.histogram_view).say(f"No histograms: {said}")
        else:
            uncover(self.histogram_view)
        if view.hist_diff is not None:
            hist = view.hist_diff
            self.curve_diff.setData(hist.edges.astype(np.float64), hist.counts.astype(np.float64))
            self.diff_plot.enableAutoRange()

    def _show_diff_plot(self, on: bool, instead: str = "") -> None:
        """B - A's histogram, or in its place ``instead`` (a variable on one side only)."""
        layout = self.histogram_view.ci
        shown = self.diff_plot if on else self.diff_missing
        hidden = self.diff_missing if on else self.diff_plot
        if not on:
            # Under its "B - A:", a line of its own: one line was cut at the pane's edge (review 23 #15).
            self.diff_missing.setText(html.escape(instead).replace(": ", ":<br>", 1), color=theme.muted().name())
        if hidden.scene() is not None:
            layout.removeItem(hidden)
            hidden.setVisible(False)
        if shown.scene() is None:
            layout.addItem(shown, row=0, col=1)
            shown.setVisible(True)

    def _clear_plots(self) -> None:
        for curve in (self.curve_a, self.curve_b, self.curve_diff):
            curve.setData([0, 1], [0])
        for item in (*self.images, *self.overlays):
            item.clear()
        self.heatmap_note.setVisible(False)
        for plot in self.image_plots:
            plot.setVisible(False)
        self._show_heatmaps(False)


def _empty(histogram) -> bool:
    """A histogram of no value in range: its side (or B - A) holds no finite value."""
    return histogram is not None and histogram.total == 0 and histogram.outside == 0


def _no_finite_text(histogram) -> str:
    return no_finite_text(histogram.nan, histogram.posinf, histogram.neginf)
