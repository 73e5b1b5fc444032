"""The Keras model ``model.load_weights(FILE)`` is called on, found by the model-script
contract: what ``build()`` returns (a model, or a tf.train.Checkpoint or dict holding
one as ``model``), else the ``model`` of a module-level tf.train.Checkpoint, else a
module-level Keras model named ``model``."""

from __future__ import annotations

from .protocol import ScriptError


def keras_model(namespace: dict, tf) -> tuple[object, list[str]]:
    """The model, and notes on how it was found."""
    notes: list[str] = []
    build = namespace.get("build")
    if callable(build):
        try:
            value = build()
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            raise ScriptError(exc, "calling build()") from None
        return _model_of(value, "build()", notes), notes
    checkpoints = [(name, value) for name, value in namespace.items() if isinstance(value, tf.train.Checkpoint)]
    if checkpoints:
        name, value = sorted(checkpoints, key=lambda item: item[0] not in ("checkpoint", "ckpt"))[0]
        return _model_of(value, f"the module-level tf.train.Checkpoint '{name}'", notes), notes
    if _is_keras_model(namespace.get("model")):
        notes.append("used the script's module-level Keras model 'model'")
        return namespace["model"], notes
    raise ScriptError(
        LookupError(
            "the script defines no build() function, no module-level tf.train.Checkpoint and no module-level "
            "Keras model named 'model': add `def build(): return model` returning the Keras model that "
            "load_weights is called on (see the README's model-script contract)"
        ),
        "looking for the model",
    )


def _model_of(value, origin: str, notes: list[str]):
    if _is_keras_model(value):
        return value
    held = value.get("model") if isinstance(value, dict) else getattr(value, "model", None)
    if _is_keras_model(held):
        notes.append(f"{origin} holds the Keras model as 'model': loading the weights file into it")
        return held
    raise ScriptError(
        TypeError(
            f"{origin} gave {type(value).__name__}, not a Keras model: a Keras weights file is loaded with "
            "model.load_weights(FILE), so build() must return the Keras model (or a tf.train.Checkpoint or "
            "dict holding it as 'model')"
        ),
        "building the model",
    )


def _is_keras_model(value) -> bool:
    return value is not None and callable(getattr(value, "load_weights", None)) and hasattr(value, "layers")
