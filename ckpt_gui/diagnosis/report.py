"""The restore report: statuses, suggestions and notes from the child's facts.

Pure Python (no TensorFlow, no Qt): the CLI prints it, the app shows it, tests
check it. The JSON shape is the contract in the README.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from .runner import AttemptResult, DiagnosisRequest

STATUSES = ("consumed", "shape_conflict", "dtype_conflict", "unmatched", "missing", "deferred")
_BLOCKING = {"shape_conflict", "dtype_conflict", "missing", "deferred"}
_NUMBER = re.compile(r"\d+")
_HARMLESS_NAMES = ("save_counter", "global_step", "beta1_power", "beta2_power", "keras_api/metrics")


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
        if report["error"] is not None and not report["error"].get("traceback") and result.log:
            report["error"]["traceback"] = result.log[-4000:]
        return report
    variables = [_entry(raw) for raw in facts["variables"]]
    _suggest(variables)
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
    key = entry.get("checkpoint_key") or ""
    return bool(entry.get("optimizer")) or any(name in key for name in _HARMLESS_NAMES)


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


def _suggest(variables: list[dict]) -> None:
    unmatched = [v for v in variables if v["status"] == "unmatched"]
    missing = [v for v in variables if v["status"] == "missing"]
    for value in unmatched:
        for candidate, why in _candidates(value, missing, "checkpoint_shape", "checkpoint_dtype"):
            value["suggestions"].append(f"likely the model's {candidate['model_path']}: {why}")
    for var in missing:
        for candidate, why in _candidates(var, unmatched, "model_shape", "model_dtype"):
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
            was, now = entry["checkpoint_shape"], entry["model_shape"]
            entry["suggestions"].append(
                f"the checkpoint has {_shape_text(was)}, the model {_shape_text(now)}"
                f"{_resize_hint(was, now)}: build this layer with its old size to restore it, or leave it "
                "out of the restore (status.expect_partial()) and train it anew"
            )
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


def _candidates(entry: dict, pool: list[dict], shape_field: str, dtype_field: str) -> list[tuple[dict, str]]:
    shape, dtype = entry[shape_field], entry[dtype_field]
    other_shape = "model_shape" if shape_field == "checkpoint_shape" else "checkpoint_shape"
    other_dtype = "model_dtype" if dtype_field == "checkpoint_dtype" else "checkpoint_dtype"
    scored = []
    for candidate in pool:
        if candidate[other_shape] != shape or candidate[other_dtype] != dtype:
            continue
        mine, theirs = _label(entry), _label(candidate)
        score = difflib.SequenceMatcher(None, mine, theirs).ratio()
        scored.append((score, candidate, _difference(mine, theirs)))
    scored.sort(key=lambda item: -item[0])
    return [(candidate, why) for _score, candidate, why in scored[:3]]


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


def _resize_hint(was, now) -> str:
    if was and now and len(was) == len(now):
        changed = [(a, b) for a, b in zip(was, now) if a != b]
        if len(changed) == 1:
            a, b = changed[0]
            return f" (the layer went from {a} to {b} {'units' if len(was) <= 2 else 'channels'})"
    return ""


# -- notes -----------------------------------------------------------------------------------


def _notes(variables: list[dict], report: dict) -> list[str]:
    notes = []
    count = Counter(v["status"] for v in variables)
    weights = [v for v in variables if v["checkpoint_key"] and not is_harmless(v)]
    restored = [v for v in weights if v["status"] == "consumed"]
    unused = [v for v in variables if v["status"] == "unmatched"]
    optimizer_left = [v for v in unused if v.get("optimizer")]
    counters_left = [v for v in unused if is_harmless(v) and not v.get("optimizer")]
    stray = [v for v in unused if not is_harmless(v)]
    if weights:
        if len(restored) == len(weights):
            notes.append(f"all {len(weights)} model weights restored")
        else:
            notes.append(f"{len(restored)} of {len(weights)} model weights restored")
    if optimizer_left:
        notes.append(f"optimizer state not used ({len(optimizer_left)} values): expected for an inference restore")
    if counters_left:
        names = sorted({_label(v).split("/.ATTRIBUTES")[0] for v in counters_left})
        notes.append(f"{', '.join(names[:4])} not used (counters, harmless)")
    if stray:
        notes.append(
            f"{len(stray)} checkpoint value(s) that look like model weights are claimed by nothing in the model"
        )
    if count["missing"]:
        notes.append(
            f"{count['missing']} model variable(s) have no value in the checkpoint and keep their initial values"
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
            f"{count['deferred']} value(s) wait for objects that are not built yet ({', '.join(owners[:4])}): the "
            "model must be built, e.g. by calling it once on an input, before the restore can be checked"
        )
    unrestored = [v for v in variables if v["status"] == "consumed" and v.get("restored") is False]
    if unrestored:
        notes.append(
            f"{len(unrestored)} matching variable(s) do not hold the checkpoint's values after TensorFlow's restore "
            f"(it stopped at its first error): {', '.join(_label(v) for v in unrestored[:3])}"
        )
    verified = [v for v in variables if v.get("restored") is True]
    if verified and not unrestored:
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
