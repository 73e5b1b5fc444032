"""The TF2 object graph: paths, preferred paths, slot links, escaping."""

from __future__ import annotations

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.object_graph import ObjectGraph


def _kernel_key(ckpt: Checkpoint) -> str:
    # Keras 3 stores a Sequential model's first kernel under the optimizer's list.
    (key,) = [v.key for v in ckpt.variables if v.shape == (12, 16) and v.object_paths[0].startswith("model/")]
    return key


def test_keras3_kernel_has_every_path_and_prefers_the_model_one(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    key = _kernel_key(ckpt)
    assert key == "optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE"
    paths = ckpt.variable(key).object_paths
    assert paths[0] == "model/_functional/_operations/1/_kernel"
    assert "optimizer/_trainable_variables/0" in paths
    assert "model/optimizer/_trainable_variables/0" in paths  # the model tracks its optimizer too

    # Cross-check with TensorFlow's own graph proto: the model path really leads to this node.
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    proto = trackable_object_graph_pb2.TrackableObjectGraph()
    proto.ParseFromString(tf.train.load_checkpoint(ckpt.prefix).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    node = 0
    for name in paths[0].split("/"):
        node = next(c.node_id for c in proto.nodes[node].children if c.local_name == name)
    assert proto.nodes[node].attributes[0].checkpoint_key == key


def test_every_variable_of_a_tf2_checkpoint_has_a_path(checkpoints):
    for scenario in ("keras_seq", "subclassed", "bare", "legacy_slots", "sharded", "savedmodel"):
        ckpt = Checkpoint.open(checkpoints / scenario)
        for v in ckpt.variables:
            if not v.is_object_graph:
                assert v.object_paths, (scenario, v.key)
                assert ".ATTRIBUTES" not in v.object_paths[0]


def test_tf1_checkpoints_have_no_object_graph(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "tf1")
    assert ckpt.object_graph is None
    assert all(v.object_paths == () for v in ckpt.variables)


def test_keras3_optimizer_slots_link_to_their_variable(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "subclassed")
    graph = ckpt.object_graph
    kernel_node, _a, _s = graph.attribute_of_key("model/dense1/_kernel/.ATTRIBUTES/VARIABLE_VALUE")
    slots = {link.slot_name for node, link in graph.slots.items() if link.variable_node == kernel_node}
    assert slots == {"momentum", "velocity"}
    momentum = ckpt.variable("optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE")
    assert momentum.shape == (20, 16)
    assert momentum.object_paths[0] == "optimizer/_momentums/0"  # says more than _variables/2


def test_legacy_optimizer_slot_variables(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "legacy_slots")
    graph = ckpt.object_graph
    key = "model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE"
    slot_node, _a, _s = graph.attribute_of_key(key)
    link = graph.slots[slot_node]
    assert link.slot_name == "m"
    assert graph.paths(link.variable_node)[0] == ("model", "dense", "kernel")
    assert ckpt.variable(key).object_paths == ("model/dense/kernel/.OPTIMIZER_SLOT/optimizer/m",)
    assert graph.is_optimizer_path(("optimizer", "beta1_power"))
    assert not graph.is_optimizer_path(("model", "dense", "kernel"))


def test_escaped_names_are_unescaped(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    assert ckpt.variable("values/tricky/a.Sb/.ATTRIBUTES/VARIABLE_VALUE").object_paths == ("values/tricky/a/b",)
    assert ckpt.variable("values/tricky/c..d/.ATTRIBUTES/VARIABLE_VALUE").object_paths == ("values/tricky/c.d",)


def test_attribute_with_a_suffixed_key(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    assert ckpt.variable("iterator/.ATTRIBUTES/ITERATOR_STATE").object_paths == ("iterator/ITERATOR_STATE",)


def test_full_names_are_kept(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    _node, attribute, _s = ckpt.object_graph.attribute_of_key(_kernel_key(ckpt))
    assert attribute.full_name.endswith("dense/kernel")


def test_garbled_graph_bytes_raise_wire_errors():
    with pytest.raises(WireFormatError):
        ObjectGraph.parse(b"\x0a\x05\x0a\x03\x08")  # a node whose child reference is cut short
    with pytest.raises(WireFormatError):
        ObjectGraph.parse(b"")
    with pytest.raises(WireFormatError):
        ObjectGraph.parse(b"\x0a\x04\x0a\x02\x08\x05")  # child points at node 5 of 1


def _proto_paths(proto) -> dict[str, int]:
    """Each "/"-joined path of local names in TensorFlow's parse of a tree graph -> its node."""
    found, stack = {}, [(0, ())]
    while stack:
        node, path = stack.pop()
        found["/".join(path)] = node
        stack += [(c.node_id, (*path, c.local_name)) for c in proto.nodes[node].children]
    return found


def test_tree_paths_from_the_columns_agree_with_the_walk_and_tensorflow(checkpoints, tf):
    """A graph that is a tree (no optimizer aliases) has its listing paths computed
    straight from the columns; they must be what the general walk gives, and each
    must lead, in TensorFlow's own parse of the graph, to the node saving the key."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    from ckpt_gui.core.format.object_graph import _tree_object_paths

    trees = 0
    for scenario in ("keras_seq", "subclassed", "bare", "legacy_slots", "sharded", "dtypes"):
        ckpt = Checkpoint.open(checkpoints / scenario)
        graph = ckpt.object_graph
        from_columns = _tree_object_paths(graph.columns)
        if from_columns is None:
            continue  # not a tree: the general walk answers
        trees += 1
        walked = ObjectGraph.parse(tf.train.load_checkpoint(ckpt.prefix).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
        walked.paths(0)  # the general walk, done before listing
        assert list(from_columns.items()) == list(walked.all_object_paths().items()), scenario
        proto = trackable_object_graph_pb2.TrackableObjectGraph()
        proto.ParseFromString(tf.train.load_checkpoint(ckpt.prefix).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
        node_at = _proto_paths(proto)
        for key, paths in from_columns.items():
            if key.endswith("/.ATTRIBUTES/VARIABLE_VALUE"):
                (path,) = paths
                saved = {a.checkpoint_key for a in proto.nodes[node_at[path]].attributes}
                assert key in saved, (scenario, key, path)
    assert trees, "no scenario's graph is a tree: the column path went untested"


def test_the_open_job_makes_what_the_graph_makes_on_first_use(checkpoints):
    """Slot links and each key's row are made lazily (listing needs neither); the app's
    opening job makes them, so a menu or a comparison does not make them on the GUI thread."""
    from ckpt_gui.app.opening import build_trees

    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    fresh = ckpt._read_object_graph()  # a second, fresh graph of the same checkpoint
    assert not {"slots", "_row_of_key", "_paths"} & set(vars(fresh))
    fresh.make_lazy_parts()
    assert fresh.slots == ckpt.object_graph.slots and fresh.slots
    build_trees(ckpt)
    assert {"slots", "_row_of_key", "_paths", "optimizer_nodes"} <= set(vars(ckpt.object_graph))


def test_each_keys_row_is_the_last_node_saving_it_across_slices(checkpoints, monkeypatch):
    """Each key's row is made a slice of rows at a time (the app's open job lets the
    GUI thread in between): with slices of two rows it is still the last row saving the
    key, as one dict over every row makes it, and every key is found."""
    from ckpt_gui.core.format import lock_slices

    ckpt = Checkpoint.open(checkpoints / "keras_seq")
    rows = ckpt.object_graph._attributes
    whole = dict(zip((row[3] for row in rows), rows))
    monkeypatch.setattr(lock_slices, "SLICE", 2)
    let_go = []
    monkeypatch.setattr(lock_slices, "between_slices", lambda: let_go.append(0))
    sliced = ckpt._read_object_graph()._row_of_key  # a fresh graph of the same checkpoint
    assert len(rows) > 4 and len(whole) == len({row[3] for row in rows})
    assert sliced == whole and list(sliced) == list(whole)
    assert len(let_go) >= len(rows) // 2 - 1
