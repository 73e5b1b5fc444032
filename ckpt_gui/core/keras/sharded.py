"""Sharded Keras 3 weights: ``model.save_weights("x.weights.json", max_shard_size=GB)``
writes ``x.weights.json`` and the HDF5 shards it names, ``x_00000.weights.h5``,
``x_00001.weights.h5``... beside it (Keras's ``ShardedH5IOStore``). Each shard is a
Keras 3 weights file holding some of the model's ``vars`` groups; the JSON's
``weight_map`` maps each group (``/layers/dense/vars``) to the shard(s) holding it (a
group larger than what is left of a shard continues in the next). Read as data.
"""

from __future__ import annotations

import os

from ckpt_gui.core.format.errors import CorruptCheckpointError, NotACheckpointError
from ckpt_gui.core.format.keras_files import weight_map
from ckpt_gui.core.formatting import one_or_many


def shard_files(path: str) -> list[str]:
    """The shards the weight map names, in the order Keras wrote them (each once), as
    paths beside the JSON file; an error naming any that is missing or lies elsewhere."""
    names: list[str] = []
    for group, listed in weight_map(path).items():
        for name in [listed] if isinstance(listed, str) else listed if isinstance(listed, list) else [None]:
            if not isinstance(name, str) or not name or os.path.basename(name) != name or name in (".", ".."):
                raise CorruptCheckpointError(path, f"the weight map's entry for {group!r} is not a shard file name")
            if name not in names:
                names.append(name)
    if not names:
        raise NotACheckpointError(path, "a Keras weight map that names no shard")
    folder = os.path.dirname(path)
    missing = [name for name in names if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        shards = one_or_many(len(missing), "a shard its weight map names is", "shards its weight map names are")
        raise CorruptCheckpointError(path, f"{shards} missing: {shown}")
    return [os.path.join(folder, name) for name in names]
