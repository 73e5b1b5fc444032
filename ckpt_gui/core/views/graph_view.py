"""What the graph file beside a checkpoint tells, joined to the checkpoint's keys: the
signatures as ``saved_model_cli show --all`` prints them, the variable names the graph
holds next to the checkpoint key that stores each one, and the collections.

The join: a TF1 ``Saver`` stores a variable under its node's name (a partitioned
variable's parts as slices under the whole variable's name); TensorFlow's
SavedModel loader restores a TF2 SavedModel's objects by walking the same child names
from the root in the checkpoint's object graph, so a SavedVariable's path finds the
checkpoint node, and the key that node saves as VARIABLE_VALUE. A TF2 graph's own
node of the same variable (the node its restore function fills from the same key,
core/format/graph_restore.py) is on that variable's row, not a row of its own (review
10: "graph variables: 142 (71 stored)" for 71 variables).
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.dtypes import dtype_from_enum
from ckpt_gui.core.format.graph_file import GraphFile
from ckpt_gui.core.format.meta_graph import GraphVariable, MetaGraph, Signature, TensorInfo
from ckpt_gui.core.formatting import format_shape

# DataType enum names that are not the dtype's name in capitals (types.proto).
_ENUM_NAMES = {0: "DT_INVALID", 1: "DT_FLOAT", 2: "DT_DOUBLE", 19: "DT_HALF"}


@dataclass(frozen=True, slots=True)
class GraphVariableRow:
    """A variable of the graph and the checkpoint key holding its value (None: none does)."""

    variable: GraphVariable
    tags: tuple[str, ...]  # the MetaGraphDef's tag-set it is declared in
    checkpoint_key: str | None
    # An object variable's own node in a TF2 graph (a VarHandleOp): the same variable.
    graph_node: GraphVariable | None = None

    @property
    def node_name(self) -> str | None:
        """The graph node declaring it (a node's own row, or an object's node), or None."""
        if self.variable.source == "node":
            return str(self.variable.node)
        return None if self.graph_node is None else str(self.graph_node.node)


@dataclass(frozen=True, slots=True)
class GraphView:
    graph: GraphFile
    variables: tuple[GraphVariableRow, ...]

    @property
    def path(self) -> str:
        return self.graph.path


def graph_view(ckpt: Checkpoint) -> GraphView | None:
    """The graph facts of an opened checkpoint, or None when it has no (readable) graph file."""
    graph = ckpt.graph_file
    if graph is None:
        return None
    keys = ckpt.index.entries
    objects = [v for g in graph.meta_graphs for v in g.variables if v.source == "object"]
    object_keys = _object_variable_keys(ckpt, objects)
    rows, seen = [], set()
    for meta_graph in graph.meta_graphs:
        node_of_key = _nodes_by_key(meta_graph)
        claimed = {id(node) for node in node_of_key.values()}
        for variable in meta_graph.variables:
            if (variable.source, variable.node) in seen:  # the same variable in another tag-set
                continue
            seen.add((variable.source, variable.node))
            if variable.source == "object":
                key = object_keys.get(variable.node)
                node = node_of_key.get(key) if key is not None else None
                rows.append(GraphVariableRow(variable, meta_graph.tags, key, node))
            elif id(variable) not in claimed:  # else on its object's row
                if meta_graph.restored:  # a TF2 graph: the key its restore function reads, if any
                    key = meta_graph.restored.get(str(variable.node))
                else:
                    key = _saver_key(variable.node, meta_graph.partitions, keys)
                rows.append(GraphVariableRow(variable, meta_graph.tags, key))
    return GraphView(graph, tuple(rows))


def _nodes_by_key(meta_graph: MetaGraph) -> dict[str, GraphVariable]:
    """A TF2 graph's variable nodes by the key they are restored from (the first node of
    a key, should two be restored from one)."""
    found: dict[str, GraphVariable] = {}
    for variable in meta_graph.variables:
        key = meta_graph.restored.get(str(variable.node)) if variable.source == "node" else None
        if key is not None:
            found.setdefault(key, variable)
    return found


def _saver_key(node: str, partitions: dict[str, str], keys) -> str | None:
    """The key a TF1 ``Saver`` stores a variable node under: its name, or for a part of
    a partitioned variable the whole variable's name (the Saver saves the parts as
    slices of one tensor under it: ``dnn/kernel/part_0`` is in ``dnn/kernel``)."""
    if node in keys:
        return node
    whole = partitions.get(node)
    return whole if whole is not None and whole in keys else None


def _object_variable_keys(ckpt: Checkpoint, variables) -> dict[int, str]:
    """SavedVariable node id -> the key its checkpoint object's VARIABLE_VALUE is saved
    under, found by walking the variable's path of child names in the checkpoint."""
    objects = ckpt.object_graph
    if objects is None:
        return {}
    value_keys = {
        node: key for key, (node, attribute) in objects.node_of_key.items() if attribute.name == "VARIABLE_VALUE"
    }
    slots = {(optimizer, variable, name): slot for optimizer, variable, name, slot in objects.slot_variables}
    found = {}
    for variable in variables:
        if variable.slot is not None:
            optimizer_path, variable_path, name = variable.slot
            optimizer, original = _walk(objects.children, optimizer_path), _walk(objects.children, variable_path)
            node = slots.get((optimizer, original, name))
        else:
            node = _walk(objects.children, variable.path)
        if node is not None and node in value_keys:
            found[variable.node] = value_keys[node]
    return found


