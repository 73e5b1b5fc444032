"""How the main window's splitters share its room: the first run's proportions, splits
restored from another session kept sensible in this window, and room made for the
restore report and the graph's tables when they are shown (the plots below always
keep their least height)."""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

TABS_MIN_HEIGHT = 150  # px: the Details/Restore report/Graph tabs' least height
TREE_SHARE = 0.45  # a restored split gives the tree at most this share of the width (default: 0.42)


class Splits:
    """The tree beside the right half (``main``); the tabs above the plots (``right``);
    the histogram beside the tensor's plot (``views``)."""

    def __init__(self, main: QSplitter, right: QSplitter, views: QSplitter, tabs: QTabWidget,
                 tall_pages: tuple[QWidget, QWidget]) -> None:  # fmt: skip
        """``tall_pages``: the report and the graph panel, the tabs that want height
        (the first of them, the report, also sets the tabs' least height)."""
        self.main, self.right, self.views, self.tabs = main, right, views, tabs
        self.report_page, self.graph_page = tall_pages
        # A tab widget's least height is its tallest page's: the restore report's (its
        # table and panes) made the window's least height 620 px, past a 1024x640
        # screen. Showing the report makes room for it (make_room_for_tab).
        tabs.setMinimumHeight(TABS_MIN_HEIGHT)

    def by_name(self) -> dict[str, QSplitter]:
        """The splitters as the settings save and restore them."""
        return {"main": self.main, "right": self.right, "views": self.views}

    def first_run(self, width: int, height: int) -> None:
        """No saved splits: proportions of the real window size."""
        self.main.setSizes([int(width * 0.42), int(width * 0.58)])
        self.right.setSizes([int(height * 0.34), int(height * 0.66)])
        self.views.setSizes([int(width * 0.3), int(width * 0.28)])

    def keep_sensible(self) -> None:
        """Splitter positions saved in another session (a wider window, a tree pane
        dragged wide) within limits in this window: the tree at most TREE_SHARE of the
        width, the plots their least height (a saved split had left the histogram
        70 px with no x axis)."""
        sizes, width = self.main.sizes(), sum(self.main.sizes())
        if width > 0 and sizes[0] > width * TREE_SHARE:
            self.main.setSizes([int(width * TREE_SHARE), width - int(width * TREE_SHARE)])
        heights, height = self.right.sizes(), sum(self.right.sizes())
        least = self.views.minimumSizeHint().height()
        if height > least and heights[1] < least:
            self.right.setSizes([height - least, least])

    def make_room_for_report(self, report) -> None:
        if report is not None:
            self._fit_tabs_minimum()
            self._make_room(0.62)  # room for the notes, the list and a problem

    def make_room_for_tab(self) -> None:
        """The report and the graph's tables want height: switching to one of them
        grows the tabs (never shrinks them: the user's own split stays)."""
        self._fit_tabs_minimum()
        if self.tabs.currentWidget() in (self.report_page, self.graph_page):
            self._make_room(0.55)

    def _fit_tabs_minimum(self) -> None:
        """The tabs' least height is their current page's: the report's (its table and
        the selected problem, never clipped) while it is shown, TABS_MIN_HEIGHT else
        (the report's had held the window taller than a 640 px screen)."""
        least = TABS_MIN_HEIGHT
        if self.tabs.currentWidget() is self.report_page:  # the tab widget's own least: its tallest page's
            least = max(least, self.tabs.minimumSizeHint().height())
        self.tabs.setMinimumHeight(least)

    def _make_room(self, share: float) -> None:
        """The tabs get ``share`` of the height, the plots below keep at least their
        least height (a plot squeezed to 30 px shows nothing)."""
        height = sum(self.right.sizes())
        wanted = min(int(height * share), height - self.views.minimumSizeHint().height())
        if self.right.sizes()[0] < wanted:
            self.right.setSizes([wanted, height - wanted])
