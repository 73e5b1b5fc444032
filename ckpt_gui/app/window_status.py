"""The main window's status bar: the workflows' lasting message (whose it is, and
withdrawing it), and the running jobs' progress, label and Cancel button.

The window owns one (``MainWindow.status_bar``) and shows its widgets under their old
names (``status_label``, ``progress``, ``cancel_button``, ``job_label``,
``fetched_label``); each workflow is watched once made (``watch``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton, QStatusBar

from ckpt_gui.app.open_url import FetchedBytesLabel
from ckpt_gui.app.stuck_reads import StuckReads
from ckpt_gui.app.widgets.layouts import ElidedLabel

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from ckpt_gui.app.controllers.base import Controller

# The job label's widest, in average characters: a long checkpoint name gives way (elided,
# whole in its tooltip) before the status bar widens the window past the screen.
JOB_LABEL_MAX_CHARS = 60


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
        self.cancel_button.clicked.connect(cancel_all)
        # "Still reading FILE… (N s)" in the job label while a job waits for a read that
        # does not return (a stuck mount): Cancel gives that job up, and the message goes.
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

    def _show_label(self) -> None:
        """The stuck read's message, else the latest job's label, else nothing."""
        label = next(reversed(self._jobs.values()))[0] if self._jobs else ""
        self.job_label.setText(self.stuck.text or label)

    def _show_job(self, label: str, done: int, total: int) -> None:
        self.job_label.setText(self.stuck.text or label)
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
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self._jobs.clear()
            self._show_label()


class JobLabel(QLabel):
    """The running job's label beside the progress bar: whole, or (longer than
    JOB_LABEL_MAX_CHARS) cut in the middle with an ellipsis and whole in its tooltip;
    never cut off at its end (review: "Opening a" beside the bar was read as cut)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self.updateGeometry()  # its width follows the text
        self._elide()

    def text(self) -> str:  # the whole text (what is painted may be elided)
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        metrics = self.fontMetrics()
        frame = self.contentsMargins().left() + self.contentsMargins().right() + 2 * self.margin()
        widest = metrics.averageCharWidth() * JOB_LABEL_MAX_CHARS
        width = min(metrics.horizontalAdvance(self._full) + 1, widest) + frame  # +1: a fraction of a pixel
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name): never narrower than the text it shows
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(room, 0))
        if not self.isVisible() or room <= 0:  # not laid out yet: its resize elides it
            shown = self._full
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
