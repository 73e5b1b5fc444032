"""Which checkpoint of a folder the doctor diagnoses, and why, next to the one the
user's own training script will restore: ``tf.train.latest_checkpoint(folder)``.

The two differ when the newest save is incomplete (a job killed mid-save, a data file
deleted): the app and the CLI open the newest complete checkpoint, while
``latest_checkpoint`` still names the incomplete one, because it only checks that its
``.index`` exists, and the user's restore of it fails. A report that only says
"everything restored" about the older one would hide exactly that. So, too, when the
folder's ``checkpoint`` file names a checkpoint that does not exist (absolute paths
from another machine, a stale ``ckpt-9``): ``latest_checkpoint`` returns None, and the
user's ``restore(None)`` restores nothing without a word (review 20, G1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from ckpt_gui.core.format.folder_scan import STATE_FILENAME
from ckpt_gui.core.format.incomplete_checkpoints import missing_text
from ckpt_gui.core.format.locations import CheckpointRef, Location
from ckpt_gui.core.open_fallback import fallback_reasons, unreadable_note


@dataclass(frozen=True, slots=True)
class CheckpointChoice:
    used: str  # the prefix diagnosed
    reason: str  # why that one, in a sentence
    latest_checkpoint: str | None  # what tf.train.latest_checkpoint(folder) returns (None: nothing)
    latest_complete: bool | None  # whether that checkpoint has all its files (None: unknown, or no latest)
    folder_named: bool  # the user named the folder (not one checkpoint in it)
    # Newer checkpoints skipped because they cannot be read (core/open_fallback.py): why,
    # in a few words, by prefix (a half-written index: its .index exists, so
    # latest_checkpoint returns it, and its files are all there: not "incomplete").
    skipped: dict[str, str] = field(default_factory=dict, hash=False)
    # The state file's model_checkpoint_path when it names no existing checkpoint, so that
    # tf.train.latest_checkpoint(folder) returns None ("" otherwise).
    latest_missing: str = ""
    # The folder's checkpoint of the same name as latest_missing (a folder moved from another
    # machine keeps its files, not its absolute paths), "" when there is none.
    latest_missing_here: str = ""

    @property
    def latest_is_none(self) -> bool:
        """The user's latest_checkpoint() returns None though the state file names a checkpoint."""
        return self.folder_named and bool(self.latest_missing)

    @property
    def latest_is_broken(self) -> bool:
        """The user's latest_checkpoint() names an incomplete or unreadable checkpoint that was not diagnosed."""
        return (
            self.folder_named
            and (self.latest_complete is False or self._latest_skipped() is not None)
            and self.latest_checkpoint is not None
            and not _same(self.latest_checkpoint, self.used)
        )

    def _latest_skipped(self) -> str | None:
        """Why the checkpoint latest_checkpoint() returns cannot be read, if it was skipped for it."""
        latest = self.latest_checkpoint
        return next((why for prefix, why in self.skipped.items() if latest and _same(prefix, latest)), None)

    def skipped_notes(self) -> dict[str, str]:
        """Each skipped checkpoint's sentence: "ckpt-5 cannot be read (ckpt-5.index: ...)"."""
        return {prefix: unreadable_note(prefix, why) for prefix, why in self.skipped.items()}

    def _latest_unreadable(self, verb: str) -> str | None:
        """ "<verb> ckpt-4: ckpt-5, which tf.train.latest_checkpoint() returns, cannot be read
        (ckpt-5.index: ...)", when the user's latest was skipped as unreadable."""
        skipped = self._latest_skipped()
        if not self.latest_is_broken or skipped is None:
            return None
        latest, used = os.path.basename(self.latest_checkpoint or ""), os.path.basename(self.used)
        # One sentence, the skipped checkpoint's error in a few words: the browse banner has
        # the whole of it (review 14: the note, path and error were nested here whole, and
        # said three times by diagnose).
        return f"{verb} {used}: {latest}, which tf.train.latest_checkpoint() returns, cannot be read ({skipped})"

    def skipped_warnings(self, verb: str) -> list[str]:
        """What a command that took the newest readable checkpoint says of the skipped ones,
        one short sentence each, the user's latest first with what was done instead
        (``verb``: "diagnosed", "repairing"): diagnose --json's and repair's stderr alike
        (repair printed the browse banner's note, path, error and "showing ckpt-4")."""
        first = self._latest_unreadable(verb)
        said = self.latest_checkpoint if first is not None else None
        others = [note for prefix, note in self.skipped_notes().items() if not (said and _same(prefix, said))]
        return ([first] if first else []) + others

    def warning(self) -> str | None:
        """What the user must know before trusting the verdict, or None."""
        if self.latest_is_none:
            return self._none_warning()
        if not self.latest_is_broken:
            return None
        latest, used = os.path.basename(self.latest_checkpoint or ""), os.path.basename(self.used)
        fix = f"Restore {used} explicitly, or delete {latest}'s files and its lines in the folder's '{STATE_FILENAME}'"
        fix += " file"
        unreadable = self._latest_unreadable("diagnosed")
        if unreadable is not None:
            return f"{unreadable}. {fix}"
        return (
            f"diagnosed {used}, not {latest}: tf.train.latest_checkpoint(), which training scripts call, "
            f"returns {latest}, which is incomplete, and restoring it fails. {fix}"
        )

    def short_warning(self) -> str | None:
        """The warning in a few words, for a report's headline: what the user's
        ``tf.train.latest_checkpoint(dir)`` gets here; None when there is no warning."""
        if self.latest_is_none:
            return "tf.train.latest_checkpoint(dir) returns None here: restore(None) restores nothing"
        if not self.latest_is_broken:
            return None
        latest = os.path.basename(self.latest_checkpoint or "")
        said = "cannot be read" if self._latest_skipped() is not None else "is incomplete"
        return f"tf.train.latest_checkpoint(dir) returns {latest}, which {said}: restoring it fails"

    def _none_warning(self) -> str:
        """ "tf.train.latest_checkpoint(dir) returns None here: ...": what the user's script
        gets, and how to give it the checkpoint diagnosed."""
        used = os.path.basename(self.used)
        named = self.latest_missing
        if self.latest_missing_here:  # TensorFlow keeps an absolute path as written: it never looks here
            named += f", which does not exist (this folder's {self.latest_missing_here} has its name, but TensorFlow "
            named += "does not look for an absolute path in the folder)"
        else:
            named += ", which does not exist"
        rewrite = f'model_checkpoint_path: "{used}"'
        return (
            f"tf.train.latest_checkpoint(dir) returns None here: the '{STATE_FILENAME}' file names {named}. "
            f"Your script's restore(None) restores nothing and raises nothing: the model keeps its initial values. "
            f"Diagnosed {used}, the newest checkpoint on disk: pass its prefix to restore(), or rewrite the "
            f"'{STATE_FILENAME}' file ({rewrite}, a path relative to the folder)"
        )

    def to_json(self) -> dict:
        return {
            "used": self.used,
            "reason": self.reason,
            "latest_checkpoint": self.latest_checkpoint,
            "latest_complete": self.latest_complete,
            "skipped": [{"prefix": prefix, "note": note} for prefix, note in self.skipped_notes().items()],
        }


