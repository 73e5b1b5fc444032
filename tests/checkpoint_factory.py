"""Writes the real TensorFlow checkpoints the tests read, one folder per scenario.

Run as a script in a child process (``python tests/checkpoint_factory.py OUTDIR``) so
the test process decides for itself whether it imports TensorFlow. Each scenario is
a case from the user stories in the project's seeds: Keras Sequential under a
CheckpointManager, a subclassed model, bare variables with an optimizer, a TF1
Saver with scopes and a partitioned variable, every dtype, a sharded checkpoint
and a SavedModel.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

SEED = 1234


def keras_sequential(out: str) -> None:
    """Seed 002: Sequential + Adam, CheckpointManager(max_to_keep=3), trained between saves."""
    import keras

    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
    optimizer = keras.optimizers.Adam(0.001)
    model.compile(optimizer=optimizer, loss="mse")
    x = np.random.RandomState(0).rand(64, 12).astype("float32")
    y = np.random.RandomState(1).rand(64, 3).astype("float32")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    manager = tf.train.CheckpointManager(checkpoint, out, max_to_keep=3)
    for _ in range(4):
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        manager.save()
    # A checkpoint the state file does not list (written by hand, not by the manager).
    checkpoint.write(os.path.join(out, "manual-99"))


def subclassed(out: str) -> None:
    """Seed 004: a subclassed model with two Dense layers and Adam, built by a call."""
    import keras

    keras.utils.set_random_seed(SEED)

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = keras.layers.Dense(16, activation="relu")
            self.dense2 = keras.layers.Dense(10)

        def call(self, x):
            return self.dense2(self.dense1(x))

    model = MyModel()
    optimizer = keras.optimizers.Adam()
    _train_one_step(model, optimizer, tf.random.normal((4, 20), seed=SEED))
    tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(out, "ckpt"))


def _train_one_step(model, optimizer, x) -> None:
    """One Adam step, so the model is built and the optimizer holds state."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) ** 2)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))


def keras_layer_list(out: str) -> None:
    """model_sources.LAYER_LIST_MODEL (two layers in a plain Python list, which Keras 3
    leaves out of the checkpoint's object graph), with the TF guide's step counter."""
    import keras
    from model_sources import LAYER_LIST_MODEL  # this script's folder is on sys.path

    keras.utils.set_random_seed(SEED)
    definitions: dict = {}
    exec(LAYER_LIST_MODEL, definitions)  # the very code the tests' model scripts define
    model = definitions["Net"]()
    optimizer = keras.optimizers.Adam()
    _train_one_step(model, optimizer, tf.random.normal((4, 5), seed=SEED))
    step = tf.Variable(7, dtype=tf.int64)
    tf.train.Checkpoint(model=model, optimizer=optimizer, step=step).save(os.path.join(out, "ckpt"))


def bare_variables(out: str) -> None:
    """Seed 002 example 3: bare weight/bias variables and Adam in a custom training loop."""
    import keras

    weight = tf.Variable(tf.random.normal((1, 1), seed=SEED))
    bias = tf.Variable(tf.zeros((1,)))
    optimizer = keras.optimizers.Adam(0.01)
    checkpoint = tf.train.Checkpoint(weight=weight, bias=bias, optimizer=optimizer)
    x = tf.random.normal((10, 1), seed=1)
    y = tf.random.normal((10, 1), seed=2)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, weight) + bias - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [weight, bias]), [weight, bias]))
        checkpoint.save(file_prefix=os.path.join(out, "checkpoint"))


