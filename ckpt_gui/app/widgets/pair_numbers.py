"""The comparison's numbers as text: a pair's rows (shapes, keys, the metrics, NaN/Inf
changes), the legend of its histograms, the heatmaps' tooltip, and the grid of label and
value the pair panel shows them in."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QGridLayout, QLabel

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.layouts import clear_layout
from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.formatting import format_number, format_shape
from ckpt_gui.core.views.pair_statuses import nonfinite_badge

COLOUR_A, COLOUR_B = (0, 114, 178), (230, 159, 0)
FINITE = " (finite)"  # after a metric's name when it leaves NaN/Inf positions out


def blocks_tip(blocks: list[tuple[int, int]]) -> str:
    if not blocks:
        return ""
    return (
        "More values than the heatmaps have pixels: each cell is a block of values, drawn as the one furthest"
        " from 0 (B - A: of the element-wise differences), so a single outlier or change shows. A block"
        " holding a NaN is drawn as NaN; one holding \u00b1Inf, as Inf."
    )


def breakable(path: str) -> str:
    """A path as rich text that may wrap after each ``/``."""
    return html.escape(path).replace("/", "/\u200b")


def legend_title(a: bool = True, b: bool = True) -> str:
    """The histograms' legend: the sides drawn (one only for a variable on one side)."""

    def swatch(colour: tuple[int, int, int], name: str) -> str:
        return f"<span style='color: rgb{colour};'>\u25a0 {name}</span>"

    return " and ".join(swatch(colour, name) for colour, name, on in ((COLOUR_A, "A", a), (COLOUR_B, "B", b)) if on)


def single_values(scalars: tuple[object, object]) -> list[tuple[str, str]]:
    a, b = scalars
    rows = [("Value in A", _value_text(a)), ("Value in B", _value_text(b))]
    if all(isinstance(v, (int, float)) for v in scalars):
        rows.append(("B - A", _value_text(b - a)))
    return rows


def _value_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else format_number(value)


def pair_numbers(pair: Pair, stopped: bool = False) -> list[tuple[str, str]]:
    """``stopped``: its values' read failed (the pair panel's show_failed): "not compared"."""
    rows = [
        ("A", f"{format_shape(pair.a.shape)} {pair.a.dtype.name}" if pair.a else "(not in A)"),
        ("B", f"{format_shape(pair.b.shape)} {pair.b.dtype.name}" if pair.b else "(not in B)"),
    ]
    if pair.key_b:
        # What tied the two keys (a Keras file against a TF checkpoint: their names, review 23 #13).
        how = "object path" if pair.paired_by == "path" else pair.paired_by
        keys = f"{pair.key}  \u2192  {pair.key_b} (paired by {how})"
        rows.append(("Keys", keys.replace("/", "/\u200b")))  # let the long keys wrap
    values = pair.values
    if values is not None:
        share = values.differing / values.count if values.count else 0.0
        # The metrics cover positions finite on both sides; say so when some are not.
        nonfinite = values.nan_appeared + values.nan_vanished + values.inf_appeared + values.inf_vanished
        where = FINITE if nonfinite else ""
        # Wrapped where narrow (fill_grid) before "(finite)" only: "Max |B-A|" kept on one
        # line (a no-break space, word joiners where Qt breaks: after "|" and "-").
        b_a = "\u00a0|\u2060B-\u2060A|" if nonfinite else " |B-A|"
        rows += [
            ("Differing", f"{values.differing:,} of {values.count:,} ({share:.2%})"),
            (f"Max{b_a}{where}", format_number(values.max_abs_diff)),
            (f"Mean{b_a}{where}", format_number(values.mean_abs_diff)),
            (f"Rel. L2{where}", format_number(values.rel_l2)),
            (f"Cosine{where}", format_number(values.cosine)),
        ]
        changes = nonfinite_badge(values)  # by side, as the trees' badge (not "went away": issue 11)
        if changes:
            rows.append(("NaN/Inf", changes))
    elif pair.unreadable:  # which side, which file, what is wrong (review 14: nothing but "comparing")
        rows += [(CANNOT_READ, side.text.replace("/", "/\u200b")) for side in pair.unreadable]
    elif pair.status is None:
        rows.append(("Values", "not compared" if stopped else "comparing..."))
    return rows


MOVED = "Moved?"
CANNOT_READ = "Cannot read"
WIDE_ROWS = ("Keys", "Paired by", MOVED, CANNOT_READ)  # sentences: the whole width, under the numbers
LINK_ROWS = (MOVED,)  # rich text with a link, which ``on_link`` follows


def fill_grid(grid: QGridLayout, rows: list[tuple[str, str]], on_link: Callable[[str], None] | None = None) -> None:
    clear_layout(grid)
    columns = 2
    numbers = [row for row in rows if row[0] not in WIDE_ROWS]
    per_column = -(-len(numbers) // columns) if numbers else 0
    for i, (label, text) in enumerate(numbers):
        _add(grid, label, text, i % per_column, 2 * (i // per_column))
    # The numbers' columns at their contents' width, the slack in one column after them:
    # at 2560 px the columns had shared it, A and B far left and Mean, Rel. L2 far right (review 8).
    for column in range(2 * columns):
        grid.setColumnStretch(column, 0)
    grid.setColumnStretch(2 * columns, 1)
    for i, (label, text) in enumerate(row for row in rows if row[0] in WIDE_ROWS):
        value = _add(grid, label, text, per_column + i, 0, span=2 * columns)  # sentences: the slack too
        if label in LINK_ROWS:
            value.setTextFormat(Qt.TextFormat.RichText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            if on_link is not None:
                value.linkActivated.connect(on_link)
    # Shown now: a layout shows a widget added to a visible parent a turn later (a queued
    # call), so the title said the pair a paint before its numbers came, and in a filtered
    # 200,000-pair list that turn's column fit kept them away while the plots were made
    # (review 9). Showing them lays the grid out now, in this turn's paint.
    if grid.parentWidget() is not None and grid.parentWidget().isVisible():
        for i in range(grid.count()):
            grid.itemAt(i).widget().show()


def _add(grid: QGridLayout, label: str, text: str, row: int, column: int, span: int = 1) -> QLabel:
    # "Mean |B-A| (finite)": one line while there is room (_Number's hint), else two rather
    # than cut at the window's edge (review 12, 1024x640); the other names never wrap (the
    # values do first: "Mean |B-" over "A|" otherwise).
    name = _Number(label)
    theme.mute(name)
    name.setWordWrap(label.endswith(FINITE))
    value = QLabel(text) if span > 1 else _Number(text)
    value.setTextFormat(Qt.TextFormat.PlainText)
    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    value.setWordWrap(True)
    grid.addWidget(name, row, column, alignment=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    grid.addWidget(value, row, column + 1, 1, span)
    return value


class _Number(QLabel):
    """A number's label: as wide as its text on one line while there is room (the
    grid's slack goes after the numbers, so a word-wrapped label's own guess of its
    width had "256 of 256 (100.00%)" on two lines at 2560 px), wrapped when narrower."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        hint = super().sizeHint()
        margins = self.contentsMargins()
        # +2: the wrapping measures in fractions of a pixel, and broke a line exactly its advance wide.
        line = max(self.fontMetrics().horizontalAdvance(part) for part in self.text().split("\n")) + 2
        return QSize(max(hint.width(), line + margins.left() + margins.right() + 2 * self.margin()), hint.height())
