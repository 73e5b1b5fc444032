"""Colours that follow the desktop's palette, light or dark: muted labels, plots,
radio buttons and check boxes.

Nothing here hard-codes a colour for text or a background: a dark theme's window
colour would turn it into dark grey on dark grey. ``follow(panel)`` re-applies the
palette to a panel's muted labels and plots whenever the palette changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QGraphicsView, QLabel, QProxyStyle, QStyle, QStyleFactory, QWidget

# NaN and +/-Inf cells, in the heatmaps and the Values tab: colours neither colour map uses.
NAN_RGB = (255, 0, 255)  # magenta
INF_RGB = (0, 0, 0)  # black
MUTED_WEIGHT = 0.62  # a muted text: this much of the text colour, the rest the background's
_CHANGES = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange)


def blend(front: QColor, back: QColor, weight: float) -> QColor:
    return QColor(
        *(round(weight * f + (1 - weight) * b) for f, b in zip(front.getRgb()[:3], back.getRgb()[:3], strict=True))
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio of two colours (4.5 is enough for body text)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour.getRgb()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


READABLE = 4.5  # the contrast a coloured text keeps against its background


def readable(colour: QColor | str, background: QColor, least: float = READABLE) -> QColor:
    """``colour`` with its hue kept, made lighter (on a dark background) or darker (on a
    light one) until it reads as text on ``background``: a status colour must stay
    legible in light and dark themes alike."""
    colour = QColor(colour)
    key = (colour.rgba(), background.rgba(), least)
    found = _READABLE_CACHE.get(key)  # models ask on every paint of a cell
    if found is None:
        found = _READABLE_CACHE[key] = _adjusted(colour, background, least)
    return QColor(found)


_READABLE_CACHE: dict[tuple[int, int, float], QColor] = {}


def _adjusted(colour: QColor, background: QColor, least: float) -> QColor:
    dark_background = _luminance(background) < 0.18
    hue, saturation, lightness, _alpha = colour.getHslF()
    step = 0.02 if dark_background else -0.02
    while contrast(colour, background) < least and 0.0 < lightness < 1.0:
        lightness = min(1.0, max(0.0, lightness + step))
        colour = QColor.fromHslF(max(hue, 0.0), saturation, lightness)
    return colour


def muted(palette: QPalette | None = None) -> QColor:
    """Secondary text (a label beside its value), readable on the window colour."""
    palette = palette or QGuiApplication.palette()
    return blend(palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window), MUTED_WEIGHT)


def mute(label: QLabel) -> QLabel:
    """Draw ``label`` in the muted colour, now and after palette changes (``follow``)."""
    label.setProperty("muted", True)
    _paint_muted(label, QGuiApplication.palette())
    return label


def follow(panel: QWidget) -> None:
    """Re-apply the palette to the panel's muted labels and plots whenever it changes."""
    _Follower(panel)
    apply(panel)


def apply(panel: QWidget) -> None:
    palette = QGuiApplication.palette()
    for label in panel.findChildren(QLabel):
        if label.property("muted"):
            _paint_muted(label, palette)
    for view in panel.findChildren(QGraphicsView):  # pyqtgraph's plots (made, and imported, when first drawn)
        if type(view).__module__.startswith("pyqtgraph"):
            style_plot(view, palette)
    restyle = getattr(panel, "follow_palette", None)  # colours a panel sets itself (status colours)
    if restyle is not None:
        restyle()


def style_plot(view, palette: QPalette | None = None) -> None:
    """A plot's background, axes and titles (a pyqtgraph GraphicsView's) in the
    palette's base and text colours."""
    import pyqtgraph as pg  # noqa: PLC0415 - imported by the plot already: start-up time

    palette = palette or QGuiApplication.palette()
    text = palette.color(QPalette.ColorRole.Text)
    view.setBackground(palette.color(QPalette.ColorRole.Base))
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(text)
            item.setTextPen(text)
        elif isinstance(item, pg.LabelItem):
            item.setAttr("color", text)
            item.setText(item.text)


def _paint_muted(label: QLabel, palette: QPalette) -> None:
    own = label.palette()
    own.setColor(QPalette.ColorRole.WindowText, muted(palette))
    label.setPalette(own)


class _Follower(QObject):
    def __init__(self, panel: QWidget) -> None:
        super().__init__(panel)
        self.panel = panel
        self._applying = False
        panel.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _CHANGES and not self._applying:
            self._applying = True
            try:
                apply(self.panel)
            finally:
                self._applying = False
        return False


CONTROL_CONTRAST = 3.0  # WCAG's least contrast for a control's outline against what is around it
_RIM_CONTRAST = 3.6  # aimed at: a 1 px circle's antialiased pixels keep CONTROL_CONTRAST


def rim(palette: QPalette) -> QColor:
    """The outline of a radio button or check box: the text colour blended into the
    window's, just strong enough to stand out from the window and the box's own fill."""
    window, base, text = (palette.color(role) for role in (_WINDOW, _BASE, _WINDOW_TEXT))
    weight = 0.4
    colour = blend(text, window, weight)
    while weight < 1.0 and min(contrast(colour, window), contrast(colour, base)) < _RIM_CONTRAST:
        weight = min(1.0, weight + 0.05)
        colour = blend(text, window, weight)
    return colour


