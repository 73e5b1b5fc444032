"""Carrying out a repair plan: TensorFlow writes the new checkpoint in the doctor's
child, from the user's own objects (diagnosis/child/repair_write.py); then the doctor
runs on it at once, and every value the plan wrote is compared with the source's,
bit for bit (on the overlapping block where the plan asked for a block copy).
``repair.json`` beside the new checkpoint records the source, the plan, the
verification and the ckpt-gui version.

No TensorFlow here, no Qt: values are read with the core's reader.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from dataclasses import dataclass, field

from ckpt_gui import __version__
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import CheckpointError, shown_path
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.write_guard import Protected, check_output, check_output_folder, write_file
from ckpt_gui.diagnosis.findings import AttemptError, RestoreReport
from ckpt_gui.diagnosis.held_value_notes import non_finite_notes
from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
from ckpt_gui.diagnosis.sandbox import read_only_folders
from ckpt_gui.diagnosis.value_names import source_paths
from ckpt_gui.repair.notes import dropped_optimizer_state, outcome_notes
from ckpt_gui.repair.plan import Action, PlanEntry, PlanError, RepairPlan, named
from ckpt_gui.repair.record import RECORD_NAME

RECORD_SCHEMA = 1
_NOT_CONSUMED = (RestoreStatus.MISSING, RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT,
                 RestoreStatus.DEFERRED)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """One written value against the source's."""

    source_key: str
    target: str
    written_key: str | None  # its key in the new checkpoint (None: the doctor found no value for the target)
    result: str  # "equal" (bit for bit), "overlap" (the block copied is the source's), "different", "absent"

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(slots=True)
class RepairOutcome:
    source: str
    output: str
    plan: RepairPlan
    written: str | None = None  # the new checkpoint's prefix
    error: AttemptError | None = None  # the writing attempt failed
    verification: RestoreReport | None = None  # the doctor on the new checkpoint
    checks: list[ValueCheck] = field(default_factory=list)
    record: str | None = None  # repair.json
    names: dict[str, str] = field(default_factory=dict)  # each source key's readable name (value_names)

    @property
    def unconsumed(self) -> list[str]:
        """Model variables the doctor did not find consumed in the new checkpoint."""
        if self.verification is None:
            return []
        return [v.label for v in self.verification.variables if v.status in _NOT_CONSUMED]

    @property
    def ok(self) -> bool:
        """Written, every model variable consumed, every written value the source's."""
        return (
            self.error is None
            and self.verification is not None
            and self.verification.error is None
            and not self.unconsumed
            and all(check.result in ("equal", "overlap") for check in self.checks)
        )

    @property
    def dropped_optimizer_state(self) -> list[str]:
        """The optimizer's values (slots, its step counter) the plan drops: a model that
        restores is not a training run that resumes where it stopped."""
        return dropped_optimizer_state(self.plan)

    def notes(self) -> list[str]:
        """What the user should know beyond "verified", in plain words: the doctor's note
        on values holding NaN or Inf too, which the repair copied as they were (a verified
        repair of a diverged weight had said nothing of it: review 22 #7)."""
        verification = self.verification
        built = verification.optimizer_built if verification is not None else None
        held = non_finite_notes(verification.variables) if verification is not None else []
        return outcome_notes(self.plan, built, self.names) + held

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "source": self.source,
            "output": self.output,
            "written": self.written,
            "error": self.error.to_json() if self.error is not None else None,
            "summary": self.plan.counts(),
            "verification": {
                "ok": self.verification.ok if self.verification is not None else None,
                "summary": {s.value: n for s, n in self.verification.summary.items()} if self.verification else None,
                "unconsumed": self.unconsumed,
                "values": [check.to_json() for check in self.checks],
            },
            "record": self.record,
            "dropped_optimizer_state": self.dropped_optimizer_state,
            "notes": self.notes(),
        }


@dataclass(frozen=True, slots=True)
class RepairRequest:
    checkpoint: Checkpoint
    script: str
    plan: RepairPlan
    output: str
    force: bool = False
    attempt: DiagnosisRequest | None = None  # the doctor's settings (python, timeout, memory limit...)


