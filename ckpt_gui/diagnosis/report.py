"""The restore report: statuses, suggestions and notes from the child's facts.

Pure Python (no TensorFlow, no Qt): the CLI prints it, the app shows it, tests
check it. The JSON shape is the contract in the README.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from ckpt_gui.core.formatting import format_some
from ckpt_gui.diagnosis.runner import AttemptResult, DiagnosisRequest

STATUSES = ("consumed", "shape_conflict", "dtype_conflict", "unmatched", "missing", "deferred")
_BLOCKING = {"shape_conflict", "dtype_conflict", "missing", "deferred"}
_NUMBER = re.compile(r"\d+")
# Counters and bookkeeping an inference restore leaves unused without harm.
_COUNTER_NAMES = ("save_counter", "global_step", "beta1_power", "beta2_power", "keras_api/metrics")
_AVERAGE_NAMES = ("ExponentialMovingAverage", "moving_average")  # EMA shadows of weights
_CLEARLY_BETTER = 0.08  # path similarity by which one candidate outranks the rest
_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def build_report(request: DiagnosisRequest, result: AttemptResult) -> dict:
    """The report document (see the README's contract)."""
    report = {
        "checkpoint": request.checkpoint,
        "script": request.script,
        "ok": False,
        "error": _clean_error(result.error),
        "summary": {status: 0 for status in STATUSES},
        "variables": [],
        "notes": [],
        "tensorflow": {"verdict": "not run", "message": ""},
        "python": request.python,
        "tensorflow_version": result.tensorflow_version,
        "seconds": round(result.seconds, 3),
    }
    if result.folder_changed:
        report["notes"].append(
            "the checkpoint folder changed during the attempt (" + ", ".join(result.folder_changed[:5]) + "): "
            "another process, or the script, wrote there"
        )
    facts = result.facts
    if facts is None:
        # A child that died without reporting (a crash, os._exit, a kill): its last
        # output is all there is to show. An error it reported says enough itself.
        died = result.error is not None and "phase" not in result.error
        if died and not report["error"].get("traceback") and result.log:
            report["error"]["traceback"] = result.log[-4000:]
        return report
    variables = [_entry(raw) for raw in facts["variables"]]
    _suggest(variables, name_based=facts.get("mode") == "name")
    report["variables"] = sorted(variables, key=_order)
    report["summary"] = {status: sum(v["status"] == status for v in variables) for status in STATUSES}
    report["tensorflow"] = facts.get("tensorflow", report["tensorflow"])
    report["mode"] = facts.get("mode")
    report["notes"] = list(facts.get("notes", [])) + _notes(variables, report) + report["notes"]
    report["ok"] = report["error"] is None and not any(v["status"] in _BLOCKING for v in variables)
    return report


def exit_code(report: dict) -> int:
    """0: everything the model needs was restored; 1: conflicts or missing; 2: failed."""
    if report["error"] is not None:
        return 2
    return 0 if report["ok"] else 1


def is_harmless(entry: dict) -> bool:
    """Values an inference restore is expected to leave unused."""
    return bool(entry.get("optimizer")) or is_counter(entry) or is_average(entry)


def is_counter(entry: dict) -> bool:
    """A step or save counter: a known name, or any integer scalar (the TF guide's
    ``tf.train.Checkpoint(step=tf.Variable(1))``, an epoch number...)."""
    key = entry.get("checkpoint_key") or entry.get("model_path") or ""
    shape = entry.get("checkpoint_shape") if entry.get("checkpoint_key") else entry.get("model_shape")
    dtype = entry.get("checkpoint_dtype") if entry.get("checkpoint_key") else entry.get("model_dtype")
    return any(name in key for name in _COUNTER_NAMES) or (shape == [] and dtype in _INTEGER_DTYPES)


def is_average(entry: dict) -> bool:
    """A moving-average shadow of a weight (tf.train.ExponentialMovingAverage)."""
    key = entry.get("checkpoint_key") or entry.get("model_path") or ""
    return any(name in key for name in _AVERAGE_NAMES)


# -- entries ---------------------------------------------------------------------------------


def _entry(raw: dict) -> dict:
    entry = {
        "status": raw["status"],
        "checkpoint_key": raw.get("checkpoint_key"),
        "model_path": raw.get("model_path"),
        "checkpoint_shape": raw.get("checkpoint_shape"),
        "model_shape": raw.get("model_shape"),
        "checkpoint_dtype": raw.get("checkpoint_dtype"),
        "model_dtype": raw.get("model_dtype"),
        "suggestions": [],
        "optimizer": bool(raw.get("optimizer")),
    }
    if raw.get("checkpoint_path"):
        entry["checkpoint_path"] = raw["checkpoint_path"]
    if raw.get("deferred_owner"):
        entry["deferred_owner"] = raw["deferred_owner"]
    if raw.get("untracked"):
        entry["untracked"] = True
    if "restored" in raw:
        entry["restored"] = raw["restored"]
    return entry


def _order(entry: dict) -> tuple:
    rank = {"shape_conflict": 0, "dtype_conflict": 1, "missing": 2, "deferred": 3, "unmatched": 4, "consumed": 5}
    return (rank[entry["status"]], entry.get("optimizer", False), entry["checkpoint_key"] or entry["model_path"] or "")


def _label(entry: dict) -> str:
    return entry.get("model_path") or entry.get("checkpoint_path") or entry.get("checkpoint_key") or "?"


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]" if shape else "scalar"


