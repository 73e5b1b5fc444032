"""The restore attempt itself, run in a child Python process that imports TensorFlow.

Run as a script by path (``python child.py``): it needs only the standard library,
numpy and TensorFlow, so any interpreter with TensorFlow works, including one
without ckpt-gui installed (the user's training environment).

Protocol: one JSON object per line on the original standard output (the user
script's own prints are redirected to stderr), one request line on stdin.

    child -> {"event": "phase", "phase": "importing tensorflow"}
    child -> {"event": "ready", "tensorflow": "2.x", "python": "3.x"}
    parent -> {"checkpoint": PREFIX, "script": PATH, "workdir": DIR}
    child -> {"event": "phase", ...} ...
    child -> {"event": "report", "report": {...}}  or  {"event": "error", ...}

The child only states facts (what matched, what TensorFlow said); the parent turns
them into the report with suggestions and notes (ckpt_gui.diagnosis.report).
"""

from __future__ import annotations

import faulthandler
import heapq
import json
import os
import sys
import traceback
from collections import deque
from itertools import count

_PROTOCOL = None  # the file object for protocol lines


def main() -> int:
    global _PROTOCOL
    # Keep the real stdout for the protocol; anything the user's script prints goes
    # to stderr, which the parent keeps as the attempt's log.
    _PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # A crash in the script (a C extension, ctypes) then leaves the Python lines it was
    # running in the log the parent shows.
    faulthandler.enable(sys.stderr)
    send({"event": "phase", "phase": "importing TensorFlow"})
    try:
        import numpy  # noqa: F401
        import tensorflow as tf
    except BaseException as exc:  # noqa: BLE001 - report anything, even SystemExit from a broken install
        send_error(exc, "importing TensorFlow")
        return 3
    send({"event": "ready", "tensorflow": tf.__version__, "python": sys.version.split()[0]})
    line = sys.stdin.readline()
    if not line:
        return 0  # the parent went away or does not need this warm child
    request = json.loads(line)
    try:
        report = attempt(request)
    except ScriptError as exc:
        send_error(exc.cause, exc.phase, exc.trace)
        return 1
    except BaseException as exc:  # noqa: BLE001
        send_error(exc, "diagnosing")
        return 1
    send({"event": "report", "report": report})
    return 0


def send(message: dict) -> None:
    _PROTOCOL.write(json.dumps(message) + "\n")
    _PROTOCOL.flush()


def send_error(exc: BaseException, phase: str, trace: str | None = None) -> None:
    if isinstance(exc, SystemExit):
        when = "" if phase == "running the script" else f" while {phase}"
        kind, message = "SystemExit", f"the script called sys.exit({exc.code!r}){when}"
    else:
        kind, message = type(exc).__name__, str(exc) or type(exc).__name__
    send({
        "event": "error",
        "error": {
            "type": kind, "message": message, "phase": phase,
            "traceback": trace if trace is not None else traceback.format_exc(),
        },
    })  # fmt: skip


