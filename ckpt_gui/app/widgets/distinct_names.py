"""Names cut so that rows stay told apart: a TF1 Estimator's graph names
(``dnn/hiddenlayer_0/kernel/part_0``, ``dnn/hiddenlayer_1/kernel/part_0``) cut in the
middle all read "dnn/hid…/part_0". A name too long for its cell shows the shortest
end of it no other row has ("…/hiddenlayer_0/kernel/part_0"), then less of that end
while no other row reads the same ("…/hiddenlayer_0/kernel/…"), then up to where it
parts from the name most like it and as much of its end as fits ("…/dropoff_la…_xf/weights"
beside "…/dropoff_lo…_xf/weights"); whole in its tooltip."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from PySide6.QtCore import Qt

from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS
from ckpt_gui.app.widgets.row_room import RoomyRows

ELLIPSIS = "\u2026/"
NEIGHBOURS = 4  # forms after each in sorted order it is compared with
SHORT_NAME = 16  # characters: a shortest form this short, cut, keeps its start (one end cut, not both)


class Forms(NamedTuple):
    """A name's forms, the longest first; and, when none fits, ``last`` kept to ``head``
    characters, then its end."""

    forms: list[str]
    last: str
    head: int
    # Characters of ``last``'s path before its leaf (see _leaf_kept) that its end needs,
    # the leaf whole, to read unlike every other name's: "…titude_xf/…/part_0" was both
    # dropoff_latitude_xf's and pickup_latitude_xf's.
    before_leaf: int = 0
    # Characters of the name's end no other name ends with (``8/gamma`` of
    # ``batch_normalization_8/gamma`` beside ``batch_normalization_9/gamma``).
    tail: int = 0
    # Characters of ``last``'s middle parts (between its first part and its leaf) that
    # tell it from every name of the same first part and leaf (see _middle_cut).
    middle: int = 0


def distinct_ends(names: Iterable[str]) -> dict[str, Forms]:
    """Each name's shorter forms that no other name has, the longest first: the end from
    its layer's list on ("…/_operations/1/_kernel", ``_with_layer``) when longer than its
    shortest end of whole ``/`` parts no other name ends with ("…/hiddenlayer_0/kernel/part_0"),
    then that end without the parts between its first and last ("…/hiddenlayer_0/…/part_0")
    or without its last ("…/hiddenlayer_0/kernel/…") where still its own."""
    names = list(dict.fromkeys(n for n in names if n))
    ends = Counter(end for name in names for end in _ends(name))
    distinct = {name: next((end for end in _ends(name) if ends[end] == 1), name) for name in names}
    shorter = {name: _shorter(name, end) for name, end in distinct.items()}
    forms = Counter(form for found in shorter.values() for form in set(found[1:]))
    around = Counter(pair for name in names for pair in _around_middles(name))
    ends = {name: [*_with_layer(name, distinct[name]), found[0],
                   *(f for f in found[1:] if forms[f] == 1 and around[_around(f)] < 2)]
            for name, found in shorter.items()}  # fmt: skip
    # Last, the shortest form cut after where it parts from the form most like it, its
    # end kept as room allows ("…/dropoff_la…e_xf/weights" beside "…/dropoff_lo…e_xf/weights").
    shortest = {name: min(found, key=len) for name, found in ends.items()}
    parting = _parting(list(shortest.values()))
    needs = _before_leaf_needs(list(shortest.values()))
    tails = _unique_tails(list(ends))
    middles = _middle_needs(list(shortest.values()))
    return {name: Forms(ends[name], shortest[name], parting[shortest[name]] + 1, needs[shortest[name]], tails[name],
                        middles.get(shortest[name], 0)) for name in ends}  # fmt: skip


def _around_middles(name: str) -> set[tuple[str, str, str]]:
    """What ``name`` reads as with a part cut out: each (part, leaf) with at least one
    part between them, and each two parts in a row with at least one part after them."""
    parts = name.split("/")
    middles = {("middle", part, parts[-1]) for part in parts[:-2]}
    return middles | {("leaf", a, b) for a, b in zip(parts[:-2], parts[1:-1], strict=True)}


def _around(form: str) -> tuple[str, str, str] | None:
    """A form with a part gone ("…/1/…/momentum", "…/1/_kernel/…"): what is left around
    it. Another name with the same around another part reads the same there, though the
    form is no other row's: "…/1/…/momentum" was layer 1's kernel slot beside
    "…/bias/momentum", its bias's, in a doctor table with one bias slot; "…/1/_kernel/…"
    its momentum beside "…/velocity" (review 18). The middle is then cut at its end
    ("…/1/_ke…/momentum", _middle_cut), the leaf whole."""
    parts = form.split("/")
    if len(parts) < 3:
        return None
    if parts[-2] == "\u2026":
        return "middle", parts[-3], parts[-1]
    if parts[-1] == "\u2026":
        return "leaf", parts[-3], parts[-2]
    return None


def _middle_parts(form: str) -> tuple[str, str, str] | None:
    """A form's first part with its "…/" (and the "/" after it), its middle parts, and
    its leaf with the "/" before it: "…/2/_kernel/momentum" -> ("…/2/", "_kernel",
    "/momentum"); None for a form of fewer than three parts, or whose middle is cut already."""
    parts = form.split("/")
    start = 1 if parts[0] == "…" else 0
    if len(parts) - start < 3 or "…" in parts[start:]:
        return None
    return "/".join(parts[: start + 1]) + "/", "/".join(parts[start + 1 : -1]), "/" + parts[-1]


def _middle_needs(forms: list[str]) -> dict[str, int]:
    """For each form with a middle (_middle_parts), how many characters of its middle's
    start tell it from every form of the same first part and leaf: one more than its
    longest common start with any of them (``_kernel`` beside ``bias``: 1); 0 when no
    other form has that first part and leaf."""
    groups: dict[tuple[str, str], list[str]] = {}
    for form in set(forms):
        split = _middle_parts(form)
        if split is not None:
            groups.setdefault((split[0], split[2]), []).append(split[1])
    needs = {}
    for (head, leaf), middles in groups.items():
        for middle in middles:
            others = [len(os.path.commonprefix([middle, other])) for other in middles if other != middle]
            needs[head + middle + leaf] = min(max(others) + 1, len(middle)) if others else 0
    return needs


def _before_leaf_needs(forms: list[str]) -> dict[str, int]:
    """For each form, how many characters of the end of its path before the leaf tell it
    from every form of the same leaf (and the same "…" after that path): one more than
    its longest common end with any of them, found among neighbours in the order of
    their reversed paths (the forms that end most alike sit together)."""
    groups: dict[str, dict[str, str]] = {}  # {tail: {path: form}}
    for form in set(forms):
        path, tail = _split_leaf(form)
        groups.setdefault(tail, {})[path] = form
    needs = {}
    for paths in groups.values():
        order = sorted(paths, key=lambda path: path[::-1])
        common = dict.fromkeys(order, 0)
        for at, a in enumerate(order):
            for b in order[at + 1 : at + 1 + NEIGHBOURS]:
                same = len(os.path.commonprefix([a[::-1], b[::-1]]))
                common[a], common[b] = max(common[a], same), max(common[b], same)
        needs.update({form: min(common[path] + 1, len(path)) for path, form in paths.items()})
    return needs


def _split_leaf(form: str) -> tuple[str, str]:
    """A form's path before its leaf, and the rest: "…/a/b/…/leaf" -> ("…/a/b", "/…/leaf")."""
    parts = form.split("/")
    before, tail = parts[:-1], "/" + parts[-1]
    while before and before[-1] == "\u2026":
        before.pop()
        tail = "/\u2026" + tail
    return "/".join(before), tail


