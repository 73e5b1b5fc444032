"""``repair.json``, the record a repair writes beside the checkpoint it made (writer.py):
its name, and the source checkpoint it names, read back."""

from __future__ import annotations

import json
import os

RECORD_NAME = "repair.json"
RECORD_BYTES = 1 << 22  # a record larger than this is not one of ours: not read


def repaired_from(directory: str) -> str | None:
    """The source checkpoint's prefix a repair's record in ``directory`` names, or None
    (no record, or one that cannot be read or is not a repair's: never an error)."""
    path = os.path.join(directory, RECORD_NAME)
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > RECORD_BYTES:
            return None
        with open(path, "rb") as f:
            record = json.loads(f.read())
    except (OSError, ValueError):
        return None
    source = record.get("source") if isinstance(record, dict) else None
    return source if isinstance(source, str) and source else None
