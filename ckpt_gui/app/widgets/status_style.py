"""How restore statuses look: a symbol and a word (never colour alone), and colours
from the Okabe-Ito palette, which stays distinct for colour-blind users."""

from __future__ import annotations

from PySide6.QtGui import QColor

# status -> (symbol, word, colour)
STYLES = {
    "consumed": ("\u2714", "restored", "#009E73"),
    "shape_conflict": ("\u2716", "shape", "#D55E00"),
    "dtype_conflict": ("\u2716", "dtype", "#D55E00"),
    "missing": ("\u271a", "missing", "#CC79A7"),
    "deferred": ("\u25f7", "deferred", "#E69F00"),
    "unmatched": ("\u25cb", "unused", "#7F7F7F"),
}
ORDER = ("shape_conflict", "dtype_conflict", "missing", "deferred", "unmatched", "consumed")

# The comparison's statuses, same rules (None: not compared yet).
DIFF_STYLES = {
    "same": ("=", "same", "#7F7F7F"),
    "changed": ("\u2260", "changed", "#0072B2"),
    "shape_changed": ("\u2716", "shape", "#D55E00"),
    "dtype_changed": ("\u2716", "dtype", "#D55E00"),
    "only_a": ("\u25c0", "only A", "#E69F00"),
    "only_b": ("\u25b6", "only B", "#009E73"),
    None: ("\u2026", "comparing", "#7F7F7F"),
}


def label(status: str | None, styles: dict = STYLES, word: str = "") -> str:
    """Symbol and word; ``word`` replaces the usual one."""
    symbol, usual, _colour = styles[status]
    return f"{symbol} {word or usual}"


# Values that match but that TensorFlow's restore did not assign (it stopped at its
# first error) are not called restored.
NOT_ASSIGNED = "matches"


def finding_label(status: str, finding: dict | None) -> str:
    """The tree's label for one variable's restore status."""
    if status == "consumed" and finding is not None and finding.get("restored") is False:
        return label(status, word=NOT_ASSIGNED)
    return label(status)


def colour(status: str) -> QColor:
    return QColor(STYLES[status][2])


def tint(status: str) -> QColor:
    """A light background for a row with this status."""
    base = colour(status)
    base.setAlpha(40 if status != "unmatched" else 0)
    return base
