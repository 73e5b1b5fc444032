"""The model-script contract: run the user's script, then find what to restore into
(``build()`` first, then a module-level tf.train.Checkpoint, or, for name-based
checkpoints, the graph's variables)."""

from __future__ import annotations

import runpy

from .protocol import ScriptError
from .script_restores import watched_latest_checkpoint
from .variables import is_variable, saver_names


def run_script(script: str, said: list | None = None) -> dict:
    """The script's namespace; ``said`` gets a note for each of its own restores that found
    no checkpoint (script_restores.py)."""
    try:
        with watched_latest_checkpoint(script, [] if said is None else said):
            # Not "__main__": a training block under `if __name__ == "__main__":` must not run.
            return runpy.run_path(script, run_name="__ckpt_gui_model__")
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
        raise ScriptError(exc, "running the script") from None


def resolve_target(namespace: dict, object_based: bool, tf) -> tuple[dict, list[str]]:
    """What to restore into, by the contract, and notes on how it was found."""
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
            return {"kind": "names", "variables": saver_names(variables), "graph": True}, notes
    raise ScriptError(
        LookupError(
            "the script defines no build() function and no module-level tf.train.Checkpoint: "
            "add `def build(): return tf.train.Checkpoint(model=...)` (see the README's model-script contract)"
        ),
        "looking for the model",
    )


def describe_target(value, object_based: bool, tf, notes: list[str], origin: str) -> dict:
    """The target of what the script gave: objects to restore into, or variables by name."""
    if isinstance(value, tf.train.Checkpoint):
        return {"kind": "objects", "root": value}
    if isinstance(value, dict):
        if object_based or not value or not all(is_variable(v) for v in value.values()):
            notes.append(f"{origin} returned a dict: restoring into tf.train.Checkpoint(**dict)")
            return {"kind": "objects", "root": tf.train.Checkpoint(**value)}
        return {"kind": "names", "variables": dict(value), "graph": not tf.executing_eagerly()}
    if isinstance(value, (list, tuple)) and value and all(is_variable(v) for v in value):
        variables = saver_names(value)
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


def _described(value) -> str:
    """``42 (an int)``: what the script handed over, briefly."""
    name = type(value).__name__
    text = repr(value)
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"{shown} ({'an' if name[:1].lower() in 'aeiou' else 'a'} {name})"
