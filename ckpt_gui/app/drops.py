"""Files dropped on the window: one checkpoint opens, a second one is compared with
it (A, B), a ``.py`` file is the model script to diagnose the checkpoint shown (or
the one dropped with it). A drop is taken as a copy or a link, never as a move.

Anywhere on the window: a line edit or a plot under the pointer would otherwise take
the files (as text, or not at all), so their drag events come here first.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, SignalInstance
from PySide6.QtWidgets import QWidget


class Drops(QObject):
    def __init__(
        self,
        window: QWidget,
        open_path: Callable[[str], None],
        diagnose: Callable[[str], None],
        compare_with: Callable[[str], None],
        shown: SignalInstance,
        loaded: SignalInstance,
        say: Callable[[str], None] = lambda _text: None,
    ) -> None:
        """``shown`` fires when a checkpoint is shown, ``loaded`` when an open ended
        (shown or failed): what came with a dropped checkpoint waits for them. ``say``
        tells the user which dropped files were not used (a note on the banner)."""
        super().__init__(window)
        self.open_path, self.diagnose, self.compare_with = open_path, diagnose, compare_with
        self.say = say
        self.paths: list[str] = []  # the files of the drag over the window
        self.taken: set[int] = set()  # children whose drag-enter the window took (their leave too)
        self.pending: dict | None = None  # what to do once a dropped checkpoint is shown
        shown.connect(lambda _ckpt: self._shown())
        loaded.connect(self._loaded)
        window.setAcceptDrops(True)
        self.watch(window)

    def watch(self, *parents: QWidget) -> None:
        """Route the drags over ``parents``' children that accept drops to the window."""
        for parent in parents:
            for widget in parent.findChildren(QWidget):
                if widget.acceptDrops():
                    widget.installEventFilter(self)

    # -- the window's drag events --------------------------------------------------------------

    def enter(self, event) -> None:
        self.paths = dropped_paths(event)
        if self.paths and copy_or_link(event):
            event.accept()

    def move(self, event) -> None:
        if (dropped_paths(event) or self.paths) and copy_or_link(event):
            event.accept()

    def leave(self, _event=None) -> None:
        self.paths = []

    def drop(self, event) -> None:
        # Some X11 drag sources hand their data over only while the drag moves (a Qt
        # program's drop, under a window manager, came with no URLs): the same drag's.
        paths = dropped_paths(event) or self.paths
        self.paths = []
        if paths and copy_or_link(event):
            event.accept()
            self.open(paths)

    def open(self, paths: list[str]) -> None:
        scripts = [p for p in paths if p.lower().endswith(".py")]
        checkpoints = [p for p in paths if not p.lower().endswith(".py")]
        left_out = unused_note(checkpoints, scripts)
        if not checkpoints:
            if scripts:
                self.diagnose(scripts[0])
                self._say(left_out)
            return
        # With a script, the first checkpoint is diagnosed and its report shown: a second one
        # compared over it had hidden the report, and nothing said so (review 15 #4).
        self.pending = {"b": checkpoints[1] if len(checkpoints) > 1 and not scripts else None,
                        "script": scripts[0] if scripts else None, "shown": False, "left_out": left_out}  # fmt: skip
        self.open_path(checkpoints[0])

    def _shown(self) -> None:
        if self.pending is not None:
            self.pending["shown"] = True

    def _loaded(self) -> None:
        """What came with a dropped checkpoint, once it is shown (nothing if it failed)."""
        pending, self.pending = self.pending, None
        if pending is None or not pending["shown"]:
            return
        if pending["script"]:
            self.diagnose(pending["script"])
        if pending["b"]:
            self.compare_with(pending["b"])
        self._say(pending["left_out"])  # after the open's own messages, which would replace a note

    def _say(self, note: str) -> None:
        if note:
            self.say(note)

    # -- the children's ----------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:
        kind, key = event.type(), id(watched)
        if kind == QEvent.Type.DragLeave and key in self.taken:
            self.taken.discard(key)
            self.leave(event)
            return True
        if kind not in _HANDLERS:
            return False
        if kind == QEvent.Type.DragEnter and dropped_paths(event):
            self.taken.add(key)
        if key not in self.taken:
            return False  # not files: the widget's own drag (text into a field)
        if kind == QEvent.Type.Drop:
            self.taken.discard(key)
        getattr(self, _HANDLERS[kind])(event)
        return True


_HANDLERS = {QEvent.Type.DragEnter: "enter", QEvent.Type.DragMove: "move", QEvent.Type.Drop: "drop"}


def unused_note(checkpoints: list[str], scripts: list[str]) -> str:
    """What a drop leaves unused, said (review 10: three checkpoints dropped compared the
    first two and said nothing of the third): a comparison takes the first two
    checkpoints, an attempt the first script and the first checkpoint (review 15 #4: a
    script and two checkpoints); "" when everything dropped is used. What was used the
    window shows (the comparison's heading, the report's script)."""
    taken = 1 if scripts else 2
    unused = checkpoints[taken:] + scripts[1:]
    if not unused:
        return ""
    reasons = (
        ("a comparison takes the first two checkpoints dropped", checkpoints[2:] and not scripts),
        ("an attempt takes the first script and the first checkpoint", checkpoints[1:] and scripts),
        ("an attempt takes the first script", scripts[1:] and not checkpoints[1:]),
    )
    why = ", ".join(w for w, extra in reasons if extra)
    return f"Not used: {', '.join(map(_name, unused))} ({why})."


def _name(path: str) -> str:
    """A dropped file by its folder's name and its own (ckpt-5 of which run?)."""
    folder, name = os.path.split(path.rstrip("/" + os.sep))
    return f"{os.path.basename(folder)}/{name}" if os.path.basename(folder) else name


def dropped_paths(event) -> list[str]:
    data = event.mimeData()
    return [url.toLocalFile() for url in data.urls() if url.isLocalFile()] if data.hasUrls() else []


def copy_or_link(event) -> bool:
    """Take a drop as a copy (or a link), never as a move: a file manager told "move"
    would delete the user's checkpoint or script once the drop is done."""
    for action in (Qt.DropAction.CopyAction, Qt.DropAction.LinkAction):
        if event.possibleActions() & action:
            event.setDropAction(action)
            return True
    return False
