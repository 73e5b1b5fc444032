"""The graph file beside the shown checkpoint: read off the GUI thread when a checkpoint
is shown, put in the Graph panel; a graph file that cannot be read is a warning (the
checkpoint itself is shown as usual)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.graph_panel import GraphPanel
from ckpt_gui.core.checkpoint import Checkpoint, shown_format
from ckpt_gui.core.format.keras_files import KERAS_FORMAT_NAMES
from ckpt_gui.core.views.describe import describe_keras
from ckpt_gui.core.views.graph_view import graph_view


class GraphController(Controller):
    available = Signal(bool)  # whether the shown checkpoint has a graph file (readable or not)

    def __init__(self, banner: Banner, panel: GraphPanel, window: QWidget) -> None:
        super().__init__(banner, window)
        self.panel = panel
        self.view = None

    def set_checkpoint(self, ckpt: Checkpoint) -> None:
        self.banner.hide()
        if ckpt.keras is not None:  # no graph file: the tab shows the model the file describes
            self.runner.cancel("graph")
            self.view = None
            name = KERAS_FORMAT_NAMES.get(shown_format(ckpt), shown_format(ckpt))
            self.panel.show_model(f"{ckpt.ref.name}  ({name})", describe_keras(ckpt, ""))
            self.available.emit(True)
            return

        def read(context: JobContext):
            context.progress(0, 0)
            return graph_view(ckpt), ckpt.graph_file_error

        self.runner.submit("graph", read, self._show, label="Reading the graph file")

    def _show(self, result) -> None:
        view, error = result
        self.view = view
        if error is not None:
            self.panel.show_error(str(error))
            self.banner.show_message(f"{error}; the checkpoint is shown without its graph", "warning")
        elif view is None:
            self.panel.show_none()
        else:
            self.panel.show_view(view)
        self.available.emit(view is not None or error is not None)
