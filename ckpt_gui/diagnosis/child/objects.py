"""Object-based (TF2) matching: for every checkpoint value, the object TensorFlow bound
it to (its own binding, recorded during its restore: binding.py) or, as a fallback,
the object the doctor's own walk of the graph and the user's objects meets; and what
that makes of it: consumed, a conflict, deferred, unmatched; then the user's variables
no value reached (missing)."""

from __future__ import annotations

import heapq
from itertools import count

from . import conventions
from .model_variables import (
    children,
    is_optimizer,
    layers_of_variables,
    object_paths,
    reachable_variables,
    slot_names,
    untracked_weights,
)
from .variables import compare, dtype_of, is_variable, shape_of


def read_graph(reader):
    """The checkpoint's object graph (TrackableObjectGraph proto)."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2  # the child's TensorFlow, never the parent's

    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor(conventions.OBJECT_GRAPH_KEY))
    return graph


def match_objects(tf, reader, shapes: dict, dtypes: dict, target: dict, bound: dict | None = None) -> dict:
    """The facts of every checkpoint value and every model variable. ``bound`` (node id
    -> object) is TensorFlow's own binding, recorded during its restore (binding.py);
    without it (TensorFlow internals not found) the doctor walks the graph itself."""
    graph = read_graph(reader)
    walk_root = bound.get(0, target["node0"]) if bound else target["node0"]
    view = tf.train.TrackableView(walk_root)
    optimizer_nodes = _optimizer_nodes(graph)
    graph_parent = _graph_parents(graph, optimizer_nodes)
    names = object_paths(view, walk_root)
    if bound is None:
        counter_of = target.get("save_counter_of")
        extras = {"save_counter": counter_of.save_counter} if counter_of is not None else {}
        binding = _WalkBinding(graph, optimizer_nodes, walk_root, view, extras)
    else:
        binding = _RecordedBinding(graph, bound, names, graph_parent, view)
    _reachable, owners = reachable_variables(view, walk_root)
    layer_of = layers_of_variables(view, owners)  # which Keras layer holds each variable, its name and class
    variables: list[dict] = []
    claims: dict[int, list[dict]] = {}
    slot_nodes = {slot.slot_variable_node_id for node in graph.nodes for slot in node.slot_variables}
    for node_id, node in enumerate(graph.nodes):
        for attribute in node.attributes:
            for key in _keys_of(attribute.checkpoint_key, shapes):
                entry = {
                    "checkpoint_key": key,
                    "checkpoint_shape": list(shapes[key]),
                    "checkpoint_dtype": dtypes[key],
                    "optimizer": _is_optimizer_state(node_id, key, graph_parent, optimizer_nodes),
                }
                if attribute.full_name:  # the value's own name when saved ("sequential/dense/kernel")
                    entry["saved_name"] = attribute.full_name
                obj = binding.matched.get(node_id)
                if obj is not None:
                    entry["model_path"] = binding.name_of(node_id)
                    if node_id not in slot_nodes:  # a legacy slot: no child path names it on either side
                        _saved_as(entry, node_id, graph_parent)
                    compare(entry, obj)
                    _name_layer(entry, layer_of.get(id(obj)))
                    if is_variable(obj):
                        claims.setdefault(id(obj), []).append(entry)
                        entry["_object"] = obj
                else:
                    _unmatched(entry, binding.deferred_to(node_id), _proto_path(node_id, graph_parent))
                    entry["_node"] = node_id
                variables.append(entry)
    _flag_shared(claims)
    variables += _missing(view, walk_root, set(claims), names, layer_of)
    return {"variables": variables, "holds_optimizer": any(is_optimizer(obj) for _path, obj in owners)}


def _name_layer(entry: dict, layer: tuple[str, str] | None) -> None:
    """The Keras layer that holds the model's variable: its name and class (the doctor's
    notes name a layer added or gone by them)."""
    if layer is not None:
        entry["model_layer"], entry["model_layer_class"] = layer


def _saved_as(entry: dict, node_id: int, graph_parent: dict) -> None:
    """The value's own path in the checkpoint, when the variable it is bound to has
    another: TensorFlow bound it by the order of its walk (a Keras 3 optimizer by
    position in ``_variables``), so an EMA average can land in a momentum."""
    saved = "/".join(_proto_path(node_id, graph_parent))
    if saved and saved != entry["model_path"]:
        entry["checkpoint_path"] = saved


def _flag_shared(claims: dict[int, list[dict]]) -> None:
    """A variable TensorFlow binds to two checkpoint values (reached by two paths that
    lead to different nodes): it is restored twice, and holds one of them."""
    for entries in claims.values():
        if len(entries) > 1:
            for entry in entries:
                entry["shared_with"] = [other["checkpoint_key"] for other in entries if other is not entry]


class _RecordedBinding:
    """TensorFlow's binding, as recorded; names by the user's objects' best paths."""

    def __init__(self, graph, bound: dict, names: dict, graph_parent: dict, view) -> None:
        self.matched = bound
        self._names = names
        self._graph_parent = graph_parent
        self._view = view
        self._slots = {
            slot.slot_variable_node_id: (node_id, slot.original_variable_node_id, slot.slot_name)
            for node_id, node in enumerate(graph.nodes)
            for slot in node.slot_variables
        }

    def name_of(self, node_id: int) -> str:
        obj = self.matched.get(node_id)
        name = self._names.get(id(obj)) if obj is not None else None
        if name is not None:
            return name
        if node_id in self._slots:  # a legacy optimizer's slot: no child path reaches it
            _optimizer, variable, slot_name = self._slots[node_id]
            return "/".join([self.name_of(variable), conventions.OPTIMIZER_SLOT, slot_name])
        return "/".join(_proto_path(node_id, self._graph_parent))

    def deferred_to(self, node_id: int) -> str | None:
        """The bound object TensorFlow holds this value back for, until it creates the
        variable: a legacy optimizer's slot not created yet, an optimizer not built, a
        Keras layer not built. Any other value TensorFlow cannot bind is unused (it
        defers those too, for ever: a renamed attribute)."""
        if node_id in self._slots:
            optimizer, variable, _name = self._slots[node_id]
            if optimizer in self.matched and variable in self.matched:
                return self.name_of(optimizer) or "(root)"
        walker = node_id
        while walker in self._graph_parent:
            walker = self._graph_parent[walker][0]
            obj = self.matched.get(walker)
            if obj is not None and _waits_for_build(self._view, obj):
                return self.name_of(walker) or "(root)"
        return None


