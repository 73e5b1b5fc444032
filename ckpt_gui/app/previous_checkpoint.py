"""File > Compare with previous checkpoint while there is none: why, said where the
user looks.

The action stays greyed then (enabled on the oldest, it only said "nothing before it"
after a click, review 4), so the menu tells before it is opened. But Qt ignores a greyed
action's shortcut: Ctrl+Shift+P on the first checkpoint of a series, or a lone one, did
nothing and said nothing (review 22 #11). So the greyed item's tooltip says why, and a
stand-in shortcut, enabled only while the action is greyed (never both: two enabled
bindings of one key are ambiguous and Qt fires neither), says it in the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.locations import other_series

STATUS_MS = 10_000  # a status message's time: long enough to read the sentence twice
NO_CHECKPOINT = "Open a checkpoint first: there is nothing to compare yet."


def nothing_before(ckpt: Checkpoint | None) -> str:
    """Why ``ckpt`` has no previous checkpoint to be compared with, "" when it has one."""
    if ckpt is None:
        return NO_CHECKPOINT
    refs = list(ckpt.checkpoints)  # its series' (locations.series_of)
    if ckpt.ref in refs and refs.index(ckpt.ref) > 0:
        return ""
    # "Previous" stays in the series: another save() prefix's checkpoint is another model's (review 20 G8)
    where = "of its series in the folder" if other_series(ckpt.location, ckpt.ref) else "of the folder"
    which = "oldest" if ckpt.ref in refs and len(refs) > 1 else "only"
    return f"{ckpt.ref.name} is the {which} checkpoint {where}: nothing was saved before it to compare it with."


class GreyedPrevious:
    """``action`` (Compare with previous checkpoint) enabled or greyed with its reason,
    and its key answered while greyed (see the module's docstring)."""

    def __init__(self, window, action: QAction) -> None:
        self.window, self.action, self.why = window, action, ""
        self.key = QShortcut(action.shortcut(), window, self._say_why)
        self.key.setContext(Qt.ShortcutContext.WindowShortcut)  # as the menu's action
        # Not a binding of its own: the shortcuts dialog lists the action's key (it has no
        # whatsThis), and the clash check knows it for the action's twin.
        self.key.stands_in_for = action
        self.follow(None)

    def follow(self, ckpt: Checkpoint | None) -> None:
        """Enabled when ``ckpt`` has a previous checkpoint, else greyed with why."""
        self.why = nothing_before(ckpt)
        self.action.setEnabled(not self.why)
        self.action.setToolTip(self.why)  # "": none (the menu would repeat the item's text)
        self.key.setEnabled(bool(self.why))

    def _say_why(self) -> None:
        self.window.statusBar().showMessage(self.why, STATUS_MS)
