"""The checkpoint key each variable node of a TF2 SavedModel's graph is restored from,
read from the graph's own restore function.

``tf.saved_model.save`` writes each variable twice: a SavedVariable of the object
graph (what ``tf.saved_model.load`` restores, by path) and a ``VarHandleOp`` node of
the exported graph, which ``tf.compat.v1.saved_model.load`` fills by running the
SaverDef's restore op: a ``StatefulPartitionedCall`` whose inputs are the file prefix
and the variable handles, calling a function that reads every key with one
``RestoreV2`` (the keys are its ``tensor_names`` constant) and assigns output j to the
variable of one argument (``AssignVariableOp(arg, Identity(RestoreV2:tensors:j))``).
Following those edges gives each node its key exactly, as TensorFlow restores it;
node names cannot (a Keras 3 export restores ``sequential/d1/kernel_1`` and
``Variable_3`` and leaves ``sequential/d1/kernel`` uninitialised).

Field numbers from graph.proto, node_def.proto, function.proto, op_def.proto,
attr_value.proto, tensor.proto and saver.proto. A graph whose restore op is no such
call (a TF1 graph: ``save/restore_all``, a NoOp) gives nothing: its Saver stores each
variable under its node's name.
"""

from __future__ import annotations

from ckpt_gui.core.format.meta_graph_variables import _map_entry, _text
from ckpt_gui.core.format.wire import LEN, iter_fields

_CONSTANTS = frozenset({"Const"})  # the only nodes of a restore function whose attrs are read


def restore_op_name(saver_def: memoryview) -> str:
    """SaverDef.restore_op_name (field 3)."""
    for field, wire_type, value in iter_fields(saver_def):
        if field == 3 and wire_type == LEN:
            return _text(value)
    return ""


def restored_keys(graph_def: memoryview, restore_op: str) -> dict[str, str]:
    """Variable node name -> the checkpoint key the restore op assigns to it ({} when
    the restore op is not a call of a restore function, or the function is not found)."""
    call = _node_named(graph_def, restore_op)
    if call is None:
        return {}
    _name, _op, inputs, attrs = _node(call)
    function = _function_name(attrs.get("f"))
    body = _function_named(graph_def, function) if function else None
    if body is None:
        return {}
    arguments, nodes = _function(body)
    handles = [name.split(":")[0] for name in inputs if not name.startswith("^")]
    node_of_argument = dict(zip(arguments, handles))
    found: dict[str, str] = {}
    keys_of: dict[str, list[str]] = {}  # each RestoreV2's tensor_names, decoded once
    for op, node_inputs, _attrs in nodes.values():
        if op != "AssignVariableOp" or len(node_inputs) < 2 or node_inputs[0] not in node_of_argument:
            continue
        key = _restored_from(node_inputs[1], nodes, keys_of)
        if key is not None:
            found[node_of_argument[node_inputs[0]]] = key
    return found


def _restored_from(tensor: str, nodes: dict, keys_of: dict[str, list[str]]) -> str | None:
    """The key behind a function tensor (``Identity_3:output:0``): through Identity ops
    to ``RestoreV2:tensors:j``, then entry j of the RestoreV2's tensor_names constant."""
    for _ in range(len(nodes) + 1):  # a cycle in a damaged file ends here
        name, _sep, rest = tensor.partition(":")
        node = nodes.get(name)
        if node is None:
            return None
        op, inputs, _attrs = node
        if op == "Identity" and inputs:
            tensor = inputs[0]
            continue
        if op != "RestoreV2" or len(inputs) < 2:
            return None
        output, _sep, index = rest.partition(":")
        names_node = inputs[1].partition(":")[0]
        names = nodes.get(names_node)
        if output != "tensors" or not index.isdigit() or names is None or names[0] != "Const":
            return None
        if names_node not in keys_of:
            keys_of[names_node] = _string_values(names[2].get("value"))
        keys = keys_of[names_node]
        return keys[int(index)] if int(index) < len(keys) else None
    return None


