"""``saved_model.pb`` and TF1 ``.meta`` (MetaGraphDef) bytes -> what the graph knows.

Read with the project's wire decoder (wire.py), not with protobuf: the few fields
shown (who wrote the file, the signatures, the variable nodes, the collections and a
TF2 SavedModel's variable objects) are a handful of field numbers, taken from
TensorFlow's .proto files (meta_graph.proto, saved_model.proto, graph.proto,
node_def.proto, attr_value.proto, tensor_shape.proto, saved_object_graph.proto,
variable.proto). Protobuf would need those message definitions built by hand too
(TensorFlow's generated modules are not available without TensorFlow), a new
dependency, and is no faster here: every node of the graph is visited either way,
and the decoder skips the bodies of all nodes but the variables
(benchmarks/bench_graph_meta.py measures both). Nothing of the graph is executed.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.graph_restore import restore_op_name, restored_keys
from ckpt_gui.core.format.meta_graph_variables import (
    GraphVariable,
    _map_entry,
    _object_variables,
    _shape,
    _text,
    _variable_nodes,
)
from ckpt_gui.core.format.wire import FIXED32, LEN, VARINT, iter_fields, read_varint, to_signed64

# Collections TensorFlow fills with serialized VariableDef protos (ops.register_proto_function
# for tf.GraphKeys' variable collections): their values are shown as variable names.
VARIABLE_COLLECTIONS = frozenset(
    {
        "variables",
        "trainable_variables",
        "local_variables",
        "model_variables",
        "moving_average_variables",
        "metric_variables",
        "global_step",
        "concatenated_variables",
        "trainable_resource_variables",
    }
)


@dataclass(frozen=True, slots=True)
class TensorInfo:
    """One input or output of a signature, as ``saved_model_cli`` shows it."""

    key: str
    name: str  # "" for a sparse or composite tensor (its components have the names)
    dtype: int  # DataType enum (0: DT_INVALID, as for a composite tensor)
    shape: tuple[int, ...] | None  # None: unknown rank; -1: unknown dimension
    encoding: str = "name"  # "name", "coo_sparse" or "composite_tensor"


@dataclass(frozen=True, slots=True)
class Signature:
    """A SignatureDef: what a served function takes and returns (sorted by key)."""

    key: str
    method_name: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """A TF1 graph collection: its name and its values (variable names for the
    variable collections, node names, numbers; other protos as their byte counts)."""

    name: str
    kind: str  # "node_list", "bytes_list", "int64_list", "float_list", "any_list" or "empty"
    values: tuple[str | int | float, ...]


@dataclass(frozen=True, slots=True)
class MetaGraph:
    """One MetaGraphDef: a ``.meta`` file, or one tag-set of a SavedModel."""

    tags: tuple[str, ...]
    tensorflow_version: str
    tensorflow_git_version: str
    signatures: tuple[Signature, ...]  # sorted by key
    variables: tuple[GraphVariable, ...]  # variable nodes, then objects, in stored order
    collections: tuple[Collection, ...]  # sorted by name
    has_object_graph: bool
    # A partitioned variable's parts: part node name (``dnn/kernel/part_0``) -> the whole
    # variable's name, the key a Saver stores it under, in slices (``dnn/kernel``): the
    # VariableDef's save_slice_info_def.full_name in the variable collections.
    partitions: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)
    # A TF2 graph's variable nodes -> the key its restore function assigns each from
    # (graph_restore.py): the node and the object variable of that key are one variable.
    restored: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)


def parse_saved_model(blob: bytes | memoryview) -> tuple[int, tuple[MetaGraph, ...]]:
    """A SavedModel's schema version and its MetaGraphDefs (usually one, tagged ``serve``)."""
    view = memoryview(blob)
    version = 0
    graphs = []
    for field, wire_type, value in iter_fields(view):
        if field == 1 and wire_type == VARINT:
            version = to_signed64(value)
        elif field == 2 and wire_type == LEN:
            graphs.append(parse_meta_graph(value))
    if not graphs:
        raise WireFormatError("no MetaGraphDef in it")
    return version, tuple(graphs)


def parse_meta_graph(blob: bytes | memoryview) -> MetaGraph:
    """One MetaGraphDef (a whole ``.meta`` file)."""
    view = memoryview(blob)
    tags: list[str] = []
    versions = ["", ""]
    signatures: dict[str, Signature] = {}  # proto maps: the last entry of a key wins
    nodes: list[GraphVariable] = []
    objects: list[GraphVariable] = []
    collections: dict[str, Collection] = {}
    partitions: dict[str, str] = {}
    graph_def = saver_def = None
    seen = set()
    for field, wire_type, value in iter_fields(view):
        if wire_type != LEN:
            continue
        seen.add(field)
        if field == 1:
            _meta_info(value, tags, versions)
        elif field == 2:
            nodes, graph_def = _variable_nodes(value), value
        elif field == 3:
            saver_def = value
        elif field == 4:
            name, collection = _map_entry(value)
            collections[name] = _collection(name, collection)
            if name in VARIABLE_COLLECTIONS:
                partitions.update(_partitions(collection))
        elif field == 5:
            key, signature = _map_entry(value)
            signatures[key] = _signature(key, signature)
        elif field == 7:
            objects = _object_variables(value)
    if not seen & {1, 2}:  # every MetaGraphDef TensorFlow writes has meta_info_def and graph_def
        raise WireFormatError("neither meta_info_def nor graph_def in it")
    restored = _restored(graph_def, saver_def) if objects and nodes else {}  # TF2: both lists of one variable
    return MetaGraph(
        tags=tuple(tags),
        tensorflow_version=versions[0],
        tensorflow_git_version=versions[1],
        signatures=tuple(signatures[key] for key in sorted(signatures)),
        variables=(*nodes, *objects),
        collections=tuple(collections[name] for name in sorted(collections)),
        has_object_graph=7 in seen,
        partitions=partitions,
        restored=restored,
    )


