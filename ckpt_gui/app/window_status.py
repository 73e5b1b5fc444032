"""The main window's status bar: the workflows' lasting message (whose it is, and
withdrawing it), and the running jobs' progress, label and Cancel button.

The window owns one (``MainWindow.status_bar``) and shows its widgets under their old
names (``status_label``, ``progress``, ``cancel_button``, ``job_label``,
``fetched_label``); each workflow is watched once made (``watch``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QProgressBar, QPushButton, QStatusBar, QWidget

from ckpt_gui.app.open_url import FetchedBytesLabel
from ckpt_gui.app.stuck_reads import StuckReads
from ckpt_gui.app.widgets.layouts import ElidedLabel
from ckpt_gui.core.format.errors import shown_path

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from ckpt_gui.app.controllers.base import Controller

# The job label's widest, in average characters: a long checkpoint name gives way (elided,
# whole in its tooltip) before the status bar widens the window past the screen.
JOB_LABEL_MAX_CHARS = 60
# A stuck read's message may take the progress bar's room too (no bar beside it: a stuck
# read has no progress to show, and its empty box looked broken, review 15).
STUCK_LABEL_MAX_CHARS = 80


class WindowStatus:
    """The status bar of ``window``: ``changed`` is emitted with each new message,
    ``busy()`` says whether any workflow has a job running, ``cancel_all`` is the
    Cancel button's."""

    def __init__(
        self, window: QMainWindow, changed: SignalInstance, busy: Callable[[], bool], cancel_all: Callable[[], None]
    ) -> None:
        self._changed = changed
        self._busy = busy
        bar = QStatusBar()
        window.setStatusBar(bar)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        # Clicked, it leaves the keyboard where it was (the tree): it took focus, then hid,
        # and Qt passed focus to the next widget, "Filter variables" (review 19 F3). Reached
        # by Tab, it gives focus back to the widget that had it when it hides (_give_focus_back).
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._focus = FocusBefore(self.cancel_button)
        self.cancel_button.clicked.connect(cancel_all)
        # "Still reading NAME in FOLDER (N s)" in the job label while a job waits for a read
        # that does not return (a stuck mount): Cancel gives that job up, and the message goes.
        self.stuck = StuckReads(bar)
        self.stuck.changed.connect(lambda _text: self._show_label())
        self.cancel_button.clicked.connect(self.stuck.check)
        self.job_label = JobLabel()
        self.fetched_label = FetchedBytesLabel()
        # The workflows' messages are lasting state ("Compared: ...", the NaN or restore summary): a
        # normal widget, which a temporary message (a menu item's status tip) only covers for a while,
        # where showMessage's text would be wiped by the first status tip for good.
        self.label = ElidedLabel()  # a long message must not widen the window
        self.label.setObjectName("workflow_status")
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.fetched_label)
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self._owner = None  # the workflow whose message the status bar shows
        # Each workflow's running job label, the most recently reported last: the one
        # shown beside Cancel is a job still running (review 7).
        self._jobs: dict[object, tuple[str, int, int]] = {}

    def watch(self, controller: Controller) -> None:
        """A workflow's messages, progress and busy state shown from now on."""
        controller.status.connect(lambda text: self.show(controller, text))
        runner = controller.runner
        self.stuck.watch(runner)
        runner.progress_changed.connect(lambda label, done, total: self._on_progress(label, done, total, runner))
        runner.busy_changed.connect(lambda busy: self._on_busy(None if busy else runner))

    def show(self, owner, text: str) -> None:
        """A workflow's status message; an empty one withdraws that workflow's message
        (never another's)."""
        if text:
            self._owner = owner
        elif self._owner is owner:
            self._owner = None
        else:
            return
        self.label.setText(text)
        self._changed.emit(text)

    def message(self) -> str:
        """The workflows' message the status bar shows."""
        return self.label.text()

    def _on_progress(self, label: str, done: int, total: int, runner=None) -> None:
        """``runner``'s latest labelled job ("" once none of its is left): the label shown
        is the most recent one of a job still running."""
        self._jobs.pop(runner, None)
        if label:
            self._jobs[runner] = (label, done, total)
        if self._jobs:
            self._show_job(*next(reversed(self._jobs.values())))
        else:  # only unlabelled jobs left: no finished job's name beside the bar
            self._show_label()

    def give_up_stuck(self) -> bool:
        """Cancel while a stuck read is shown: the jobs waiting for it are given up, no
        other job (a later open goes on), and the status bar says which read. False when
        no stuck read is shown (Cancel cancels every job)."""
        said = self.stuck.give_up()
        if said:
            self.show(self.stuck, said)
        return bool(said)

    def _show_label(self) -> None:
        """The stuck read's message, else the latest job's label, else nothing."""
        label = next(reversed(self._jobs.values()))[0] if self._jobs else ""
        self._set_job_text(label)

    def _set_job_text(self, label: str) -> None:
        """The stuck read's message (its folder elided first, the whole path in its
        tooltip; no progress bar beside it), else ``label``."""
        read = self.stuck.read if self.stuck.text else None
        if read is None:
            self.job_label.setText(label)
        else:
            self.job_label.set_parts(*self.stuck.parts, tip=shown_path(read.path))
        self.progress.setVisible(self._busy() and read is None)

    def _show_job(self, label: str, done: int, total: int) -> None:
        self._set_job_text(label)
        # QProgressBar.setValue repaints at once, and a repaint of one child paints the
        # whole window's dirty region (plots included) inside this handler: with updates
        # off it only marks itself, and the window paints on the event loop's next turn.
        self.progress.setUpdatesEnabled(False)
        self.progress.setMaximum(total if total > 0 else 0)  # 0..0 shows a busy indicator
        self.progress.setValue(min(done, total) if total > 0 else 0)
        self.progress.setUpdatesEnabled(True)

    def _on_busy(self, idle_runner=None) -> None:
        if idle_runner is not None and self._jobs.pop(idle_runner, None) is not None and self._jobs:
            self._show_job(*next(reversed(self._jobs.values())))
        busy = self._busy()
        self.progress.setVisible(busy and not self.stuck.text)
        if not busy:
            self._give_focus_back()
        elif not self.cancel_button.isVisible():
            last_in_tab_order(self.cancel_button)
        self.cancel_button.setVisible(busy)
        if not busy:
            self._jobs.clear()
            self._show_label()

    def _give_focus_back(self) -> None:
        """Cancel about to hide while it has the keyboard: back to the widget that had it."""
        before, self._focus.before = self._focus.before, None
        if not self.cancel_button.hasFocus():
            return
        if before is not None and shiboken6.isValid(before) and before.isVisible() and before.isEnabled():
            before.setFocus(Qt.FocusReason.OtherFocusReason)
        else:  # gone or hidden meanwhile: Qt's next widget in the chain, as before
            self.cancel_button.focusNextChild()


