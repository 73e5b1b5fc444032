"""The script's own restore, watched while it runs: seed 000's module-level
``checkpoint.restore(tf.train.latest_checkpoint("./my_checkpoint"))`` gets None when the
path is not where the script runs from, and ``restore(None)`` restores nothing, silently.
The report said nothing of it (review 23 #16): each latest_checkpoint call of the script
that found no checkpoint is recorded, with its line, for a note.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def watched_latest_checkpoint(script: str, said: list):
    """While the script runs, ``tf.train.latest_checkpoint`` (and tf.compat.v1's) append
    a note to ``said`` for each call from the script itself that returns None."""
    tf = sys.modules.get("tensorflow")  # imported by main() already; nothing to watch without it
    modules = [m for m in (_module(tf, "train"), _module(tf, "compat.v1.train")) if m is not None]
    originals = [(m, getattr(m, "latest_checkpoint", None)) for m in modules]
    where = os.path.abspath(script)
    for module, original in originals:
        if callable(original):
            module.latest_checkpoint = _watching(original, where, said)
    try:
        yield said
    finally:
        for module, original in originals:
            if original is not None:
                module.latest_checkpoint = original


def _module(tf, dotted: str):
    obj = tf
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _watching(original, script: str, said: list):
    def latest_checkpoint(checkpoint_dir, *args, **kwargs):
        found = original(checkpoint_dir, *args, **kwargs)
        if found is None:
            line = _script_line(script)
            if line is not None:  # the script's own call, not one of a library it uses
                said.append(
                    f"the script's own latest_checkpoint({str(checkpoint_dir)!r}) at line {line} returned None: no "
                    f"checkpoint there, seen from the folder the script ran in ({os.getcwd()}), so a restore of it "
                    "restores nothing, silently (restore(None)); the doctor restored the checkpoint itself. A path "
                    "relative to the working folder breaks when the script runs from elsewhere"
                )
        return found

    return latest_checkpoint


def _script_line(script: str):
    frame = sys._getframe(2)  # noqa: SLF001 - the caller of the wrapper, then outward
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename) == script:
            return frame.f_lineno
        frame = frame.f_back
    return None