def _waits_for_build(view, obj) -> bool:
    """An optimizer not built yet (its variables come at the first apply_gradients), or
    a Keras layer not built that has no variables of its own yet. A built object, or
    one that already holds variables, will not create the missing one."""
    if getattr(obj, "built", True) is not False:
        return False
    if is_optimizer(obj):
        return True
    return not any(is_variable(child) for child in children(view, obj).values())


class _WalkBinding:
    """The doctor's own walk (the fallback when TensorFlow's binding cannot be recorded)."""

    def __init__(self, graph, optimizer_nodes: set[int], root, view, root_extras: dict) -> None:
        def children_of(obj) -> dict:
            found = children(view, obj)
            return {**found, **root_extras} if obj is root else found

        self.matched, self._path_of, self._parent_of = _match_graph(graph, optimizer_nodes, root, children_of)
        self._slot_deferred = _match_slots(graph, self.matched, self._path_of)

    def name_of(self, node_id: int) -> str:
        return "/".join(self._path_of[node_id])

    def deferred_to(self, node_id: int) -> str | None:
        return self._slot_deferred.get(node_id) or _unbuilt_owner(node_id, self.matched, self._parent_of, self._path_of)


def prepare_root(tf, graph, target: dict, notes: list[str]) -> None:
    """The object to restore into (``target["root"]``) and the object TensorFlow binds
    the checkpoint's root to (``target["node0"]``): a bare model is restored as the
    checkpoint's root, as ``model.load_weights`` and ``tf.train.Checkpoint(model)`` do,
    or as its 'model' child when the checkpoint has one."""
    root = target["root"]
    target["node0"] = root
    if target.get("map_root"):
        root_children = {child.local_name for child in graph.nodes[0].children}
        if "model" in root_children and not hasattr(root, "model"):
            notes.append("mapped the script's model onto the checkpoint's 'model' child")
            target["root"] = target["node0"] = tf.train.Checkpoint(model=root)
        else:
            notes.append("mapped the script's model onto the checkpoint's root object")
            target["root"] = tf.train.Checkpoint(root)
        root = target["root"]
    # Not created here: restore() creates it after reading, and binds it then (not at
    # all when the read raised). The fallback walk takes it from the wrapper, beside a
    # model restored as the root (objects TensorFlow binds it to the same way).
    if isinstance(root, tf.train.Checkpoint) and any(c.local_name == "save_counter" for c in graph.nodes[0].children):
        target["save_counter_of"] = root


