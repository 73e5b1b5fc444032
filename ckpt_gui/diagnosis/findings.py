"""The restore report's records: one finding per variable, the attempt's error,
TensorFlow's verdict and the report itself, built from the child's facts.

``to_json()`` gives the document of the README's contract (same keys, same order).
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.format.conventions import INTEGER_DTYPES, has_average_name, has_counter_name
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import natural_key  # optimizer/vars/2 before optimizer/vars/10
from ckpt_gui.diagnosis.better_series import BetterSeries
from ckpt_gui.diagnosis.checkpoint_choice import CheckpointChoice
from ckpt_gui.diagnosis.sandbox import FolderProtection
from ckpt_gui.diagnosis.tensorflow_messages import SAVER_RAISED, SAVER_RAISED_PART_WAY

# What needs the user's attention first; the report lists its variables in this order.
ATTENTION_ORDER = (
    RestoreStatus.SHAPE_CONFLICT,
    RestoreStatus.DTYPE_CONFLICT,
    RestoreStatus.MISSING,
    RestoreStatus.DEFERRED,
    RestoreStatus.UNMATCHED,
    RestoreStatus.CONSUMED,
)
# Statuses that leave the model without some value it needs.
BLOCKING = frozenset(
    {RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT, RestoreStatus.MISSING, RestoreStatus.DEFERRED}
)
# A count's word for each status but consumed (counts_text), singular and plural.
_COUNT_WORDS = {
    RestoreStatus.SHAPE_CONFLICT: ("shape conflict", "shape conflicts"),
    RestoreStatus.DTYPE_CONFLICT: ("dtype conflict", "dtype conflicts"),
    RestoreStatus.UNMATCHED: ("unmatched", "unmatched"),
    RestoreStatus.MISSING: ("missing", "missing"),
    RestoreStatus.DEFERRED: ("deferred", "deferred"),
}
# A status as the app's table and legend word it ("restored", not the JSON's "consumed"),
# for the text a user reads (the Markdown report); the JSON keeps the status values.
STATUS_WORDS = {RestoreStatus.CONSUMED: "restored", **{status: one for status, (one, _many) in _COUNT_WORDS.items()}}
_RANK = {status: rank for rank, status in enumerate(ATTENTION_ORDER)}

Shape = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RestoreFinding:
    """One value of the checkpoint or one variable of the model, after the attempt."""

    status: RestoreStatus
    checkpoint_key: str | None
    model_path: str | None
    checkpoint_shape: Shape | None
    model_shape: Shape | None
    checkpoint_dtype: str | None
    model_dtype: str | None
    optimizer: bool  # the optimizer's own state (slots, step, learning rate)
    suggestions: tuple[str, ...] = ()
    checkpoint_path: str | None = None  # its object path in the checkpoint, when no model path claims it
    deferred_owner: str | None = None  # the unbuilt object it waits for
    untracked: bool = False  # a weight Keras knows that no checkpoint path reaches
    verified: bool = False  # read back after the restore: ``restored`` says how that went
    restored: bool | None = None  # holds the checkpoint's value (None: could not be read back)
    shared_with: tuple[str, ...] = ()  # other checkpoint values TensorFlow binds to the same variable
    # A deferred optimizer value at the rehearsed first step: ("restored" or "dropped", the variable it went to).
    # Dropped for a shape: the shape of the variable it met, and the model variable that slot is kept for.
    first_step: tuple[str, str | None] | None = None
    first_step_shape: Shape | None = None
    first_step_variable: str | None = None
    # A Keras weights file's readable names, where the paths above are HDF5 paths
    # (``layers/dense_1/vars/0``): the file's weight as the tree names it, the model's variable as Keras does.
    checkpoint_name: str | None = None
    model_name: str | None = None
    # A variable only the model has, in a Keras 3 file's report: its model path named as the
    # tree names the file's weights (``layers/dense_3/vars/0`` is ``dense_3/kernel``).
    model_only_name: str | None = None
    # Which layer each side's weight belongs to, where the child saw it (object-based restores):
    # the value's own name when saved (the object graph's "sequential/dense/kernel"), and the
    # Keras layer holding the model's variable, its name and class ("dense_2", "Dense").
    saved_name: str | None = None
    model_layer: str | None = None
    model_layer_class: str | None = None
    # A shape conflict TensorFlow's restore let through (a TF1 graph's resource variable):
    # the shape of the value the variable holds after it, the checkpoint's, not the model's.
    shape_after_restore: Shape | None = None
    # NaN, +Inf and -Inf in the checkpoint's value a restored variable now holds ({"nan": 1, ...}).
    non_finite: tuple[tuple[str, int], ...] = ()
    # The number of parts of a partitioned model variable (a TF1 partitioner's), or None:
    # the repair plans it as not writable yet (review 23 #3).
    model_parts: int | None = None
    # A Keras 3 optimizer slot only the model has, named by its variable and slot
    # (``model/.../3/_kernel/momentum`` for ``optimizer/_momentums/4``), as the
    # checkpoint's slots are by ``checkpoint_name`` (review 23 #4).
    slot_name: str | None = None

    @classmethod
    def from_fact(cls, raw: dict) -> RestoreFinding:
        """A finding from one of the child's variable facts (a JSON object)."""
        return cls(
            status=RestoreStatus(raw["status"]),
            checkpoint_key=raw.get("checkpoint_key"),
            model_path=raw.get("model_path"),
            checkpoint_shape=_shape(raw.get("checkpoint_shape")),
            model_shape=_shape(raw.get("model_shape")),
            checkpoint_dtype=raw.get("checkpoint_dtype"),
            model_dtype=raw.get("model_dtype"),
            optimizer=bool(raw.get("optimizer")),
            checkpoint_path=raw.get("checkpoint_path") or None,
            deferred_owner=raw.get("deferred_owner") or None,
            untracked=bool(raw.get("untracked")),
            verified="restored" in raw,
            restored=raw.get("restored"),
            shared_with=tuple(raw.get("shared_with") or ()),
            first_step=_first_step(raw.get("first_step")),
            first_step_shape=_shape((raw.get("first_step") or {}).get("model_shape")),
            first_step_variable=(raw.get("first_step") or {}).get("variable"),
            model_name=raw.get("model_name") or None,
            saved_name=raw.get("saved_name") or None,
            model_layer=raw.get("model_layer") or None,
            model_layer_class=raw.get("model_layer_class") or None,
            shape_after_restore=_shape(raw.get("shape_after_restore")),
            non_finite=tuple((kind, n) for kind, n in (raw.get("non_finite") or {}).items() if n),
            model_parts=raw.get("model_parts") or None,
            slot_name=raw.get("slot_name") or None,
        )

    @property
    def label(self) -> str:
        """The name to show: the model's path, else the checkpoint's."""
        return self.model_path or self.checkpoint_path or self.checkpoint_key or "?"

    @property
    def readable_name(self) -> str:
        """The name to show people, one per side, as the tree shows it: a value of a Keras
        file by the file's name for it (``dense_1/kernel``), a variable only the model has
        by its path with its own name for ``vars/N`` (``classifier/kernel`` for
        ``classifier/vars/0``), else ``label``. Not the model's Keras name: layers are
        named in creation order, so the model's renamed ``classifier`` and the file's
        ``head`` were both ``dense_1/kernel``, listed as missing and as unmatched."""
        return self.checkpoint_name or self.model_only_name or self.slot_name or self.label

    @property
    def attention_rank(self) -> tuple:
        """Its place in the report: by status, model weights before optimizer state, by name."""
        return (_RANK[self.status], self.optimizer, natural_key(self.checkpoint_key or self.model_path or ""))

    @property
    def is_counter(self) -> bool:
        """A step or save counter: a known name, or any integer scalar (the TF guide's
        ``tf.train.Checkpoint(step=tf.Variable(1))``, an epoch number...)."""
        key = self.checkpoint_key or self.model_path or ""
        shape, dtype = (
            (self.checkpoint_shape, self.checkpoint_dtype)
            if self.checkpoint_key
            else (self.model_shape, self.model_dtype)
        )
        return has_counter_name(key) or (shape == () and dtype in INTEGER_DTYPES)

    @property
    def is_average(self) -> bool:
        """A moving-average shadow of a weight (tf.train.ExponentialMovingAverage)."""
        return has_average_name(self.checkpoint_key or self.model_path or "")

    @property
    def is_harmless(self) -> bool:
        """A value an inference restore is expected to leave unused."""
        return self.optimizer or self.is_counter or self.is_average

    @property
    def held_back(self) -> bool:
        """It matches, but TensorFlow's restore stopped before assigning it."""
        return self.status == RestoreStatus.CONSUMED and self.restored is False and not self.shared_with

    def to_json(self) -> dict:
        document = {
            "status": self.status.value,
            "checkpoint_key": self.checkpoint_key,
            "model_path": self.model_path,
            "checkpoint_shape": _listed(self.checkpoint_shape),
            "model_shape": _listed(self.model_shape),
            "checkpoint_dtype": self.checkpoint_dtype,
            "model_dtype": self.model_dtype,
            "suggestions": list(self.suggestions),
            "optimizer": self.optimizer,
        }
        return document | self._optional_json() | self._model_json() | self._held_json()

    def _model_json(self) -> dict:
        """What the model's side adds, where it applies: a partitioned variable's parts, a
        model-only slot's name by its variable (review 23 #3, #4)."""
        document: dict = {}
        if self.model_parts:
            document["model_parts"] = self.model_parts
        if self.slot_name:
            document["slot_name"] = self.slot_name
        return document

    def _held_json(self) -> dict:
        """What the variable holds after the restore, where its status does not say it."""
        document: dict = {}
        if self.shape_after_restore is not None:
            document["shape_after_restore"] = list(self.shape_after_restore)
        if self.non_finite:
            document["non_finite"] = dict(self.non_finite)
        return document

    def _optional_json(self) -> dict:
        """The keys a finding gives only when they say something (the README's contract)."""
        document: dict = {}
        if self.checkpoint_path:
            document["checkpoint_path"] = self.checkpoint_path
        if self.deferred_owner:
            document["deferred_owner"] = self.deferred_owner
        if self.untracked:
            document["untracked"] = True
        if self.verified:
            document["restored"] = self.restored
        if self.shared_with:
            document["shared_with"] = list(self.shared_with)
        if self.checkpoint_name:
            document["checkpoint_name"] = self.checkpoint_name
        if self.model_name:
            document["model_name"] = self.model_name
        if self.first_step is not None:
            document["first_step"] = {"result": self.first_step[0], "model_path": self.first_step[1]}
            if self.first_step_shape is not None:
                document["first_step"]["model_shape"] = list(self.first_step_shape)
            if self.first_step_variable:
                document["first_step"]["variable"] = self.first_step_variable
        return document