# -- suggestions -----------------------------------------------------------------------------


def _suggest(variables: list[dict], name_based: bool) -> None:
    unmatched = [v for v in variables if v["status"] == "unmatched"]
    missing = [v for v in variables if v["status"] == "missing"]
    # Leaving a value out: a name-based (TF1) restore lists what it restores; an
    # object-based one is told that a partial restore is expected.
    skip = (
        "leave it out of the Saver's var_list"
        if name_based
        else "leave it out of the restore (status.expect_partial())"
    )
    for value in unmatched:
        for candidate, why in _candidates(value, missing, from_checkpoint=True):
            value["suggestions"].append(f"likely the model's {candidate['model_path']}: {why}")
        if not value.get("optimizer") and "_trainable_variables" in (value.get("checkpoint_path") or ""):
            value["suggestions"].append(
                "the checkpoint holds this weight only in the optimizer's list of trainable variables: the layer "
                "that owned it was not a tracked child of the saved model (in Keras 3, layers kept in a plain "
                "Python list are not), so no model path can claim it"
            )
    for var in missing:
        if var.get("untracked"):
            var["suggestions"].append(
                "TensorFlow's checkpoint cannot reach this weight: its layer sits in a plain Python list or dict, "
                "which Keras 3 does not track for checkpoints, so it is never saved or restored. Assign each "
                "layer to its own attribute (self.block_0 = ...) and save again"
            )
        for candidate, why in _candidates(var, unmatched, from_checkpoint=False):
            var["suggestions"].append(
                f"likely the checkpoint's {_label(candidate)} ({candidate['checkpoint_key']}): {why}"
            )
        if not var["suggestions"]:
            var["suggestions"].append(
                "the checkpoint has no value of this shape and dtype: a layer or variable added since it was saved"
            )
    for entry in variables:
        status = entry["status"]
        if status == "shape_conflict":
            entry["suggestions"].append(_shape_advice(entry, skip))
        elif status == "dtype_conflict":
            entry["suggestions"].append(
                f"the checkpoint holds {entry['checkpoint_dtype']}, the model expects {entry['model_dtype']}: "
                "create the variable with the checkpoint's dtype (a mixed-precision policy?), then cast"
            )
        elif status == "deferred":
            owner = entry.get("deferred_owner", "its owner")
            entry["suggestions"].append(
                f"{owner} has no variables yet: build it before restoring (call the model once on an input, "
                "model.build(input_shape), or optimizer.build(model.trainable_variables))"
            )


def _shape_advice(entry: dict, skip: str) -> str:
    was, now = entry["checkpoint_shape"], entry["model_shape"]
    shapes = f"the checkpoint has {_shape_text(was)}, the model {_shape_text(now)}"
    if entry.get("optimizer"):
        return (
            f"{shapes}: optimizer state follows the shape of the variable it belongs to, or the optimizer is not "
            "the kind that saved it (another class, or built over other variables); it cannot be restored: "
            "restore the model alone, or let the optimizer start afresh"
        )
    change, own_size = _resize(was, now)
    if not change:
        return f"{shapes}: build this variable with its old shape to restore it, or {skip} and train it anew"
    if own_size:
        return f"{shapes} ({change}): build this layer with its old size to restore it, or {skip} and train it anew"
    return f"{shapes} ({change}): it fits again once that is undone; otherwise {skip} and train it anew"


