"""TensorFlow's own restore (what it says is the report's verdict), and the check
that the consumed variables then hold the checkpoint's values."""

from __future__ import annotations

from .protocol import first_lines


def restore_objects(tf, target: dict, prefix: str) -> dict:
    root = target["root"]
    try:
        status = root.restore(prefix)
    except Exception as exc:  # noqa: BLE001 - TensorFlow stops at the first conflict
        return {"verdict": "restore() raised", "message": first_lines(f"{type(exc).__name__}: {exc}")}
    try:
        status.assert_consumed()
        verdict = {"verdict": "assert_consumed() passed", "message": ""}
    except AssertionError as exc:
        try:
            status.assert_existing_objects_matched()
            verdict = {
                "verdict": "assert_consumed() failed; assert_existing_objects_matched() passed",
                "message": first_lines(str(exc)),
            }
        except AssertionError as exc2:
            verdict = {"verdict": "assert_existing_objects_matched() failed", "message": first_lines(str(exc2))}
    status.expect_partial()  # the report says what was not used; no warnings at exit
    return verdict


def restore_names(tf, target: dict, prefix: str) -> dict:
    variables = target["variables"]
    try:
        saver = tf.compat.v1.train.Saver(var_list=variables)
        if target.get("graph"):
            session = tf.compat.v1.Session(graph=next(iter(variables.values())).graph)
            session.run(tf.compat.v1.variables_initializer(list(variables.values())))
            saver.restore(session, prefix)
            target["session"] = session
        else:
            saver.restore(None, prefix)
    except Exception as exc:  # noqa: BLE001
        return {"verdict": "Saver.restore() raised", "message": first_lines(f"{type(exc).__name__}: {exc}")}
    return {"verdict": "Saver.restore() succeeded", "message": ""}


def verify(reader, facts: dict, session=None) -> None:
    """Do the consumed variables now hold the checkpoint's values?"""
    for entry in facts["variables"]:
        obj = entry.get("_object")
        if obj is None or entry["status"] != "consumed":
            continue
        try:
            entry["restored"] = _holds(obj, reader.get_tensor(entry["checkpoint_key"]), session)
        except Exception:  # noqa: BLE001 - a value that cannot be read back is reported as unknown
            entry["restored"] = None


def _holds(obj, expected, session) -> bool | None:
    """Whether the variable holds ``expected`` (None: its value cannot be read)."""
    import numpy as np  # the child's numpy, which came with its TensorFlow

    if session is not None:
        value = session.run(obj)
    elif hasattr(obj, "numpy"):
        value = obj.numpy()
    else:
        return None
    value = np.asarray(value)
    return bool(np.array_equal(value, np.asarray(expected), equal_nan=value.dtype.kind == "f"))
