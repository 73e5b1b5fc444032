"""``ckpt-gui diff`` names an optimizer slot as the app does, under the variable it
belongs to (``.../_operations/4/gamma/velocity``), not by its opaque list position
(``optimizer/_velocities/4``; review, issue 11). TensorFlow's own object graph says
which variable each slot belongs to (Keras 3: by its list position)."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def _tf_slots(tf, prefix: str) -> dict[str, set[str]]:
    """TensorFlow's answer: each slot's checkpoint key -> the object paths of the
    variable it is a slot of, with the slot's name after them."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2  # noqa: PLC0415

    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(tf.train.load_checkpoint(prefix).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    paths: dict[int, list[str]] = {0: [""]}
    frontier = [0]
    while frontier:  # every path to every node (the graph is small)
        following = []
        for node_id in frontier:
            for child in graph.nodes[node_id].children:
                known = paths.setdefault(child.node_id, [])
                new = [f"{p}/{child.local_name}".lstrip("/") for p in paths[node_id]]
                if not known:
                    following.append(child.node_id)
                known.extend(p for p in new if p not in known and len(known) < 8)
        frontier = following
    slots = {}
    # Keras 3 keeps Adam's slots in lists beside the variables they belong to: slot i
    # of ``_momentums`` is the momentum of ``_trainable_variables/i`` (keras.optimizers.Adam.build).
    node_at = {p: node_id for node_id, known in paths.items() for p in known}
    for listed, slot_name in (("_momentums", "momentum"), ("_velocities", "velocity")):
        for path, node_id in node_at.items():
            head, _, position = path.rpartition("/")
            if head == f"optimizer/{listed}":
                key = graph.nodes[node_id].attributes[0].checkpoint_key
                owner = node_at[f"optimizer/_trainable_variables/{position}"]
                slots[key] = {f"{p}/{slot_name}" for p in paths[owner]}
    for node in graph.nodes:  # slots the object graph records (TF2 optimizers, tf_keras)
        for slot in node.slot_variables:
            key = graph.nodes[slot.slot_variable_node_id].attributes[0].checkpoint_key
            slots[key] = {f"{p}/{slot.slot_name}" for p in paths[slot.original_variable_node_id]}
    return slots


def test_diff_names_optimizer_slots_under_their_variable(checkpoints, tf):
    folder = checkpoints / "keras_seq"
    a, b = str(folder / "ckpt-3"), str(folder / "ckpt-4")
    slots = _tf_slots(tf, b)
    assert len(slots) >= 4
    report = json.loads(run_cli("diff", a, b, "--json").stdout)
    rows = {row["key"]: row for row in report["variables"]}
    table = run_cli("diff", a, b).stdout
    names = {line.split()[1] for line in table.splitlines()[4:] if line.startswith("changed")}
    for key, expected in slots.items():
        path = rows[key]["path"]  # added beside the keys, which stay as they were
        assert path in expected and not path.startswith("optimizer/_"), (key, path, expected)
        if rows[key]["status"] == "changed":
            assert path in names
    assert not any(name.startswith(("optimizer/_momentums", "optimizer/_velocities")) for name in names)
    plain = next(row for key, row in rows.items() if key not in slots and "_kernel" in row["path"])
    assert plain["key"].endswith("/.ATTRIBUTES/VARIABLE_VALUE")