def last_in_tab_order(button: QWidget) -> None:
    """``button`` moved to the end of its window's Tab order, the status bar's place in
    the reading order (review 20 G14): widgets made after the status bar (the comparison's
    panes, a plot's controls) join the chain after it, and Tab reached Cancel between them."""
    window, last = button.window(), button.window().previousInFocusChain()
    while last is not window and (last is button or last.focusPolicy() == Qt.FocusPolicy.NoFocus):
        last = last.previousInFocusChain()
    if last is not window:
        QWidget.setTabOrder(last, button)


class FocusBefore(QObject):
    """The widget that had the keyboard when ``button`` took it (a child of the button:
    its connection to the application goes with it)."""

    def __init__(self, button: QWidget) -> None:
        super().__init__(button)
        self.button, self.before = button, None
        QApplication.instance().focusChanged.connect(self._changed)

    def _changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is self.button and old is not None:
            self.before = old


class JobLabel(QLabel):
    """The running job's label beside the progress bar: whole, or (longer than
    JOB_LABEL_MAX_CHARS) cut in the middle with an ellipsis and whole in its tooltip;
    never cut off at its end (review: "Opening a" beside the bar was read as cut)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self._parts: tuple[str, str, str] | None = None  # head, folder (elided first), tail
        self._tip = ""
        self._widest = JOB_LABEL_MAX_CHARS

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full, self._parts, self._tip, self._widest = text, None, "", JOB_LABEL_MAX_CHARS
        self.updateGeometry()  # its width follows the text
        self._elide()

    def set_parts(self, head: str, folder: str, tail: str, tip: str) -> None:
        """``head + folder + tail``, the folder cut between its names (:func:`elide_folder`)
        before the rest is cut: "Still reading ckpt-3.data-00000-of-00001 in /mnt/…/checkpoints
        (12 s)" (elided as a whole, the file name's prefix went and the shard suffix every
        checkpoint has stayed, review 15); ``tip`` always in the tooltip."""
        self._full, self._parts, self._tip = head + folder + tail, (head, folder, tail), tip
        self._widest = STUCK_LABEL_MAX_CHARS
        self.updateGeometry()
        self._elide()

    def text(self) -> str:  # the whole text (what is painted may be elided)
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        metrics = self.fontMetrics()
        frame = self.contentsMargins().left() + self.contentsMargins().right() + 2 * self.margin()
        widest = metrics.averageCharWidth() * self._widest
        width = min(metrics.horizontalAdvance(self._full) + 1, widest) + frame  # +1: a fraction of a pixel
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name): never narrower than the text it shows
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        metrics = self.fontMetrics()
        shown = None
        if self._parts is not None:
            head, folder, tail = self._parts
            left = room - metrics.horizontalAdvance(head + tail)
            if left >= metrics.horizontalAdvance("…/"):
                shown = head + elide_folder(metrics, folder, left) + tail
        if shown is None or metrics.horizontalAdvance(shown) > room:
            shown = metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(room, 0))
        if not self.isVisible() or room <= 0:  # not laid out yet: its resize elides it
            shown = self._full
        super().setText(shown)
        self.setToolTip(self._tip or (self._full if shown != self._full else ""))


def elide_folder(metrics, folder: str, room: int) -> str:
    """``folder`` in ``room`` pixels: whole, else cut between its names, keeping its first
    (the mount, on a stuck NFS share: "/mnt/…/checkpoints") and as many of its last as fit,
    else "…/" and its last name (the folder's own), that elided itself last."""
    if metrics.horizontalAdvance(folder) <= room:
        return folder
    names = folder.rstrip(os.sep).split(os.sep)  # "/mnt/a/b": "", "mnt", "a", "b"
    if len(names) < 3:
        return metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, room)

    def shown(head: list[str], tail: list[str]) -> str:
        return os.sep.join([*head, "…", *tail])

    def fits(head: list[str], tail: list[str]) -> bool:
        return metrics.horizontalAdvance(shown(head, tail)) <= room

    head = names[:2] if names[0] == "" else names[:1]
    tail = [names[-1]]
    if len(head) + len(tail) >= len(names) or not fits(head, tail):
        head = []
    if not fits(head, tail):
        return metrics.elidedText(shown(head, tail), Qt.TextElideMode.ElideMiddle, room)
    while len(head) + len(tail) < len(names) - 1 and fits(head, [names[-len(tail) - 1], *tail]):
        tail.insert(0, names[-len(tail) - 1])
    return shown(head, tail)