def _walk(children, path: tuple[str, ...] | None) -> int | None:
    if path is None or not children:
        return None
    node = 0
    for name in path:
        node = next((child for local, child in children[node] if local == name), None)
        if node is None or node >= len(children):
            return None
    return node


# -- saved_model_cli's text -----------------------------------------------------------


def dtype_enum_name(enum: int) -> str:
    """``DT_FLOAT``, ``DT_INT64``, ``DT_FLOAT_REF``... as types.proto names them."""
    base = enum - 100 if enum > 100 else enum
    name = _ENUM_NAMES.get(base)
    if name is None:
        dtype = dtype_from_enum(base)
        name = f"DT_{dtype.name.upper()}" if dtype.known else f"DT_{enum}"
    return name + ("_REF" if enum > 100 else "")


def shape_text(shape: tuple[int, ...] | None) -> str:
    """``(-1, 3)``, ``()``, or ``unknown_rank``."""
    return "unknown_rank" if shape is None else "(" + ", ".join(map(str, shape)) + ")"


def listed_shape_text(shape: tuple[int, ...] | None) -> str:
    """A graph variable's shape as the tree writes shapes (``[1, 1]``, ``scalar``; the
    review found "(1, 1)" beside the tree's "[1, 1]"), an unknown dimension as ``?``
    (as TensorFlow 1 printed it), an unknown rank as ``unknown rank``."""
    if shape is None:
        return "unknown rank"
    if any(d < 0 for d in shape):
        return "[" + ", ".join("?" if d < 0 else str(d) for d in shape) + "]"
    return format_shape(shape)


def signature_lines(meta_graph: MetaGraph, users_first: bool = False) -> list[str]:
    """The SignatureDefs of one tag-set, line for line as ``saved_model_cli show --all``
    prints them (its list of ops and concrete functions left out: no graph is loaded);
    ``users_first``: in ``users_first_order`` instead of saved_model_cli's."""
    lines = ["", f"MetaGraphDef with tag-set: '{', '.join(meta_graph.tags)}' contains the following SignatureDefs:"]
    signatures = users_first_order(meta_graph.signatures) if users_first else meta_graph.signatures
    for signature in signatures:
        lines += ["", f"signature_def['{signature.key}']:", *_signature_body(signature)]
    return lines


def _signature_body(signature: Signature) -> list[str]:
    lines = ["  The given SavedModel SignatureDef contains the following input(s):"]
    lines += _tensor_lines("inputs", signature.inputs)
    lines.append("  The given SavedModel SignatureDef contains the following output(s):")
    lines += _tensor_lines("outputs", signature.outputs)
    lines.append(f"  Method name is: {signature.method_name}")
    return lines


def _tensor_lines(side: str, infos: tuple[TensorInfo, ...]) -> list[str]:
    lines = []
    for info in infos:
        lines += [
            f"    {side}['{info.key}'] tensor_info:",
            f"        dtype: {dtype_enum_name(info.dtype)}",
            f"        shape: {shape_text(info.shape)}",
            f"        name: {info.name}",
        ]
    return lines


