"""Names in a tree's cells cut in the middle, not at the end (``_oper…ions``: both
ends kept), a NaN/Inf badge kept whole, and a small indentation, so deep names stay
readable in a narrow tree."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QStyle, QTreeView

from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR, HINT_SEPARATOR, MARKERS, MODEL_ONLY_HINT, UNREADABLE_BADGES
from ckpt_gui.app.widgets.row_room import RoomyRows

# Pixels per tree level. Qt's 20 puts an optimizer slot under a kernel (depth 5,
# ``model/_functional/_operations/1/_kernel/momentum``) 120 px in: in a comparison
# tree at 1024 px that left its name no room at all.
INDENT = 12


TEXT_MARGINS = 10  # px of a cell a style keeps beside its text (focus frame margins and slack)
NAME_LEAST_CHARS = 6  # a name cut shorter than this gives its row-kind marker's room back
HINT_LEAST_CHARS = 3  # a group's hint cut shorter than this gives its room to the name


class MiddleElided(RoomyRows):
    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
        name, separator, badge = option.text.rpartition(BADGE_SEPARATOR)
        if separator and name and badge.endswith("]") and option.rect.width() > 0:
            option.text = _badge_kept(option, name, separator + badge)
            return
        # A row's kind kept whole too: cut from the middle of the whole text, a model-only
        # kernel read "_kernel (m…el only)" (10 pt, 1024 px); now "_k…l  (model only)".
        marker = next((m for m in MARKERS if option.text.endswith(m)), None)
        if marker and len(option.text) > len(marker) and option.rect.width() > 0:
            option.text = _marker_kept(option, option.text[: -len(marker)], marker)
            return
        name, separator, hint = option.text.partition(HINT_SEPARATOR)
        if separator and name and hint and option.rect.width() > 0:
            option.text = hint_kept(option, name, separator, hint)


def hint_kept(option, name: str, separator: str, hint: str) -> str:
    """A group's name and its hint (a Keras layer's name or class, "model only"), the
    name first: whole, with as much of the hint as fits ("layer_with_weights-0  ·  den…",
    HINT_LEAST_CHARS of it at least); else whole alone (the tooltip and Details have the
    hint); only a name too long alone is cut, in its middle (both ends kept: its number,
    "layer_…ghts-2"). Cut from the middle of the whole text, "layer_with_weights-2  ·
    dense_2" had read "layer_with_w…  ·  dense_2" at 1024 px, the layer's number gone
    (review 10); a name cut to keep the hint whole then read "layer_wi…eights-0  ·  dense"
    in a comparison's 300 px trees, where the name fits whole (review 12, 11d)."""
    if hint == MODEL_ONLY_HINT:
        # A group of model-only variables says so as its model-only leaves do: the tag
        # whole or not at all, the name cut first; it had read "_momentums  ·  model …"
        # above "_lear…_rate  (model only)" (review 11, 6).
        return _marker_kept(option, name, separator + hint)
    metrics = option.fontMetrics
    room = painted_room(option)
    whole = name + separator + hint
    if _fits(option, whole, room):
        return whole
    rest = room - 1 - metrics.horizontalAdvance(name + separator)  # 1: the rounding of the advance
    short_hint = metrics.elidedText(hint, Qt.TextElideMode.ElideRight, rest) if rest > 0 else ""
    if len(short_hint.rstrip("\u2026")) >= min(HINT_LEAST_CHARS, len(hint)):
        return name + separator + short_hint
    if _fits(option, name, room):
        return name
    return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room)


def optional_hint(text: str) -> str:
    """The end of a name's text that gives way first, as ``hint_kept`` cuts it: a group's
    hint with its separator ("  ·  dense"); "" when there is none, or when the end is a
    model-only tag or a badge (kept whole, the name cut for them). What a fit counts the
    name without (column_widths): with it, the hint of "layer_with_weights-0  ·  dense"
    had taken the comparison tree's room and its Rel. L2 column gave way (review 14)."""
    name, separator, hint = text.partition(HINT_SEPARATOR)
    if not (separator and name and hint) or hint == MODEL_ONLY_HINT or BADGE_SEPARATOR in hint:
        return ""
    return separator + hint


def badge_of(text: str) -> str:
    """The NaN/Inf badge ending a name's text, with its separator ("   [B: 1 NaN]"); ""
    when there is none. What a fit may leave out of a name's width (column_widths)."""
    name, separator, badge = text.rpartition(BADGE_SEPARATOR)
    return separator + badge if separator and name and badge.endswith("]") else ""