# -- messages ------------------------------------------------------------------------


def _node(buf: memoryview, attrs_of: frozenset[str] | None = None) -> tuple[str, str, list[str], dict[str, memoryview]]:
    """NodeDef: name (1), op (2), inputs (3), attrs (5; only of the ops in ``attrs_of``
    when given: TensorFlow writes the op before the attrs, and a restore function's
    Identity and AssignVariableOp attrs are not needed)."""
    name = op = ""
    inputs: list[str] = []
    attrs: dict[str, memoryview] = {}
    for field, wire_type, value in iter_fields(buf):
        if wire_type != LEN:
            continue
        if field == 1:
            name = _text(value)
        elif field == 2:
            op = _text(value)
        elif field == 3:
            inputs.append(_text(value))
        elif field == 5 and (attrs_of is None or op in attrs_of):
            key, attr = _map_entry(value)
            attrs[key] = attr
    return name, op, inputs, attrs


def _node_named(graph_def: memoryview, wanted: str) -> memoryview | None:
    """The GraphDef node (field 1) of that name; names are compared as bytes first."""
    encoded = wanted.encode()
    for field, wire_type, value in iter_fields(graph_def):
        # The name is the node's first field: most nodes are passed over without decoding.
        found = field == 1 and wire_type == LEN and encoded in bytes(value[: len(encoded) + 12])
        if found and _node(value)[0] == wanted:
            return value
    return None


def _function_named(graph_def: memoryview, wanted: str) -> memoryview | None:
    """The FunctionDef of that name in the GraphDef's library (field 2)."""
    for field, wire_type, library in iter_fields(graph_def):
        if field != 2 or wire_type != LEN:
            continue
        for f2, w2, function in iter_fields(library):
            if f2 == 1 and w2 == LEN and _signature_name(function) == wanted:
                return function
    return None


def _signature_name(function: memoryview) -> str:
    for field, wire_type, value in iter_fields(function):
        if field == 1 and wire_type == LEN:  # the OpDef signature: its name is field 1
            for f2, w2, name in iter_fields(value):
                if f2 == 1 and w2 == LEN:
                    return _text(name)
            return ""
    return ""


def _function(function: memoryview) -> tuple[list[str], dict[str, tuple[str, list[str], dict]]]:
    """A FunctionDef's argument names (signature input_arg, in order) and its nodes by name."""
    arguments: list[str] = []
    nodes: dict[str, tuple[str, list[str], dict]] = {}
    for field, wire_type, value in iter_fields(function):
        if wire_type != LEN:
            continue
        if field == 1:
            for f2, w2, arg in iter_fields(value):
                if f2 == 2 and w2 == LEN:  # OpDef.input_arg: an ArgDef, its name field 1
                    arguments.append(next((_text(v) for f3, w3, v in iter_fields(arg) if f3 == 1 and w3 == LEN), ""))
        elif field == 3:
            name, op, inputs, attrs = _node(value, _CONSTANTS)
            nodes[name] = (op, inputs, attrs)
    return arguments, nodes


def _function_name(attr: memoryview | None) -> str:
    """AttrValue.func (10): a NameAttrList, its name field 1."""
    if attr is None:
        return ""
    for field, wire_type, value in iter_fields(attr):
        if field == 10 and wire_type == LEN:
            for f2, w2, name in iter_fields(value):
                if f2 == 1 and w2 == LEN:
                    return _text(name)
    return ""


def _string_values(attr: memoryview | None) -> list[str]:
    """AttrValue.tensor (8): a TensorProto's string_val (8), in order."""
    if attr is None:
        return []
    for field, wire_type, tensor in iter_fields(attr):
        if field == 8 and wire_type == LEN:
            return [_text(v) for f2, w2, v in iter_fields(tensor) if f2 == 8 and w2 == LEN]
    return []