# -- parts -------------------------------------------------------------------------


def _restored(graph_def: memoryview | None, saver_def: memoryview | None) -> dict[str, str]:
    """The keys the graph's restore function fills its variable nodes from (graph_restore.py)."""
    if graph_def is None or saver_def is None:
        return {}
    try:
        return restored_keys(graph_def, restore_op_name(saver_def))
    except WireFormatError:  # a damaged restore function: the rows stay apart, the rest is shown
        return {}


def _meta_info(buf: memoryview, tags: list[str], versions: list[str]) -> None:
    for field, wire_type, value in iter_fields(buf):
        if wire_type != LEN:
            continue
        if field == 4:
            tags.append(_text(value))
        elif field == 5:
            versions[0] = _text(value)
        elif field == 6:
            versions[1] = _text(value)


def _tensor_info(key: str, buf: memoryview) -> TensorInfo:
    name, dtype, shape, encoding = "", 0, (), "name"
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == LEN:
            name = _text(value)
        elif field == 2 and wire_type == VARINT:
            dtype = value
        elif field == 3 and wire_type == LEN:
            shape = _shape(value)
        elif field == 4 and wire_type == LEN:
            encoding = "coo_sparse"
        elif field == 5 and wire_type == LEN:
            encoding = "composite_tensor"
    return TensorInfo(key, name, dtype, shape, encoding)


def _signature(key: str, buf: memoryview) -> Signature:
    inputs: dict[str, TensorInfo] = {}  # maps: the last entry of a key wins
    outputs: dict[str, TensorInfo] = {}
    method = ""
    for field, wire_type, value in iter_fields(buf):
        if wire_type != LEN:
            continue
        if field in (1, 2):
            info = _tensor_info(*_map_entry(value))
            (inputs if field == 1 else outputs)[info.key] = info
        elif field == 3:
            method = _text(value)
    # sorted by key, as saved_model_cli prints them
    return Signature(
        key, method, tuple(v for _k, v in sorted(inputs.items())), tuple(v for _k, v in sorted(outputs.items()))
    )


_LIST_KINDS = {1: "node_list", 2: "bytes_list", 3: "int64_list", 4: "float_list", 5: "any_list"}


def _collection(name: str, buf: memoryview) -> Collection:
    kind, values = "empty", []
    for field, wire_type, value in iter_fields(buf):
        if wire_type != LEN or field not in _LIST_KINDS:
            continue
        kind = _LIST_KINDS[field]
        values = _list_values(kind, value, name in VARIABLE_COLLECTIONS)
    return Collection(name, kind, tuple(values))


def _list_values(kind: str, buf: memoryview, holds_variables: bool) -> list[str | int | float]:
    values: list[str | int | float] = []
    for field, wire_type, value in iter_fields(buf):
        if field != 1:
            continue
        if kind == "node_list" and wire_type == LEN:
            values.append(_text(value))
        elif kind == "bytes_list" and wire_type == LEN:
            values.append(_variable_name(value) if holds_variables else f"<{len(value)} bytes>")
        elif kind == "int64_list":
            values.extend(_numbers(wire_type, value, VARINT))
        elif kind == "float_list":
            values.extend(_numbers(wire_type, value, FIXED32))
        elif kind == "any_list" and wire_type == LEN:
            values.append(f"<{len(value)} bytes>")
    return values


def _partitions(buf: memoryview) -> dict[str, str]:
    """Part node name -> whole variable name, for the VariableDefs of a variable
    collection that have a save_slice_info_def (field 4; its full_name is field 1)."""
    found = {}
    for field, wire_type, value in iter_fields(buf):
        if field != 2 or wire_type != LEN:  # the bytes_list
            continue
        for item_field, item_type, item in iter_fields(value):
            if item_field != 1 or item_type != LEN:
                continue
            name = full_name = ""
            for def_field, def_type, part in iter_fields(item):
                if def_field == 1 and def_type == LEN:
                    name = _text(part)
                elif def_field == 4 and def_type == LEN:
                    full_name = _variable_name(part)  # SaveSliceInfoDef.full_name: its field 1 too
            if name and full_name:
                found[name.rpartition(":")[0] or name] = full_name
    return found


def _variable_name(buf: memoryview) -> str:
    """A VariableDef's variable_name (``dense/kernel:0``)."""
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == LEN:
            return _text(value)
    return ""


def _numbers(wire_type: int, value: object, scalar_type: int) -> list[int | float]:
    """int64 (varint) or float (fixed32) values, packed or not."""
    if wire_type == scalar_type:
        raw = [value]
    elif wire_type == LEN:
        raw = []
        pos = 0
        while pos < len(value):
            if scalar_type == VARINT:
                number, pos = read_varint(value, pos)
            else:
                if pos + 4 > len(value):
                    raise WireFormatError("packed float list cut short")
                number, pos = int.from_bytes(value[pos : pos + 4], "little"), pos + 4
            raw.append(number)
    else:
        raise WireFormatError(f"a list value of wire type {wire_type}")
    if scalar_type == VARINT:
        return [to_signed64(n) for n in raw]
    return [struct.unpack("<f", n.to_bytes(4, "little"))[0] for n in raw]
