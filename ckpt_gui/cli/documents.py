"""The JSON documents the CLI prints (the contract scripts and tests rely on)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.statuses import JSON_SCHEMA

if TYPE_CHECKING:
    from ckpt_gui.core.analysis.stats import TensorStats


def versioned(document: dict) -> dict:
    """Every document the CLI prints starts with its layout's version (README: "schema")."""
    return {"schema": JSON_SCHEMA, **document}


def inspect_report(ckpt: Checkpoint, stats: dict[str, TensorStats] | None = None) -> dict:
    """``ckpt-gui inspect --json``: the checkpoint, its siblings and every variable."""
    return {
        "prefix": ckpt.prefix,
        "format": ckpt.format,
        "checkpoints": [
            {
                "prefix": ref.prefix,
                "step": ref.step,
                "time": ref.time,
                "size_bytes": ref.size_bytes,
                "in_state_file": ref.in_state_file,
                "selected": ref.prefix == ckpt.prefix,
            }
            for ref in ckpt.checkpoints
        ],
        "warnings": ckpt.warnings,
        "variables": [variable_json(v, stats.get(v.key) if stats else None) for v in ckpt.variables],
    }


def variable_json(v: Variable, stats: TensorStats | None = None) -> dict:
    out = {
        "key": v.key,
        "dtype": v.dtype.name,
        "shape": list(v.shape),
        "shard": v.shard,
        "size_bytes": v.size_bytes,
        "object_paths": list(v.object_paths),
    }
    if v.partitioned:
        out["partitioned"] = True
    if stats is not None:
        out["stats"] = {k: _finite_or_none(x) for k, x in stats.to_json().items()}
        if stats.of_magnitude:
            out["stats"]["of_magnitude"] = True
    return out


def _finite_or_none(x):
    """JSON has no NaN/Infinity; a float statistic that overflowed becomes null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