def _resize(was, now) -> tuple[str, bool]:
    """Which dimension changed, in words, and whether it is the layer's own size (units,
    filters) rather than the size of what it receives from the layer before it."""
    if not (was and now and len(was) == len(now)):
        return "", True
    changed = [i for i, (a, b) in enumerate(zip(was, now)) if a != b]
    if len(changed) != 1:
        return "", True
    i, rank = changed[0], len(was)
    a, b = was[i], now[i]
    if rank <= 2 and i == rank - 1:
        return f"the layer went from {a} to {b} units", True
    if rank == 2:  # a dense kernel [inputs, units]
        return f"its input went from {a} to {b} features: the layer before it changed", False
    if i == rank - 1:  # a convolution kernel [..., in_channels, filters]
        return f"the layer went from {a} to {b} filters", True
    if i == rank - 2:
        return f"its input went from {a} to {b} channels: the layer before it changed", False
    return f"its kernel size changed ({a} -> {b})", True


def _candidates(entry: dict, pool: list[dict], from_checkpoint: bool) -> list[tuple[dict, str]]:
    """Likely counterparts of an unmatched checkpoint value (``from_checkpoint``) among
    the model's missing variables, or the other way round: same shape and dtype, same
    kind (model weights pair with model weights, optimizer state with optimizer state),
    most similar path first."""
    saved, wanted = ("checkpoint_shape", "checkpoint_dtype"), ("model_shape", "model_dtype")
    (mine_shape, mine_dtype), (their_shape, their_dtype) = (saved, wanted) if from_checkpoint else (wanted, saved)
    scored = []
    for candidate in pool:
        if candidate[their_shape] != entry[mine_shape] or candidate[their_dtype] != entry[mine_dtype]:
            continue
        if bool(candidate.get("optimizer")) != bool(entry.get("optimizer")):
            continue
        if is_counter(candidate) != is_counter(entry):
            continue
        mine, theirs = _label(entry), _label(candidate)
        score = difflib.SequenceMatcher(None, mine, theirs).ratio()
        old, new = (mine, theirs) if from_checkpoint else (theirs, mine)  # saved name -> the model's name now
        scored.append((score, candidate, _difference(old, new)))
    scored.sort(key=lambda item: -item[0])
    # Clearly the best (a renamed prefix of this very path): say only that one.
    close = [item for item in scored if scored[0][0] - item[0] < _CLEARLY_BETTER]
    return [(candidate, why) for _score, candidate, why in close[:3]]


def _difference(a: str, b: str) -> str:
    """In words, how two paths differ (the three usual ways a restore breaks)."""
    pa, pb = a.split("/"), b.split("/")
    if len(pa) == len(pb):
        changed = [i for i, (x, y) in enumerate(zip(pa, pb)) if x != y]
        if len(changed) == 1:
            i = changed[0]
            x, y = pa[i], pb[i]
            if _NUMBER.sub("#", x) == _NUMBER.sub("#", y):
                return f"same shape and dtype; the index moved ({x} -> {y}): a layer added or removed before it"
            if i == len(pa) - 1:
                return f"same shape and dtype; the attribute was renamed ({x} -> {y})"
            return f"same shape and dtype; '{x}' was renamed to '{y}'"
    common = 0
    while common < min(len(pa), len(pb)) and pa[-1 - common] == pb[-1 - common]:
        common += 1
    if common:
        return (f"same shape and dtype and the same tail ({'/'.join(pa[len(pa) - common :])}); "
                f"the prefix changed ({'/'.join(pa[: len(pa) - common]) or '(root)'} -> "
                f"{'/'.join(pb[: len(pb) - common]) or '(root)'})")  # fmt: skip
    return "same shape and dtype"


# -- notes -----------------------------------------------------------------------------------