def focus_colour(palette: QPalette) -> QColor:
    """Where the keyboard is (a focus ring, a chip's dashed frame): the palette's highlight,
    made to stand out from the window and the trees' base as a control's outline must."""
    window, base = palette.color(_WINDOW), palette.color(_BASE)
    colour = readable(palette.color(QPalette.ColorRole.Highlight), window, CONTROL_CONTRAST)
    return readable(colour, base, CONTROL_CONTRAST)


_WINDOW, _BASE, _WINDOW_TEXT = QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.WindowText


class ClearIndicators(QProxyStyle):
    """Fusion (Qt's style on most Linux desktops, a GTK dark theme's too) outlines radio
    buttons and check boxes in the window colour made darker: dark grey on a dark
    window, an unchecked radio button all but invisible, the checked one's dot a faint
    grey. Drawn over here, in Fusion's geometry: the outline in :func:`rim`, a radio
    button's dot in the full text colour."""

    def drawPrimitive(self, element, option, painter, widget=None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in (_RADIO, _CHECK):
            return
        palette, rect = option.palette, option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(rim(palette), 1))
        if element == _RADIO:
            centre = QPointF(rect.center()) + QPointF(1, 1)
            radius = (rect.width() + (rect.width() + 1) % 2) / 2.0 - 1
            painter.drawEllipse(centre, radius, radius)
            if option.state & QStyle.StateFlag.State_On:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(palette.color(QPalette.ColorRole.Text))
                painter.drawEllipse(centre, radius / 2.32, radius / 2.32)
        else:
            painter.translate(0.5, 0.5)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()


_RADIO, _CHECK = QStyle.PrimitiveElement.PE_IndicatorRadioButton, QStyle.PrimitiveElement.PE_IndicatorCheckBox


def clear_indicators(app: QApplication) -> None:
    """Radio buttons and check boxes that read in light and dark themes (ClearIndicators),
    where Qt draws them with Fusion; other styles draw their own, left as they are."""
    name = app.style().name()
    if name.lower() == "fusion":
        app.setStyle(ClearIndicators(QStyleFactory.create(name)))


PLACEHOLDER_CONTRAST = 3.0  # a placeholder's least contrast against its field (below body text's 4.5: it is a hint)
PLACEHOLDER_ALPHA = 0.6  # a placeholder made from the text colour: this opaque


def placeholder_contrast(palette: QPalette) -> float:
    """How the palette's placeholder text (alpha and all) reads on its field's Base."""
    base = palette.color(QPalette.ColorRole.Base)
    hint = palette.color(QPalette.ColorRole.PlaceholderText)
    return contrast(blend(hint, base, hint.alphaF()), base)


def with_readable_placeholder(palette: QPalette) -> QPalette | None:
    """``palette`` with PlaceholderText derived from Text (reduced alpha) where the one it
    has is too close to Base, in each colour group; None when it reads already. Many dark
    themes leave PlaceholderText unset: Qt's light default then stays, dark grey on black."""
    fixed, changed = QPalette(palette), False
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        fixed.setCurrentColorGroup(group)
        if placeholder_contrast(fixed) >= PLACEHOLDER_CONTRAST:
            continue
        hint = QColor(fixed.color(group, QPalette.ColorRole.Text))
        hint.setAlphaF(PLACEHOLDER_ALPHA)
        fixed.setColor(group, QPalette.ColorRole.PlaceholderText, hint)
        changed = True
    fixed.setCurrentColorGroup(QPalette.ColorGroup.Active)
    return fixed if changed else None


_LINK_ROLES = (QPalette.ColorRole.Link, QPalette.ColorRole.LinkVisited)


def with_readable_links(palette: QPalette) -> QPalette | None:
    """``palette`` with its link colours made lighter (dark theme) or darker (light) until
    they read on both Window and Base, their hue kept; None when they read already. A
    dark theme that leaves Link at Qt's blue, or sets a dark one, drew the Values tab's
    NaN/Inf positions ("[0, 0] +Inf") dark blue on dark grey (review 21, #19)."""
    fixed, changed = QPalette(palette), False
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role in _LINK_ROLES:
            link = palette.color(group, role)
            for background in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
                link = readable(link, palette.color(group, background))
            if link.rgb() != palette.color(group, role).rgb():
                fixed.setColor(group, role, link)
                changed = True
    return fixed if changed else None


def readable_placeholders(watched: QWidget) -> None:
    """Placeholder texts (the filter box's "Filter variables") and links readable in the
    application's palette, now and whenever the desktop changes it (``watched`` is
    told: a filter on the application itself would see every event of every object)."""
    _PlaceholderFollower(watched)._fix()


class _PlaceholderFollower(QObject):
    def __init__(self, watched: QWidget) -> None:
        super().__init__(watched)
        watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _CHANGES:  # a widget inside the window is told PaletteChange
            self._fix()
        return False

    def _fix(self) -> None:
        app = QApplication.instance()
        palette, changed = app.palette(), False
        for fix in (with_readable_placeholder, with_readable_links):
            fixed = fix(palette)
            if fixed is not None:  # None once fixed: no further change is sent
                palette, changed = fixed, True
        if changed:
            app.setPalette(palette)
