"""Which data files of a checkpoint are missing, and which tensors live in them.

A checkpoint whose index is readable but whose data file is gone (a copy that left
it behind, a CheckpointManager folder cleaned by hand) still lists every tensor's
name, dtype and shape; only its values cannot be read. Each view says so for its own
tensor instead of failing on a read."""

from __future__ import annotations

import os

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage


def missing_files(ckpt: Checkpoint) -> tuple[str, ...]:
    """The data files of ``ckpt`` that are not there (full paths; none for a whole one)."""
    return tuple(ckpt.ref.missing_files)


def missing_headline(ckpt: Checkpoint) -> str | None:
    """The banner's one line for a checkpoint with a missing data file, or None."""
    missing = missing_files(ckpt)
    if not missing:
        return None
    lines = []
    for why in dict.fromkeys(storage.absent_why(path) for path in missing):  # "missing" or what is there
        names = [os.path.basename(path) for path in missing if storage.absent_why(path) == why]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        files = "data file" if len(names) == 1 else "data files"
        verb = "is" if len(names) == 1 else "are"
        lines.append(f"{files} {shown} {verb} {why}")
    return f"This checkpoint's {'; '.join(lines)}: names, dtypes and shapes only"


def missing_shard_said(ckpt: Checkpoint, key: str) -> str | None:
    """``key``'s missing data file as a sentence's end says it: "ckpt-4.data-00000-of-00001
    is missing", or "... is not a regular file (a FIFO)" (review 15); None when readable."""
    name = missing_shard_of(ckpt, key)
    if name is None:
        return None
    return f"{name} is {storage.absent_why(os.path.join(os.path.dirname(ckpt.prefix), name))}"


def missing_shard_of(ckpt: Checkpoint, key: str) -> str | None:
    """The file name of the missing data file that ``key``'s value lives in, or None
    when its value can be read (all of its shards, for a partitioned one, are there)."""
    missing = set(missing_files(ckpt))
    if not missing or key not in ckpt.index.entries:
        return None
    entry = ckpt.entry(key)
    if entry.is_partitioned:
        shards = sorted({part.shard_id for _slice, part in ckpt.index.slice_parts(entry)})
    else:
        shards = [entry.shard_id]
    for shard in shards:
        path = ckpt.index.data_path(shard)
        if path in missing:
            return os.path.basename(path)
    return None


def no_values(ckpt: Checkpoint) -> bool:
    """Whether no value of ``ckpt`` can be read: every data file its index names is
    missing (a SavedModel copied without its variables' data). The folder's listing
    names the files it lacks by the shard count the files there give (1 when there is
    none); a count other than the index header's means none of the index's files is
    there. Counted against the files found missing, never by walking the header's
    count (a crafted header can make it 2^40)."""
    missing = set(missing_files(ckpt))
    header = getattr(ckpt.index, "header", None)
    if not missing or header is None:
        return False
    count = header.num_shards
    if any(not path.endswith(f"-of-{count:05d}") for path in missing):
        return True
    return len(missing) >= count  # distinct shards of ``count``: all of them
