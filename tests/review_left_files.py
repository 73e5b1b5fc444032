"""Writes the files tests/test_app_review_left.py opens, with TensorFlow and Keras, in
a child process (``python tests/review_left_files.py OUT [CORPUS_META ...]``), and
prints what TensorFlow itself reads in the graph files (its MetaGraphDef protos) as
one JSON line: the oracle."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import meta_graph_pb2  # noqa: E402


def keras_model(out: str) -> None:
    """A Keras 3 model archive with its optimizer's state (fitted once)."""
    import keras

    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(5, name="hidden"), keras.layers.Dense(2, name="out")]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 6), "float32"), np.ones((8, 2), "float32"), epochs=1, verbose=0)
    model.save(os.path.join(out, "model.keras"))


def tf1_meta(out: str, with_signature: bool) -> str:
    """A TF1 Saver's checkpoint and .meta; ``with_signature``: a predict SignatureDef
    added to the .meta, as an exporter that keeps one there does."""
    os.makedirs(out, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, (None, 3), name="x")
        weight = tf.compat.v1.get_variable("dense/kernel", (3, 2))
        y = tf.matmul(x, weight, name="y")
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            prefix = saver.save(session, os.path.join(out, "model"))
        if with_signature:
            meta = meta_graph_pb2.MetaGraphDef()
            with open(prefix + ".meta", "rb") as f:
                meta.ParseFromString(f.read())
            signature = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})
            meta.signature_def["serving_default"].CopyFrom(signature)
            with open(prefix + ".meta", "wb") as f:
                f.write(meta.SerializeToString())
    return prefix + ".meta"


def what_tensorflow_reads(path: str) -> dict:
    meta = meta_graph_pb2.MetaGraphDef()
    with open(path, "rb") as f:
        meta.ParseFromString(f.read())
    return {"signatures": sorted(meta.signature_def), "collections": sorted(meta.collection_def)}


def main(argv: list[str]) -> int:
    out = argv[1]
    keras_model(out)
    metas = [tf1_meta(os.path.join(out, "tf1_signed"), True), tf1_meta(os.path.join(out, "tf1_plain"), False)]
    metas += argv[2:]
    print(json.dumps({path: what_tensorflow_reads(path) for path in metas}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