def saved_model_cli_text(graph: GraphFile, users_first: bool = False) -> str:
    """Every tag-set's signatures, as ``saved_model_cli show --all`` prints them (sorted
    by tags, as it does); ``users_first``: each tag-set's in ``users_first_order`` (the app's pane)."""
    lines: list[str] = []
    for meta_graph in sorted(graph.meta_graphs, key=lambda g: list(g.tags)):
        lines += signature_lines(meta_graph, users_first)
    return "\n".join(lines)


def users_first_order(signatures: tuple[Signature, ...]) -> list[Signature]:
    """``serving_default`` first, then the user's other signatures, TensorFlow's own
    (``__saved_model_init_op``, DT_INVALID: no inputs, no use to a reader) last; each
    group in its stored order. saved_model_cli sorts by key, so "__" came before "s"."""
    return sorted(signatures, key=lambda s: (s.key.startswith("__"), s.key != "serving_default"))


SERVING_SIGNATURES = "serving_signatures"  # session_bundle (TF Serving's export before SavedModel) keeps them here


def no_signatures_note(graph: GraphFile) -> str:
    """What to say of a graph file without SignatureDefs, from the file itself: a
    session_bundle export keeps its signatures in a collection instead; a .meta (or a
    SavedModel) may have them, so "a TF1 .meta has none" was wrong (review)."""
    kind = "this .meta" if graph.kind == "meta" else "this SavedModel"
    if any(c.name == SERVING_SIGNATURES for g in graph.meta_graphs for c in g.collections):
        return (
            f"(no SignatureDefs in {kind}: its signatures are in the '{SERVING_SIGNATURES}' collection, as "
            "session_bundle, TF Serving's export format before SavedModel, kept them; see Collections)"
        )
    return f"(no SignatureDefs in {kind}: it saved none)"


# -- what the panel lists ------------------------------------------------------------------


def written_by_text(graph: GraphFile) -> str:
    """``TensorFlow 2.21.0 (v2.21.0-rc1-...)``, or that the file does not say; no git
    version when it is unknown."""
    version, git = _unquoted(graph.tensorflow_version), _unquoted(graph.tensorflow_git_version)
    if not version:
        return "TensorFlow (the file does not say which version)"
    return f"TensorFlow {version}" + (f" ({git})" if git and git != "unknown" else "")


def _unquoted(text: str) -> str:
    """A version as written: early TensorFlow under Python 3 stored ``str()`` of its bytes,
    ``b'unknown'`` (review 6: "TensorFlow 0.12.1 (b'unknown')")."""
    if len(text) >= 3 and text[0] == "b" and text[1] in "'\"" and text[-1] == text[1]:
        return text[2:-1]
    return text


def variable_rows(view: GraphView) -> list[tuple[str, str, str, str, str]]:
    """(graph name, dtype, shape, checkpoint key or "", where the graph declares it)."""
    rows = []
    for row in view.variables:
        v = row.variable
        if v.source == "object":
            where = "object " + ("/".join(v.path) if v.path is not None else "(optimizer slot)")
            if row.graph_node is not None:
                where += f", {row.graph_node.op} node {row.graph_node.node}"
        else:
            where = f"{v.op} node {v.node}"
        rows.append((v.name, v.dtype.name, listed_shape_text(v.shape), row.checkpoint_key or "", where))
    return rows


def stored_phrase(view: GraphView, has_checkpoint: bool = True) -> str:
    """How many variables the graph declares and how many the checkpoint stores:
    "71, all stored in the checkpoint" (review 10: "142 (71 stored)" counted each TF2
    variable twice, and "N (N stored)" made the reader do the sum)."""
    total = len(view.variables)
    stored = sum(1 for row in view.variables if row.checkpoint_key)
    if total == 0:
        return "none"
    if not has_checkpoint:
        return f"{total:,} (no checkpoint beside the graph: none stored)"
    if stored == total:
        return f"{total:,}, " + ("stored in the checkpoint" if total == 1 else "all stored in the checkpoint")
    if stored == 0:
        return f"{total:,}, none stored in the checkpoint"
    return f"{total:,}, {stored:,} stored in the checkpoint"


def collection_rows(graph: GraphFile) -> list[tuple[str, list[str]]]:
    """(collection name, with its tag-set when the file has several; its values as text)."""
    several = len(graph.meta_graphs) > 1
    rows = []
    for meta_graph in graph.meta_graphs:
        for c in meta_graph.collections:
            name = f"{c.name} [{', '.join(meta_graph.tags)}]" if several else c.name
            rows.append((name, [str(value) for value in c.values]))
    return rows