def _room(option) -> int:
    room = option.rect.width() - TEXT_MARGINS
    if not option.icon.isNull():
        room -= option.decorationSize.width() + 4
    return room


def painted_room(option) -> int:
    """The cell's room for its text as the style paints it: QCommonStyle keeps its focus
    frame's margin plus 1 px on each side (6 px in Fusion), where _room keeps TEXT_MARGINS.
    With _room, "optimizer  ·  adam_1" (134 px at 10 pt) was cut to "optimizer  ·  ada…"
    in a comparison's 140 px cell that paints it whole (the dark desktop's, issue 11)."""
    room = option.rect.width() - painted_margins(option.widget)
    if not option.icon.isNull():
        room -= option.decorationSize.width() + 4
    return room


def painted_margins(widget) -> int:
    """The px beside a cell's text, both sides, as ``widget``'s style paints it."""
    style = widget.style() if widget is not None else QApplication.style()
    return 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1)


def _fits(option, text: str, room: int) -> bool:
    """Whether the style paints ``text`` whole in ``room`` px: measured unrounded, as its
    eliding measures (a rounded advance equal to the room can still be elided)."""
    return QFontMetricsF(option.font).horizontalAdvance(text) <= room


def _marker_kept(option, name: str, marker: str) -> str:
    """The name cut in the middle so that its marker stays whole, while the name keeps
    NAME_LEAST_CHARS; narrower, the marker goes whole and the name stays: a model-only
    bias read "(model only)". A marker is never cut ("model …"): where it goes, the
    row's other cells still say the row's kind (a model-only leaf's italics and
    "missing" in its Restore or Status column, the doctor's word for a variable only the
    model has; a model-only group's count, "2 model only"), and its tooltip names it."""
    metrics = option.fontMetrics
    room = _room(option)
    if metrics.horizontalAdvance(name + marker) <= room:
        return name + marker
    left = room - metrics.horizontalAdvance(marker)
    if left >= min(NAME_LEAST_CHARS * metrics.averageCharWidth(), metrics.horizontalAdvance(name)):
        cut = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, left)
        if cut.strip("\u2026"):
            return cut + marker
    return metrics.elidedText(name.strip(), Qt.TextElideMode.ElideMiddle, room)


def _badge_kept(option, name: str, badge: str) -> str:
    """The name cut in the middle so that its badge stays whole: cut from the middle
    of the whole text, "mat   [1 NaN, 1 Inf]" read "mat   [… 1 Inf]", the NaN hidden."""
    metrics = option.fontMetrics
    room = _room(option)
    if metrics.horizontalAdvance(name + badge) <= room:
        return name + badge
    if badge.strip()[1:-1] in UNREADABLE_BADGES:
        # The name first, the badge gives way: "_…l   [CRC mismatch]" named no variable
        # (review 12); the row's tooltip, the banner and Details say the mismatch whole.
        rest = room - metrics.horizontalAdvance(name)
        if rest <= 0:
            return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room)
        short = metrics.elidedText(badge, Qt.TextElideMode.ElideRight, rest)
        return name + (short if len(short.strip().rstrip("\u2026")) > 1 else "")
    left = room - metrics.horizontalAdvance(badge)
    least = name if len(name) <= 3 else f"{name[0]}\u2026{name[-1]}"  # the least of a name kept
    if left >= metrics.horizontalAdvance(least):
        cut = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, left)
        return (cut if cut.strip("\u2026") else least) + badge  # Qt may cut it to a bare "…"
    # Too narrow for both: the badge loses its end, but its first count (NaN) is kept,
    # the name dropped if need be.
    both = metrics.elidedText(least + badge, Qt.TextElideMode.ElideRight, room)
    first = badge.strip().lstrip("[").split(",")[0].rstrip("]")
    return both if first in both else metrics.elidedText(badge.strip(), Qt.TextElideMode.ElideRight, room)


def names_first(view: QTreeView) -> None:
    """A tree whose names stay readable when narrow: small indentation, and names cut
    in the middle (``_oper…ions``: both ends kept) rather than at the end; the other
    columns (numbers, shapes) keep their start. The full names are in the tooltips."""
    view.setIndentation(INDENT)
    view.setItemDelegateForColumn(view.treePosition(), MiddleElided(view))
