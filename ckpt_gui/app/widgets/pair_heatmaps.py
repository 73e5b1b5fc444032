"""The comparison's heatmaps: A, B and B - A in a row with their colour bars (A and B on
one scale, B - A on its own centred on zero), the note under them (constant planes,
NaN/Inf cells, blocks, the slice shown), and the slice of a tensor of more than two axes
chosen, cut here or read on a worker. A part of PairPanel (its widgets)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication, QPalette

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.difference_note import difference_note
from ckpt_gui.app.widgets.heatmap import (
    WrappingLabel,
    colour_bar,
    constant_value,
    diverging_map,
    index_axes,
    place,
    set_levels,
    shared_levels,
    value_label,
)
from ckpt_gui.app.widgets.heatmap_cells import ExtremeImageItem, NonFinite, overlay_item
from ckpt_gui.app.widgets.heatmap_row import even_heatmaps, fit_row
from ckpt_gui.app.widgets.pair_numbers import blocks_tip
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_view import PairView, choose_plane, slice_index, slice_text
from ckpt_gui.core.views.planes import color_limits

FLAT_WEIGHT = 0.12  # a plane with no difference: this much of the text colour on the plots' background


class PairHeatmaps:
    """PairPanel's heatmaps (a mixin: it uses the panel's view, heatmap_view, plots,
    heatmap_share, slice_controls and plane_wanted signal)."""

    def _make_heatmaps(self) -> None:
        # The heatmaps in a row of their own: A | B | bar | B - A | bar. The colour
        # bars have cells of their own, so the three heatmaps get the same width (a bar
        # inserted into B's plot would take its width from B alone).
        self.heatmaps = heatmaps = self.heatmap_view.addLayout(row=0, col=0)
        self.image_plots = []
        self.images = []
        self.overlays = []  # NaN and Inf cells, in colours of their own
        for col, title in ((0, "A"), (1, "B"), (3, "B - A")):
            plot = heatmaps.addPlot(row=0, col=col, title=title, axisItems=index_axes())
            plot.invertY(True)  # the bottom axis shown: a column index to read (review, rv-76)
            image = ExtremeImageItem()  # an outlier or a change stays in view at any size
            overlay = overlay_item()
            plot.addItem(image)
            plot.addItem(overlay)
            self.image_plots.append(plot)
            self.images.append(image)
            self.overlays.append(overlay)
        # A and B share one colour scale; B - A has its own.
        self.colorbar_ab = colour_bar("viridis", width=10)  # readable numbers for any range
        self.colorbar_ab.setImageItem(self.images[:2])
        self.colorbar_diff = colour_bar(diverging_map(), width=10)
        self.colorbar_diff.setImageItem(self.images[2])
        for col, bar in ((2, self.colorbar_ab), (4, self.colorbar_diff)):
            bar.setTitle(" ")  # an empty title row, so the bar lines up with the heatmaps
            bar.showAxis("bottom")  # and an empty axis row under it, as under the heatmaps
            bar.getAxis("bottom").setStyle(showValues=False, tickLength=0)
            bar.getAxis("bottom").setPen(pg.mkPen(None))
            heatmaps.addItem(bar, row=0, col=col)
        even_heatmaps(heatmaps, self.image_plots, [self.colorbar_ab, self.colorbar_diff])
        self.heatmap_note = WrappingLabel("", size="9pt")  # one line cut at the right edge took B - A's room
        # Under the row, not in it: spanning its columns, it had widened B - A's (review 19, F12).
        self.heatmap_view.addItem(self.heatmap_note, row=1, col=0)
        self.heatmap_note.setVisible(False)

    def plane_failed(self, view: PairView, choice, message: str) -> None:
        """Reading another slice failed: said over the heatmaps, not "Reading slice..." for good."""
        if view is self.view and choice == self.slice_controls.choice:
            self.heatmap_note.setText(html.escape(f"Could not read this slice: {message}"))
            self.heatmap_note.setVisible(True)

    def _choose_plane(self, choice) -> None:
        """Another slice of the pair shown (its values kept by the view): cut here, as
        the browse heatmap does, up to KEEP_FOR_SLICES bytes a side; asked of a worker
        beyond (``plane_wanted``), the heatmaps saying so until it is read."""
        if self.view is None or self.view.values is None:
            return
        if self.view.slices_in_job:
            index = slice_index(choice, len(self.view.pair.a.shape))
            self.heatmap_note.setText(html.escape(f"Reading slice {index}..."))
            self.heatmap_note.setVisible(True)
            self.plane_wanted.emit(self.view, choice)
            return
        choose_plane(self.view, choice)
        self._draw_heatmaps(self.view)

    def show_plane(self, view: PairView, choice, pictures: tuple) -> None:
        """The pictures of a slice a worker read (``plane_wanted``), if still wanted."""
        if view is self.view and choice == self.slice_controls.choice:
            choose_plane(view, choice, pictures)
            self._draw_heatmaps(view)

    def _draw_difference(self, image: np.ndarray) -> bool:
        """B - A's heatmap on levels centred on 0; whether every difference is 0: then
        in zero's neutral colour, with no bar inventing a range (-0.4..0.4 around pale
        pink cells, review 7)."""
        low, high, _diverging = color_limits(image)
        constant = constant_value(image, low, high)
        bound = 1.0 if constant == 0 else max(abs(low), abs(high)) or 1.0
        self.images[2].setImage(image, autoLevels=False)
        set_levels(self.colorbar_diff, -bound, bound, constant=constant)
        self._flat_difference = constant == 0
        self._colour_difference()
        return self._flat_difference

    def _colour_difference(self) -> None:
        """B - A in the bar's colour map, or, when nothing differs, in one colour of the
        palette, a shade off the plots' background: the map's neutral grey for 0 was a
        light-grey block on a dark theme's window (review 22, #13)."""
        image = self.images[2]
        flat, drawn = getattr(self, "_flat_difference", False), getattr(self, "_flat_drawn", False)
        self._flat_drawn = flat
        if not flat:
            if drawn:  # the bar's map back (the bar sets it only when its map changes)
                image.setColorMap(self.colorbar_diff.colorMap())
            return
        palette = QGuiApplication.palette()
        flat = theme.blend(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), FLAT_WEIGHT)
        image.setLookupTable(np.tile(np.array([*flat.getRgb()[:3], 255], dtype=np.ubyte), (256, 1)))

    def follow_palette(self) -> None:
        """A plane with no difference in the new palette's shade (theme.follow calls this)."""
        self._colour_difference()

    def _draw_sides(self, images: tuple[np.ndarray | None, np.ndarray | None]) -> str:
        """A's and B's heatmaps on one colour scale over both sides' values (B - A gets
        its own, centred on zero); what the note under them says of a single value:
        both planes one value (all zeros), the bar names it, not a made-up +/-0.5 range
        (review 8), and so does the note ("A and B: constant 0", review 20, G3)."""
        shown = [image for image in images if image is not None]
        if not shown:
            return ""
        low, high, constant = shared_levels(shown)
        for item, image in zip(self.images[:2], images):
            if image is not None:
                item.setImage(image, autoLevels=False)
        self.colorbar_ab.setColorMap(diverging_map() if low < 0 < high else pg.colormap.get("viridis"))
        set_levels(self.colorbar_ab, low, high, constant=constant)
        if constant is None:
            return ""
        sides = " and ".join(side for side, image in zip("AB", images) if image is not None)
        return f"{sides}: constant {value_label(constant)}"

    def _draw_heatmaps(self, view: PairView) -> None:
        images = (view.image_a, view.image_b)
        shown = [image for image in images if image is not None]
        constant_note = self._draw_sides(images)
        # A pair the same throughout (NaN where the other is NaN): its B - A all 0, as a pair
        # without NaN, not NaN - NaN cells and a note beside "no difference" (review 8).
        same = view.pair.status == DiffStatus.SAME and view.image_diff is not None
        diff_image = np.nan_to_num(view.image_diff, nan=0.0) if same else view.image_diff
        no_difference = diff_image is not None and self._draw_difference(diff_image)
        in_blocks = no_difference and view.picture_diff.block != (1, 1)
        said = difference_note(diff_image, *images, in_blocks) if no_difference else ""  # NaN/Inf differ too
        notes = [note for note in (constant_note, said) if note]
        pictures = (view.picture_a, view.picture_b, view.picture_diff)
        for plot, item, overlay, picture, title in zip(
            self.image_plots, self.images, self.overlays, pictures, ("A", "B", "B - A")
        ):
            plot.setVisible(picture is not None)
            if picture is not None:
                nonfinite = NonFinite(diff_image if title == "B - A" else picture.image)
                nonfinite.show_on(overlay)
                for cells in (item, overlay):  # after setImage: the rect scales the image it has
                    place(cells, picture.rows, picture.cols)  # axes in the plane's own indices
                if nonfinite.note():
                    notes.append(f"{title}: {nonfinite.note()}{_cells(picture, nonfinite)}")
        apart = _shapes_apart(view)
        if apart:  # no B - A plane: said where it would be, as the histogram says it (review 23 #1)
            notes.append(f"B - A: not drawn, {apart}")
        blocks = sorted({picture.block for picture in pictures if picture is not None and picture.block != (1, 1)})
        if blocks:  # the cells are blocks: say of how many values, and which one a cell shows
            notes.append("cells of " + " or ".join(f"{rows:,}x{cols:,}" for rows, cols in blocks))
        self.heatmap_view.setToolTip(blocks_tip(blocks))
        # Which plane of a tensor of more than two axes, so that nobody takes it for the whole.
        plane = slice_text(view) if shown else ""
        if plane:
            notes.insert(0, html.escape(plane))
        # One line under the heatmaps (in their titles, it would widen one of them).
        self.heatmap_note.setText(" &nbsp; ".join(notes))
        self.heatmap_note.setVisible(bool(notes))
        self._show_heatmaps(bool(shown))
        drawn = [plot for plot, picture in zip(self.image_plots, pictures) if picture is not None]
        # One shape, one size ("B - A"'s title had kept its plot the widest); what is hidden, no room.
        bars = {self.colorbar_ab: bool(shown), self.colorbar_diff: view.image_diff is not None and not no_difference}
        fit_row(self.heatmaps, self.image_plots, drawn, bars, [p.cols for p in pictures if p is not None])
        # The drawn plots zoom and pan together, and only they: linked to A's hidden plot,
        # an only-B heatmap took A's range mapped through A's geometry (column 3 of 4 cut,
        # or 0..50 after a link, review 8). Only along the axes where their planes agree:
        # linked to A's [4, 4], B's [4, 8] showed its columns 0..3 alone, its 10s beyond
        # A's extent hidden while its colour bar ran to 10 (review 23 #1).
        drawn_pictures = [picture for picture in pictures if picture is not None]
        for plot in self.image_plots:
            linked = drawn[0] if plot in drawn[1:] else None
            picture = drawn_pictures[drawn.index(plot)] if linked is not None else None
            first = drawn_pictures[0] if drawn_pictures else None
            plot.setXLink(linked if picture is not None and picture.cols == first.cols else None)
            plot.setYLink(linked if picture is not None and picture.rows == first.rows else None)
        if shown:  # on each plot with an image: only B's, A's empty range had it squeezed to 0..50
            for plot in drawn:  # each its whole plane, whatever its shape
                plot.autoRange(padding=0)  # no margin: it would show ticks past the last index

    def _show_heatmaps(self, on: bool) -> None:
        """The heatmaps only for matrices: a vector's histograms take their room."""
        self.heatmaps.setVisible(on)
        if on and self.heatmap_view.isHidden():  # shown again: at the share it had
            height = sum(self.plots.sizes())
            self.heatmap_view.setVisible(True)
            self.plots.setSizes([height - int(height * self.heatmap_share), int(height * self.heatmap_share)])
        self.heatmap_view.setVisible(on)

    def _keep_heatmap_share(self) -> None:
        sizes = self.plots.sizes()
        if sizes[1] > 0:
            self.heatmap_share = sizes[1] / max(sum(sizes), 1)


def _shapes_apart(view: PairView) -> str:
    """Why the pair has no B - A plane when both sides are drawn and their shapes differ
    ("the shapes differ: A [4, 4], B [4, 8]"); empty otherwise."""
    pair = view.pair
    if view.picture_a is None or view.picture_b is None or view.picture_diff is not None:
        return ""
    if tuple(pair.a.shape) == tuple(pair.b.shape):
        return ""
    return f"the shapes differ: A {list(pair.a.shape)}, B {list(pair.b.shape)}"


def _cells(picture, nonfinite: NonFinite) -> str:
    """ " cell(s)" after a count of blocks holding a NaN (not of values), "" for values."""
    if picture.block == (1, 1):
        return ""
    return " cell" if nonfinite.nan + nonfinite.inf == 1 else " cells"
