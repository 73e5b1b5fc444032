"""Repair in the app (issue 13): from a diagnosis with problems, the proposed plan in
the repair dialog; the user edits it, saves or loads it (the CLI's JSON), and writes
the repaired checkpoint into a folder they choose (through the write guard, asking
before writing beside another checkpoint). TensorFlow writes it in the doctor's child
and the doctor verifies it, off the GUI thread, with progress and cancel.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ckpt_gui.app import settings
from ckpt_gui.app.checkpoint_gone import in_its_folder
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.save_path import start_after_refusal
from ckpt_gui.app.widgets import folder_picker
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.app.widgets.repair_panel import RepairDialog, outcome_html
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.storage import same_checkpoint
from ckpt_gui.diagnosis.child.keras_kind import keras_file_kind
from ckpt_gui.diagnosis.findings import RestoreReport
from ckpt_gui.diagnosis.runner import DiagnosisRequest
from ckpt_gui.repair.notes import keeps_no_old_value
from ckpt_gui.repair.overlap_ties import with_tie_notes
from ckpt_gui.repair.plan import PlanError, check_plan, named, read_plan
from ckpt_gui.repair.planner import propose_plan
from ckpt_gui.repair.source_names import source_names, source_paths
from ckpt_gui.repair.writer import (
    RepairOutcome,
    RepairRequest,
    check_creatable,
    check_sources,
    keras_output,
    prepare_output,
    run_repair,
)

PLAN_MISMATCH = "PlanMismatch"  # the writing child's error when the plan does not fit the objects


class RepairController(Controller):
    open_repaired = Signal(str, object)  # the new checkpoint's prefix, the verification's report
    _phase_from_worker = Signal(str)  # connected queued: the attempt reports its phases on its thread

    def __init__(
        self, banner: Banner, window: QWidget, attempt_request: Callable[[str, str], DiagnosisRequest]
    ) -> None:
        super().__init__(banner, window)
        self.attempt_request = attempt_request  # the doctor's settings (python, timeout...) for a checkpoint
        self.dialog: RepairDialog | None = None
        self.ckpt: Checkpoint | None = None
        self.script: str | None = None
        self.outcome: RepairOutcome | None = None
        self.refused_folder: str | None = None  # an output folder that could not be made: Write asks near it
        self._shown: str | None = None  # the prefix of the checkpoint shown: what the repair's messages are about
        self._phase_from_worker.connect(self._on_phase, Qt.ConnectionType.QueuedConnection)

    def set_checkpoint(self, ckpt) -> None:
        """Another checkpoint is shown: what the repair said of its source (it could not
        run, its plan not saved) goes, as the doctor's and the comparison's do; the red
        "could not run" had stayed above every checkpoint and folder opened after (review
        21 #1). The same checkpoint shown again (F5) keeps it: its source is still there."""
        if self._shown is not None and not same_checkpoint(self._shown, ckpt.prefix):
            self.banner.hide()
            self.withdraw_export_error()
        self._shown = ckpt.prefix

    def propose(self, report: RestoreReport | None, ckpt) -> None:
        """The plan the diagnosis proposes, in the repair dialog."""
        prefix = getattr(ckpt, "prefix", None)
        if not isinstance(ckpt, Checkpoint) and prefix and keras_file_kind(prefix) is not None:
            try:  # a Keras weights file the window could not show: its values are read for the plan all the same
                ckpt = Checkpoint.open(prefix)
            except CheckpointError as exc:
                self.banner.show_message(str(exc), "error")
                return
        if report is None or report.error is not None or not isinstance(ckpt, Checkpoint):
            self.banner.show_message(
                "Repair needs a finished diagnosis of this checkpoint first: Restore > Diagnose restore... (Ctrl+D).",
                "info",
            )
            return
        if report.checkpoint != ckpt.prefix:
            self.banner.show_message("The diagnosis is for another checkpoint: re-run it first.", "info")
            return
        gone = source_gone(ckpt)
        if gone:  # said now, not after a folder was chosen to write into (review 21 #16)
            self.banner.show_message(gone, "error")
            return
        self.ckpt, self.script = ckpt, report.script
        paths = source_paths(ckpt.variables)
        # Its notes name the lines one resize ties, as diagnose --plan's do: in the plan Save plan... writes.
        plan = with_tie_notes(named(propose_plan(report), paths))
        self._dialog().show_plan(plan, source_names(ckpt.variables), paths)
        self.dialog.show()
        self.dialog.raise_()

    def save_plan(self, path: str | None = None) -> None:
        if path is None:
            path = self.ask_save_path("Save repair plan", "plan.json", "JSON (*.json)", self.ckpt)
        if path:
            text = json.dumps(self.dialog.edited_plan().to_json(), indent=1) + "\n"
            self.write_export(path, text.encode("utf-8"), self.ckpt)

    def load_plan(self, path: str | None = None) -> None:
        if path is None:
            with fitted():
                path, _ = QFileDialog.getOpenFileName(self.dialog, "Load repair plan", settings.last_folder(),
                                                      "JSON (*.json);;All files (*)")  # fmt: skip
        if not path:
            return
        try:
            plan = read_plan(path)
            check_sources(self.ckpt, plan, path)
        except CheckpointError as exc:
            self.dialog.show_error(str(exc))
            return
        self.dialog.show_plan(plan, source_names(self.ckpt.variables), source_paths(self.ckpt.variables))
        self.status.emit(f"Loaded the repair plan {path}")

    def write(self, folder: str | None = None) -> None:
        """Write the edited plan into ``folder`` (asked for if None) and verify it."""
        plan = self.dialog.edited_plan()
        try:
            check_sources(self.ckpt, plan, "the plan")
        except PlanError as exc:
            self.dialog.show_error(str(exc))
            return
        try:
            check_plan(plan, "the plan")  # the rule the dialog marks its lines by, and the child writes by
        except PlanError as exc:
            self.dialog.refuse_write(str(exc))  # said in the Source column's names, its line selected
            return
        picked = folder is None
        if picked:
            folder = self.ask_folder()
        if not folder:
            return
        try:
            folder = prepare_output(self.ckpt, folder, force=True)  # the write guard: never into a checkpoint's
            if picked:  # a folder picked in the dialog: a new one, or one left empty for it
                refuse_unless_empty(folder)
        except CheckpointError as exc:  # said in the dialog (the window's banner is behind it); Write asks again
            self.dialog.show_error(str(exc))
            return
        force = False
        if _occupied(self.ckpt, folder):
            if not self.confirm_overwrite(folder):
                return
            force = True
        try:
            check_creatable(folder, folder)
        except CheckpointError as exc:  # no TensorFlow started, nothing written: nothing to call unverified
            self.refused_folder = folder  # Write again asks near it
            self.dialog.show_result(f"<b>Repair failed</b>: {html.escape(str(exc))}", False)
            self.status.emit(f"Repair failed: {exc}")
            return
        request = RepairRequest(self.ckpt, self.script, plan, folder, force,
                                self.attempt_request(self.ckpt.prefix, self.script))  # fmt: skip
        on_phase = self._phase_from_worker.emit
        self.banner.hide()
        self.dialog.show_running()

        def repair(context: JobContext) -> RepairOutcome:
            context.progress(0, 0)
            self.ckpt.shards.check_all_present()
            return run_repair(request, on_phase, context.cancelled)

        self.runner.submit("repair", repair, self._done, self._failed, label="Writing the repaired checkpoint",
                           on_cancelled=self._cancelled)  # fmt: skip

    def ask_folder(self) -> str:
        """A folder for the repaired checkpoint ("" when cancelled): a new one, or an
        existing empty one (Qt's save dialog had named a new folder only, issue 11).
        The dialog starts where the write guard allows writing and suggests
        ``<checkpoint>-repaired``: a folder picker had opened in the checkpoint's own
        folder, which was then refused (review 6). A folder the write guard refuses, or
        one not empty, is refused while the user is still choosing (said, and the
        picker asked again), as Export's save dialog does: it had closed the picker and
        said "Not done" under the plan (review 21 #17). Asked again after a refusal (here,
        or a folder that could not be made), it starts near the folder refused."""
        start = os.path.join(*self.free_output(self.refused_folder))
        title = "Write the repaired checkpoint: name a new folder or choose an empty one"
        while True:
            path = folder_picker.ask_folder(self.dialog, title, start)
            if not path:
                return ""
            try:
                refuse_unless_empty(prepare_output(self.ckpt, path, force=True))
            except CheckpointError as exc:
                QMessageBox.warning(self.dialog, "Write the repaired checkpoint", str(exc))
                start = os.path.join(*self.free_output(path))  # and the picker again, where writing is allowed
                continue
            self.refused_folder = None
            settings.remember_export_folder(os.path.dirname(path.rstrip(os.sep)))
            return path

    def free_output(self, refused: str | None = None) -> tuple[str, str]:
        """(folder, name): where the repair may write a new folder ``<checkpoint>-repaired``
        (numbered when that name is taken): the nearest folder at or above ``refused`` (a
        folder refused just now, save_path.start_after_refusal), else the last export's
        folder, or the nearest one above it (above the checkpoint's folder, before any export)."""
        stem = os.path.basename(self.ckpt.prefix.rstrip(os.sep)).split(".")[0] or "checkpoint"

        def free_name(folder: str) -> str:
            return next(n for n in _numbered(f"{stem}-repaired") if not os.path.exists(os.path.join(folder, n)))

        def allowed(folder: str) -> bool:
            try:
                prepare_output(self.ckpt, os.path.join(folder, free_name(folder)), force=False)
            except CheckpointError:
                return False
            return True

        near = start_after_refusal(refused, allowed) if refused else None
        if near is not None:
            return near, free_name(near)
        folder = settings.last_export_folder()
        candidates = [folder]
        while os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
            candidates.append(folder)
        for folder in [*candidates, os.path.expanduser("~")]:
            if allowed(folder):
                return folder, free_name(folder)
        return os.path.expanduser("~"), f"{stem}-repaired"

    def confirm_overwrite(self, folder: str) -> bool:
        answer = QMessageBox.question(
            self.dialog, "Write beside a checkpoint?",
            f"{folder} already holds a checkpoint (or the repaired weights file). Write the repaired one anyway?",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def cancel(self) -> None:
        self.runner.cancel("repair")

    def open_result(self) -> None:
        if self.outcome is not None and self.outcome.written:
            self.dialog.close()  # its plan is the source's: the window now shows the repaired checkpoint
            self.open_repaired.emit(self.outcome.written, self.outcome.verification)

    # -- results -------------------------------------------------------------------------------

    def _done(self, outcome: RepairOutcome) -> None:
        self.outcome = outcome
        if outcome.error is not None and outcome.error.kind == PLAN_MISMATCH:
            misfit = html.escape(outcome.error.message)
            self.dialog.show_result(f"<b>The plan does not fit the model</b>: {misfit}", False)
            return
        self.dialog.show_result(outcome_html(outcome), outcome.ok)
        if outcome.written is None:  # the writing child failed: no checkpoint to call verified or not
            self.status.emit("Repair failed: nothing was written")
            return
        kept = not keeps_no_old_value(outcome.plan)  # "verified" read as the weights saved (review 15)
        said = "verified" if kept else "restores, no old value kept"
        self.status.emit(f"Repaired checkpoint {said}" if outcome.ok else "Repaired checkpoint NOT verified")

    def _failed(self, message: str, details: str) -> None:
        self.dialog.show_result(f"<b>Writing failed</b>: {html.escape(message)}", False)
        self.banner.show_message(f"The repair could not run: {message}", "error", details)

    def _cancelled(self) -> None:
        self.dialog.show_result("The repair was cancelled.", False)

    def _on_phase(self, phase: str) -> None:
        if self.dialog is not None:
            self.dialog.show_phase(phase)

    def _dialog(self) -> RepairDialog:
        if self.dialog is None:
            self.dialog = RepairDialog(self.dialog_parent)
            self.dialog.save_requested.connect(lambda: self.save_plan())
            self.dialog.load_requested.connect(lambda: self.load_plan())
            self.dialog.write_requested.connect(lambda: self.write())
            self.dialog.cancel_requested.connect(self.cancel)
            self.dialog.open_requested.connect(self.open_result)
        return self.dialog


def source_gone(ckpt: Checkpoint) -> str:
    """Why ``ckpt`` cannot be repaired from any more ("" while it can): deleted from its
    folder since it was opened, or a data file of it gone (a repair reads every value)."""
    name = os.path.basename(ckpt.prefix)
    if not in_its_folder(ckpt.prefix):
        return f"{name} was deleted from its folder: nothing to repair from (F5 opens the folder's latest)"
    try:
        ckpt.shards.check_all_present()
    except CheckpointError as exc:
        return f"{name} cannot be repaired: {exc}"
    return ""


def _numbered(name: str):
    """``name``, ``name-2``, ``name-3``, ..."""
    yield name
    number = 2
    while True:
        yield f"{name}-{number}"
        number += 1


def refuse_unless_empty(folder: str) -> None:
    """A folder picked to write into is new or empty: a CheckpointError naming what it
    holds otherwise (a repair beside other files would mix them up with the checkpoint's)."""
    held = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    if held:
        shown = ", ".join(held[:3]) + (f" and {len(held) - 3:,} more" if len(held) > 3 else "")
        raise CheckpointError(folder, f"is not empty (it holds {shown}): choose an empty folder, or name a new one")


def _occupied(ckpt: Checkpoint, folder: str) -> bool:
    """Would the repair write beside a checkpoint (or, for a Keras file, over its repaired file)?"""
    if ckpt.keras is not None:
        return os.path.exists(keras_output(ckpt, folder, force=True))
    return _holds_checkpoint(folder)


def _holds_checkpoint(folder: str) -> bool:
    return os.path.isdir(folder) and any(n == "checkpoint" or n.endswith(".index") for n in os.listdir(folder))
