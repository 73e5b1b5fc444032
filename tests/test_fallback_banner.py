"""Review 14 F7: a folder whose newest checkpoint cannot be read opens at the newest
readable one with the banner "ckpt-5 cannot be read: showing ckpt-4, ..."; once the user
picks ckpt-3 in the picker that banner went on saying "showing ckpt-4" over ckpt-3."""

from __future__ import annotations

import os
from pathlib import Path

from ckpt_gui.app.opening import warnings
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.open_fallback import open_readable


def _cut_newest(folder: Path) -> tuple[str, str, str]:
    """The folder's newest checkpoint with its index cut in half (a write killed midway):
    its prefix, the one the app shows instead, and an older one."""
    location = Checkpoint.open(folder).location
    listed = [ref.prefix for ref in location.checkpoints if ref.in_state_file]
    broken = Path(listed[-1] + ".index")
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    return listed[-1], listed[-2], listed[-3]


def test_the_fallback_banner_says_showing_only_over_the_checkpoint_it_shows(scratch_copy):
    broken, readable, older = _cut_newest(scratch_copy("keras_seq"))
    shown = open_readable(str(Path(broken).parent))
    assert shown.prefix == readable
    first = warnings(shown)
    name, fallen_back = os.path.basename(broken), os.path.basename(readable)
    assert first[0].startswith(f"{name} cannot be read: showing {fallen_back}")  # the whole note, with the error
    ref = next(r for r in shown.location.checkpoints if r.prefix == older)
    picked = warnings(shown.sibling(ref))
    assert all(fallen_back not in line for line in picked), picked
    # Still said that the newest cannot be read (the picker marks it), in a few words.
    assert picked == [f"{name} cannot be read ({name}.index: not a TensorFlow index table)"]
    back = shown.sibling(next(r for r in shown.location.checkpoints if r.prefix == readable))
    assert warnings(back) == first  # back on the fallen-back one: its note again