def _match_graph(graph, optimizer_nodes: set[int], root, children_of):
    """Walk the checkpoint's graph and the user's objects together, by local name, in
    order of how well a path names a value (see _walk_levels): a weight Keras 3 also
    lists under optimizer/_trainable_variables is named by its place in the model. A
    node whose first path leads nowhere in the user's objects (an optimizer not built
    yet has empty lists) may still match through another path: only a match settles it.

    Returns the matched objects and their paths by node, and the matched parent each
    node was reached from."""
    matched = {0: root}
    path_of = {0: ()}
    parent_of: dict[int, tuple[int, str]] = {}
    for node_id, parent, name, obj in _walk_levels(graph, optimizer_nodes, lambda n: children_of(matched[n])):
        if obj is None:
            parent_of.setdefault(node_id, (parent, name))
            continue
        parent_of[node_id] = (parent, name)
        matched[node_id] = obj
        path_of[node_id] = path_of[parent] + (name,)
    return matched, path_of, parent_of


def _graph_parents(graph, optimizer_nodes: set[int]) -> dict[int, tuple[int, str]]:
    """The checkpoint's own tree, matched or not, by the same preference for names;
    slot variables hang off their optimizer."""
    graph_parent = {node: (parent, name) for node, parent, name, _obj in _walk_levels(graph, optimizer_nodes)}
    for node_id, node in enumerate(graph.nodes):
        for slot in node.slot_variables:
            graph_parent.setdefault(slot.slot_variable_node_id, (node_id, slot.slot_name))
    return graph_parent


def _unmatched(entry: dict, owner: str | None, checkpoint_path: list[str]) -> None:
    """A checkpoint value nothing of the model met: deferred to an unbuilt owner, or unused."""
    entry["status"] = "deferred" if owner is not None else "unmatched"
    entry["model_path"] = None
    entry["checkpoint_path"] = "/".join(checkpoint_path)
    if owner is not None:
        entry["deferred_owner"] = owner


def _missing(view, root, claimed: set[int], names: dict[int, str], layer_of: dict) -> list[dict]:
    """The model's variables no checkpoint value claimed, untracked Keras weights too."""
    found = []
    reachable, owners = reachable_variables(view, root)
    slots = slot_names(owners, names)
    for path, obj in reachable:
        path = names.get(id(obj), path)
        if path == "save_counter" and obj is getattr(root, "save_counter", None):
            continue  # tf.train.Checkpoint's own counter, created by restore() itself: nothing of the user's
        if id(obj) not in claimed:
            found.append(_missing_entry(path, obj, optimizer=conventions.is_optimizer_name(path)))
            _name_layer(found[-1], layer_of.get(id(obj)))
            if id(obj) in slots:  # a Keras 3 slot by its variable, as the checkpoint's slots are named
                found[-1]["slot_name"] = slots[id(obj)]
    for path, obj, waits in untracked_weights(owners, {id(obj) for _path, obj in reachable}):
        found.append(_missing_entry(path, obj, optimizer=False, untracked=True, waits=waits))
    return found


