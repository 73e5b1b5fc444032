"""The JSON documents the CLI prints (the contract scripts and tests rely on)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from itertools import chain, repeat
from json.encoder import encode_basestring_ascii as _quote
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from ckpt_gui.core.checkpoint import Checkpoint, Variable, slot_names
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.folder_kinds import other_kind_files
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.keras_files import keras_models
from ckpt_gui.core.format.locations import other_series
from ckpt_gui.core.statuses import JSON_SCHEMA
from ckpt_gui.core.variable_columns import VariableColumns
from ckpt_gui.core.views.graph_view import dtype_enum_name, graph_view
from ckpt_gui.core.views.missing_data import missing_files, missing_headline, missing_shard_of

if TYPE_CHECKING:
    from ckpt_gui.core.analysis.stats import TensorStats


def listing_warnings(ckpt: Checkpoint) -> list[str]:
    """What ``inspect`` warns of (stderr and the JSON's ``warnings``): a missing data
    file first, as the app's banner says it (review 7: the listing was silent about it),
    then the checkpoint's own warnings, less the folder's note that says it again (as
    app/opening.py's warnings)."""
    headline = missing_headline(ckpt)
    if headline is None:
        return ckpt.warnings
    others = [w for w in ckpt.warnings if not w.startswith(f"{ckpt.ref.name} is incomplete")]
    graph_file = missing_shard_of(ckpt, OBJECT_GRAPH_KEY)
    if ckpt.graph_error is not None and graph_file is not None:
        # The object graph lives in the missing file: one warning for the one file, as
        # `diff` gives (review 18: "... is missing: names, dtypes and shapes only", then
        # "...: data shard is missing (...); the keys are listed without their object paths").
        graph = str(ckpt.graph_error)
        others = [w for w in others if not w.startswith(graph)]
        # The file's whole path, as the graph's own warning gave it: the headline names it
        # by its name only, and a terminal user wants to know where to look.
        where = next((path for path in missing_files(ckpt) if os.path.basename(path) == graph_file), graph_file)
        headline += f"; the keys are listed without their object paths (the object graph is in {where})"
    return [headline, *others]


def versioned(document: dict) -> dict:
    """Every document the CLI prints starts with its layout's version (README: "schema")."""
    return {"schema": JSON_SCHEMA, **document}


def inspect_report(
    ckpt: Checkpoint,
    stats: dict[str, TensorStats] | None = None,
    with_variables: bool = True,
    unreadable: dict[str, str] | None = None,
) -> dict:
    """``ckpt-gui inspect --json``: the checkpoint, its siblings and every variable
    (a Keras file adds ``written_by``, ``architecture`` and ``optimizer_placement``).
    ``unreadable``: the tensors whose statistics could not be read, and why."""
    keras = ckpt.keras.to_json() if ckpt.keras is not None else {}
    names = slot_names(ckpt) if with_variables else {}
    return {
        "prefix": ckpt.prefix,
        "format": ckpt.format,
        "checkpoints": [_checkpoint_json(ckpt, ref) for ref in ckpt.checkpoints],
        # The folder's checkpoints named otherwise (another save() prefix): not this one's history.
        "other_series": [_checkpoint_json(ckpt, ref) for ref in other_series(ckpt.location, ckpt.ref)],
        "warnings": listing_warnings(ckpt),
        # The folder's checkpoints of the other kind (Keras files beside TF checkpoints, or these
        # beside a Keras file): listed apart, as the app's picker lists them.
        "other_kind_files": [
            {
                "path": ref.prefix,
                "kind": kind,
                "step": None if ckpt.location.kind == "bundle" else ref.step,
                "time": ref.time,
                "size_bytes": ref.size_bytes,
                "latest": latest == "latest",
            }
            for ref, kind, latest in other_kind_files(ckpt.location)
        ],  # fmt: skip
        **_other_models(ckpt),
        **graph_report(ckpt),
        "variables": ([_variable_json(v, stats, unreadable, names) for v in ckpt.variables] if with_variables else []),
        **keras,
    }


def _checkpoint_json(ckpt: Checkpoint, ref) -> dict:
    return {
        "prefix": ref.prefix,
        "step": ref.step,
        "time": ref.time,
        "size_bytes": ref.size_bytes,
        "in_state_file": ref.in_state_file,
        "selected": ref.prefix == ckpt.prefix,
        "unreadable": ref.prefix in ckpt.location.broken,  # its index cannot be read (app: "cannot be read")
        "leftover_files": list(ref.leftover_files),  # data files its index does not name: not in size_bytes
    }


def _other_models(ckpt: Checkpoint) -> dict:
    """A folder of Keras files: the other models' files (``checkpoints`` holds the shown
    model's only), by model; no member for other checkpoints."""
    if ckpt.keras is None:
        return {}
    models = keras_models([ref.prefix for ref in ckpt.location.others])
    return {
        "other_models": [
            {"pattern": pattern, "checkpoints": [ref.prefix for ref in refs], "latest": refs[-1].prefix}
            for pattern, refs in models.items()
        ]
    }


def graph_report(ckpt: Checkpoint) -> dict:
    """What the SavedModel's ``saved_model.pb`` or the TF1 ``.meta`` beside the checkpoint
    says (empty members when there is none, or it cannot be read: see ``warnings``)."""
    view = graph_view(ckpt)
    if view is None:
        return {"graph_file": None, "written_by": None, "signatures": [], "graph_variables": [], "collections": []}
    graph = view.graph
    return {
        "graph_file": graph.path,
        "written_by": {
            "tensorflow_version": graph.tensorflow_version,
            "tensorflow_git_version": graph.tensorflow_git_version,
        },
        "signatures": [
            {
                "tags": list(meta_graph.tags),
                "key": signature.key,
                "method_name": signature.method_name,
                "inputs": [_tensor_info_json(info) for info in signature.inputs],
                "outputs": [_tensor_info_json(info) for info in signature.outputs],
            }
            for meta_graph in graph.meta_graphs
            for signature in meta_graph.signatures
        ],
        "graph_variables": [
            {
                "name": row.variable.name,
                "dtype": row.variable.dtype.name,
                "shape": None if row.variable.shape is None else list(row.variable.shape),
                "source": row.variable.source,
                "node": row.variable.node,
                "op": row.variable.op if row.graph_node is None else row.graph_node.op,
                "graph_node": row.node_name,
                "object_path": None if row.variable.path is None else "/".join(row.variable.path),
                "checkpoint_key": row.checkpoint_key,
            }
            for row in view.variables
        ],
        "collections": [
            {"tags": list(meta_graph.tags), "name": c.name, "kind": c.kind, "values": list(c.values)}
            for meta_graph in graph.meta_graphs
            for c in meta_graph.collections
        ],
    }


def _tensor_info_json(info) -> dict:
    return {
        "key": info.key,
        "name": info.name,
        "dtype": dtype_enum_name(info.dtype),
        "shape": None if info.shape is None else list(info.shape),
        "encoding": info.encoding,
    }


def write_inspect_json(
    ckpt: Checkpoint,
    stats: dict[str, TensorStats] | None,
    write: Callable[[str], object],
    unreadable: dict[str, str] | None = None,
) -> None:
    """``inspect_report`` as compact JSON, the variables written in chunks: the same
    text as ``json.dumps(inspect_report(...))``, without a million dicts (or a 100 MB
    string) in memory at once for a million variables."""
    # Listed before the first byte: an error is then the only output.
    variables = ckpt.variables if stats is not None else ckpt.variable_columns
    names = slot_names(ckpt)  # an optimizer slot's "name", by its variable (read with the object paths)
    head = versioned(inspect_report(ckpt, stats, with_variables=False))
    text = json.dumps(head, separators=(",", ":"), allow_nan=False)
    # The document around its empty list (in place, whichever members follow it; a
    # string holding these characters would be escaped, so this is the member).
    before, after = text.split('"variables":[]', 1)
    write(before + '"variables":[')
    with gc_paused():  # no cycles made; a collection would walk every variable's objects again
        _write_variables(variables, stats, write, unreadable or {}, names)
    write("]" + after)


def _write_variables(
    variables: list[Variable] | VariableColumns,
    stats: dict | None,
    write: Callable[[str], object],
    unreadable: dict[str, str],
    names: dict[str, str],
) -> None:
    count = len(variables) if stats is not None else len(variables.keys)
    for start in range(0, count, _CHUNK):
        if stats is not None:
            chunk = [_variable_json(v, stats, unreadable, names) for v in variables[start : start + _CHUNK]]
            text = json.dumps(chunk, separators=(",", ":"), allow_nan=False)[1:-1]
        else:  # the usual listing: the objects' text made column by column
            text = _variables_text(variables.part(start, start + _CHUNK), names)
        write(("," if start else "") + text)


_CHUNK = 10_000
# A variable is {"key":K,"dtype":D,"shape":[S],"shard":N,"size_bytes":B,"object_paths":[P]}
# (or with ,"name":M for an optimizer slot and ,"partitioned":true before the brace), exactly
# as json.dumps writes variable_json(v): these literals go before K, D, S, N, B, P and the ending.
_LITERALS = (',{"key":', ',"dtype":', ',"shape":[', '],"shard":', ',"size_bytes":', ',"object_paths":[', "]")
_ENDINGS = ("}", ',"partitioned":true}')


class _Texts(dict):
    """Value -> its text, each distinct value made once (shapes and dtypes repeat)."""

    def __init__(self, make: Callable) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value) -> str:
        text = self[value] = self.make(value)
        return text


def _variables_text(part: VariableColumns, names: dict[str, str] | None = None) -> str:
    """``variable_json(v)`` of each variable as compact JSON text, joined by commas:
    json.dumps's own string quoting, no dicts, and no Python code per variable (the
    columns are mapped and interleaved with the literals in C). Keys and paths that
    need no escaping (the usual case) are used as they are, their quotes put into
    the literals; a column every variable has the same text in (no paths, none
    partitioned, no slot named) is made part of the literals too. ``names``: the optimizer
    slots' names by key (core.checkpoint.slot_names)."""
    keys, dtypes, shapes, shards, sizes, paths, partitioned = part
    dtype_texts = _Texts(_quote)
    shape_texts = _Texts(lambda shape: ",".join(map(str, shape)))
    columns = (
        _strings(keys),
        (None, map(dtype_texts.__getitem__, map(attrgetter("name"), dtypes))),
        (None, map(shape_texts.__getitem__, shapes)),
        (None, map(_Texts(str).__getitem__, shards)),  # a dict hit is a third of str(): most repeat
        (None, map(_Texts(str).__getitem__, sizes)),
        _paths_texts(paths),
        _endings(keys, partitioned, names or {}),
    )
    pieces: list = []  # literal texts and the columns' iterators, in order
    for literal, (quote, column) in zip(_LITERALS, columns):
        if column is None:  # the same text for every variable: part of the literals
            pieces += [literal, quote]
        else:
            pieces += [literal, quote or "", column, quote or ""]
    parts = [repeat(piece) if isinstance(piece, str) else piece for piece in _merged(pieces)]
    return "".join(chain.from_iterable(zip(*parts)))[1:]


def _endings(keys: list[str], partitioned: list[bool], names: dict[str, str]) -> tuple[str | None, object]:
    """What follows each variable's object paths, as _strings gives it: its slot name and
    its partitioned flag when it has them, and the closing brace."""
    if names and any(map(names.__contains__, keys)):  # a checkpoint with an optimizer's slots
        return None, map(_ending, map(names.get, keys), partitioned)
    return (None, map(_ENDINGS.__getitem__, partitioned)) if any(partitioned) else ("}", None)


def _ending(name: str | None, partitioned: bool) -> str:
    return ("" if name is None else f',"name":{_quote(name)}') + _ENDINGS[partitioned]


def _merged(pieces: list) -> list:
    """Adjacent literal texts joined into one (fewer pieces to join), empty ones dropped."""
    out: list = []
    for piece in pieces:
        if not isinstance(piece, str):
            out.append(piece)
        elif out and isinstance(out[-1], str):
            out[-1] += piece
        elif piece:
            out.append(piece)
    return out


def _strings(texts) -> tuple[str | None, object]:
    """JSON strings of ``texts``, as (quote, texts): when none needs escaping (the usual
    case: what json.dumps writes as it is inside quotes, with ensure_ascii) the texts
    as they are, between quotes; else each quoted by json's own function."""
    joined = "".join(texts)
    # Printable ASCII but " and \ (isascii is known without a scan; the rest are C scans).
    if joined.isascii() and joined.isprintable() and '"' not in joined and "\\" not in joined:
        return '"', texts
    return None, map(_quote, texts)


def _paths_texts(paths: tuple[tuple[str, ...], ...]) -> tuple[str | None, object]:
    """What is inside each variable's ``object_paths`` list, as _strings gives it ("" for
    every variable: no paths)."""
    lengths = set(map(len, paths))
    if lengths == {0}:  # name-based checkpoints
        return "", None
    if lengths == {1}:  # the usual TF2 checkpoint: one path each
        return _strings(list(map(itemgetter(0), paths)))
    return None, (",".join(map(_quote, p)) for p in paths)


def _variable_json(v: Variable, stats: dict | None, unreadable: dict[str, str] | None, names: dict[str, str]) -> dict:
    return variable_json(v, stats.get(v.key) if stats else None, (unreadable or {}).get(v.key), names.get(v.key))


def variable_json(
    v: Variable, stats: TensorStats | None = None, error: str | None = None, name: str | None = None
) -> dict:
    """One variable of ``inspect --json``; ``error``: why its statistics could not be
    read (then ``"stats": null`` beside it, as a script asking for them finds it);
    ``name``: an optimizer slot's name by its variable (``.../1/_kernel/momentum``), as
    the table, the tree, ``diff`` and the doctor name it (review 21 #8)."""
    out = {
        "key": v.key,
        "dtype": v.dtype.name,
        "shape": list(v.shape),
        "shard": v.shard,
        "size_bytes": v.size_bytes,
        "object_paths": list(v.object_paths),
    }
    if name is not None:
        out["name"] = name
    if v.partitioned:
        out["partitioned"] = True
    if error is not None:
        out["stats"] = None
        out["error"] = error
    elif stats is not None:
        out["stats"] = {k: _finite_or_none(x) for k, x in stats.to_json().items()}
        if stats.of_magnitude:
            out["stats"]["of_magnitude"] = True
    return out


def _finite_or_none(x):
    """JSON has no NaN/Infinity; a float statistic that overflowed becomes null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