def _unique_tails(names: list[str]) -> dict[str, int]:
    """How many characters of each name's end tell it from every other name's end: one
    more than its longest common end with its neighbours in order of reversed text (a
    name that is another's end, ``b`` of ``a/b``, needs all of itself)."""
    order = sorted(names, key=lambda name: name[::-1])
    tails = dict.fromkeys(names, 1)
    for a, b in zip(order, order[1:]):
        common = len(os.path.commonprefix([a[::-1], b[::-1]]))
        tails[a] = max(tails[a], min(common + 1, len(a)))
        tails[b] = max(tails[b], min(common + 1, len(b)))
    return tails


def _parting(forms: list[str]) -> dict[str, int]:
    """Where each form stops sharing its start with any other: its longest common
    prefix with a few neighbours in sorted order (not with a form it is the start of)."""
    order = sorted(set(forms))
    parting = dict.fromkeys(order, 0)
    for at, a in enumerate(order):
        for b in order[at + 1 : at + 1 + NEIGHBOURS]:
            common = len(os.path.commonprefix([a, b]))
            if common < len(a):  # (a whole start of b: a parts from it by ending there)
                parting[a] = max(parting[a], common)
            parting[b] = max(parting[b], common)
    return parting


def _ends(name: str) -> list[str]:
    """``a/b/c``: ``c``, ``b/c``, ``a/b/c`` (the shortest first)."""
    parts = name.split("/")
    return ["/".join(parts[at:]) for at in range(len(parts) - 1, -1, -1)]


