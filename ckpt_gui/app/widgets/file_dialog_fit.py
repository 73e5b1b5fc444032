"""Qt's own file dialog (where the desktop offers none: a bare X11 session, openbox)
shown wide enough for its columns: at its default 630 px, Size read "669...tes",
Date Modified "29 11 2...6 18:03" and the sidebar "Co..." (review 10).

Every dialog of the app keeps calling QFileDialog's static functions (tests stand in
for them), inside ``with fitted():``: while one is open, an event filter on the
application fits each Qt file dialog as it is first shown (an application-wide filter
at all times would be a Python call per event of the app: 23,000 in 20 s of browsing).
A desktop's native dialog is no QFileDialog widget on screen: left alone.

As it is first shown, before its event loop fills a row, the dialog also gets icons
and types told by file names (name_only_icons): Qt's read the listed files, /proc's
too, on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, QObject, QTime
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QListView, QSplitter, QStyle, QTreeView

from ckpt_gui.app.widgets import name_only_icons

SIZE, TYPE, DATE = 1, 2, 3  # the detail view's columns after Name
NAME_CHARS = 36  # the Name column's least width, in average characters
_FITTED = "ckpt_gui_fitted"  # a dialog's property: fitted once (a size the user then sets is kept)


class _FitOnShow(QObject):
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Show and isinstance(watched, QFileDialog) and not watched.property(_FITTED):
            watched.setProperty(_FITTED, True)
            watched.setIconProvider(name_only_icons.shared())
            fit(watched)
        return False


@contextmanager
def fitted() -> Iterator[None]:
    """Qt file dialogs shown meanwhile (a static QFileDialog function's) fitted."""
    app = QApplication.instance()
    watcher = _FitOnShow()
    if app is not None:
        app.installEventFilter(watcher)
    try:
        yield
    finally:
        if app is not None:
            app.removeEventFilter(watcher)


def fit(dialog: QFileDialog) -> None:
    """The detail view's Size, Type and Date columns as wide as their longest texts
    can be, the Name column and the sidebar room for a long name, the dialog as wide as
    that takes (within the screen); never narrower than it was."""
    view = dialog.findChild(QTreeView, "treeView")
    if view is None:  # no widgets: a native dialog
        return
    header, metrics = view.header(), view.fontMetrics()
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 8
    widths = {column: max(map(metrics.horizontalAdvance, texts)) + margin for column, texts in _widest_texts().items()}
    for column, width in widths.items():
        title = header.model().headerData(column, header.orientation()) if header.model() else ""
        needed = max(width, header.sectionSizeFromContents(column).width(), metrics.horizontalAdvance(str(title)))
        if header.sectionSize(column) < needed:
            header.resizeSection(column, needed)
    name = metrics.averageCharWidth() * NAME_CHARS
    if header.sectionSize(0) < name:
        header.resizeSection(0, name)
    sidebar = dialog.findChild(QListView, "sidebar")
    extra = 0
    if sidebar is not None:  # "Computer" whole, not "Co..."
        wanted = metrics.horizontalAdvance("Computer") + sidebar.iconSize().width() + 3 * margin
        extra = max(0, wanted - sidebar.width())
    columns = sum(header.sectionSize(c) for c in range(4)) + view.verticalScrollBar().sizeHint().width() + 4
    wider = max(0, columns - view.viewport().width()) + extra
    types = dialog.findChild(QComboBox, "fileTypeCombo")  # "Files of type": its longest filter whole
    if types is not None and types.isVisible():
        types.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        wider = max(wider, types.sizeHint().width() - types.width())
    screen = dialog.screen().availableGeometry() if dialog.screen() is not None else None
    width = dialog.width() + wider
    if screen is not None:
        width = min(width, screen.width() * 9 // 10)
    if width > dialog.width():
        dialog.resize(width, dialog.height())
        if sidebar is not None and extra:
            splitter = dialog.findChild(QSplitter, "splitter")
            if splitter is not None:
                sizes = splitter.sizes()
                if len(sizes) == 2:
                    splitter.setSizes([sizes[0] + extra, sizes[1] + wider - extra])


def _widest_texts() -> dict[int, list[str]]:
    """The longest texts Qt's file system model writes in Size and Date Modified (in the
    system locale, as it does), and a long common Type."""
    locale = QLocale.system()
    sizes = [locale.formattedDataSize(n) for n in (999, 1023 * 1000, 1023 * 1000**2, 1023 * 1000**3, 1023 * 1000**4)]
    sizes.append(f"{locale.toString(999)} bytes")
    date = locale.toString(QDateTime(QDate(2028, 12, 28), QTime(23, 58)), QLocale.FormatType.ShortFormat)
    return {SIZE: sizes, TYPE: ["Plain text document"], DATE: [date]}