def checkpoint_choice(path: str, location: Location, used: CheckpointRef | None = None) -> CheckpointChoice:
    """Why ``used`` (by default ``location.selected``, what ``path`` as the user gave it
    resolved to) is the checkpoint diagnosed. A ``used`` other than the folder's default
    pick was chosen by the user (the app's checkpoint picker)."""
    path = os.path.abspath(os.path.expanduser(path))
    used = used or location.selected
    if location.kind == "savedmodel":
        return CheckpointChoice(used.prefix, "the SavedModel's variables", None, None, False)
    folder_named = (os.path.isdir(path) or os.path.basename(path) == STATE_FILENAME) and used == location.selected
    latest = location.tensorflow_latest  # what the user's tf.train.latest_checkpoint(folder) returns
    latest_ref = _ref_at(location, latest)
    complete = None if latest_ref is None else latest_ref.complete
    skipped = fallback_reasons(location) if folder_named else {}
    missing = location.latest_named_missing
    here = _ref_at(location, os.path.join(location.directory, os.path.basename(missing))) if missing else None
    choice = CheckpointChoice(
        used.prefix, "", latest, complete, folder_named, skipped, missing, here.name if here is not None else ""
    )
    return _with_reason(choice, used, latest_ref, location)


def keras_file_choice(path: str) -> CheckpointChoice:
    """A Keras weights file: ``model.load_weights(FILE)`` loads that file and no other."""
    path = os.path.abspath(os.path.expanduser(path))
    reason = "the Keras weights file named, which model.load_weights(FILE) loads"
    return CheckpointChoice(path, reason, None, None, False)


def _with_reason(choice: CheckpointChoice, used: CheckpointRef, latest_ref, location: Location) -> CheckpointChoice:
    if not choice.folder_named:
        return replace(choice, reason="the checkpoint asked for by its prefix or one of its files")
    if choice.skipped:  # which one, and why the newer ones were not (unless the warning says it)
        said = choice.latest_checkpoint if choice.latest_is_broken else None
        notes = [note for prefix, note in choice.skipped_notes().items() if not (said and _same(prefix, said))]
        return replace(choice, reason="; ".join(["the newest checkpoint of the folder that can be read", *notes]))
    if choice.latest_is_broken:
        # "missing ckpt-5.data-00000-of-00001", or what a file there but not regular is (a FIFO), as browse says it
        return replace(
            choice,
            reason=f"the newest complete checkpoint in the folder; the latest, {latest_ref.name}, which "
            f"tf.train.latest_checkpoint returns, is incomplete: {missing_text(latest_ref)}",
        )
    if choice.latest_checkpoint is not None and _same(choice.latest_checkpoint, used.prefix):
        return replace(choice, reason="the folder's latest checkpoint, as tf.train.latest_checkpoint returns it")
    if location.state is None:
        why = f"the folder has no '{STATE_FILENAME}' file, so tf.train.latest_checkpoint returns None"
    elif choice.latest_checkpoint is None:
        named = location.state.model_checkpoint_path or "nothing"
        why = f"its '{STATE_FILENAME}' file names {named}, which has no .index: tf.train.latest_checkpoint returns None"
    else:
        why = f"tf.train.latest_checkpoint returns {choice.latest_checkpoint}"
    return replace(choice, reason=f"the newest checkpoint in the folder ({why})")


def _ref_at(location: Location, prefix: str | None) -> CheckpointRef | None:
    if prefix is None:
        return None
    return next((ref for ref in location.checkpoints if _same(ref.prefix, prefix)), None)


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
