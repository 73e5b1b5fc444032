"""Which checkpoint the one shown is compared with, and which of the two is A: the
one chosen in Compare with... (the comparison the app closed proposed again, in its
order), the checkpoint saved before the one shown, "Compare this variable"'s partner,
and the picker's "Compare with this" (the older is A, before; the newer B, after)."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QDialog

from ckpt_gui.app.previous_checkpoint import nothing_before
from ckpt_gui.app.widgets.compare_dialog import CompareDialog
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.storage import same_checkpoint
from ckpt_gui.core.open_fallback import with_unreadable_marked
from ckpt_gui.repair.record import repaired_from


class PartnerChoice:
    """Mixed into CompareController (its ``ckpt``, ``closed_pair``, ``_wanted_key``,
    ``banner``, ``dialog_parent``, ``compare`` and ``compare_with``)."""

    dialog: CompareDialog | None = None  # the last "Compare with..." dialog

    def choose(self) -> None:
        """Ask for the other checkpoint (a folder, a prefix or an .index file, and which
        checkpoint of its folder), starting in the shown one's folder with the newest other
        checkpoint selected; compare them as A and B in the order the dialog showed."""
        if self.ckpt is None:
            self.banner.show_message("Open a checkpoint first, then compare it with another.", "info")
            return
        again = self._again()
        source = _repaired_from(self.ckpt)
        if again is None and source is not None:  # a repaired checkpoint: its source is the obvious B
            start = source
        elif again is None:
            start = self.ckpt.location.directory
        else:  # the closed comparison's other checkpoint
            start = again[1 if same_prefix(again[0], self.ckpt.prefix) else 0]
        self.dialog = CompareDialog(self.ckpt.prefix, start, _locate_marked, self.dialog_parent, made_from=source)
        if again is not None and self.dialog.order() and not all(map(same_prefix, self.dialog.order(), again)):
            self.dialog.swap()  # the closed comparison's own order, whatever the dialog's rule says
        if self.dialog.exec() == QDialog.DialogCode.Accepted and self.dialog.order():
            a, b = self.dialog.order()  # the order the dialog showed (and the user may have swapped)
            shown_is_a = os.path.realpath(a) == os.path.realpath(self.ckpt.prefix)
            self.compare_with(b if shown_is_a else a, shown_is_a=shown_is_a)

    def _again(self) -> tuple[str, str] | None:
        """The comparison the app closed, if the checkpoint shown is one of its two."""
        pair = self.closed_pair
        if pair is None or self.ckpt is None or not any(same_prefix(p, self.ckpt.prefix) for p in pair):
            return None
        try:
            locate(pair[1] if same_prefix(pair[0], self.ckpt.prefix) else pair[0])  # still there
        except CheckpointError:
            return None
        return pair

    def compare_with_previous(self) -> None:
        """A = the checkpoint saved before the one shown, B = the one shown."""
        if self.ckpt is None:
            return
        refs = list(self.ckpt.checkpoints)
        position = refs.index(self.ckpt.ref) if self.ckpt.ref in refs else -1
        if position <= 0:  # the action is greyed then; its key says this in the status bar
            self.banner.show_message(nothing_before(self.ckpt), "info")
            return
        self.compare(self.ckpt.sibling(refs[position - 1]), self.ckpt)

    def variable_partner(self) -> str | None:
        """What "Compare this variable" compares with: the checkpoint saved before the
        one shown (the one after it for the oldest), None when it is alone in its folder."""
        if self.ckpt is None:
            return None
        refs = list(self.ckpt.checkpoints)
        if self.ckpt.ref not in refs or len(refs) < 2:
            return None
        position = refs.index(self.ckpt.ref)
        return refs[position - 1 if position > 0 else 1].name

    def compare_variable(self, key: str) -> None:
        """Compare the checkpoint shown with :meth:`variable_partner` (the older as A,
        before) and select the pair of variable ``key`` once shown."""
        if self.ckpt is None or self.variable_partner() is None:
            return
        refs = list(self.ckpt.checkpoints)
        self._wanted_key = key
        if refs.index(self.ckpt.ref) > 0:
            self.compare_with_previous()
        else:
            self.compare(self.ckpt, self.ckpt.sibling(refs[1]))

    def compare_in_folder(self, ref) -> None:
        """The checkpoint shown and another of its folder (the picker's "Compare with
        this"): the older is A (before), the newer B (after), whichever is shown."""
        if self.ckpt is None:
            return
        refs = list(self.ckpt.checkpoints)
        newer = ref in refs and self.ckpt.ref in refs and refs.index(ref) > refs.index(self.ckpt.ref)
        location = self.ckpt.location
        if ref not in location.others and all(ref.prefix != mine.prefix for mine in location.checkpoints):
            # A file of the other kind (a Keras file beside TF checkpoints): no steps in common,
            # so the older by its time is A, as the menu's label says.
            self.compare_with(ref.prefix, shown_is_a=(ref.time or 0.0) >= (self.ckpt.ref.time or 0.0))
            return
        self.compare_with(ref.prefix, shown_is_a=newer or ref not in refs)


def _locate_marked(path: str):
    """What ``path`` names, its checkpoints whose index is cut short marked (and not proposed)."""
    return with_unreadable_marked(locate(path))


def same_prefix(path: str, other: str) -> bool:
    """Whether two paths name one checkpoint (through symbolic links: a linked folder or
    ``.index``, storage.same_checkpoint)."""
    return same_checkpoint(path, other)


def _repaired_from(ckpt) -> str | None:
    """The checkpoint a repair made ``ckpt`` from, as its ``repair.json`` names it, if it
    is still there and not ``ckpt`` itself (Compare with... from a repaired checkpoint
    proposed the checkpoint itself, review 24)."""
    source = repaired_from(ckpt.location.directory)
    if source is None or same_checkpoint(source, ckpt.prefix):
        return None
    try:
        locate(source)
    except CheckpointError:
        return None
    return source
