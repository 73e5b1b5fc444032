"""Opening a checkpoint in the browser: a folder or file chosen, a sibling switched
to (instantly, when shown lately), a large one's key view shown while its object
graph is decoded and then merged with or replaced by the object view, the first
variable selected, a failure or cancel reported. What the open job computes is
app/opening.py's."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from ckpt_gui.app import gui_gc, plot_import, plot_turns, settings
from ckpt_gui.app.checkpoint_gone import in_its_folder
from ckpt_gui.app.opening import STEPS, KeysFirst, Phase, Trees, index_stamp, keys_only, opener, warnings
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.locations import CheckpointRef
from ckpt_gui.core.format.storage import absolute
from ckpt_gui.core.formatting import format_bytes
from ckpt_gui.core.open_fallback import open_readable
from ckpt_gui.core.views.tree import TreeNode, first_to_show

RECENT_CHECKPOINTS = 4  # parsed checkpoints kept for instant switching back
# Keras weights files open as checkpoints do: a filter without them hid them (review).
CHECKPOINT_FILES = (
    "Checkpoint files (*.index *.meta checkpoint saved_model.pb *.keras *.weights.h5 *.h5 *.weights.json)"
    ";;All files (*)"
)
# The histogram's and the values' word with no checkpoint: Details says what to do (the
# same sentence in three panels was too much, "Select a variable" wrong: nothing to select).
NOTHING_SHOWN = "No checkpoint open."


class CheckpointOpening:
    """Mixed into BrowseController: opens checkpoints into its ``tree_panel`` and
    ``picker``, remembering the ones shown lately (``_recent``)."""

    _fresh: str | None = None  # the prefix being reloaded: its old statistics are not reused

    def choose_folder(self) -> None:
        with fitted():
            path = QFileDialog.getExistingDirectory(
                self.dialog_parent, "Open checkpoint folder", settings.last_folder()
            )
        if path:
            self.open_path(path)

    def choose_file(self) -> None:
        with fitted():
            path, _ = QFileDialog.getOpenFileName(
                self.dialog_parent, "Open checkpoint file", settings.last_folder(),
                CHECKPOINT_FILES,
            )  # fmt: skip
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        path = absolute(path)  # a URL (gs://, s3://...) stays one
        self.status.emit(f"Opening {path}...")
        # "Opening a" beside the progress bar read as a cut label (review): a folder says it is one.
        name = f"folder {os.path.basename(path)}" if os.path.isdir(path) else os.path.basename(path) or path
        self._open(lambda progress: open_readable(path, progress), path, f"Opening {name}", path)

    def switch_checkpoint(self, ref: CheckpointRef) -> None:
        if self.ckpt is None:  # the picker offers a folder after a failed open (_offer_folder)
            self.open_path(ref.prefix)
            return
        if ref.prefix == self.ckpt.prefix:
            return
        previous = self.ckpt
        recent = self._recent.get(ref.prefix)
        if recent is not None and recent[0] == index_stamp(ref.prefix):  # switching back: instant
            self._show_checkpoint(recent[1], recent[2], None)
            self.folder_watch.relist()  # its list was made when it was first opened
            return
        self._open(lambda progress: previous.sibling(ref, progress=progress), None, f"Opening {ref.name}", ref.prefix)

    def reload(self) -> None:
        """View > Reload (F5): the checkpoint shown read again, and its folder's list (a
        training job saved meanwhile); the selection kept when its variable is still
        there. A checkpoint deleted meanwhile: the folder opens at its latest."""
        if self.ckpt is None:
            return
        prefix, folder = self.ckpt.prefix, self.ckpt.location.directory
        gone = not in_its_folder(prefix)
        path = folder if gone else prefix
        self._fresh = prefix  # its statistics are read again, not taken from what was shown
        self._recent.pop(prefix, None)
        name = os.path.basename(prefix.rstrip("/"))
        if gone:
            self.status.emit(f"{name} is no longer in its folder: opening the folder's latest...")
        self._open(lambda progress: open_readable(path, progress), None, f"Reloading {name}", path)

    def _open(self, make, opened: str | None, label: str, target: str) -> None:
        self._opening = label
        self.runner.submit(
            "open", opener(make), lambda result: self._show_checkpoint(*result, opened),
            lambda message, details: self._open_failed(could_not_open(target, message), details, target),
            label=label, on_partial=self._on_open_partial, on_cancelled=self._open_cancelled,
        )  # fmt: skip

    def _on_open_partial(self, part: KeysFirst | Phase) -> None:
        if isinstance(part, KeysFirst):
            self._show_keys_first(part)
            return
        step = f"{part.name.lower()}, step {part.number} of {len(STEPS)}"
        if self._early is not None:  # the key view is shown: its facts stay in the message (short: 1024 px)
            self.status.emit(f"{self._early_facts}; reading the object graph: {step}...")
        else:
            self.status.emit(f"{self._opening}: {step}...")
            if part.number > 2:  # the index is read and no key view comes first: a small checkpoint,
                plot_import.start()  # shown within a moment; its plots will be wanted at once

    def _open_cancelled(self) -> None:
        """The user cancelled the open. Once its key view is shown, that stays, as the
        checkpoint's only view (the object graph not read); before, nothing changes."""
        early, self._early = self._early, None
        if early is None:
            self.status.emit("Opening cancelled")
            self.loaded.emit()
            return
        ckpt, trees = keys_only(early[0], early[1], "opening was cancelled: the object graph was not read")
        self.ckpt, self._early = ckpt, (ckpt, *early[1:])
        self._show_checkpoint(ckpt, trees, None)

    def _show_keys_first(self, first: KeysFirst) -> None:
        """A large checkpoint's key view, shown while its object graph is decoded. Nothing
        here may ask for the object graph or ``ckpt.variables``: the GUI thread would wait
        for the decoding (see ``Checkpoint.graph_decoded``)."""
        ckpt, keys = first.ckpt, first.keys
        self.about_to_show.emit(ckpt)
        keep = self._selected_key()
        self._take_over(ckpt)
        self.picker.set_location(ckpt.location, ckpt.ref)
        self._early_facts = f"{keys.variable_total:,} variables, {format_bytes(first.total_bytes)}"
        self.status.emit(f"{self._early_facts}; reading the object graph (checkpoint keys shown meanwhile)...")
        self.tree_panel.set_trees({"objects": keys, "keys": keys}, keep, objects_pending=True)
        self.index_read.emit(ckpt)
        self._early = (ckpt, keys, self.tree_panel.changes)
        gui_gc.settle()  # the checkpoint's objects live on: no collection walks them again
        QTimer.singleShot(0, self, lambda: self._finish_keys_first(ckpt, keep))

    def _finish_keys_first(self, ckpt: Checkpoint, keep: str | None) -> None:
        """The key view is painted: usable. It keeps the previous selection (``keep``,
        reselected by ``set_trees``) or has none: the object view makes the first. What
        the user has done is counted from ``set_trees`` on, not from here: a click
        handled before this posted call (queued while the 200,000-row key view was first
        painted) was taken for none, and the object view replaced the view the user had
        clicked in, its first choice selected (review 24 #3)."""
        plot_import.start()
        self.keys_shown.emit()

    def _take_over(self, ckpt: Checkpoint) -> None:
        """``ckpt`` replaces the checkpoint shown: its own statistics, no old scan or picture."""
        self.runner.cancel("scan")
        fresh, self._fresh = self._fresh, None
        if fresh is not None:  # reloaded: what was known of it may have changed on disk
            self._stats_by_prefix.pop(fresh, None)
        elif self.ckpt is not None:
            self._stats_by_prefix[self.ckpt.prefix] = self.stats_cache
        if self.ckpt is None or not storage.same_checkpoint(self.ckpt.prefix, ckpt.prefix):
            self.withdraw_export_error()  # a value of the checkpoint shown before not exported (review 21 #1)
        self.ckpt = ckpt
        self.selection.stats_cache = self._stats_by_prefix.get(ckpt.prefix, {})
        self.selection.positions = {}
        self.large.forget()
        self.banner.hide()
        self._scan_voice.hide()  # the scan of the checkpoint shown before
        self._read_voice.hide()  # its reads too

    def _show_checkpoint(self, ckpt: Checkpoint, trees: Trees, opened: str | None) -> None:
        early = self._early if self._early is not None and self._early[0] is ckpt else None
        self._early = None
        keep = self._selected_key()
        if early is None:
            self.about_to_show.emit(ckpt)
            self._take_over(ckpt)
            self.picker.set_location(ckpt.location, ckpt.ref)
        else:
            self.banner.hide()
        forgotten = self._remember(ckpt, trees)
        found = warnings(ckpt)
        if found:
            self.banner.show_message("\n".join(found), "warning")
        # Every checkpoint shown (a switch in the picker too): the next Open dialog starts in its folder.
        settings.remember_opened(opened, ckpt.location.directory)
        facts = trees["objects"]  # the count and size worked out by the job (200,000 variables: 0.1 s)
        self.status.emit(f"{facts.variable_total:,} variables, {format_bytes(facts.variable_bytes)}")
        for tree in {id(t): t for t in trees.values()}.values():
            tree.clear_report()  # a report belongs to the checkpoint it was made for
        kept = False  # the key view stays shown, as the user left it
        if early is not None:
            kept = self._merge_objects(trees, early, keep)
        else:
            self.tree_panel.set_trees(trees, keep)
        shown = {id(t) for t in self.tree_panel.trees.values()}
        self.releaser.release(t for t in forgotten if id(t) not in shown)
        gui_gc.settle()  # the checkpoint's objects live on: no collection walks them again
        self.checkpoint_shown.emit(ckpt)
        plot_import.start()
        # The first selection in event-loop turns of their own (app/plot_turns.py), each
        # painted before the next: the row selected and its groups opened and fitted,
        # then Details and the jobs it starts. With the swap, all in one turn, they held
        # the loop 65 to 100 ms of CPU at 200,000 variables (QTimer.singleShot(0) posts
        # a call, which Qt's glib loop runs in the same pass as the tree's paint).
        plot_turns.later(self, lambda: self._select_first(ckpt, keep, kept))

    def _select_first(self, ckpt: Checkpoint, keep: str | None, kept: bool = False) -> QWidget | None:
        """A piece of plot_turns: the first selection in the tree, not told to the
        panels yet (``_finish_showing``, the next piece); returns the tree, painted
        before Details fills."""
        if self.ckpt is not ckpt:  # replaced by another meanwhile
            plot_turns.later(self, lambda: self._finish_showing(ckpt))  # loaded all the same
            return None
        # Selected and its groups opened in this turn, the columns fitted to them in the
        # next, painted in the one after: the fit (20 to 30 ms of CPU at 200,000
        # variables) and the tree's paint (25 to 30 ms at 1280x800) had made one turn of
        # 60 to 80 ms, then the selection and the fit one of 40 to 50.
        viewport = self.tree_panel.view.viewport()
        viewport.setUpdatesEnabled(False)
        selected = False
        try:
            selected = self._select_first_unless(keep, kept)
            self.tree_selected.emit()  # the window gives the tree the focus: painted once, not again a turn later
        finally:
            if selected:
                plot_turns.later(self, self.tree_panel.fit_to_selection)
            plot_turns.later(self, lambda: self._paint_tree(viewport))
        plot_turns.later(self, lambda: self._finish_showing(ckpt))
        return None

    def _paint_tree(self, viewport: QWidget) -> QWidget:
        """A piece of plot_turns: the tree painted with the first selection (its whole
        viewport: updates come back on)."""
        viewport.setUpdatesEnabled(True)
        return self.tree_panel.view

    def _finish_showing(self, ckpt: Checkpoint) -> QWidget | None:
        """A piece of plot_turns: what the first selection shows (Details, the values'
        and statistics' jobs), the scan; loaded. Returns Details, painted before the
        plots' pieces run. Not before numpy is imported: a large tensor's view and
        statistics need it on the GUI thread, which, asking for it while pyqtgraph's
        background import (app/plot_import.py) loaded it, waited for that import's lock
        (gaps of 200 to 250 ms beside two CPU-bound processes, 20 ms of its own CPU)."""
        if plot_import.numpy_pending():
            plot_import.after_numpy(self, lambda: plot_turns.later(self, lambda: self._finish_showing(ckpt)))
            return None
        shown = None
        if self.ckpt is ckpt:
            self.tree_panel.tell_selection()
            # Waited for only if it will paint: covered (a saved split, a window not
            # exposed yet) it never did, and the plots' pieces waited plot_turns' longest.
            shown = self.details if not self.details.viewport().visibleRegion().isEmpty() else None
            if self.scan_on_open and self.scan.want(ckpt):
                self._maybe_scan()
        self.loaded.emit()
        return shown

    def _merge_objects(self, trees: Trees, early, keep: str | None) -> bool:
        """The object view is ready for the checkpoint whose key view is shown. A user
        who has selected, expanded or filtered meanwhile stays in the key view as they
        left it (the same tree, its variables now with their object paths; the object
        view a click away, where Ctrl+1 selects the same row: see TreeViews._switch_view);
        otherwise the object view replaces it, the selection kept. Whether the key view
        stays."""
        _ckpt, keys, changes = early
        self._swapping = True
        try:
            if self.tree_panel.changes != changes or trees["objects"] is keys:
                self.tree_panel.adopt_trees(trees)
                if self.current is not None and self.current.variable is not None:
                    self._show_details(self.current)  # now with its object paths and TF name
                return True
            self.tree_panel.set_trees(trees, keep, show_objects=True)
            return False
        finally:
            self._swapping = False

    def _select_first_unless(self, keep: str | None, kept: bool = False) -> bool:
        """Select the variable to show first, unless ``keep`` (the previous selection) was
        found, or the key view stays (``kept``) with a row the user selected: a group
        too (the first choice had replaced their ``model/blocks``, review 24 #3); whether
        one was selected (its columns are fitted in the next turn)."""
        if kept and self.tree_panel.selected_node() is not None:
            return False
        if keep is None or self.current is None:
            first = self._first_to_select()
            if first is not None:
                return self.tree_panel.select_node(first, tell=False, fit=False)
        return False

    def _first_to_select(self) -> TreeNode | None:
        """The variable to select first in the tree shown: the object view's choice
        (worked out by the open job, off the GUI thread), found by its key when the key
        view stays shown (the user worked in it while the object graph was decoded):
        working it out there walked every variable on the GUI thread (200,000: 0.3 s)."""
        panel = self.tree_panel
        tree, objects = panel.tree, panel.trees.get("objects")
        if tree is None:
            return None
        if objects is not None and objects is not tree and objects.first_choice is not False:
            chosen = objects.first_choice
            return tree.by_key.get(chosen.variable.key) if chosen is not None else None
        return first_to_show(tree)

    def _remember(self, ckpt: Checkpoint, trees: Trees) -> list:
        """Remember ``ckpt`` as shown lately; return the trees of the checkpoints it
        makes the app forget (the same one read before, the oldest beyond the limit)."""
        before = self._recent.get(ckpt.prefix)
        forgotten = list(before[2].values()) if before is not None and before[2] is not trees else []
        self._recent[ckpt.prefix] = (index_stamp(ckpt.prefix), ckpt, trees)
        self._recent.move_to_end(ckpt.prefix)
        while len(self._recent) > RECENT_CHECKPOINTS:
            dropped, (_stamp, _ckpt, old) = self._recent.popitem(last=False)
            self._stats_by_prefix.pop(dropped, None)
            forgotten += old.values()
        return forgotten

    def _open_failed(self, message: str, details: str, target: str = "") -> None:
        """``message`` says what could not be opened ("Could not open <path>: ..."): it
        stands apart from the lines about the checkpoint still shown (review 20, G6)."""
        self.status.emit("Could not open the checkpoint")
        self.banner.show_message(message, "error", details)
        # The picker was left on the checkpoint that failed while every panel showed the
        # one before (review): it goes back to the checkpoint shown.
        self.picker.show_shown()
        self.folder_watch.relist()  # a pick failed: perhaps deleted since the list was made (review 20 G7)
        if self.ckpt is None:  # no checkpoint, no variable to select: said once, in Details
            # (review: the same sentence three times, in Details, the histogram and the heatmap)
            self.details.show_message("Open a checkpoint folder or file (File > Open, or drop it here).")
            self._offer_folder(target)
            self.histogram.clear(NOTHING_SHOWN)
            self.tensor.show_message(NOTHING_SHOWN)
        self.loaded.emit()

    def _offer_folder(self, target: str) -> None:
        """Nothing shown and ``target`` failed: the picker lists its folder's checkpoints,
        if it holds some (a local folder: listed on this thread, as a folder's listing is
        when the picker opens)."""
        if not target or storage.is_url(target):
            return
        folder = target if os.path.isdir(target) else os.path.dirname(target.rstrip("/"))
        if folder == target or not os.path.isdir(folder):
            return  # a folder that failed: its own checkpoints are what failed
        try:
            location = locate(folder)
        except CheckpointError:
            return
        self.picker.offer(location)


def could_not_open(target: str, message: str) -> str:
    """An open's error, headed by what could not be opened: "Could not open <path>: why"
    (its message names the path first already, most often: not twice)."""
    if message.startswith("Could not open"):
        return message
    if target and message.startswith(f"{target}:"):
        return f"Could not open {message}"
    return f"Could not open {target}: {message}" if target else f"Could not open: {message}"
