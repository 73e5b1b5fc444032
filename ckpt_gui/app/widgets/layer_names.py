"""One form for the doctor's cut names: each path from its layer's number on ("…/4/gamma",
"…/4/beta", "…/3/_kernel", "…/6/bias/momentum"). The shortest end no other row has had
cut rows of one layer to different depths ("…/gamma" beside "…/_operations/4/beta",
review 19, F9): a user could not tell whose "gamma" it was, and the column read ragged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

ELLIPSIS = "\u2026/"


def layer_ends(names: Iterable[str]) -> dict[str, str]:
    """For each name with a numbered part before its end (a layer's place in its list,
    ``_operations/4``), "…/" and its parts from that number on, or from further back
    when another name ends the same (two models' "4/gamma"); a number that is the leaf
    keeps the part before it ("…/_momentums/3"). Names with no number are left out."""
    names = list(dict.fromkeys(n for n in names if n))
    split = {name: name.split("/") for name in names}
    ends = Counter("/".join(parts[at:]) for parts in split.values() for at in range(len(parts)))
    forms = {}
    for name, parts in split.items():
        numbered = [at for at, part in enumerate(parts) if part.isdigit() and at > 0]
        if not numbered:
            continue
        start = min(numbered[-1], len(parts) - 2)  # two parts at least: "…/3" says nothing
        for at in range(start, 0, -1):
            end = "/".join(parts[at:])
            if ends[end] == 1:
                forms[name] = ELLIPSIS + end
                break
    return forms
