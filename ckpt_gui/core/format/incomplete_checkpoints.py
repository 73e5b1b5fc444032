"""What is said of a checkpoint whose data files are missing, not regular files or
truncated: browse's warning, and the folder's when an older checkpoint is shown instead."""

from __future__ import annotations

import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.format.locations import CheckpointRef
from ckpt_gui.core.formatting import format_some


def incomplete_warning(ref: CheckpointRef) -> str:
    """Browse's warning of a checkpoint whose data file is missing (or not a regular file)."""
    return f"{shown_path(ref.name)} is incomplete ({missing_text(ref)}): only its index can be shown"


def missing_text(ref: CheckpointRef) -> str:
    """ "missing ckpt-4.data-00000-of-00001", or what a file there but not regular is, or
    "ckpt-4.data-00000-of-00001 is truncated: 5,000 of 1,223,687 bytes"."""
    missing = [path for path in ref.missing_files if storage.absent_why(path) == "missing"]
    others = [f"{shown_path(os.path.basename(path))} is {storage.absent_why(path)}" for path in ref.missing_files
              if path not in missing]  # fmt: skip
    if missing:
        others.insert(0, "missing " + format_some([shown_path(os.path.basename(path)) for path in missing], 3))
    others += [f"{shown_path(os.path.basename(path))} is truncated: {size:,} of {needed:,} bytes"
               for path, size, needed in ref.truncated_files]  # fmt: skip
    return "; ".join(others)


def incomplete_instead(latest: CheckpointRef, shown: CheckpointRef) -> str:
    """The folder's warning when its latest is incomplete and an older one is shown."""
    return (
        f"{shown_path(latest.name)} is incomplete ({missing_text(latest)}): "
        f"showing {shown_path(shown.name)}, the newest complete checkpoint"
    )