def _missing_entry(path: str, obj, optimizer: bool, untracked: bool = False, waits: str | None = None) -> dict:
    entry = {"status": "missing", "checkpoint_key": None, "model_path": path}
    if untracked:
        entry["untracked"] = True
    if waits:  # the unbuilt Sequential that would make it reachable once built
        entry["deferred_owner"] = waits
    entry.update(model_shape=shape_of(obj), model_dtype=dtype_of(obj), checkpoint_shape=None,
                 checkpoint_dtype=None, optimizer=optimizer)  # fmt: skip
    return entry


def _is_optimizer_state(node_id: int, key: str, graph_parent: dict, optimizer_nodes: set[int]) -> bool:
    """Whether a checkpoint value is an optimizer's own state (slots, step, learning rate).
    A value the checkpoint reaches only through an optimizer's list of the model's
    trainable variables is a model weight whose layer the saved model did not track."""
    if conventions.OPTIMIZER_SLOT in key:
        return True
    if not _under(node_id, graph_parent, optimizer_nodes):
        return False
    return conventions.OPTIMIZER_TRAINABLE_LIST not in _proto_path(node_id, graph_parent)[:-1]


def _keys_of(checkpoint_key: str, shapes: dict) -> list[str]:
    """Bundle keys an attribute saved: the key itself, or it plus a suffix (iterators)."""
    if checkpoint_key in shapes:
        return [checkpoint_key]
    return [k for k in shapes if k.startswith(checkpoint_key) and "/" not in k[len(checkpoint_key) :]]


def _match_slots(graph, matched: dict, path_of: dict) -> dict[int, str]:
    """Legacy optimizers list slots as (variable, slot name): ask the optimizer for them.
    Returns slot nodes whose slot does not exist yet (created at the first step)."""
    deferred = {}
    for node_id, node in enumerate(graph.nodes):
        optimizer = matched.get(node_id)
        for slot in node.slot_variables:
            variable = matched.get(slot.original_variable_node_id)
            if optimizer is None or variable is None:
                continue
            value = _slot_of(optimizer, variable, slot.slot_name)
            if value is not None:
                matched[slot.slot_variable_node_id] = value
                base = path_of.get(slot.original_variable_node_id, ())
                path_of[slot.slot_variable_node_id] = base + (conventions.OPTIMIZER_SLOT, slot.slot_name)
            else:
                deferred[slot.slot_variable_node_id] = "/".join(path_of.get(node_id, ())) or "optimizer"
    return deferred


def _slot_of(optimizer, variable, slot_name: str):
    get_slot = getattr(optimizer, "get_slot", None)
    if get_slot is None:
        return None
    try:
        return get_slot(variable, slot_name)
    except Exception:  # noqa: BLE001 - no such slot yet
        return None


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
            edge = _edge_level(child, optimizer_nodes)
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


def _edge_level(child, optimizer_nodes: set[int]) -> int:
    """How badly an edge names what it leads to: 0 a model's, 1 into an optimizer, 2 a catch-all list."""
    if child.local_name in conventions.CATCH_ALL_LISTS:
        return 2
    return 1 if child.node_id in optimizer_nodes else 0


def _optimizer_nodes(graph) -> set[int]:
    nodes = set()
    for node_id, node in enumerate(graph.nodes):
        names = [child.local_name for child in node.children]
        if conventions.is_optimizer_object(names, bool(node.slot_variables)):
            nodes.add(node_id)
        nodes.update(child.node_id for child in node.children if conventions.is_optimizer_name(child.local_name))
    return nodes


def _under(node_id: int, parent_of: dict, nodes: set[int]) -> bool:
    walker = node_id
    while True:
        if walker in nodes:
            return True
        if walker not in parent_of:
            return False
        walker = parent_of[walker][0]