@dataclass(frozen=True, slots=True)
class AttemptError:
    """Why the attempt failed: the script's exception, a crash, a timeout."""

    kind: str  # the exception's class name, or Timeout, Crash, Exit...
    message: str
    traceback: str = ""
    phase: str = ""  # what the child was doing ("running the script"...); not in the JSON contract
    output: tuple[str, ...] = ()  # the script's last output lines (stdout and stderr), at most OUTPUT_LINES

    @classmethod
    def from_fact(cls, raw: dict) -> AttemptError:
        return cls(str(raw.get("type", "Error")), str(raw.get("message", "")), str(raw.get("traceback", "")))

    def to_json(self) -> dict:
        document = {"type": self.kind, "message": self.message, "traceback": self.traceback}
        return document | ({"output": list(self.output)} if self.output else {})

    def output_text(self) -> str:
        """The script's last output lines under a heading, for the text and the app ("" for none)."""
        if not self.output:
            return ""
        heading = (
            f"The script's output (its last {len(self.output)} lines):"
            if len(self.output) > 1
            else ("The script's output (1 line):")
        )
        return heading + "\n" + "\n".join(f"  {line}" for line in self.output)


@dataclass(frozen=True, slots=True)
class TensorFlowVerdict:
    """What TensorFlow's own restore said (``assert_consumed() passed``...)."""

    verdict: str = "not run"
    message: str = ""
    # A Saver.restore() that raised part-way in eager mode: its assignments ran one by one,
    # in the order of the variables' names, up to the one that failed (in a graph, in parallel).
    eager: bool = False

    @property
    def speaker(self) -> str:
        """Whose verdict: Keras's for a Keras weights file's model.load_weights, else TensorFlow's."""
        return "Keras" if self.verdict.startswith("load_weights") else "TensorFlow"

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "message": self.message} | ({"eager": True} if self.eager else {})


