"""What the browser shows for the variable or group selected in the tree: its
details (and a restore report's finding), its values read on a worker (a large one's
picture is app/large_values.py's), or why there are none."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ckpt_gui.app import plot_turns
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.status_style import finding_label
from ckpt_gui.app.stuck_reads import file_and_folder
from ckpt_gui.core.checkpoint import shown_name
from ckpt_gui.core.views.describe import (
    describe_finding,
    describe_group,
    describe_keras,
    describe_variable,
    object_graph_text,
    value_text,
)
from ckpt_gui.core.views.large_values import LARGE_VIEW_BYTES
from ckpt_gui.core.views.missing_data import missing_shard_said
from ckpt_gui.core.views.planes import prepare_view
from ckpt_gui.core.views.shown_names import named_message
from ckpt_gui.core.views.tree import MODEL_ONLY, TreeNode

# Variables from which a group's histogram is prepared after the row's paint (about
# 1.2 us of the GUI thread per variable: 25 ms here).
LARGE_GROUP = 20_000
POPUP_WAIT_MS = 100  # how often a large group's histogram looks whether a menu open over it has closed


class SelectionShown:
    """Mixed into BrowseController: the panels follow the tree's selection
    (``current``); its statistics and histogram are app/selection_stats.py's."""

    def _selected_key(self) -> str | None:
        return self.current.variable.key if self.current is not None and self.current.variable else None

    def _on_node_selected(self, node: TreeNode | None) -> None:
        self.current = node
        if self._swapping and node is not None and node.variable is not None and node.variable.key == self._shown_key:
            # The same variable in the object view that replaced the key view: what is
            # shown or being computed for it stays.
            self.selection.node = node
            self._show_details(node)
            return
        # Whatever was computed for the previous selection must not land in the panels
        # of this one (a string or a group starts no job that would replace it).
        self.runner.drop("preview", "histogram", "values")
        # Nor its read's error stay on the banner: a line about tensor 0 stayed there
        # under a later open's error, its variable long left (review 20, G6).
        self._read_voice.hide()
        self.large.wanted = None
        if node is None or self.ckpt is None:
            self.selection.start(None, None)
            if self.ckpt is not None and self.ckpt.keras is not None:  # the file's own facts: architecture...
                self.details.show_facts(self.ckpt.ref.name, describe_keras(self.ckpt, ""))
            else:
                self.details.show_message("Select a variable to see its details.")
            self.histogram.clear()
            self.tensor.show_message("Select a variable to see its values.")
            return
        self._shown_key = node.variable.key if node.variable is not None else None
        self._show_details(node)
        if node.variable is not None:
            self.exportable.emit(node.variable.dtype.is_numeric or node.variable.dtype.is_string)
            self._start_values(node)
        if node.variable is None and node.variable_count > LARGE_GROUP:
            self._start_large_group(node)
        else:
            self.selection.start(node, self.ckpt)
        self._maybe_scan()

    def _start_large_group(self, node: TreeNode) -> None:
        """A large group's histogram prepared in an event-loop turn after the tree has
        painted the row selected (app/plot_turns.py): the preparation (its variables
        taken by dtype, its slots) costs 250 ms of the GUI thread at 200,000 variables,
        and the row repainted only after it, 1 to 2.4 s after the click on a busy machine
        (review 25 #3). Keys moving on meanwhile replace the queued preparation."""
        self.selection.node, self.selection.ckpt = node, self.ckpt  # what a change of bins restarts
        self.histogram.clear(f"Reading the {node.variable_count:,} variables of {node.path or 'the checkpoint'}...")
        plot_turns.run(self, lambda: self.tree_panel.view, key="group-paint")  # its paint awaited
        plot_turns.later(self, lambda: self._prepare_group(node), key="group-stats")

    def _prepare_group(self, node: TreeNode) -> None:
        """A piece of plot_turns: the group's histogram started, if it is still the one
        selected; while a menu is open (a right click selects the row, then shows its
        menu), once it has closed: the menu had waited a second to paint (review 26 #7)."""
        if self.current is not node or self.ckpt is None:
            return
        if QApplication.activePopupWidget() is not None:
            QTimer.singleShot(POPUP_WAIT_MS, lambda: self._prepare_group(node))
            return
        self.selection.start(node, self.ckpt)

    def _show_details(self, node: TreeNode) -> None:
        # What the restore doctor said of it (status, both shapes, suggestions), if it ran.
        restore = describe_finding(node.finding, finding_label(node.status, node.finding)) if node.finding else []
        if node.variable is None and node.kind == MODEL_ONLY:
            self.details.show_facts(node.path, restore)
            self.tensor.show_message("Only in the model: the checkpoint has no value for it.")
        elif node.variable is None:
            self.details.show_facts(node.path or "Checkpoint", describe_group(node, self.ckpt))
            self.tensor.show_message("A group: select one variable to see its values.")
        else:
            facts = describe_variable(self.ckpt, node, with_graph=self.ckpt.graph_decoded)
            # Titled as the tree names it: an optimizer slot under its variable, not by the
            # optimizer's list (``optimizer/_momentums/2``), which its Object paths still give.
            self.details.show_facts(shown_name(self.ckpt, node.variable), restore + facts)

    def _start_values(self, node: TreeNode) -> None:
        ckpt, variable = self.ckpt, node.variable
        if (
            variable.is_object_graph and ckpt.graph_decoded and ckpt.object_graph is not None
        ):  # a serialized proto: no values to show
            self.tensor.show_message(object_graph_text(ckpt.object_graph))
            return
        if variable.dtype.is_variant or not (variable.dtype.is_numeric or variable.dtype.is_string):
            self.tensor.show_message(f"{variable.dtype.name} values cannot be shown.")
            return
        missing = missing_shard_said(ckpt, variable.key)
        if missing is not None:
            self.tensor.show_message(f"No values: its data file {missing} (the index lists it).")
            return
        if variable.size_bytes > LARGE_VIEW_BYTES:
            self.large.show(ckpt, variable)
            return
        if variable.dtype.is_numeric:  # its plot made in a turn of its own while the values are read
            self.tensor.expect_picture(len(variable.shape))

        def read(context: JobContext):
            context.progress(0, 0)
            return prepare_view(ckpt.read(variable.key))

        def show(view) -> None:
            self.tensor.show_value(view, shown_name(ckpt, variable))
            text = value_text(variable, view.value)
            if text is not None:
                self.details.show_value(text)
            if variable.dtype.is_string:  # read whole, its CRC32C checked: as a numeric tensor's pass says
                self.selection.add_crc_fact(ckpt, variable.key)

        def failed(message: str, details: str) -> None:
            self._read_voice.show_message(named_message(ckpt, message), "error", details)
            self.tensor.show_message("Could not read the values (see the message above).")

        def cancelled() -> None:  # Cancel gave up its read (a stuck mount), or cancelled it
            stuck = self._values_stuck_on
            why = f"Cancel gave up waiting for {stuck}" if stuck else "cancelled"
            self.tensor.show_message(f"Values not read: {why} (select the variable again to read them).")

        self._values_stuck_on = None
        self.runner.submit("values", read, show, failed, on_cancelled=cancelled)

    def _on_read_stuck(self, lane: str, read) -> None:
        """A job of the runner waits for a read that does not return: the values' job
        says so in the values pane (it kept the last message, "Select a variable to see
        its values.", with a variable selected: review 15)."""
        if lane == "histogram":  # the statistics' and histogram's job: Details and the histogram say it
            self.selection.waiting_for(file_and_folder(read.path)[0])
        if lane == "values" and not self.tensor.large:  # a small tensor's read (shown: the last one's picture)
            name, _folder = file_and_folder(read.path)  # its folder in the status bar (its tooltip: the path)
            self._values_stuck_on = name
            self.tensor.show_message(
                f"Waiting for the values: their read from {name} has not returned (a stuck network or"
                " FUSE mount?). Cancel, in the status bar, gives it up."
            )