class ScriptError(Exception):
    """The user's script failed: report its own traceback, not ours."""

    def __init__(self, cause: BaseException, phase: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.phase = phase
        self.trace = user_traceback(cause)


def user_traceback(exc: BaseException) -> str:
    """The traceback through the user's code only: this file's and runpy's frames say
    nothing to them. Empty when no frame is theirs (an error of ours about the script,
    whose message says it all)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename != __file__ and not frame.filename.startswith("<frozen")
    ]
    if not frames:
        return ""
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(type(exc), exc))


def _described(value) -> str:
    """``42 (an int)``: what the script handed over, briefly."""
    name = type(value).__name__
    text = repr(value)
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"{shown} ({'an' if name[:1].lower() in 'aeiou' else 'a'} {name})"


def phase(name: str) -> None:
    send({"event": "phase", "phase": name})


# -- the attempt ---------------------------------------------------------------------------


def attempt(request: dict) -> dict:
    import tensorflow as tf

    prefix, script = request["checkpoint"], request["script"]
    os.chdir(request.get("workdir") or os.path.dirname(script))
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    phase("running the script")
    namespace = run_script(script)
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = {k: v.name for k, v in reader.get_variable_to_dtype_map().items()}
    object_based = "_CHECKPOINTABLE_OBJECT_GRAPH" in shapes
    phase("building the model")
    target, notes = resolve_target(namespace, object_based, tf)
    phase("matching")
    if object_based:
        facts = match_objects(tf, reader, shapes, dtypes, target, notes)
        phase("restoring")
        facts["tensorflow"] = restore_objects(tf, target, prefix)
    else:
        facts = match_names(tf, shapes, dtypes, target, notes)
        phase("restoring")
        facts["tensorflow"] = restore_names(tf, target, prefix)
    phase("verifying the restored values")
    verify(tf, reader, facts, target.get("session"))
    facts["notes"] = notes
    facts["mode"] = "object" if object_based else "name"
    facts["tensorflow_version"] = tf.__version__
    for variable in facts["variables"]:
        variable.pop("_object", None)
    return facts


def run_script(script: str) -> dict:
    import runpy

    try:
        # Not "__main__": a training block under `if __name__ == "__main__":` must not run.
        return runpy.run_path(script, run_name="__ckpt_gui_model__")
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
        raise ScriptError(exc, "running the script") from None


def resolve_target(namespace: dict, object_based: bool, tf) -> tuple[dict, list[str]]:
    """What to restore into, by the contract: ``build()`` first, then a module-level
    tf.train.Checkpoint (or, for name-based checkpoints, the graph's variables)."""
    notes: list[str] = []
    build = namespace.get("build")
    if callable(build):
        try:
            built = build()
        except BaseException as exc:  # noqa: BLE001
            raise ScriptError(exc, "calling build()") from None
        return describe_target(built, object_based, tf, notes, "build()"), notes
    checkpoints = [(name, value) for name, value in namespace.items() if isinstance(value, tf.train.Checkpoint)]
    if checkpoints:
        name, value = sorted(checkpoints, key=lambda item: item[0] not in ("checkpoint", "ckpt"))[0]
        notes.append(f"used the script's module-level tf.train.Checkpoint '{name}'")
        return describe_target(value, object_based, tf, notes, name), notes
    if not object_based and not tf.executing_eagerly():
        variables = tf.compat.v1.global_variables()
        if variables:
            notes.append(f"used the {len(variables)} variables the script created in its graph")
            return {"kind": "names", "variables": {v.op.name: v for v in variables}, "graph": True}, notes
    raise ScriptError(
        LookupError(
            "the script defines no build() function and no module-level tf.train.Checkpoint: "
            "add `def build(): return tf.train.Checkpoint(model=...)` (see the README's model-script contract)"
        ),
        "looking for the model",
    )


def describe_target(value, object_based: bool, tf, notes: list[str], origin: str) -> dict:
    if isinstance(value, tf.train.Checkpoint):
        return {"kind": "objects", "root": value}
    if isinstance(value, dict):
        if object_based or not value or not all(_is_variable(v) for v in value.values()):
            notes.append(f"{origin} returned a dict: restoring into tf.train.Checkpoint(**dict)")
            return {"kind": "objects", "root": tf.train.Checkpoint(**value)}
        return {"kind": "names", "variables": dict(value), "graph": not tf.executing_eagerly()}
    if isinstance(value, list | tuple) and value and all(_is_variable(v) for v in value):
        variables = {_variable_name(v): v for v in value}
        if object_based:
            notes.append(f"{origin} returned a list of variables: matching them by name needs a name-based checkpoint")
        return {"kind": "names", "variables": variables, "graph": not tf.executing_eagerly()}
    if isinstance(value, tf.Module) or hasattr(value, "_trackable_children"):
        return {"kind": "objects", "root": value, "map_root": True}
    raise ScriptError(
        TypeError(
            f"{origin} gave {_described(value)}; expected a tf.train.Checkpoint, a dict of trackables, "
            "a Keras model or tf.Module, or (name-based checkpoints) a list or dict of variables"
        ),
        "building the model",
    )


def _is_variable(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "assign")


def _variable_name(variable) -> str:
    name = getattr(variable, "path", None) or variable.name
    return name[:-2] if name.endswith(":0") else name


# -- object-based matching -------------------------------------------------------------------


def match_objects(tf, reader, shapes: dict, dtypes: dict, target: dict, notes: list[str]) -> dict:
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    root = target["root"]
    if target.get("map_root"):
        root_children = {child.local_name for child in graph.nodes[0].children}
        if "model" in root_children and not hasattr(root, "model"):
            notes.append("mapped the script's model onto the checkpoint's 'model' child")
            root = tf.train.Checkpoint(model=root)
        else:
            notes.append("mapped the script's model onto the checkpoint's root object")
            root = tf.train.Checkpoint(root)
        target["root"] = root
    if isinstance(root, tf.train.Checkpoint) and any(c.local_name == "save_counter" for c in graph.nodes[0].children):
        _ = root.save_counter  # created on first use, as restore() itself would create it
    view = tf.train.TrackableView(root)

    # Walk the checkpoint's graph and the user's objects together, by local name, in
    # order of how well a path names a value (see _walk_levels): a weight Keras 3 also
    # lists under optimizer/_trainable_variables is named by its place in the model. A
    # node whose first path leads nowhere in the user's objects (an optimizer not built
    # yet has empty lists) may still match through another path: only a match settles it.
    optimizer_nodes = _optimizer_nodes(graph)
    matched = {0: root}
    path_of = {0: ()}
    parent_of: dict[int, tuple[int, str]] = {}  # the matched parent each node was reached from
    for node_id, parent, name, obj in _walk_levels(graph, optimizer_nodes, lambda n: _children(view, matched[n])):
        if obj is None:
            parent_of.setdefault(node_id, (parent, name))
            continue
        parent_of[node_id] = (parent, name)
        matched[node_id] = obj
        path_of[node_id] = path_of[parent] + (name,)
    slot_deferred = _match_slots(graph, matched, path_of, parent_of)
    # The checkpoint's own tree, matched or not, by the same preference for names.
    graph_parent = {node: (parent, name) for node, parent, name, _obj in _walk_levels(graph, optimizer_nodes)}
    for node_id, node in enumerate(graph.nodes):  # slot variables hang off their optimizer
        for slot in node.slot_variables:
            graph_parent.setdefault(slot.slot_variable_node_id, (node_id, slot.slot_name))

    variables: list[dict] = []
    claimed: set[int] = set()
    for node_id, node in enumerate(graph.nodes):
        for attribute in node.attributes:
            for key in _keys_of(attribute.checkpoint_key, shapes):
                entry = {
                    "checkpoint_key": key,
                    "checkpoint_shape": list(shapes[key]),
                    "checkpoint_dtype": dtypes[key],
                    "optimizer": _is_optimizer_state(node_id, key, graph_parent, optimizer_nodes),
                }
                obj = matched.get(node_id)
                if obj is not None:
                    entry["model_path"] = "/".join(path_of[node_id])
                    _compare(entry, obj)
                    if _is_variable(obj):
                        claimed.add(id(obj))
                        entry["_object"] = obj
                else:
                    owner = slot_deferred.get(node_id) or _unbuilt_owner(node_id, matched, parent_of, path_of)
                    entry["status"] = "deferred" if owner is not None else "unmatched"
                    entry["model_path"] = None
                    entry["checkpoint_path"] = "/".join(_proto_path(node_id, graph_parent))
                    if owner is not None:
                        entry["deferred_owner"] = owner
                variables.append(entry)
    reachable, owners = _model_variables(view, root)
    for path, obj in reachable:
        if id(obj) not in claimed:
            variables.append({
                "status": "missing", "checkpoint_key": None, "model_path": path,
                "model_shape": _shape(obj), "model_dtype": _dtype(obj), "checkpoint_shape": None,
                "checkpoint_dtype": None, "optimizer": "optimizer" in path.lower(),
            })  # fmt: skip
    for path, obj in _untracked_weights(owners, {id(obj) for _path, obj in reachable}):
        variables.append({
            "status": "missing", "checkpoint_key": None, "model_path": path, "untracked": True,
            "model_shape": _shape(obj), "model_dtype": _dtype(obj), "checkpoint_shape": None,
            "checkpoint_dtype": None, "optimizer": False,
        })  # fmt: skip
    return {"variables": variables}


def _is_optimizer_state(node_id: int, key: str, graph_parent: dict, optimizer_nodes: set[int]) -> bool:
    """Whether a checkpoint value is an optimizer's own state (slots, step, learning rate).
    A value the checkpoint reaches only through an optimizer's list of the model's
    trainable variables is a model weight whose layer the saved model did not track."""
    if ".OPTIMIZER_SLOT" in key:
        return True
    if not _under(node_id, graph_parent, optimizer_nodes):
        return False
    return "_trainable_variables" not in _proto_path(node_id, graph_parent)[:-1]


def _children(view, obj) -> dict:
    try:
        return dict(view.children(obj))
    except Exception:  # noqa: BLE001 - an object that cannot list its children matches nothing
        return {}


def _keys_of(checkpoint_key: str, shapes: dict) -> list[str]:
    """Bundle keys an attribute saved: the key itself, or it plus a suffix (iterators)."""
    if checkpoint_key in shapes:
        return [checkpoint_key]
    return [k for k in shapes if k.startswith(checkpoint_key) and "/" not in k[len(checkpoint_key) :]]


def _compare(entry: dict, obj) -> None:
    if not _is_variable(obj):
        entry["status"] = "consumed"  # iterators, tables, Python state: restorable, no shape to compare
        entry["model_shape"] = entry["checkpoint_shape"]
        entry["model_dtype"] = entry["checkpoint_dtype"]
        return
    entry["model_shape"] = _shape(obj)
    entry["model_dtype"] = _dtype(obj)
    if entry["model_shape"] != entry["checkpoint_shape"]:
        entry["status"] = "shape_conflict"
    elif entry["model_dtype"] != entry["checkpoint_dtype"]:
        entry["status"] = "dtype_conflict"
    else:
        entry["status"] = "consumed"


def _shape(obj) -> list[int]:
    return [int(d) if d is not None else -1 for d in list(obj.shape)]


def _dtype(obj) -> str:
    dtype = obj.dtype
    name = getattr(dtype, "name", None) or str(dtype)
    return name[:-4] if name.endswith("_ref") else name


def _match_slots(graph, matched: dict, path_of: dict, parent_of: dict) -> dict[int, str]:
    """Legacy optimizers list slots as (variable, slot name): ask the optimizer for them.
    Returns slot nodes whose slot does not exist yet (created at the first step)."""
    deferred = {}
    for node_id, node in enumerate(graph.nodes):
        optimizer = matched.get(node_id)
        for slot in node.slot_variables:
            variable = matched.get(slot.original_variable_node_id)
            if optimizer is None or variable is None:
                continue
            value = None
            get_slot = getattr(optimizer, "get_slot", None)
            if get_slot is not None:
                try:
                    value = get_slot(variable, slot.slot_name)
                except Exception:  # noqa: BLE001 - no such slot yet
                    value = None
            if value is not None:
                matched[slot.slot_variable_node_id] = value
                base = path_of.get(slot.original_variable_node_id, ())
                path_of[slot.slot_variable_node_id] = base + (".OPTIMIZER_SLOT", slot.slot_name)
            else:
                deferred[slot.slot_variable_node_id] = "/".join(path_of.get(node_id, ())) or "optimizer"
    return deferred


def _unbuilt_owner(node_id: int, matched: dict, parent_of: dict, path_of: dict) -> str | None:
    """The nearest matched ancestor, if it is a Keras layer/model or optimizer not yet
    built: its variables do not exist until it is (TensorFlow defers the restore)."""
    walker = node_id
    while walker in parent_of:
        walker = parent_of[walker][0]
        obj = matched.get(walker)
        if obj is not None:
            if getattr(obj, "built", True) is False:
                return "/".join(path_of[walker]) or "(root)"
            return None
    return None


def _proto_path(node_id: int, parent_of: dict) -> list[str]:
    names = []
    while node_id in parent_of:
        node_id, name = parent_of[node_id]
        names.append(name)
    return list(reversed(names))


# Lists that hold every variable again under a number: a path through one names a value
# worse than its own attribute path (or than an optimizer's _momentums/3).
_CATCH_ALL_LISTS = {"_variables", "_trainable_variables", "_non_trainable_variables", "_all_variables"}


def _walk_levels(graph, optimizer_nodes: set[int], children_of=None):
    """Breadth-first over the checkpoint's graph from the root, settling each node at its
    best path: paths outside optimizers first, then through an optimizer, then through
    a catch-all list. Yields ``(node, parent, local name, object)``. With
    ``children_of(node) -> {name: object}`` (the user's objects), only children the
    object has are followed; a child it lacks is yielded with object None, once for
    each settled parent that lacks it."""
    settled = {0}
    heap: list = []
    order = count()

    def expand(node_id: int, level: int):
        """Queue a settled node's children; yield those its object lacks."""
        objects = children_of(node_id) if children_of is not None else None
        for child in graph.nodes[node_id].children:
            if child.node_id in settled:
                continue
            if objects is not None and child.local_name not in objects:
                yield child.node_id, node_id, child.local_name, None
                continue
            edge = 2 if child.local_name in _CATCH_ALL_LISTS else 1 if child.node_id in optimizer_nodes else 0
            obj = objects[child.local_name] if objects is not None else None
            heapq.heappush(heap, (max(level, edge), next(order), child.node_id, node_id, child.local_name, obj))

    yield from expand(0, 0)
    while heap:
        level, _n, node_id, parent, name, obj = heapq.heappop(heap)
        if node_id in settled:
            continue
        settled.add(node_id)
        yield node_id, parent, name, obj
        yield from expand(node_id, level)


def _optimizer_nodes(graph) -> set[int]:
    nodes = set()
    for node_id, node in enumerate(graph.nodes):
        names = {child.local_name for child in node.children}
        if node.slot_variables or len(names & {"_iterations", "iter", "iterations", "_learning_rate"}) >= 2:
            nodes.add(node_id)
        for child in node.children:
            if "optimizer" in child.local_name.lower():
                nodes.add(child.node_id)
    return nodes


def _under(node_id: int, parent_of: dict, nodes: set[int]) -> bool:
    walker = node_id
    while True:
        if walker in nodes:
            return True
        if walker not in parent_of:
            return False
        walker = parent_of[walker][0]


def _model_variables(view, root) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """Every variable reachable from the root, at its first (shortest) path; and every
    other object reached, with its path (the owners of those variables)."""
    seen: set[int] = {id(root)}
    found = []
    owners = [("", root)]
    queue = deque([(root, ())])
    while queue:
        obj, path = queue.popleft()
        for name, child in _children(view, obj).items():
            if id(child) in seen:
                continue
            seen.add(id(child))
            child_path = path + (name,)
            if _is_variable(child):
                found.append(("/".join(child_path), child))
            else:
                owners.append(("/".join(child_path), child))
                queue.append((child, child_path))
    return found, owners


def _untracked_weights(owners: list[tuple[str, object]], reachable: set[int]) -> list[tuple[str, object]]:
    """Weights Keras knows (layer.weights) that no checkpoint path reaches: Keras 3 does
    not make layers kept in a plain Python list attribute checkpoint children, so
    TensorFlow silently never saves or restores them. Named by the attribute that holds
    them, as ``model/blocks[0]/kernel``, a path no restore can follow."""
    found = []
    claimed = set(reachable)
    for path, owner in owners:
        if not _is_keras_layer(owner):
            continue
        # Public attributes first: the user's own name (blocks[0]), not Keras' _layers[1].
        for attribute, value in sorted(vars(owner).items(), key=lambda item: item[0].startswith("_")):
            if isinstance(value, dict):
                items = list(value.items())
            elif isinstance(value, list | tuple):
                items = list(enumerate(value))
            else:
                continue
            for index, layer in items:
                if not _is_keras_layer(layer):
                    continue
                for weight in getattr(layer, "weights", []):
                    if id(weight) in claimed:
                        continue
                    claimed.add(id(weight))
                    name = str(getattr(weight, "path", getattr(weight, "name", "weight"))).split("/")[-1].split(":")[0]
                    found.append((f"{path + '/' if path else ''}{attribute}[{index!r}]/{name}", weight))
    return found


def _is_keras_layer(obj) -> bool:
    for module in ("keras", "tf_keras"):  # whichever the script imported; never imported here
        layer_class = getattr(getattr(sys.modules.get(module), "layers", None), "Layer", None)
        if layer_class is not None and isinstance(obj, layer_class):
            return True
    return False


def restore_objects(tf, target: dict, prefix: str) -> dict:
    root = target["root"]
    try:
        status = root.restore(prefix)
    except Exception as exc:  # noqa: BLE001 - TensorFlow stops at the first conflict
        return {"verdict": "restore() raised", "message": _first_lines(f"{type(exc).__name__}: {exc}")}
    try:
        status.assert_consumed()
        verdict = {"verdict": "assert_consumed() passed", "message": ""}
    except AssertionError as exc:
        try:
            status.assert_existing_objects_matched()
            verdict = {
                "verdict": "assert_consumed() failed; assert_existing_objects_matched() passed",
                "message": _first_lines(str(exc)),
            }
        except AssertionError as exc2:
            verdict = {"verdict": "assert_existing_objects_matched() failed", "message": _first_lines(str(exc2))}
    status.expect_partial()  # the report says what was not used; no warnings at exit
    return verdict


# -- name-based matching -----------------------------------------------------------------------


def match_names(tf, shapes: dict, dtypes: dict, target: dict, notes: list[str]) -> dict:
    if target["kind"] != "names":
        raise ScriptError(
            TypeError(
                "this checkpoint is name-based (TF1 Saver): build() must return a list of variables or "
                "a dict of checkpoint name -> variable, as tf.compat.v1.train.Saver(var_list) takes"
            ),
            "building the model",
        )
    variables = []
    used = set()
    for name, var in target["variables"].items():
        entry = {"model_path": name, "model_shape": _shape(var), "model_dtype": _dtype(var), "optimizer": False}
        if name in shapes:
            used.add(name)
            entry.update(checkpoint_key=name, checkpoint_shape=list(shapes[name]), checkpoint_dtype=dtypes[name])
            _compare(entry, var)
            entry["_object"] = var
        else:
            entry.update(status="missing", checkpoint_key=None, checkpoint_shape=None, checkpoint_dtype=None)
        variables.append(entry)
    for key in sorted(set(shapes) - used):
        variables.append({
            "status": "unmatched", "checkpoint_key": key, "model_path": None,
            "checkpoint_shape": list(shapes[key]), "checkpoint_dtype": dtypes[key],
            "model_shape": None, "model_dtype": None, "optimizer": _tf1_optimizer_name(key),
        })  # fmt: skip
    return {"variables": variables}


def _tf1_optimizer_name(key: str) -> bool:
    last = key.rsplit("/", 1)[-1]
    return last.startswith(("Adam", "Momentum", "RMSProp", "Adagrad", "Ftrl")) or key in (
        "beta1_power", "beta2_power", "global_step",
    )  # fmt: skip


def restore_names(tf, target: dict, prefix: str) -> dict:
    variables = target["variables"]
    try:
        saver = tf.compat.v1.train.Saver(var_list=variables)
        if target.get("graph"):
            session = tf.compat.v1.Session(graph=next(iter(variables.values())).graph)
            session.run(tf.compat.v1.variables_initializer(list(variables.values())))
            saver.restore(session, prefix)
            target["session"] = session
        else:
            saver.restore(None, prefix)
    except Exception as exc:  # noqa: BLE001
        return {"verdict": "Saver.restore() raised", "message": _first_lines(f"{type(exc).__name__}: {exc}")}
    return {"verdict": "Saver.restore() succeeded", "message": ""}


# -- after the restore -------------------------------------------------------------------------


def verify(tf, reader, facts: dict, session=None) -> None:
    """Do the consumed variables now hold the checkpoint's values?"""
    import numpy as np

    for entry in facts["variables"]:
        obj = entry.get("_object")
        if obj is None or entry["status"] != "consumed":
            continue
        try:
            if session is not None:
                value = session.run(obj)
            elif hasattr(obj, "numpy"):
                value = obj.numpy()
            else:
                value = None
            expected = reader.get_tensor(entry["checkpoint_key"])
            if value is None:
                entry["restored"] = None
            else:
                entry["restored"] = bool(
                    np.array_equal(
                        np.asarray(value), np.asarray(expected), equal_nan=np.asarray(value).dtype.kind == "f"
                    )
                )
        except Exception:  # noqa: BLE001 - a value that cannot be read back is reported as unknown
            entry["restored"] = None


def _first_lines(text: str, limit: int = 1500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


if __name__ == "__main__":
    sys.exit(main())