@dataclass(frozen=True, slots=True)
class RestoreReport:
    checkpoint: str  # the checkpoint prefix
    script: str  # the model script
    ok: bool  # everything the model needs was restored
    error: AttemptError | None
    summary: dict[RestoreStatus, int]  # every status, in RestoreStatus order
    variables: tuple[RestoreFinding, ...]  # in ATTENTION_ORDER
    notes: tuple[str, ...]
    tensorflow: TensorFlowVerdict
    python: str  # the interpreter that ran the attempt
    tensorflow_version: str
    seconds: float
    mode: str | None = None  # "object" (TF2) or "name" (TF1 Saver) once the child matched anything
    checkpoint_choice: CheckpointChoice | None = None  # which checkpoint of the folder, and why
    folder_protection: FolderProtection | None = None  # read-only for the attempt, or checked after
    # Object-based: whose binding of checkpoint values to variables the statuses follow,
    # "tensorflow" (recorded during its restore) or "doctor" (its own walk, the fallback).
    binding: str | None = None
    # A Keras weights file's model.load_weights: {"kind", "layout", "loader"} (keras_causes.py).
    keras_file: dict[str, str] | None = None
    # The script's optimizers all had their variables (built) when the restore ran; None: it has none.
    optimizer_built: bool | None = None
    # Of ``seconds``, those before the script started (TensorFlow's import): not in the time limit.
    import_seconds: float = 0.0
    # Another series of the folder that holds more of the model than this checkpoint (other_series.py).
    better_series: BetterSeries | None = None

    @property
    def problems(self) -> list[RestoreFinding]:
        """The findings that need attention: all but the consumed ones."""
        return [v for v in self.variables if v.status != RestoreStatus.CONSUMED]

    @property
    def held_back(self) -> bool:
        """Some matching values were not assigned: TensorFlow stopped at its first error."""
        return any(v.held_back for v in self.variables)

    @property
    def held_reason(self) -> str:
        """Why matching values were not assigned, in the words of the restore that ran
        (:func:`not_restored_reason`)."""
        return not_restored_reason(self.tensorflow.verdict, self.keras_file)

    def counts_text(self) -> str:
        """The summary in words, for the CLI's "result:" line and the app's status bar:
        "7 matching (6 restored, 1 not: the restore stopped at its first error), 11 shape conflicts".
        Matching values TensorFlow did not assign (it stopped at its first error) are
        never counted as restored."""
        return ", ".join(self.status_count(status, n) for status, n in self.summary.items() if n)

    def status_count(self, status: RestoreStatus, n: int) -> str:
        """``n`` values of ``status`` in the app's words ("5 restored", "2 shape conflicts";
        the JSON's "consumed" is the app's restored), matching ones not assigned apart."""
        if status == RestoreStatus.CONSUMED:
            return _matching_text(n, sum(1 for v in self.variables if v.held_back), self.held_reason)
        return counted(n, *_COUNT_WORDS[status]) if status in _COUNT_WORDS else f"{n:,} {status.value}"

    def to_json(self) -> dict:
        document = {
            "checkpoint": self.checkpoint,
            "script": self.script,
            "ok": self.ok,
            "error": self.error.to_json() if self.error is not None else None,
            "summary": {status.value: count for status, count in self.summary.items()},
            "variables": [v.to_json() for v in self.variables],
            "notes": list(self.notes),
            "tensorflow": self.tensorflow.to_json(),
            "python": self.python,
            "tensorflow_version": self.tensorflow_version,
            "seconds": self.seconds,
            "import_seconds": self.import_seconds,
            "checkpoint_choice": self.checkpoint_choice.to_json() if self.checkpoint_choice else None,
            "folder_protection": self.folder_protection.to_json() if self.folder_protection else None,
        }
        if self.mode is not None:
            document["mode"] = self.mode
        if self.binding is not None:
            document["binding"] = self.binding
        if self.keras_file is not None:
            document["keras_file"] = dict(self.keras_file)
        if self.better_series is not None:
            document["better_series"] = self.better_series.to_json()
        return document