def prepare_output(ckpt: Checkpoint, output: str, force: bool) -> str:
    """The output folder, absolute, after the write guard: never the checkpoint's folder
    (or inside it), never inside a folder the doctor keeps read-only while it writes
    (a Keras file's folder tree), never over an existing checkpoint unless ``force``.
    Checked before any TensorFlow starts; every refusal names the folder as given."""
    folder = check_output_folder(output, Protected.of(ckpt))
    for held in read_only_folders(ckpt.prefix):
        if folder == held or folder.startswith(held + os.sep):
            raise CheckpointError(
                output, f"is inside {shown_path(held)}, the checkpoint's folder, which the doctor keeps read-only "
                "while the repair runs (so the model script cannot change the checkpoint): choose a folder outside it"
            )  # fmt: skip
    if not force and os.path.isdir(folder):
        held = [name for name in os.listdir(folder) if name == "checkpoint" or name.endswith(".index")]
        if held:
            raise CheckpointError(output, f"already holds a checkpoint ({', '.join(sorted(held)[:3])}): "
                                  "choose an empty folder, or --force to write beside it")  # fmt: skip
    return folder


def check_creatable(given: str, folder: str) -> None:
    """Whether the output folder can be made, found out now, before any TensorFlow
    starts: a folder that cannot be (under /proc, a file in the way, no permission) is
    said at once, in one line naming it as given, not after TensorFlow's import as the
    writing child's raw FileNotFoundError (review 22 #2). The folders made to find out
    are removed again: a repair that fails later leaves no folder behind, as before."""
    missing = []
    parent = folder
    while not os.path.lexists(parent) and os.path.dirname(parent) != parent:
        missing.append(parent)
        parent = os.path.dirname(parent)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise CheckpointError(given, f"cannot be created: {exc.strerror or exc}") from None
    finally:
        for made in missing:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(made)


