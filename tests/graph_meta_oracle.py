"""TensorFlow's answer for tests/test_graph_meta.py, in one child process.

    python tests/graph_meta_oracle.py OUT_DIR GRAPH_FILES.json

Writes into OUT_DIR: a tf.Module SavedModel with two signatures (``module/``), one with a
table and no variable (``no_variables/``), a Keras 3
``model.export`` (``keras3/``), a tf_keras ``model.save(dir)`` SavedModel (``tf_keras/``)
and a TF1 graph-mode Saver checkpoint with its ``.meta`` (``tf1/model.ckpt-1000``, seed 001's graph). Then,
for those and for every graph file listed in GRAPH_FILES.json (the real corpus), writes
``OUT_DIR/answer.json`` (Keras prints to stdout): what TensorFlow's own protos say each file holds (parsed with
``saved_model_pb2`` / ``meta_graph_pb2``), ``saved_model_cli``'s own printing of the
signatures, and for the SavedModels written here ``saved_model_cli show --all``'s whole
output and the variables ``tf.saved_model.load`` restores (object path, name, value); for
every TF2 SavedModel (written here or in the corpus), what ``tf.compat.v1.saved_model.load``
restores into each variable node of its graph (``session_restored``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import types_pb2, variable_pb2  # noqa: E402
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2  # noqa: E402
from tensorflow.python.framework import ops  # noqa: E402
from tensorflow.python.tools import saved_model_cli  # noqa: E402

VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")


# -- writing ---------------------------------------------------------------------------


class Scaler(tf.Module):
    def __init__(self):
        super().__init__(name="scaler")
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="weights")
        self.b = tf.Variable(np.ones(2, np.float32), name="bias")
        self.steps = tf.Variable(np.int64(4), name="steps", trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def predict(self, x):
        return {"y": tf.matmul(x, self.w) + self.b, "count": tf.shape(x)[0]}

    @tf.function(input_signature=[tf.TensorSpec([], tf.int64, name="by"), tf.TensorSpec(None, tf.string)])
    def bump(self, by, label):
        return {"steps": self.steps.assign_add(by), "label": label}


def write_module(out: str) -> str:
    path = os.path.join(out, "module")
    module = Scaler()
    tf.saved_model.save(module, path, signatures={"serving_default": module.predict, "bump": module.bump})
    return path


class Lookup(tf.Module):
    """No variable: a function and a constant-backed table (as a tf.Transform export)."""

    def __init__(self):
        super().__init__(name="lookup")
        init = tf.lookup.KeyValueTensorInitializer(tf.constant(["a", "b"]), tf.constant([1, 2], tf.int64))
        self.table = tf.lookup.StaticHashTable(init, default_value=-1)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def find(self, words):
        return self.table.lookup(words)


def write_no_variables(out: str) -> str:
    path = os.path.join(out, "no_variables")
    module = Lookup()
    tf.saved_model.save(module, path, signatures={"serving_default": module.find})
    return path


def write_keras3(out: str) -> str:
    import keras

    path = os.path.join(out, "keras3")
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4, name="d1"), keras.layers.Dense(2, name="d2")], name="sequential"
    )
    model.export(path)
    return path


def write_tf_keras(out: str) -> str:
    import tf_keras

    path = os.path.join(out, "tf_keras")
    model = tf_keras.Sequential(
        [tf_keras.Input((3,)), tf_keras.layers.Dense(4, name="d1"), tf_keras.layers.Dense(1, name="d2")]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0)
    model.save(path)  # a folder name: the SavedModel format
    return path


def write_tf1(out: str) -> str:
    """Seed 001's graph (``weights``, ``biases``, a placeholder ``x``, softmax) trained a
    step, with a scoped variable, a resource variable and the global step, saved as
    ``model.ckpt-1000`` with its ``.meta``."""
    prefix = os.path.join(out, "tf1", "model.ckpt")
    graph = tf.Graph()
    with graph.as_default():
        weights = tf.compat.v1.Variable(tf.zeros([784, 10]), name="weights")
        biases = tf.compat.v1.Variable(tf.zeros([10]), name="biases")
        x = tf.compat.v1.placeholder(tf.float32, [None, 784], name="x")
        with tf.compat.v1.variable_scope("head"):
            scale = tf.compat.v1.get_variable("scale", [], use_resource=True)
        tf.compat.v1.Variable(0.5, trainable=False, name="not_trained")
        step = tf.compat.v1.train.get_or_create_global_step()
        y = tf.nn.softmax(tf.matmul(x, weights) + biases) * scale
        loss = -tf.reduce_sum(tf.math.log(y + 1e-9))
        train = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
        tf.compat.v1.add_to_collection("my_nodes", loss)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            sess.run(train, {x: np.ones((2, 784), np.float32)})
            return tf.compat.v1.train.Saver().save(sess, prefix, global_step=1000)


def write_tf1_partitioned(out: str) -> str:
    """An Estimator-like graph: a DNN layer whose kernel is partitioned in 3 parts and a
    bias in 1 (``dnn/hiddenlayer_0/kernel/part_0``...), saved by a Saver with its ``.meta``."""
    prefix = os.path.join(out, "tf1_parts", "model.ckpt")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 6], name="x")
        with tf.compat.v1.variable_scope("dnn/hiddenlayer_0", partitioner=tf.compat.v1.fixed_size_partitioner(3)):
            kernel = tf.compat.v1.get_variable("kernel", [6, 4])
        with tf.compat.v1.variable_scope("dnn/hiddenlayer_0", partitioner=tf.compat.v1.fixed_size_partitioner(1)):
            bias = tf.compat.v1.get_variable("bias", [4], initializer=tf.compat.v1.zeros_initializer())
        tf.compat.v1.train.get_or_create_global_step()
        tf.identity(tf.matmul(x, kernel) + bias, name="logits")
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            return tf.compat.v1.train.Saver().save(sess, prefix, global_step=10)


def write_pbtxt(out: str, saved_model: str) -> str:
    """The module's SavedModel with its graph in text format (``saved_model.pbtxt``, as
    TensorFlow's loader also reads it), written by protobuf's text_format."""
    from google.protobuf import text_format

    target = os.path.join(out, "pbtxt")
    shutil.copytree(saved_model, target)
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(target, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    os.remove(os.path.join(target, "saved_model.pb"))
    with open(os.path.join(target, "saved_model.pbtxt"), "w") as f:
        f.write(text_format.MessageToString(proto))
    return target


# -- TensorFlow's reading ------------------------------------------------------------------


def shape_of(proto) -> list | None:
    return None if proto.unknown_rank else [d.size for d in proto.dim]


def tensor_info(key: str, info) -> dict:
    encoding = info.WhichOneof("encoding") or "name"
    return {
        "key": key,
        "name": info.name,
        "dtype": types_pb2.DataType.Name(info.dtype),
        "shape": shape_of(info.tensor_shape),
        "encoding": encoding,
    }


def collection_values(name: str, collection) -> tuple[str, list]:
    kind = collection.WhichOneof("kind") or "empty"
    if kind == "empty":
        return kind, []
    values = list(getattr(collection, kind).value)
    if kind == "bytes_list":
        if ops.get_collection_proto_type(name) is variable_pb2.VariableDef:
            values = [variable_pb2.VariableDef.FromString(v).variable_name for v in values]
        else:
            values = [f"<{len(v)} bytes>" for v in values]
    elif kind == "any_list":
        values = [f"<{v.ByteSize()} bytes>" for v in values]
    elif kind == "float_list":
        values = [float(np.float32(v)) for v in values]
    return kind, values


def describe_meta_graph(graph) -> dict:
    signatures = []
    for key in sorted(graph.signature_def):
        signature = graph.signature_def[key]
        signatures.append(
            {
                "key": key,
                "method_name": signature.method_name,
                "inputs": [tensor_info(k, signature.inputs[k]) for k in sorted(signature.inputs)],
                "outputs": [tensor_info(k, signature.outputs[k]) for k in sorted(signature.outputs)],
            }
        )
    nodes = []
    for node in graph.graph_def.node:
        if node.op in VARIABLE_OPS:
            shared = node.attr["shared_name"].s.decode() if "shared_name" in node.attr else ""
            nodes.append(
                {
                    "name": shared or node.name,
                    "node": node.name,
                    "op": node.op,
                    "dtype": tf.as_dtype(node.attr["dtype"].type).name,
                    "shape": shape_of(node.attr["shape"].shape) if "shape" in node.attr else None,
                }
            )
    # The parts of partitioned variables: TensorFlow's VariableDef.save_slice_info_def.
    partitions = {}
    for name in sorted(graph.collection_def):
        if ops.get_collection_proto_type(name) is not variable_pb2.VariableDef:
            continue
        for raw in graph.collection_def[name].bytes_list.value:
            variable = variable_pb2.VariableDef.FromString(raw)
            if variable.HasField("save_slice_info_def"):
                partitions[variable.variable_name.rpartition(":")[0]] = variable.save_slice_info_def.full_name
    objects = []
    for node_id, obj in enumerate(graph.object_graph_def.nodes):
        if obj.WhichOneof("kind") == "variable":
            v = obj.variable
            objects.append(
                {
                    "name": v.name,
                    "node": node_id,
                    "dtype": tf.as_dtype(v.dtype).name,
                    "shape": shape_of(v.shape),
                    "trainable": v.trainable,
                }
            )
    collections = {}
    for name in sorted(graph.collection_def):
        kind, values = collection_values(name, graph.collection_def[name])
        collections[name] = {"kind": kind, "values": values}
    cli_text = io.StringIO()
    with contextlib.redirect_stdout(cli_text):
        for key in sorted(graph.signature_def):
            print("\nsignature_def['" + key + "']:")
            saved_model_cli._show_inputs_outputs_mgd(graph, key, indent=1)
    return {
        "tags": list(graph.meta_info_def.tags),
        "tensorflow_version": graph.meta_info_def.tensorflow_version,
        "tensorflow_git_version": graph.meta_info_def.tensorflow_git_version,
        "signatures": signatures,
        "variable_nodes": nodes,
        "object_variables": objects,
        "collections": collections,
        "partitions": partitions,
        "signature_text": cli_text.getvalue(),
    }


def describe_file(path: str) -> dict:
    with open(path, "rb") as f:
        blob = f.read()
    if path.endswith(".meta"):
        graphs = [meta_graph_pb2.MetaGraphDef.FromString(blob)]
    else:
        graphs = list(saved_model_pb2.SavedModel.FromString(blob).meta_graphs)
    return {"meta_graphs": [describe_meta_graph(g) for g in graphs]}


def loaded_variables(saved_model: str) -> list[dict]:
    """What tf.saved_model.load restores: every variable reachable from the root by child
    names (first path, breadth first), with its name and value."""
    root = tf.saved_model.load(saved_model)
    found, seen, level = [], {id(root)}, [((), root)]
    while level:
        following = []
        for path, obj in level:
            for name, child in obj._trackable_children().items():
                if id(child) in seen:
                    continue
                seen.add(id(child))
                if isinstance(child, tf.Variable):
                    value = child.numpy()
                    found.append(
                        {"path": "/".join((*path, name)), "name": child.name.split(":")[0], "value": value.tolist()}
                    )
                following.append(((*path, name), child))
        level = following
    return found


def session_restored(saved_model: str) -> dict:
    """Each VarHandleOp node of the SavedModel's first MetaGraphDef -> the value
    ``tf.compat.v1.saved_model.load`` restores into it in a session (None: left
    uninitialised; a string value as "<strings>")."""
    with open(os.path.join(saved_model, "saved_model.pb"), "rb") as f:
        proto = saved_model_pb2.SavedModel.FromString(f.read())
    tags = list(proto.meta_graphs[0].meta_info_def.tags)
    found = {}
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as sess:
        tf.compat.v1.saved_model.loader.load(sess, tags, saved_model)
        for node in graph.as_graph_def().node:
            if node.op != "VarHandleOp":
                continue
            handle = graph.get_tensor_by_name(node.name + ":0")
            if not sess.run(tf.raw_ops.VarIsInitializedOp(resource=handle)):
                found[node.name] = None
                continue
            value = np.asarray(sess.run(tf.raw_ops.ReadVariableOp(resource=handle, dtype=node.attr["dtype"].type)))
            found[node.name] = "<strings>" if value.dtype.kind in "OSU" else value.tolist()
    return found


def has_object_graph(saved_model_pb: str) -> bool:
    with open(saved_model_pb, "rb") as f:
        proto = saved_model_pb2.SavedModel.FromString(f.read())
    return any(len(g.object_graph_def.nodes) for g in proto.meta_graphs)


def main(out: str, listed: str) -> int:
    written = {
        "module": write_module(out),
        "keras3": write_keras3(out),
        "tf_keras": write_tf_keras(out),
        "tf1": write_tf1(out),
    }
    with open(listed) as f:
        corpus = json.load(f)
    answer = {"written": written, "files": {}, "show_all": {}, "loaded": {}, "session_restored": {}}
    answer["tf1_keys"] = [name for name, _shape in tf.train.list_variables(written["tf1"])]
    parts = write_tf1_partitioned(out)
    answer["tf1_parts"] = {
        "path": parts,
        "keys": [name for name, _shape in tf.train.list_variables(parts)],
        "graph": describe_file(parts + ".meta"),
    }
    pbtxt = write_pbtxt(out, written["module"])
    keys = [name for name, _shape in tf.train.list_variables(os.path.join(pbtxt, "variables", "variables"))]
    answer["pbtxt"] = {"path": pbtxt, "keys": keys}
    no_variables = write_no_variables(out)
    listed = tf.train.list_variables(os.path.join(no_variables, "variables", "variables"))
    answer["no_variables"] = {"path": no_variables, "keys": [name for name, _shape in listed]}
    for name, path in written.items():
        graph_file = path + ".meta" if name == "tf1" else os.path.join(path, "saved_model.pb")
        answer["files"][graph_file] = describe_file(graph_file)
        if name != "tf1":
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                saved_model_cli._show_all(path)
            answer["show_all"][path] = text.getvalue()
            answer["loaded"][path] = loaded_variables(path)
            answer["session_restored"][path] = session_restored(path)
    for path in corpus:
        try:
            answer["files"][path] = describe_file(path)
        except Exception as exc:  # noqa: BLE001 - the test compares refusals too
            answer["files"][path] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        folder = os.path.dirname(path)
        if path.endswith("saved_model.pb") and has_object_graph(path):
            try:
                answer["session_restored"][folder] = session_restored(folder)
            except Exception as exc:  # noqa: BLE001 - e.g. a data shard left out of the corpus
                answer["session_restored"][folder] = {"error": f"{type(exc).__name__}: {exc}"}
    with open(os.path.join(out, "answer.json"), "w") as f:
        json.dump(answer, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
