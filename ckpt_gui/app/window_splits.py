"""How the main window's splitters share its room: the first run's proportions, splits
restored from another session kept sensible in this window, and room made for the
restore report and the graph's tables when they are shown (the plots below always
keep their least height)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QSizePolicy, QSplitter, QStackedWidget, QTabWidget, QWidget

TABS_MIN_HEIGHT = 150  # px: the Details/Restore report/Graph tabs' least height
TREE_SHARE = 0.45  # a restored split gives the tree at most this share of the width (default: 0.42)
# On a first run the tabs start small and grow to what Details shows, up to this share of
# the height (the plots keep their least): a fixed third had shown six rows at 1024x640
# (statistics cut at "Std") and left 300 px empty at 2560x1440.
DETAILS_SHARE = 0.5
# The report beside the plots only when it gets this many lines more than its least (its
# table three more rows, the selected problem three more lines); else it takes their place.
# At 1024x640 it had kept its least beside them: three rows and a fourth cut, the selected
# problem two lines (review 6).
REPORT_MORE_LINES = 6


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
        # The report and the plots both whole need more height than a 1024x640 screen
        # leaves under a title bar and a panel: there the report takes the plots' place
        # (they come back with the Details tab or a taller window).
        self._resized = _OnResize(right, self._on_resize)
        # And again when the report's own least height changes: a cancelled attempt's
        # longer headline had squeezed its split under its panes' least heights, the
        # table's rows painted under the selected problem (review 8).
        _OnLayout(self.report_page, self._fit_report)
        # The plots' least height differs by form (a 1-D plot's title on two lines, a 4-D
        # tensor's axis boxes): the line between Details and the plots, pushed up by a
        # larger least, came back down at the next selection of a smaller one, 17 px from
        # a 1-D to a 2-D selection (review 6). Where it was pushed to, it stays.
        _OnLayout(views, self._keep_line)
        right.splitterMoved.connect(self._moved)
        # The tabs' height before the report or the graph grew them: given back when
        # Details is shown again (the plots had stayed squeezed under a short Details).
        self._grown_from: int | None = None
        self._details = None  # the Details page (watch_details)
        self._details_to_fit = False  # a first run's tabs grow to Details' content until the user moves the split
        self._fitted_to: str | None = None  # the variable whose Details the tabs were grown to (its title)
        # The variable Details showed when the room a tall tab took was given back: its
        # rows that land later (its statistics, a job's result) grow the tabs too.
        self._given_back_to: str | None = None
        self._split_ours = False  # the tabs' split is a first run's, not moved by the user (nor restored)
        self._plots_wanted = True  # False: the checkpoint shown has no value to plot (show_plots)
        # The tab shown before the current one, and the tabs' height the report last had:
        # the way back from Details gives it that height (review 22, #1).
        self._shown: QWidget | None = None
        self._report_top: int | None = None

    def _keep_line(self) -> None:
        """The split as it is now, kept as the splitter's own (``_OnLayout`` on the plots)."""
        if not (shiboken6.isValid(self.views) and shiboken6.isValid(self.right)):  # the window being destroyed
            return
        if self.views.isVisibleTo(self.right) and self.right.height() > 0:
            self.right.setSizes(self.right.sizes())

    def by_name(self) -> dict[str, QSplitter]:
        """The splitters as the settings save and restore them."""
        return {"main": self.main, "right": self.right, "views": self.views}

    def first_run(self, width: int, height: int, names: tuple[str, ...] = ("main", "right", "views")) -> None:
        """No saved splits (or only ``names`` not saved): proportions of the real window
        size, the tabs then grown to what Details shows (``watch_details``)."""
        if "main" in names:
            self.main.setSizes([int(width * 0.42), int(width * 0.58)])
        if "views" in names:
            self.views.setSizes([int(width * 0.3), int(width * 0.28)])
        if "right" in names:
            self.right.setSizes([TABS_MIN_HEIGHT, height - TABS_MIN_HEIGHT])
            self._details_to_fit, self._fitted_to = self._details is not None, None
            self._split_ours = True
            self._fit_details()

    def to_save(self) -> dict[str, QSplitter]:
        """The splitters whose split is the user's, to save: not the tabs' while a first
        run's were never grown to a variable's Details (review 7: a first launch with
        --model showed the report before Details was fitted, and its 150 px were saved:
        every later launch had a 150 px Details pane); the next run fits them then."""
        splits = self.by_name()
        if self._details_to_fit and self._fitted_to is None:
            del splits["right"]
        return splits

    def watch_details(self, details) -> None:
        """``details`` (a QScrollArea: the Details page): on a first run, the tabs grow
        to what it shows, within limits (``_fit_details``)."""
        self._details = details
        _OnLayout(details.widget(), self._fit_details)

    def _fit_details(self) -> None:
        """Grow the tabs to what Details shows, within limits; never shrink them (the
        plots would jump at each selection); until the user moves the split or a second
        variable is shown: grown again for a longer Details (an object path on one more
        line), the line above the plots moved 17 px between a 1-D and a 2-D selection
        (review 6)."""
        details = self._details
        if self._given_back_to is not None and self.tabs.currentWidget() is details:
            if details.title.text() == self._given_back_to:
                self._grow_to_details()
            else:  # another variable: the split stays where it is, as after any first fit
                self._given_back_to = None
        if not self._details_to_fit or self.tabs.currentWidget() is not details or self.right.height() <= 0:
            return
        title = details.title.text()
        if self._fitted_to is not None and title != self._fitted_to:
            self._details_to_fit = False
            return
        if details.stats_title.isVisibleTo(details):  # a variable's Details (with its statistics)
            self._fitted_to = title
        self._grow_to_details()

    def _on_resize(self) -> None:
        self._fit_report()
        if self._split_ours:
            # A change of room under a first run's split: the NaN banner shown after the
            # tabs were fitted took its 30 px from them too (the splitter shrinks both
            # sides), and Details' last row ("NaN/Inf at ...") went under a scroll bar
            # at 1440x900 with 280 px of plots to spare (review 11, 2). Once the
            # splitter has shared out its new height.
            QTimer.singleShot(0, self.right, self._grow_to_details)

    def _grow_to_details(self) -> None:
        """The tabs grown to hold Details' rows whole, within limits (never shrunk)."""
        details = self._details
        if details is None or self.tabs.currentWidget() is not details or self.right.height() <= 0:
            return
        height, top = sum(self.right.sizes()), self.right.sizes()[0]
        room = self._details_room()
        if top < room:
            self.right.setSizes([room, height - room])

    def _details_room(self) -> int:
        """The tabs' height that holds Details' rows whole, within DETAILS_SHARE of the
        height and the plots' least height."""
        details, height = self._details, sum(self.right.sizes())
        chrome = self.tabs.height() - details.viewport().height()  # the tab bar and frames
        wanted = details_height(details) + chrome
        return min(wanted, int(height * DETAILS_SHARE), height - self.views.minimumSizeHint().height())

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
        if height > least and heights[1] < least and not self.views.isHidden():
            self.right.setSizes([height - least, least])

    def make_room_for_report(self, report) -> None:
        if report is not None:
            self._fit_report()
            self._make_room(0.62)  # room for the notes, the list and a problem

    def make_room_for_tab(self) -> None:
        """The report and the graph's tables want height: switching to one of them
        grows the tabs (never shrinks them: the user's own split stays). The report
        shown again gets the height it had when the user left it: grown only to the
        switch's share, it came back from Details 95 px shorter at 2560x1440, its
        table from 10 rows to 6 under a scroll bar (review 22, #1)."""
        left, self._shown = self._shown, self.tabs.currentWidget()
        if left is self.report_page and left is not self._shown and self.views.isVisibleTo(self.right):
            self._report_top = self.right.sizes()[0]
        self._fit_report()
        if self._shown in (self.report_page, self.graph_page):
            self._make_room(0.55)
            if self._shown is self.report_page and self._report_top is not None:
                self._make_room_of(self._report_top)
        else:
            self.give_back_room()

    def give_back_room(self) -> None:
        """The tabs back to their height from before a tall tab grew them (Details
        shown again; the window closing, so the next session starts from it); Details
        shown again keeps what its rows need, within its share: on a first launch with
        --model the height from before was the first run's 150 px, and a conflicting
        variable's Details (status, both shapes, the suggestion) went under a scroll bar
        beside 800 px of plots (review 21, #5)."""
        grown_from, self._grown_from = self._grown_from, None
        height, top = sum(self.right.sizes()), self.right.sizes()[0]
        if grown_from is None or not self.views.isVisibleTo(self.right):
            return
        if top > grown_from:
            self.right.setSizes([grown_from, height - grown_from])
        if self._details is not None and self.tabs.currentWidget() is self._details:
            # Once Details is laid out at its new height (its rows measured before that
            # came out 50 px short), and again as its rows land (its statistics, shown
            # in a turn of their own, came after that and went under a scroll bar).
            QTimer.singleShot(0, self.right, self._grow_to_details)
            self._given_back_to = self._details.title.text()

    def _moved(self, _position: int, _index: int) -> None:
        self._grown_from = self._report_top = self._given_back_to = None  # the user's own split stays
        self._details_to_fit = self._split_ours = False
        self._fit_report()

    def _grow_tabs(self, top: int) -> None:
        sizes = self.right.sizes()
        if sizes[0] < top:
            if self._grown_from is None:
                self._grown_from = sizes[0]
            self.right.setSizes([top, sum(sizes) - top])

    def _fit_report(self) -> None:
        """While the report is shown it gets at least its least height (its table and
        the selected problem, never clipped), the plots below theirs, or, where the
        window cannot hold both, the report takes the plots' place. Never a least
        height for the window past a 640 px screen (the report's and the plots' together
        had made it 640 px: the status bar with Cancel went off screen)."""
        if self.tabs.currentWidget() is not self.report_page or not self.right.isVisible():
            self.views.setVisible(self._plots_wanted)
            self.tabs.setMinimumHeight(TABS_MIN_HEIGHT)
            return
        report = self.tabs.minimumSizeHint().height()  # the tab widget's own least: its tallest page's
        height = self.right.height()
        wanted = report + REPORT_MORE_LINES * self.tabs.fontMetrics().lineSpacing()
        if not self._plots_wanted or height < wanted + self.views.minimumSizeHint().height() + self.right.handleWidth():
            self.views.hide()
            self.tabs.setMinimumHeight(report)
            return
        self.views.show()
        self.tabs.setMinimumHeight(TABS_MIN_HEIGHT)  # the window's least: the plots' and the tabs' least
        self._grow_tabs(wanted)

    def show_plots(self, wanted: bool) -> None:
        """The plots below the tabs, or (``wanted`` False: the checkpoint shown has no
        value to plot, its data files all missing) the tabs in their place: the plots
        only said "No histogram: ... missing" and "No values: ... missing" (the banner
        says it once for all) while a SavedModel's signatures got 140 px at 1024x640
        (review 21 #15). The splitter keeps the plots' height for their return."""
        self._plots_wanted = wanted
        self._fit_report()

    def _make_room(self, share: float) -> None:
        """The tabs get ``share`` of the height, the plots below keep at least their
        least height (a plot squeezed to 30 px shows nothing)."""
        self._make_room_of(int(sum(self.right.sizes()) * share))

    def _make_room_of(self, top: int) -> None:
        """The tabs grown to ``top`` px, the plots below keeping their least height."""
        if self.views.isHidden():
            return
        height = sum(self.right.sizes())
        self._grow_tabs(min(top, height - self.views.minimumSizeHint().height()))