STOPPED = "the restore stopped at its first error"
SAVER_STOPPED = "Saver.restore() raised, so it assigned nothing"
SAVER_STOPPED_PART_WAY = "Saver.restore() raised part-way, before assigning these"
# Keras 3's loader (.weights.h5, .keras) skips an object at its error and loads the
# others, raising once at the end; the legacy .h5 loader goes layer by layer and raises
# at the first that fails (a layer count that differs: before loading any).
KERAS_SKIPPED = "Keras skipped each layer that failed, from its error on, and loaded the other layers"
KERAS_H5_STOPPED = "Keras's .h5 loader stopped at the first layer that failed, loading none after it"


def not_restored_reason(verdict: str, keras_file: dict[str, str] | None = None) -> str:
    """Why matching values were not assigned, in the words of the restore that ran: a
    TF1 Saver.restore() whose read of the checkpoint raised assigns nothing (review 8:
    the status bar said "stopped at its first error" beside the note saying so), one
    that raised in an assignment had run others (which ones is not determined: read
    back, these do not hold the checkpoint's values); Keras 3 goes on past a layer that
    fails (review: the status bar said it stopped), its legacy .h5 loader does stop."""
    if verdict == SAVER_RAISED:
        return SAVER_STOPPED
    if verdict == SAVER_RAISED_PART_WAY:
        return SAVER_STOPPED_PART_WAY
    if keras_file is not None or verdict.startswith("load_weights"):
        return KERAS_H5_STOPPED if (keras_file or {}).get("loader") == "legacy_h5" else KERAS_SKIPPED
    return STOPPED


def _matching_text(n: int, held: int, why: str = STOPPED) -> str:
    """Matching values, and why some were not restored: "5 matching (not restored: the
    restore stopped at its first error)" ("not assigned" alone was not explained)."""
    if not held:
        return f"{n:,} restored"
    if held == n:
        return f"{n:,} matching (not restored: {why})"
    return f"{n:,} matching ({n - held:,} restored, {held:,} not: {why})"


def _first_step(raw: dict | None) -> tuple[str, str | None] | None:
    return None if not raw else (str(raw["result"]), raw.get("model_path"))


def _shape(raw: list | None) -> Shape | None:
    return None if raw is None else tuple(raw)


def _listed(shape: Shape | None) -> list | None:
    return None if shape is None else list(shape)
