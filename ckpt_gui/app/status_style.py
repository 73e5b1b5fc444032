"""How restore statuses look: a symbol and a word (never colour alone), and colours
from the Okabe-Ito palette, which stays distinct for colour-blind users."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from ckpt_gui.app.theme import focus_colour, readable
from ckpt_gui.core.statuses import NONFINITE, RestoreStatus
from ckpt_gui.diagnosis.findings import ATTENTION_ORDER, RestoreFinding

# status -> (symbol, word, colour)
STYLES = {
    RestoreStatus.CONSUMED: ("\u2714", "restored", "#009E73"),
    RestoreStatus.SHAPE_CONFLICT: ("\u2716", "shape", "#D55E00"),
    RestoreStatus.DTYPE_CONFLICT: ("\u2716", "dtype", "#D55E00"),
    RestoreStatus.MISSING: ("\u271a", "missing", "#CC79A7"),
    RestoreStatus.DEFERRED: ("\u25f7", "deferred", "#E69F00"),
    RestoreStatus.UNMATCHED: ("\u25cb", "unmatched", "#7F7F7F"),
}
ORDER = ATTENTION_ORDER  # the legend's order: what needs attention first

# The comparison's statuses, same rules (None: not compared yet).
DIFF_STYLES = {
    "same": ("=", "same", "#7F7F7F"),
    "changed": ("\u2260", "changed", "#0072B2"),
    "shape_changed": ("\u2716", "shape", "#D55E00"),
    "dtype_changed": ("\u2716", "dtype", "#D55E00"),
    "only_a": ("\u25c0", "only A", "#E69F00"),
    "only_b": ("\u25b6", "only B", "#009E73"),
    # A value that cannot be read (CRC mismatch, truncated or missing data file): red, as
    # browse's "[CRC mismatch]" badge's name.
    "unreadable": ("\u2298", "unreadable", "#C62828"),
    None: ("\u2026", "comparing", "#7F7F7F"),
    # Not a status: the chip of the pairs where NaN/Inf appeared or went away, red as browse's NaN badge.
    NONFINITE: ("\u26a0", "NaN/Inf", "#C62828"),
}


def label(status: str | None, styles: dict = STYLES, word: str = "") -> str:
    """Symbol and word; ``word`` replaces the usual one."""
    symbol, usual, _colour = styles[status]
    return f"{symbol} {word or usual}"


# Values that match but that TensorFlow's restore did not assign (it stopped at its
# first error) are not called restored.
NOT_ASSIGNED = "matches"


def finding_label(status: RestoreStatus, finding: RestoreFinding | None) -> str:
    """The tree's label for one variable's restore status."""
    if finding is not None and finding.held_back:
        return label(status, word=NOT_ASSIGNED)
    return label(status)


def colour(status: str | None, styles: dict = STYLES, palette: QPalette | None = None) -> QColor:
    """The status's colour as text, readable on the palette's base (the background of
    trees and tables): the Okabe-Ito hue, lighter in a dark theme, darker in a light one."""
    palette = palette or QGuiApplication.palette()
    return readable(styles[status][2], palette.color(QPalette.ColorRole.Base))


def css(status: str | None, palette: QPalette | None = None, styles: dict | None = None) -> str:
    """The status's text colour for a style sheet or rich text on the window colour."""
    palette = palette or QGuiApplication.palette()
    styles = styles if styles is not None else (STYLES if status in STYLES else DIFF_STYLES)
    return readable(styles[status][2], palette.color(QPalette.ColorRole.Window)).name()


def chip_css(status: str | None, palette: QPalette, styles: dict) -> str:
    """A status chip's style sheet: its text readable on the background it is drawn on,
    the window colour (the base colour once pressed), both set here. Left to the style,
    the chip was drawn on a button bevel lighter than the window in a dark theme: the
    grey "= same" read at 2.6:1 there (review). With the keyboard on it, its frame dashed in
    the focus colour: the style draws no focus on a styled button, and Tab landed on the
    chip with nothing changing on screen (review 17, C); dashed, not solid, so it never
    reads as a pressed chip's frame (the "changed" chip's blue is close to the highlight)."""
    window, base = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base)
    text = readable(readable(styles[status][2], window), base).name()  # both sides of the same shade
    return (
        f"QToolButton {{ color: {text}; background: {window.name()}; padding: 1px 4px;"
        f" border: 2px solid {palette.color(QPalette.ColorRole.Mid).name()}; border-radius: 3px; }}"
        f"QToolButton:checked {{ border: 2px solid {text}; font-weight: bold; background: {base.name()}; }}"
        f"QToolButton:focus {{ border: 2px dashed {focus_colour(palette).name()}; }}"
    )


def tint(status: RestoreStatus) -> QColor:
    """A light background for a row with this status."""
    base = QColor(STYLES[status][2])
    base.setAlpha(40 if status != RestoreStatus.UNMATCHED else 0)
    return base