def legacy_optimizer_slots(out: str) -> None:
    """A TF1-style optimizer under tf.train.Checkpoint: its state is stored as
    .OPTIMIZER_SLOT entries linked through the object graph's slot_variables."""
    kernel = tf.Variable(tf.random.normal((3, 2), seed=SEED), name="kernel")
    module = tf.Module()
    module.dense = tf.Module()
    module.dense.kernel = kernel
    optimizer = tf.compat.v1.train.AdamOptimizer(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(kernel**2)
    optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
    tf.train.Checkpoint(model=module, optimizer=optimizer).write(os.path.join(out, "ckpt"))


def tf1_saver(out: str) -> None:
    """Seed 001 example 1: graph-mode Saver, variable scopes, a partitioned variable,
    Adam slots and a global step, with a .meta file."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(SEED)
        x = tf.compat.v1.placeholder(tf.float32, [None, 784])
        with tf.compat.v1.variable_scope("layer1"):
            w = tf.compat.v1.get_variable("weights", [784, 10])
            b = tf.compat.v1.get_variable("biases", [10], initializer=tf.compat.v1.zeros_initializer())
        with tf.compat.v1.variable_scope("embedding"):
            # 200 rows in 3 parts: slice starts of 67 and 134 need multi-byte slice-key numbers.
            table = tf.compat.v1.get_variable("table", [200, 8], partitioner=tf.compat.v1.fixed_size_partitioner(3))
        logits = tf.matmul(x, w) + b + tf.reduce_sum(table)
        loss = tf.reduce_mean(logits**2)
        global_step = tf.compat.v1.train.get_or_create_global_step()
        train = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)
        saver = tf.compat.v1.train.Saver(max_to_keep=5)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            feed = {x: np.random.RandomState(0).rand(4, 784).astype("float32")}
            for step in (500, 1000):
                while sess.run(global_step) < step:
                    sess.run(train, feed)
                saver.save(sess, os.path.join(out, "model.ckpt"), global_step=global_step)


def estimator_linear(out: str, slots_per_part: bool) -> None:
    """An Estimator-style linear model in graph mode: partitioned weights (two columns,
    one in 2 parts, one in 1 part, as ``linear_model`` partitions them) and a bias,
    trained by Ftrl, two saves by a Saver with a .meta.

    ``slots_per_part``: the Ftrl accumulators saved as older TensorFlow saved a
    partitioned variable's slots, one key per part named after the part
    (``weights/part_0/Ftrl``: damon-est-2019, written by TF 1.14). TensorFlow 2's
    slot_creator gives a part's slot the part's slicing, so the Saver writes one sliced
    ``weights/Ftrl``; the slot's slicing taken away before the Saver is made, the Saver
    names it by its own variable, as 1.14's did."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(SEED)
        x = tf.constant(np.random.RandomState(0).rand(8, 12).astype("float32"))
        with tf.compat.v1.variable_scope("linear/linear_model"):
            parts = {"Country_indicator": 2, "Age": 1}
            columns = [
                tf.compat.v1.get_variable(
                    f"{name}/weights", [6, 1], partitioner=tf.compat.v1.fixed_size_partitioner(count)
                )
                for name, count in parts.items()
            ]
            bias = tf.compat.v1.get_variable("bias_weights", [1], partitioner=tf.compat.v1.fixed_size_partitioner(1))
        logits = sum(tf.matmul(x[:, 6 * i : 6 * i + 6], tf.concat(list(w), 0)) for i, w in enumerate(columns))
        loss = tf.reduce_mean((logits + tf.concat(list(bias), 0) - 1.0) ** 2)
        global_step = tf.compat.v1.train.get_or_create_global_step()
        optimizer = tf.compat.v1.train.FtrlOptimizer(0.1)
        train = optimizer.minimize(loss, global_step=global_step)
        if slots_per_part:
            for variable in tf.compat.v1.trainable_variables():
                for name in optimizer.get_slot_names():
                    optimizer.get_slot(variable, name)._save_slice_info = None
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            for _ in range(2):
                sess.run(train)
                saver.save(sess, os.path.join(out, "model.ckpt"), global_step=global_step)


def all_dtypes(out: str) -> None:
    """One variable per dtype TensorFlow checkpoints, with NaN/Inf, scalars, empty
    tensors, strings, a variant, escaped names and a dimension above 127."""
    import ml_dtypes

    values = {
        "float32": np.array([[0.0, 1.5, -2.25], [np.nan, np.inf, -np.inf]], dtype=np.float32),
        "float64": np.array([1e-300, -1e300, np.nan, 0.0, 3.0]),
        "float16": np.array([0.5, -0.0, np.inf, 65504.0], dtype=np.float16),
        "bfloat16": np.array([1.0, -3.5, np.nan, 0.0], dtype=ml_dtypes.bfloat16),
        "int8": np.array([-128, 0, 127], dtype=np.int8),
        "int16": np.array([-32768, 7, 32767], dtype=np.int16),
        "int32": np.arange(-3, 9, dtype=np.int32).reshape(3, 4),
        "int64": np.array([-(2**62), 0, 2**62], dtype=np.int64),
        "uint8": np.array([0, 128, 255], dtype=np.uint8),
        "uint16": np.array([0, 65535], dtype=np.uint16),
        "uint32": np.array([0, 2**32 - 1], dtype=np.uint32),
        "uint64": np.array([0, 2**64 - 1], dtype=np.uint64),
        "bool": np.array([[True, False], [False, True]]),
        "complex64": np.array([1 + 2j, -3.5j, np.nan + 1j], dtype=np.complex64),
        "complex128": np.array([[1e10 - 1j]], dtype=np.complex128),
        "float8_e5m2": np.array([1.0, -2.0, 0.0, np.inf], dtype=ml_dtypes.float8_e5m2),
        "float8_e4m3fn": np.array([1.0, -2.0, 0.5], dtype=ml_dtypes.float8_e4m3fn),
        "int4": np.array([-8, -1, 0, 7], dtype=ml_dtypes.int4),
        "uint4": np.array([0, 15, 3], dtype=ml_dtypes.uint4),
        "scalar_float": np.float32(3.25),
        "scalar_int": np.int64(-42),
        "empty_float": np.zeros((0, 3), dtype=np.float32),
        "empty_string": np.zeros((0,), dtype=object).astype(bytes),
        "wide": np.arange(300 * 2, dtype=np.float32).reshape(300, 2),
        "huge_dim": np.linspace(-1, 1, 70000, dtype=np.float32),
    }
    holder = tf.Module()
    for name, value in values.items():
        setattr(holder, name, tf.Variable(value))
    holder.strings = tf.Variable([[b"alpha", b""], [b"\x00\xffbinary", "h\u00e9llo".encode()]])
    holder.scalar_string = tf.Variable(b"a scalar string")
    # Names that need escaping in keys: '/' becomes '.S', '.' becomes '..'.
    holder.tricky = {"a/b": tf.Variable([1.0]), "c.d": tf.Variable([2.0])}
    dataset = tf.data.Dataset.range(20).batch(3)
    iterator = iter(dataset)
    next(iterator)
    tf.train.Checkpoint(values=holder, iterator=iterator).write(os.path.join(out, "ckpt"))


def sharded(out: str) -> None:
    """TF >= 2.15 MaxShardSizePolicy: variables split into slices across 7 data shards."""
    rng = np.random.RandomState(SEED)
    variables = {f"v{i}": tf.Variable(rng.randn(100, 100).astype("float32")) for i in range(5)}
    big = tf.Variable(rng.randn(300, 100).astype("float32"))
    options = tf.train.CheckpointOptions(
        experimental_sharding_callback=tf.train.experimental.MaxShardSizePolicy(max_shard_size=50_000)
    )
    tf.train.Checkpoint(big=big, **variables).save(os.path.join(out, "ckpt"), options=options)


def saved_model(out: str) -> None:
    """A SavedModel of a tf.Module with a tf.function, as tf.saved_model.save writes it."""

    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.scale = tf.Variable(tf.random.normal((4, 4), seed=SEED), name="scale")
            self.offset = tf.Variable(tf.zeros((4,)), name="offset")

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.scale) + self.offset

    tf.saved_model.save(Scaler(), out)