def keras_output(ckpt: Checkpoint, folder: str, force: bool) -> str:
    """The repaired Keras weights file's path in the output folder: Keras 3's name for the
    source's weights (``x.weights.h5`` for ``x.weights.h5``, ``x.keras``, ``x.h5``), never
    over an existing file unless ``force``."""
    name = os.path.basename(ckpt.prefix)
    for suffix in (".weights.h5", ".keras", ".hdf5", ".h5"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    path = check_output(os.path.join(folder, name + ".weights.h5"), Protected.of(ckpt))
    if not force and os.path.exists(path):
        raise CheckpointError(path, "already exists: choose an empty folder, or --force to replace it")
    return path


def check_sources(ckpt: Checkpoint, plan: RepairPlan, where: str) -> None:
    """Every value the plan writes is in the checkpoint."""
    keys = {variable.key for variable in ckpt.variables}
    for entry in plan.written():
        if entry.source_key not in keys:
            raise PlanError(where, f"writes {entry.source_key}, which {ckpt.prefix} does not hold")


def run_repair(request: RepairRequest, on_phase=None, cancelled=None) -> RepairOutcome:
    """Write the plan's checkpoint into the output folder and verify it; ``cancelled()``
    true stops the attempt running (AttemptCancelled is raised, as by the doctor)."""
    ckpt, plan = request.checkpoint, request.plan
    # A Keras repair writes one file, checked on its own (keras_output): a checkpoint beside it is no matter.
    output = prepare_output(ckpt, request.output, request.force or ckpt.keras is not None)
    check_creatable(request.output, output)
    base = request.attempt or DiagnosisRequest(ckpt.prefix, request.script)
    base = dataclasses.replace(base, checkpoint=ckpt.prefix, script=request.script)
    names = source_paths(ckpt.variables)
    plan = named(plan, names)  # repair.json's plan: each key's readable name beside it, as a saved plan's
    outcome = RepairOutcome(ckpt.prefix, output, plan, names=names)
    repair = {"entries": [entry.to_json() for entry in plan.entries], "output": output}
    if ckpt.keras is not None:  # a Keras weights file: the model's save_weights writes one file
        repair["output_file"] = keras_output(ckpt, output, request.force)
    diagnoser = Diagnoser(keep_warm=True)
    try:
        writing = _step_phases(on_phase, "1/2 writing the repaired checkpoint")

        def write_phase(phase: str) -> None:
            # The verification's child imports TensorFlow alongside the writing one (the
            # attempt has taken its child by its first phase: this one waits for the next).
            diagnoser.warm_up(base.python, base.allow_gpu)
            writing(phase)

        result = diagnoser.run(dataclasses.replace(base, repair=repair), write_phase, cancelled)
        if result.error is not None or result.facts is None:
            outcome.error = AttemptError.from_fact(result.error or {"type": "Error", "message": "no report"})
            return outcome
        outcome.written = result.facts["repair"]["written"]
        written_keys = result.facts["repair"].get("written_keys")  # a Keras file's: its keys follow the model
        diagnoser.keep_warm = False  # the verification's child is warm already; none after it
        verify_request = dataclasses.replace(base, checkpoint=outcome.written, repair=None)
        verifying = _step_phases(on_phase, "2/2 verifying the new checkpoint")
        verifying("waiting for TensorFlow")  # the warm child's import phases came before this attempt
        outcome.verification = build_report(verify_request, diagnoser.run(verify_request, verifying, cancelled))
    finally:
        diagnoser.close()
    if on_phase is not None:
        on_phase("comparing the written values with the source's")
    outcome.checks = compare_values(ckpt, Checkpoint.open(outcome.written), plan, outcome.verification, written_keys)
    outcome.record = _write_record(outcome, request.script, Protected.of(ckpt))
    return outcome


def _step_phases(on_phase, step: str):
    """The attempt's phases, each said with the step it belongs to: both steps start a
    TensorFlow child ("importing TensorFlow" twice would look like no progress)."""

    def report(phase: str) -> None:
        if on_phase is not None:
            on_phase(f"{step}: {phase}")

    return report


def compare_values(
    source: Checkpoint, written: Checkpoint, plan: RepairPlan, report: RestoreReport, written_keys=None
) -> list[ValueCheck]:
    """Each written value against the source's: the new checkpoint's key for a target
    is the one the doctor's verification consumed for it. A Keras file's targets may be
    named otherwise in the new file (``layer_with_weights-0/kernel`` of a Keras 2 file is
    ``layers/dense/vars/0`` in the Keras 3 one): ``written_keys`` (target -> key, from
    the writing child) says where each went, and the verification must have consumed it."""
    key_of = {v.model_path: v.checkpoint_key for v in report.variables if v.status == RestoreStatus.CONSUMED}
    if written_keys is not None:
        consumed = set(key_of.values())
        key_of = {target: key for target, key in written_keys.items() if key in consumed}
    return [_check(source, written, entry, key_of.get(entry.target)) for entry in plan.written()]


def _check(source: Checkpoint, written: Checkpoint, entry: PlanEntry, written_key: str | None) -> ValueCheck:
    if written_key is None:
        return ValueCheck(entry.source_key, entry.target, None, "absent")
    was, now = np.asarray(source.read(entry.source_key)), np.asarray(written.read(written_key))
    if entry.action == Action.MAP:
        same = was.shape == now.shape and was.dtype == now.dtype and was.tobytes() == now.tobytes()
        return ValueCheck(entry.source_key, entry.target, written_key, "equal" if same else "different")
    block = tuple(slice(0, min(a, b)) for a, b in zip(was.shape, now.shape))
    same = was.ndim == now.ndim and was[block].tobytes() == now[block].tobytes()
    return ValueCheck(entry.source_key, entry.target, written_key, "overlap" if same else "different")


def _write_record(outcome: RepairOutcome, script: str, protected: Protected) -> str:
    record = {
        "schema": RECORD_SCHEMA,
        "ckpt_gui_version": __version__,
        "source": outcome.source,
        "script": script,
        "written": outcome.written,
        "verification": outcome.to_json()["verification"],
        "plan": outcome.plan.to_json(),
    }
    text = json.dumps(record, indent=1, allow_nan=False).encode("utf-8")
    return write_file(os.path.join(outcome.output, RECORD_NAME), protected, lambda f: f.write(text + b"\n"))
