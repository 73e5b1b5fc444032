"""The restore doctor: trying to restore the shown checkpoint into the user's model
script (in a child Python with TensorFlow), re-running it when asked or when the
script is saved, and the report: kept for its checkpoint, put aside while another is
shown, exported. How attempts run (interpreter, limits) is doctor_settings'; which
checkpoints a script and a report belong to, doctor_scope's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QFileSystemWatcher, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ckpt_gui.app import doctor_settings, settings
from ckpt_gui.app.controllers.base import Controller
from ckpt_gui.app.doctor_scope import KerasFile, demo_scripts, folder_of, folder_of_prefix, same_file, same_script
from ckpt_gui.app.job import JobContext
from ckpt_gui.app.save_path import free_folder
from ckpt_gui.app.settings import allow_gpu
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.app.widgets.report_panel import ReportPanel
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.storage import DOCTOR_NEEDS_LOCAL, is_url
from ckpt_gui.core.write_guard import Protected
from ckpt_gui.diagnosis.attempt_errors import script_failure
from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice, keras_file_choice
from ckpt_gui.diagnosis.child.keras_kind import keras_file_kind
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport
from ckpt_gui.diagnosis.keras_causes import SHARDED_NOT_DIAGNOSED
from ckpt_gui.diagnosis.other_series import with_other_series
from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from ckpt_gui.diagnosis.value_names import source_paths


@dataclass(frozen=True, slots=True)
class _Aside:
    """The last report, its script and the script's folder, kept while another
    checkpoint is shown: shown again when its checkpoint is."""

    report: RestoreReport
    script: str
    folder: str | None


class DoctorController(Controller):
    # An attempt started: its report will show in the report panel. True when the user asked
    # for it now (a script chosen or dropped, Re-run), False for a re-run on the script's save.
    started = Signal(bool)
    phase = Signal(str)  # what the running attempt is doing ("importing TensorFlow"...)
    done = Signal(object)  # the report, or None when the attempt was cancelled
    statuses_changed = Signal(object)  # report entries to mark the variables with, or None for none
    report_previous = Signal(bool)  # the statuses shown are the previous attempt's (one runs), or current again
    finding_selected = Signal(object)  # the RestoreFinding the user clicked in the report
    _phase_from_worker = Signal(str)  # connected queued: the attempt reports its phases on its thread

    def __init__(self, banner: Banner, report_panel: ReportPanel, window: QWidget) -> None:
        super().__init__(banner, window)
        self.report_panel = report_panel
        self.ckpt: Checkpoint | KerasFile | None = None
        self.script: str | None = None  # the model script, kept for checkpoints of one folder
        self.script_folder: str | None = None  # that folder: another folder's checkpoint forgets the script
        self.report: RestoreReport | None = None  # the last report, for self.ckpt
        self.diagnoser = None  # created on the first diagnosis; keeps a warm TensorFlow child
        self._expected: RestoreReport | None = None  # a report made elsewhere (a repair's verification)
        self._aside: _Aside | None = None  # the last report while another checkpoint is shown
        self.attempt_of = ""  # the name of the checkpoint the last attempt started was for
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._script_changed)
        self._phase_from_worker.connect(self._on_phase, Qt.ConnectionType.QueuedConnection)
        report_panel.rerun_requested.connect(self.rerun)
        report_panel.choose_script_requested.connect(self.choose_script)
        report_panel.entry_selected.connect(self._entry_selected)
        report_panel.export_requested.connect(self.export_report)
        report_panel.export_asked.connect(self.ask_export)

    def set_checkpoint(self, ckpt: Checkpoint | KerasFile) -> None:
        """Another checkpoint is shown: the report stays only if it was made for it, the
        script only if it is a checkpoint of the same folder (ckpt-2 after ckpt-4): a
        script is never run, nor offered, against an unrelated checkpoint."""
        if self.ckpt is None or self.ckpt.prefix != ckpt.prefix:
            self.banner.hide()  # a failed attempt, or "open a checkpoint first": about another state
            self.withdraw_export_error()  # the report not exported is put aside (review 21 #1)
        self.ckpt = ckpt
        expected, self._expected = self._expected, None
        if expected is not None and expected.checkpoint == ckpt.prefix:
            self.script_folder = folder_of(ckpt)  # a repair's output: verified with this script
            self._adopt(expected)
            return
        folder = folder_of(ckpt)
        aside = self._aside
        if self.script is None and aside is not None and aside.folder == folder:
            self._watch(aside.script)  # back in the folder of the last report: its script again
            self.script_folder = folder
        if self.report is None and aside is not None and same_file(aside.report.checkpoint, ckpt.prefix):
            self._aside = None  # back to the checkpoint of the last report: shown again
            self._show_again(aside.report)
            return
        same_folder = self.script_folder is not None and folder == self.script_folder
        if self.report is not None and same_file(self.report.checkpoint, ckpt.prefix):
            # A failed attempt has no statuses: F5 after it had shown an empty Restore
            # column in Bytes' place (review 21 #12); _adopt and _show_again say so too.
            self.statuses_changed.emit(None if self.report.error is not None else self.report.variables)
            return
        last = self.report or (aside.report if aside is not None else None)
        if self.report is not None and self.script:
            self._aside = _Aside(self.report, self.script, self.script_folder)
        if not same_folder:
            self._forget_script()
        if last is not None:
            self._say_last(last, same_folder or folder_of_prefix(last.checkpoint) == folder)
        self.report = None

    def _say_last(self, last: RestoreReport, same_folder: bool) -> None:
        """What the report panel says while the checkpoint shown has no report."""
        name = os.path.basename(last.checkpoint)
        if same_folder:
            self.report_panel.clear(f"The last report was for {name}: Re-run to try this checkpoint.", can_rerun=True)
        else:
            self.report_panel.clear(
                f"The last report was for {name}, in another folder: Restore > Diagnose restore... (Ctrl+D) "
                "to choose the model script for this checkpoint."
            )

    def say_outcome(self) -> None:
        """The report's outcome in the status bar again (a closed comparison took it)."""
        if self.report is not None:
            self.status.emit(_outcome(self.report))

    def _show_again(self, report: RestoreReport) -> None:
        """A report put aside when another checkpoint was shown, for its checkpoint shown again."""
        self.report = report
        self.report_panel.show_report(report)
        self.statuses_changed.emit(None if report.error is not None else report.variables)

    def expect_report(self, report: RestoreReport | None) -> None:
        """Show ``report`` (a repair's verification) once its checkpoint is shown."""
        self._expected = report

    def request_for(self, prefix: str, script: str) -> DiagnosisRequest:
        """An attempt with the settings' interpreter, timeout, memory limit and GPUs."""
        return DiagnosisRequest(prefix, script, doctor_settings.timeout(), doctor_settings.python(),
                                doctor_settings.memory_limit(), allow_gpu())  # fmt: skip

    def set_keras_file(self, path: str) -> bool:
        """Make a Keras weights file the checkpoint to diagnose (``ckpt-gui FILE --model
        SCRIPT``), also where it cannot be shown; False if ``path`` is no such file."""
        if keras_file_kind(path) is None:
            return False
        self.set_checkpoint(KerasFile(os.path.abspath(path)))
        return True

    def ask_export(self, kind: str) -> None:
        """Export JSON... / Export Markdown...: where, asked outside the checkpoint's folder."""
        suffix, filters = ("json", "JSON (*.json)") if kind == "json" else ("md", "Markdown (*.md)")
        path = self.ask_save_path("Export restore report", f"restore-report.{suffix}", filters, None,
                                  self._protected())  # fmt: skip
        if path:
            self.export_report(path, kind)

    def export_report(self, path: str, kind: str) -> None:
        """The report as JSON or Markdown to ``path``, through the write guard like every export."""
        data = self.report_panel.export_text(kind).encode("utf-8")
        self.write_export(path, data, None, self._protected())

    def _protected(self) -> Protected:
        if self.ckpt is None:
            return Protected((), ())
        if not isinstance(self.ckpt, KerasFile):
            return Protected.of(self.ckpt)
        return Protected((), (self.ckpt.prefix,), (os.path.dirname(self.ckpt.prefix),))  # never beside the file

    # -- running an attempt ------------------------------------------------------------------

    def choose_script(self) -> None:
        # TensorFlow imports while the user picks the file; a child started for this pick
        # only is ended if none is picked (review 10: ~550 MB left running after a cancel).
        warmed = self._diagnoser().warm_up(doctor_settings.python(), allow_gpu())
        # This checkpoint's script, or the last script's folder: never another checkpoint's script pre-filled.
        last = str(settings.settings().value("last_script", "") or "")
        last_folder = os.path.dirname(last) if last else self._beside_checkpoint()
        start = self.script or demo_scripts(self.ckpt) or last_folder
        with fitted():
            path, _ = QFileDialog.getOpenFileName(
                self.dialog_parent, "Model-definition script", start, "Python (*.py);;All files (*)"
            )
        if path:
            self.diagnose(path)
        elif warmed is not None:
            self.diagnoser.cool_down(warmed)

    def _beside_checkpoint(self) -> str:
        """Where the script picker starts before any script was chosen: the nearest folder
        outside the checkpoint's (one level up, as a rule: a model's scripts often sit
        there). No model script lives among a checkpoint's files (review 12: it opened
        inside them)."""
        if self.ckpt is None or is_url(self.ckpt.prefix):
            return settings.last_folder()
        return free_folder(self._protected(), "model.py", os.path.dirname(self.ckpt.prefix))

    # The Restore menu's settings of how attempts run (doctor_settings).

    def choose_python(self) -> None:
        self._say_status(doctor_settings.ask_python(self.dialog_parent))

    def choose_memory_limit(self) -> None:
        self._say_status(doctor_settings.ask_memory_limit(self.dialog_parent))

    def choose_time_limit(self) -> None:
        self._say_status(doctor_settings.ask_time_limit(self.dialog_parent))

    def set_allow_gpu(self, allowed: bool) -> None:
        self._say_status(doctor_settings.set_allow_gpu(allowed))

    def _say_status(self, text: str | None) -> None:
        if text:
            self.status.emit(text)

    def diagnose(self, script: str, asked: bool = True) -> None:
        """Run a restore attempt of the current checkpoint into ``script``'s objects
        (``asked``: by the user now, not on the script's save)."""
        if self.ckpt is None:
            self.banner.show_message("Open a checkpoint first, then diagnose its restore.", "info")
            return
        if is_url(self.ckpt.prefix):
            self.banner.show_message(f"{self.ckpt.prefix}: {DOCTOR_NEEDS_LOCAL}", "info")
            return
        script = os.path.abspath(script)
        self._watch(script)
        settings.settings().setValue("last_script", script)
        request = self.request_for(self.ckpt.prefix, script)
        diagnoser = self._diagnoser()
        on_phase = self._phase_from_worker.emit
        self.banner.hide()  # "script changed", an earlier failure: this attempt answers them
        self.started.emit(asked)  # (a comparison it closes says the last outcome: withdrawn below)
        self.withdraw_status()
        self.report_panel.show_running(os.path.basename(script), request.timeout)
        if self._shows_report():
            self.report_previous.emit(True)  # the tree's statuses dimmed as the panel's are
        ckpt = self.ckpt
        self.script_folder = folder_of(ckpt)

        keras = keras_file_kind(ckpt.prefix) is not None  # model.load_weights(FILE), however it was opened

        def attempt(context: JobContext):
            context.progress(0, 0)
            if keras:
                return build_report(request, diagnoser.run(request, on_phase, context.cancelled),
                                    keras_file_choice(ckpt.prefix))  # fmt: skip
            if ckpt.keras is not None:  # a Keras file the doctor's loaders do not take (sharded .weights.json)
                raise CheckpointError(ckpt.prefix, SHARDED_NOT_DIAGNOSED)
            ckpt.shards.check_all_present()  # a restore needs every value: a missing file, said plainly
            result = diagnoser.run(request, on_phase, context.cancelled)
            choice = checkpoint_choice(ckpt.location.directory, ckpt.location, ckpt.ref)
            report = build_report(request, result, choice, source_paths(ckpt.variables))
            return with_other_series(report, ckpt.location, ckpt.ref)  # a better series of the folder, said first

        # The checkpoint named while it runs: the user may show another meanwhile (review 22, #20).
        self.attempt_of = os.path.basename(ckpt.prefix)
        self.runner.submit(
            "diagnose", attempt, self._adopt, self._failed,
            label=f"Diagnosing {self.attempt_of} with {os.path.basename(script)}", on_cancelled=self._cancelled,
        )  # fmt: skip

    def rerun(self) -> None:
        if self.script is not None:
            self.diagnose(self.script)
        else:
            self.choose_script()

    def clear(self) -> None:
        self.report = self._aside = None
        self.banner.hide()
        self.withdraw_status()
        self.statuses_changed.emit(None)
        self.report_panel.clear()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Cancel a running attempt, wait for it, then end the warm child: an attempt
        ending after the close would otherwise start a new warm child nobody ends."""
        if self.diagnoser is not None:
            self.diagnoser.keep_warm = False
        super().shutdown(timeout_ms)
        if self.diagnoser is not None:
            self.diagnoser.close(wait=False)  # killed; the app quits without waiting for their ends

    # -- the report ------------------------------------------------------------------------------

    def _adopt(self, report: RestoreReport) -> None:
        self.report_previous.emit(False)
        if self.ckpt is None or report.checkpoint != self.ckpt.prefix:
            self._adopt_aside(report)
            return
        self.report = report
        self.report_panel.show_report(report)
        self.statuses_changed.emit(None if report.error is not None else report.variables)
        self.status.emit(_outcome(report))
        self.done.emit(report)

    def _adopt_aside(self, report: RestoreReport) -> None:
        """A report for a checkpoint no longer shown (the user moved on while it ran): said
        in the status bar with the checkpoint's name, and kept aside, shown again with its
        checkpoint. It had ended silently, a timeout too; only the report tab said "The
        last report was for ckpt-300", of the report before (review 22, #20)."""
        name = os.path.basename(report.checkpoint)
        script = os.path.basename(report.script)
        self._aside = _Aside(report, report.script, folder_of_prefix(report.checkpoint))
        if self.ckpt is not None and self.report is None:  # the panel says whose the last report is
            self._say_last(report, folder_of(self.ckpt) == folder_of_prefix(report.checkpoint))
        elif self.report_panel.running:
            self.report_panel.clear()
        self.status.emit(f"Diagnosis of {name} with {script} finished: {_outcome(report)}. Show {name} for its report.")

    def _failed(self, message: str, details: str) -> None:
        if self._shows_report():  # the last report stays, said to be the last one (the banner says why)
            self.report_panel.show_cancelled("stopped")
            self.report_previous.emit(False)
        else:
            self.report_panel.clear(f"The restore attempt could not run: {message}")
        self.banner.show_message(f"The restore attempt could not run: {message}", "error", details)

    def _cancelled(self) -> None:
        self.report_panel.show_cancelled()
        if self._shows_report():  # the panel says whose the statuses are: the tree's are current again
            self.report_previous.emit(False)
            rerun = self.script is not None and same_script(self.script, self.report.script)
            what = "Re-run" if rerun else f"Attempt with {os.path.basename(self.script or '')}"
            self.status.emit(f"{what} cancelled: {_outcome(self.report)} (the last report)")
        self.done.emit(None)

    def _shows_report(self) -> bool:
        """Whether the panel shows this checkpoint's report (kept, dimmed, while a re-run runs)."""
        return self.report is not None and self.report_panel.report is self.report

    def _on_phase(self, phase: str) -> None:
        self.report_panel.show_phase(phase)
        self.phase.emit(phase)

    def _entry_selected(self, finding: RestoreFinding) -> None:
        self.finding_selected.emit(finding)

    # -- the script ------------------------------------------------------------------------------

    def _watch(self, script: str) -> None:
        if self.script and self.script in self._watcher.files():
            self._watcher.removePath(self.script)
        self.script = script
        self._watcher.addPath(script)

    def _forget_script(self) -> None:
        if self.script and self.script in self._watcher.files():
            self._watcher.removePath(self.script)
        self.script = self.script_folder = None

    def _script_changed(self, path: str) -> None:
        if os.path.exists(path) and path not in self._watcher.files():
            self._watcher.addPath(path)  # editors that save by renaming drop the watch
        if path != self.script:
            return
        if self.report_panel.auto_rerun.isChecked():
            self.diagnose(path, asked=False)
        else:
            name = os.path.basename(path)
            self.banner.show_message(f"{name} changed: Restore > Re-run diagnosis (Ctrl+R) to try it again.", "info")

    def _diagnoser(self):
        if self.diagnoser is None:
            self.diagnoser = Diagnoser(keep_warm=True)
        return self.diagnoser


# The status bar's words for an attempt stopped at one of its limits (the report says which line).
ATTEMPT_LIMITS = {"Timeout": "The attempt timed out", "MemoryLimit": "The attempt went past its memory limit"}


def _outcome(report: RestoreReport) -> str:
    """The status bar's line on a finished attempt."""
    error = report.error
    failed = script_failure(error.kind, error.traceback, error.phase, report.script) if error else None
    if failed:
        return failed
    if error is not None and error.kind in ATTEMPT_LIMITS:  # no restore ran: "Restore failed" said otherwise
        return ATTEMPT_LIMITS[error.kind]
    summary = report.counts_text()
    outcome = "failed" if report.error else ("complete" if report.ok else "incomplete")
    return f"Restore {outcome}" + (f": {summary}" if summary else "")
