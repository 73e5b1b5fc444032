"""The parent's check of every protocol message (what child/protocol.py sends): a
malformed one becomes a clear error, never a KeyError or TypeError in the parent."""

from __future__ import annotations

from ckpt_gui.core.statuses import RestoreStatus


class MalformedMessage(ValueError):
    """A protocol message that is not what child/protocol.py sends."""


_OPTIONAL_TEXT = ("checkpoint_key", "model_path", "checkpoint_dtype", "model_dtype", "checkpoint_path",
                  "deferred_owner", "saved_name", "model_layer", "model_layer_class")  # fmt: skip
_STATUSES = frozenset(status.value for status in RestoreStatus)


def protocol_message(message: object) -> dict:
    """``message`` if it is a well-formed protocol message, else MalformedMessage: every
    field the parent reads has the type it expects (see child/protocol.py)."""
    _expect(isinstance(message, dict), "a message is not a JSON object")
    kind = message.get("event")
    if kind == "phase":
        _expect(isinstance(message.get("phase"), str), "a phase without a name")
    elif kind == "ready":
        _expect(isinstance(message.get("tensorflow"), str), "'ready' without a TensorFlow version")
    elif kind == "error":
        _check_error(message.get("error"))
    elif kind == "report":
        _check_facts(message.get("report"))
    else:
        raise MalformedMessage(f"unknown event {str(kind)[:80]!r}")
    return message


def _check_error(error: object) -> None:
    _expect(isinstance(error, dict), "'error' is not an object")
    for key in ("type", "message", "traceback"):
        _expect(isinstance(error.get(key), str), f"the error's {key!r} is not text")
    _expect(isinstance(error.get("phase", ""), str), "the error's 'phase' is not text")


def _check_facts(facts: object) -> None:
    _expect(isinstance(facts, dict), "'report' is not an object")
    variables = facts.get("variables")
    _expect(isinstance(variables, list), "the report's 'variables' is not a list")
    for variable in variables:
        _check_variable(variable)
    notes = facts.get("notes", [])
    _expect(isinstance(notes, list) and all(isinstance(n, str) for n in notes), "the report's notes are not text")
    _expect(facts.get("mode") in (None, "object", "name", "keras"), "the report's 'mode' is not object, name or keras")
    keras_file = facts.get("keras_file", {})  # a Keras weights file's kind, layout and loader
    _expect(
        isinstance(keras_file, dict) and all(isinstance(v, str) for v in keras_file.values()),
        "the report's 'keras_file' is not text",
    )
    optimizers = facts.get("optimizers", [])
    _expect(
        isinstance(optimizers, list) and all(_is_optimizer(o) for o in optimizers),
        "the report's optimizers are not {class, inner, built} objects",
    )
    _expect(facts.get("binding") in (None, "tensorflow", "doctor"), "the report's 'binding' is not known")
    _expect(isinstance(facts.get("holds_optimizer", False), bool), "'holds_optimizer' is not true or false")
    verdict = facts.get("tensorflow", {"verdict": ""})
    _expect(
        isinstance(verdict, dict)
        and set(verdict) <= {"verdict", "message", "eager"}
        and all(isinstance(verdict.get(key, ""), str) for key in ("verdict", "message"))
        and isinstance(verdict.get("eager", False), bool),
        "the report's TensorFlow verdict is not {verdict, message} text (and eager: true or false)",
    )


def _check_variable(variable: object) -> None:
    _expect(isinstance(variable, dict), "a variable is not an object")
    _expect(variable.get("status") in _STATUSES, f"a variable's status {str(variable.get('status'))[:40]!r}")
    for key in _OPTIONAL_TEXT:
        _expect(isinstance(variable.get(key), (str, type(None))), f"a variable's {key!r} is not text")
    for key in ("checkpoint_shape", "model_shape", "shape_after_restore"):
        shape = variable.get(key)
        _expect(
            shape is None or (isinstance(shape, list) and all(_is_dimension(d) for d in shape)),
            f"a variable's {key!r} is not a list of sizes",
        )
    for key in ("optimizer", "untracked"):
        _expect(isinstance(variable.get(key, False), bool), f"a variable's {key!r} is not true or false")
    _expect(isinstance(variable.get("restored"), (bool, type(None))), "a variable's 'restored' is not true or false")
    counts = variable.get("non_finite", {})
    _expect(
        isinstance(counts, dict)
        and set(counts) <= {"nan", "+inf", "-inf"}
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()),
        "a variable's 'non_finite' is not {nan, +inf, -inf} counts",
    )
    shared = variable.get("shared_with", [])
    _expect(isinstance(shared, list) and all(isinstance(k, str) for k in shared), "a variable's 'shared_with'")
    step = variable.get("first_step")
    _expect(
        step is None
        or (isinstance(step, dict) and step.get("result") in ("restored", "dropped")
            and isinstance(step.get("model_path"), (str, type(None)))
            and isinstance(step.get("variable"), (str, type(None)))
            and (step.get("model_shape") is None
                 or (isinstance(step["model_shape"], list) and all(_is_dimension(d) for d in step["model_shape"])))),
        "a variable's 'first_step' is not {result, model_path}",
    )  # fmt: skip


def _is_optimizer(optimizer: object) -> bool:
    return (
        isinstance(optimizer, dict)
        and isinstance(optimizer.get("class"), str)
        and isinstance(optimizer.get("inner"), (str, type(None)))
        and isinstance(optimizer.get("built", True), bool)
    )


def _is_dimension(size: object) -> bool:
    return size is None or (isinstance(size, int) and not isinstance(size, bool))


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise MalformedMessage(what)