def details_height(details) -> int:
    """The height the Details page's rows take at its width (a QScrollArea's page): its
    wrapped labels (the title, a long key) at the width they get, not at the narrower
    one their size hint guesses (which had left ~100 px empty under the rows at
    1440x900, the room the plots below lacked). At the width left beside a scroll bar:
    a scroll bar shown while the tabs were short stays unless the rows fit that width
    too (QScrollArea), and a key wrapped beside it had kept a 2 px scroll range."""
    body = details.widget()
    if body.hasHeightForWidth():
        bar = details.verticalScrollBar().sizeHint().width()
        return body.heightForWidth(details.maximumViewportSize().width() - bar)
    return body.sizeHint().height()


class StackedPages:
    """A stacked widget whose pages not shown ask for no room: a stack's least size is
    its largest page's, hidden ones' too. Browsing's plots (464 px) held the comparison's
    trees at 55% of a 1024 px window; the comparison's two trees (519 px, 562 px in a dark
    theme's font), after it closed, held the browse tree that wide and pushed the window
    past a 1024 px screen (review 7). QStackedLayout skips an Ignored page's sizes."""

    def __init__(self, stack: QStackedWidget) -> None:
        self.stack = stack
        self._policies: dict[QWidget, QSizePolicy] = {}  # each page's own, while shown

    def add(self, page: QWidget) -> None:
        self._policies[page] = page.sizePolicy()
        self.stack.addWidget(page)
        self._fit(page)

    def show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        for other in self._policies:
            self._fit(other)

    def _fit(self, page: QWidget) -> None:
        ignored = QSizePolicy.Policy.Ignored
        shown = page is self.stack.currentWidget()
        page.setSizePolicy(self._policies[page] if shown else QSizePolicy(ignored, ignored))


class _OnLayout(QObject):
    """Calls ``react`` after ``widget``'s layout asks to be redone (its contents changed)."""

    def __init__(self, widget: QWidget, react) -> None:
        super().__init__(widget)
        self._react = react
        widget.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._react)  # once the layout is redone (not after the widget is gone)
        return False


class _OnResize(QObject):
    """Calls ``react`` after each resize of ``widget``."""

    def __init__(self, widget: QWidget, react) -> None:
        super().__init__(widget)
        self._react = react
        widget.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize:
            self._react()
        return False
