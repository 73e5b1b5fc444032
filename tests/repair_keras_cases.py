"""The Keras weights-file repair cases (tests/test_repair_keras.py), and the
TensorFlow processes of that module (``python -m tests.repair_keras_cases COMMAND``):
``write ROOT`` saves each case's source file with Keras 3 or tf_keras from the case's
source model; ``check ROOT [OUTPUT [CASE...]]`` then, in a fresh process, runs the
user's own code, ``model.load_weights(REPAIRED)`` on the model their script builds, and
compares the weights of each layer pair with those Keras itself loads from the source
file into the source model (bit for bit).

Each case: ``file`` (the source's name), ``source`` (the script that saved it), ``model``
(the user's script now), ``pairs`` (a model layer and the source layer whose weights it
must hold, as Python expressions on ``model`` and ``source``), ``copy_overlap`` (the
user turns the plan's keep-initial lines into copy-overlap: the pairs then hold the
source's weights on the overlapping block).
"""

from __future__ import annotations

import os
import sys

from tests.case_oracle import main, match, run_user_script

SUBCLASSED = """
import numpy as np
import keras

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.encoder = keras.layers.Dense(5, activation="relu")
        self.{head} = keras.layers.Dense(3)

    def call(self, x):
        return self.{head}(self.encoder(x))

def build():
    model = Net()
    model(np.zeros((1, 6), "float32"))
    return model
"""

SEQUENTIAL = """
import keras

def build():
    return keras.Sequential([keras.Input((6,))] + [keras.layers.Dense(w) for w in {widths}])
"""

KERAS2 = """
import {keras}

def build():
    layers = {keras}.layers
    return {keras}.Sequential([{first}, layers.Dense(5), layers.Dropout(0.2), layers.Dense(3)])
"""

CASES = {
    # A subclassed model's attribute 'head' renamed 'classifier': Keras 3 reads head/vars.
    "renamed_layer": {
        "file": "net.weights.h5",
        "source": SUBCLASSED.format(head="head"),
        "model": SUBCLASSED.format(head="classifier"),
        "pairs": [("model.encoder", "source.encoder"), ("model.classifier", "source.head")],
    },
    # A Dense inserted in the middle of a Sequential: the old dense_1 is the new dense_2.
    "inserted_layer": {
        "file": "seq.weights.h5",
        "source": SEQUENTIAL.format(widths=[5, 3]),
        "model": SEQUENTIAL.format(widths=[5, 5, 3]),  # the new Dense(5) keeps the shapes around it
        "pairs": [("model.layers[0]", "source.layers[0]"), ("model.layers[2]", "source.layers[1]")],
    },
    # The first Dense widened from 5 to 7 units, copy-overlap chosen for its conflicts:
    # the old units keep their values (and the next kernel its first 5 rows).
    "widened_layer": {
        "file": "wide.weights.h5",
        "source": SEQUENTIAL.format(widths=[5, 3]),
        "model": SEQUENTIAL.format(widths=[7, 3]),
        "pairs": [("model.layers[0]", "source.layers[0]"), ("model.layers[1]", "source.layers[1]")],
        "copy_overlap": True,
    },
    # tf_keras save_weights("x.h5") into the same architecture built with Keras 3.
    "keras2_to_keras3": {
        "file": "legacy.h5",
        "source": KERAS2.format(keras="tf_keras", first="layers.InputLayer(input_shape=(6,))"),
        "model": KERAS2.format(keras="keras", first="keras.Input((6,))"),
        "pairs": [("model.layers[0]", "source.layers[0]"), ("model.layers[2]", "source.layers[2]")],
    },
}


def _build(path: str):
    return run_user_script(path)["build"]()


def write(root: str) -> None:
    """Each case's folder: source/FILE (every weight random), source_model.py, model.py."""
    import numpy as np

    rng = np.random.RandomState(0)
    for name, case in CASES.items():
        folder = os.path.join(root, name)
        os.makedirs(os.path.join(folder, "source"))
        for script in ("source", "model"):
            with open(os.path.join(folder, f"{script}_model.py" if script == "source" else "model.py"), "w") as f:
                f.write(case[script])
        model = _build(os.path.join(folder, "source_model.py"))
        model.set_weights([rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()])
        model.save_weights(os.path.join(folder, "source", case["file"]))


def check(root: str, output: str = "repaired", names: list[str] | None = None) -> dict:
    """Per case (each in the case's folder ``output``): does the user's load_weights(REPAIRED)
    pass, and which layer pairs hold exactly the weights Keras loads from the source into
    the source model."""
    results = {}
    for name in names or CASES:
        case = CASES[name]
        folder = os.path.join(root, name)
        repaired = os.path.join(folder, output, case["file"].split(".")[0] + ".weights.h5")
        model = _build(os.path.join(folder, "model.py"))
        try:
            model.load_weights(repaired)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results[name] = {"loaded": False, "error": f"{type(exc).__name__}: {exc}"}
            continue
        source = _build(os.path.join(folder, "source_model.py"))
        source.load_weights(os.path.join(folder, "source", case["file"]))  # Keras's own reading of the source
        equal = {}
        for mine, theirs in case["pairs"]:
            held = eval(mine, {"model": model}).get_weights()  # noqa: S307 - the case's own expression
            saved = eval(theirs, {"source": source}).get_weights()  # noqa: S307
            # Copy-overlap: a pair of another shape holds the source's overlapping block.
            allowed = ("equal", "overlap") if case.get("copy_overlap") else ("equal",)
            equal[mine] = len(held) == len(saved) > 0 and all(match(b, a) in allowed for a, b in zip(held, saved))
        results[name] = {"loaded": True, "equal": equal}
    return results


if __name__ == "__main__":
    main(
        {
            "write": lambda args: write(args[0]),
            "check": lambda args: check(args[0], args[1] if len(args) > 1 else "repaired", args[2:] or None),
        },
        sys.argv,
    )