def many_variables(out: str) -> None:
    """5,000 variables: an index larger than one 256 KiB table block. Made from NumPy
    arrays (the same bytes as tf.fill's: 3 s of CPU less than an eager op each)."""
    holder = tf.Module()
    holder.blocks = [
        {f"weight_{j}": tf.Variable(np.full((2, 2), i * 10 + j, np.float32)) for j in range(10)} for i in range(500)
    ]
    tf.train.Checkpoint(model=holder).write(os.path.join(out, "ckpt"))


def large_tensor(out: str) -> None:
    """A 32 MB tensor (8M float32, a few NaN): several chunks, a sampled preview, cancel."""
    values = np.random.RandomState(SEED).standard_normal(8 * 1024 * 1024).astype(np.float32)
    values[::1_000_003] = np.nan
    holder = tf.Module()
    holder.embedding = tf.Variable(values.reshape(8192, 1024))
    holder.bias = tf.Variable(np.linspace(-1, 1, 1024, dtype=np.float32))
    tf.train.Checkpoint(model=holder).write(os.path.join(out, "ckpt"))


def keras_widened(out: str) -> None:
    """The keras_seq model with its hidden layer widened (16 -> 32) and a layer added,
    saved without an optimizer: keys differ from keras_seq's (Keras 3 keeps weights
    under the optimizer when there is one), object paths do not."""
    import keras

    keras.utils.set_random_seed(SEED + 1)
    model = keras.Sequential(
        [keras.Input((12,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(3), keras.layers.Dense(2)]
    )
    tf.train.Checkpoint(model=model).write(os.path.join(out, "ckpt"))


def bfloat16_pair(out: str) -> None:
    """Two checkpoints of bfloat16 variables: one unchanged, one changed, one where NaN appears,
    one all zeros in A (no relative change: a bias saved before training)."""
    import ml_dtypes

    rng = np.random.RandomState(SEED)
    base = rng.standard_normal((64, 32)).astype(ml_dtypes.bfloat16)
    other = rng.standard_normal(100).astype(ml_dtypes.bfloat16)
    for name, changed in (("a", False), ("b", True)):
        weights = base.astype(np.float32) * (1.01 if changed else 1.0)
        flaky = other.copy()
        if changed:  # a little changed (long numbers in the details), and NaN appeared
            flaky = (other.astype(np.float32) * 1.005).astype(ml_dtypes.bfloat16)
            flaky[[3, 50]] = np.nan
        holder = tf.Module()
        holder.same = tf.Variable(base)
        holder.weights = tf.Variable(weights.astype(ml_dtypes.bfloat16))
        holder.flaky = tf.Variable(flaky)
        grown = np.linspace(0.1, 0.5, 16) if changed else np.zeros(16)
        holder.grown = tf.Variable(grown.astype(ml_dtypes.bfloat16))
        tf.train.Checkpoint(model=holder).write(os.path.join(out, name, "ckpt"))


def v1_format(out: str) -> None:
    """A V1 (TensorSlice) checkpoint, which the reader must refuse with a clear error."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.get_variable("w", [3, 2])
        saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, os.path.join(out, "model.ckpt"))


def keras_file(out: str) -> None:
    """A Keras 3 ``model.keras`` (compiled Sequential) and, beside its folder
    (``keras_file.json``), what Keras itself reads back from it: its layers in order
    and the Keras version (written on request only: not in the default set)."""
    import json

    import keras

    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(5, name="hidden"), keras.layers.Dense(2, name="out")]
    )
    model.compile(optimizer="adam", loss="mse")
    path = os.path.join(out, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    with open(out + ".json", "w") as f:
        json.dump({"layers": [layer.name for layer in loaded.layers], "version": keras.__version__}, f)


def keras_seq_digits(out: str) -> None:
    """TensorFlow's own values of keras_seq's ckpt-4 1-D float32 variables, each as
    NumPy's float32 text: ``{key: [str(value), ...]}`` in ``keras_seq_digits.json``
    beside the folder (on request only, after keras_seq)."""
    import json

    reader = tf.train.load_checkpoint(os.path.join(os.path.dirname(out), "keras_seq", "ckpt-4"))
    dtypes = reader.get_variable_to_dtype_map()
    vectors = [key for key, shape in reader.get_variable_to_shape_map().items() if len(shape) == 1]
    digits = {key: [str(x) for x in reader.get_tensor(key).reshape(-1)] for key in vectors if dtypes[key] == tf.float32}
    with open(out + ".json", "w") as f:
        json.dump(digits, f)


SCENARIOS = {
    "keras_seq": keras_sequential,
    "subclassed": subclassed,
    "keras_list": keras_layer_list,
    "bare": bare_variables,
    "legacy_slots": legacy_optimizer_slots,
    "tf1": tf1_saver,
    "dtypes": all_dtypes,
    "sharded": sharded,
    "savedmodel": saved_model,
    "v1": v1_format,
    "many": many_variables,
    "large": large_tensor,
    "keras_wide": keras_widened,
    "bf16_pair": bfloat16_pair,
    "keras_file": keras_file,
    "keras_seq_digits": keras_seq_digits,
    "estimator_part_slots": lambda out: estimator_linear(out, slots_per_part=True),
    "estimator_sliced_slots": lambda out: estimator_linear(out, slots_per_part=False),
}
# Written only when named (a module's own writer).
ON_REQUEST = {"keras_file", "keras_seq_digits", "estimator_part_slots", "estimator_sliced_slots"}


def main(argv: list[str]) -> int:
    out_root = argv[1]
    names = argv[2:] or [name for name in SCENARIOS if name not in ON_REQUEST]
    for name in names:
        target = os.path.join(out_root, name)
        if name != "savedmodel":
            os.makedirs(target, exist_ok=True)
        SCENARIOS[name](target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
