"""Review 20, G9's case as a user meets it: a Sequential 8->16->4 trained with SGD and
momentum, saved; the model script now has 8 units where there were 16 (its optimizer
built), so the first layer's kernel and bias, the second layer's kernel and the three
momentum slots all conflict by the one resize. Run in a child process, so the test
process never imports TensorFlow:

    python -m tests.overlap_tie_cases write OUTDIR        # OUTDIR/source (the checkpoint), /moved, /model.py
    python -m tests.overlap_tie_cases restore OUTDIR REPAIRED KEY=EXPR...  # the user's restore, as JSON

``restore`` runs the model script, restores REPAIRED with TensorFlow's own
``tf.train.Checkpoint(model=..., optimizer=...).restore(...).assert_consumed()`` and says,
for each source value named, what its restored variable holds of it (case_oracle.match).
"""

from __future__ import annotations

import os
import sys
import traceback

from tests.case_oracle import main, match, run_user_script

MODEL = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),  # was 16 units
                          keras.layers.Dense(4)])
optimizer = keras.optimizers.SGD(0.01, momentum=0.9)
optimizer.build(model.trainable_variables)

def build():
    return tf.train.Checkpoint(model=model, optimizer=optimizer)
"""


def write(out: str) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(1234)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
    optimizer = keras.optimizers.SGD(0.01, momentum=0.9)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.arange(64, dtype="float32").reshape(8, 8) / 64, np.ones([8, 4], "float32"), epochs=2, verbose=0)
    tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(out, "source", "ckpt"))
    # The same values under another attribute for the optimizer (every key moves: ``diff``'s "moved?" lines).
    tf.train.Checkpoint(net=model, opt=optimizer).save(os.path.join(out, "moved", "ckpt"))
    with open(os.path.join(out, "model.py"), "w") as f:
        f.write(MODEL)


def restore(out: str, repaired: str, pairs: list[str]) -> dict:
    """``pairs``: ``KEY=EXPR``, a source value's key and the expression (on the script's
    ``model`` and ``optimizer``) of the variable that must hold it after the restore."""
    import numpy as np
    import tensorflow as tf

    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(out, "source")))
    try:
        namespace = run_user_script(os.path.join(out, "model.py"))
        checkpoint = tf.train.Checkpoint(model=namespace["model"], optimizer=namespace["optimizer"])
        checkpoint.restore(tf.train.latest_checkpoint(repaired)).assert_consumed()
        held = {key: np.asarray(eval(expr, namespace)) for key, expr in (p.split("=", 1) for p in pairs)}  # noqa: S307
    except Exception:  # noqa: BLE001 - reported to the test
        return {"restored": False, "error": traceback.format_exc()}
    return {"restored": True, "values": {key: match(reader.get_tensor(key), value) for key, value in held.items()}}


if __name__ == "__main__":
    main({"write": lambda args: write(args[0]), "restore": lambda args: restore(args[0], args[1], args[2:])}, sys.argv)