def _notes(variables: list[dict], report: dict) -> list[str]:
    notes = []
    count = Counter(v["status"] for v in variables)
    weights = [v for v in variables if v["checkpoint_key"] and not is_harmless(v)]
    restored = [v for v in weights if v["status"] == "consumed" and v.get("restored") is not False]
    unused = [v for v in variables if v["status"] == "unmatched"]
    optimizer_left = [v for v in unused if v.get("optimizer")]
    averages_left = [v for v in unused if is_average(v) and not v.get("optimizer")]
    counters_left = [v for v in unused if is_counter(v) and not v.get("optimizer") and not is_average(v)]
    stray = [v for v in unused if not is_harmless(v)]
    if weights:
        if len(restored) == len(weights):
            notes.append(f"all {len(weights)} model weights restored")
        else:
            notes.append(f"{len(restored)} of {len(weights)} model weights restored")
    if optimizer_left:
        notes.append(f"optimizer state not used ({len(optimizer_left)} values): expected for an inference restore")
    if averages_left:
        notes.append(
            f"moving averages not used ({len(averages_left)} values): expected, unless the model should be "
            "restored from its averaged weights (ExponentialMovingAverage.variables_to_restore())"
        )
    if counters_left:
        names = sorted({_label(v).split("/.ATTRIBUTES")[0] for v in counters_left})
        notes.append(f"{format_some(names, 4)} not used (counters, harmless)")
    if stray:
        notes.append(
            f"{len(stray)} checkpoint value(s) that look like model weights are claimed by nothing in the model: "
            + format_some([_label(v) for v in stray], 3)
        )
    if count["missing"]:
        untracked = sum(1 for v in variables if v.get("untracked"))
        notes.append(
            f"{count['missing']} model variable(s) have no value in the checkpoint and keep their initial values"
            + (f" ({untracked} of them in layers the checkpoint cannot reach)" if untracked else "")
        )
    conflicts = count["shape_conflict"] + count["dtype_conflict"]
    if conflicts:
        notes.append(
            f"{conflicts} variable(s) match by path but not by shape or dtype: TensorFlow reports only the first "
            "of these and stops"
        )
    if count["deferred"]:
        owners = sorted({v.get("deferred_owner", "?") for v in variables if v["status"] == "deferred"})
        notes.append(
            f"{count['deferred']} value(s) wait for objects that are not built yet ({format_some(owners, 4)}): the "
            "model must be built, e.g. by calling it once on an input, before the restore can be checked"
        )
    held_back = sorted(  # model weights first: they are what the user is after
        (v for v in variables if v["status"] == "consumed" and v.get("restored") is False), key=is_harmless
    )
    if held_back:
        notes.append(
            f"{len(held_back)} matching value(s) were not restored because TensorFlow's restore stopped at its "
            f"first error; they will be once the conflicts are fixed: {format_some([_label(v) for v in held_back], 3)}"
        )
    verified = [v for v in variables if v.get("restored") is True]
    if verified and not held_back:
        notes.append(f"verified: the {len(verified)} restored variables hold exactly the checkpoint's values")
    return notes


def _clean_error(error: dict | None) -> dict | None:
    if error is None:
        return None
    return {
        "type": str(error.get("type", "Error")),
        "message": str(error.get("message", "")),
        "traceback": str(error.get("traceback", "")),
    }


def markdown(report: dict) -> str:
    """The report as Markdown, for bug reports and notes."""
    lines = [f"# Restore diagnosis: {report['checkpoint']}", "", f"Script: `{report['script']}`", ""]
    if report["error"]:
        error = report["error"]
        lines += [f"**The attempt failed: {error['type']}: {error['message']}**", "", "```", error["traceback"], "```"]
        return "\n".join(lines) + "\n"
    verdict = "everything the model needs was restored" if report["ok"] else "the restore is incomplete"
    lines += [f"**Result: {verdict}.**", ""]
    lines += ["| Status | Count |", "|---|---:|"] + [f"| {s} | {n} |" for s, n in report["summary"].items() if n]
    lines += ["", f"TensorFlow: {report['tensorflow']['verdict']}"]
    if report["tensorflow"]["message"]:
        lines += ["", "```", report["tensorflow"]["message"], "```"]
    if report["notes"]:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report["notes"]]
    problems = [v for v in report["variables"] if v["status"] != "consumed"]
    if problems:
        lines += [
            "",
            "## Variables needing attention",
            "",
            "| Status | Checkpoint key | Model path | Shapes | Suggestions |",
        ]
        lines += ["|---|---|---|---|---|"]
        for v in problems:
            shapes = f"{_shape_text(v['checkpoint_shape']) if v['checkpoint_shape'] is not None else '-'} / "
            shapes += _shape_text(v["model_shape"]) if v["model_shape"] is not None else "-"
            cells = [
                v["status"],
                v["checkpoint_key"] or "-",
                v["model_path"] or "-",
                shapes,
                "<br>".join(v["suggestions"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