def _with_layer(name: str, end: str) -> list[str]:
    """The end of ``name`` from the list its last numbered part is in, when longer than
    its distinct ``end``: "…/_operations/1/_kernel" where "…/1/_kernel" (which "1"?)
    told the row apart (review 6: a repair target had lost its layer). Longer than an
    end no other name has, it is no other name's either."""
    parts = name.split("/")
    numbered = [at for at, part in enumerate(parts) if part.isdigit() and at > 0]
    if not numbered or len(parts) - numbered[-1] + 1 <= len(end.split("/")):
        return []
    start = numbered[-1] - 1
    return [("" if start == 0 else ELLIPSIS) + "/".join(parts[start:])]


def _shorter(name: str, end: str) -> list[str]:
    parts = end.split("/")
    head = "" if end == name else ELLIPSIS
    forms = [head + end]
    if len(parts) >= 3:
        forms += [f"{head}{parts[0]}/\u2026/{parts[-1]}", f"{head}{'/'.join(parts[:2])}/\u2026"]
    return forms


# What a cell shows when it is not its text (which stays what an editor edits): the Repair
# dialog's target, an optimizer slot's path, shown by its variable's path and slot.
SHOWN_ROLE = Qt.ItemDataRole.UserRole + 7


class DistinctElided(RoomyRows):
    """Shows a cut name as the longest of its own forms that fits (``ends``:
    distinct_ends of the column's names); a cell's SHOWN_ROLE, when set, instead of its text."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.ends: dict[str, Forms] = {}

    def sizeHint(self, option, index):  # noqa: N802 - Qt's name
        """Room for the text whole as initStyleOption measures it (less TEXT_MARGINS): the
        style's own hint keeps fewer pixels, and a column fitted to it cut the text it was
        fitted to ("…/dense1/_kernel" beside a whole "model/dense1/bias", review 7)."""
        size = super().sizeHint(option, index)
        text = index.data(SHOWN_ROLE) or index.data()
        if isinstance(text, str) and text:
            size.setWidth(max(size.width(), option.fontMetrics.horizontalAdvance(text) + TEXT_MARGINS + 1))
        return size

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        shown = index.data(SHOWN_ROLE)
        if shown:
            option.text = shown
        text, metrics = option.text, option.fontMetrics
        room = option.rect.width() - TEXT_MARGINS
        if room <= 0 or metrics.horizontalAdvance(text) <= room:
            return
        fitting = self.cut(text, metrics, room)
        if fitting is not None:
            option.text = fitting
            option.textElideMode = Qt.TextElideMode.ElideRight

    def cut(self, text: str, metrics, room: int) -> str | None:
        """``text`` as the longest of its own forms within ``room`` pixels; None for a text not in ``ends``."""
        found = self.ends.get(text)
        if found is None:
            return None
        fitting = next((form for form in found.forms if metrics.horizontalAdvance(form) <= room), None)
        if fitting is None:
            fitting = _leaf_kept(found, metrics, room)
        if fitting is None:
            fitting = _middle_cut(found, metrics, room)
        if fitting is None:  # what tells it apart first, then as much of its end as fits
            head = found.last[: found.head] + "\u2026"
            tail = metrics.elidedText(found.last[found.head :], Qt.TextElideMode.ElideLeft,
                                      room - metrics.horizontalAdvance(head))  # fmt: skip
            if tail.removeprefix("\u2026"):
                fitting = head + tail.removeprefix("\u2026")
            elif found.tail and _kept(left := metrics.elidedText(text, Qt.TextElideMode.ElideLeft, room)) >= found.tail:
                # The name's end as far as room allows, when that still tells it apart:
                # "…alization_8/gamma" rather than "…ormalization_8/g…" (review 10, both ends cut).
                fitting = left
            elif len(found.last.removeprefix(ELLIPSIS)) <= SHORT_NAME:
                # A short name keeps its start: "…/moving_m…" (the doctor's table had read
                # "…oving_m…", both its ends cut: review 6).
                fitting = metrics.elidedText(found.last, Qt.TextElideMode.ElideRight, room)
            else:  # not even that: the head's end, where it parts from the others
                more = "\u2026" if found.head < len(found.last) else ""
                room -= metrics.horizontalAdvance(more)
                fitting = metrics.elidedText(found.last[: found.head], Qt.TextElideMode.ElideLeft, room) + more
        return fitting


LEAST_KEPT = 3  # characters of the path before its leaf _leaf_kept keeps, at least


def _leaf_kept(found: Forms, metrics, room: int) -> str | None:
    """The shortest form with its leaf whole and as much of the path before it as fits,
    cut at its start: "…_weights-2/bias" (review 10: "…r_with_weights-2/b…", the leaf
    cut, read alike on every row of a narrow doctor's table); a layer's number ends its
    name, so the end of the path before the leaf keeps it. None when that end would read
    as another name's (``found.before_leaf``) or keep fewer than LEAST_KEPT characters."""
    path, tail = _split_leaf(found.last)
    if not path.strip("/\u2026") or tail.endswith("/"):
        return None
    kept = metrics.elidedText(path, Qt.TextElideMode.ElideLeft, room - metrics.horizontalAdvance(tail))
    if kept == path:
        return path + tail  # (a form of its own too long only for its own "…/" start)
    shown = len(kept.removeprefix("\u2026"))
    if shown < max(min(LEAST_KEPT, len(path)), found.before_leaf):
        return None
    return kept + tail


def _middle_cut(found: Forms, metrics, room: int) -> str | None:
    """The shortest form with its first part and its leaf whole, its middle cut at its
    end: "…/2/_ke…/momentum" where "…/2/_kernel/m…tum" had cut the leaf mid-word
    (review 16: an optimizer slot's path at 1024x640); the layer's number and what the
    value is both read whole, the path whole in the tooltip. None for a form with no
    middle, or when its middle would keep fewer characters than tell it from the other
    rows' (``found.middle``, LEAST_KEPT at least)."""
    split = _middle_parts(found.last)
    if split is None:
        return None
    head, middle, leaf = split
    kept = metrics.elidedText(middle, Qt.TextElideMode.ElideRight,
                              room - metrics.horizontalAdvance(head + leaf))  # fmt: skip
    # (Its middle gone whole, "…/2/…/momentum", is one of its forms already where no other row reads so.)
    if len(kept.removesuffix("\u2026")) < max(found.middle, min(LEAST_KEPT, len(middle))):  # "_…" says nothing
        return None
    return head + kept + leaf


def _kept(elided: str) -> int:
    """Characters of the name an ElideLeft text keeps (all but its leading ellipsis)."""
    return len(elided) - 1 if elided.startswith("\u2026") else len(elided)
