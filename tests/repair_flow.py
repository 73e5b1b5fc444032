"""The repair as a user runs it from the command line, shared by the repair tests
(tests/test_repair.py: checkpoints, tests/test_repair_keras.py: Keras weights files,
tests/test_app_repair.py): the cases' TensorFlow scripts in child processes, each case
diagnosed with ``--plan`` and repaired, and what every repaired case must pass."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import background
from tests.background import Writer
from tests.conftest import REPO, run_cli

PARALLEL = 3  # cases repaired at once: each is three short TensorFlow processes in a row


def run_cases(module: str, *args: str) -> subprocess.CompletedProcess:
    """``python -m tests.MODULE ARGS`` (repair_cases, repair_keras_cases): TensorFlow in its own process."""
    result = subprocess.run(
        [sys.executable, "-m", f"tests.{module}", *args], capture_output=True, text=True, timeout=900, cwd=REPO
    )
    if result.returncode != 0:
        pytest.fail(f"{module}.py {args[0]} failed:\n{result.stderr[-4000:]}")
    return result


def case_writer(module: str, *cases: str) -> Writer:
    """``python -m tests.MODULE write OUT [CASE...]``, as a background writer (tests/background.py)."""
    return Writer([sys.executable, "-m", f"tests.{module}", "write", "{out}", *cases])


def repair_writer(module: str) -> Writer:
    """The whole repair of the module's cases (written by its writer "cases"), as a
    background writer: ``python -m tests.repair_flow MODULE ROOT`` prints ``repaired``'s result."""
    return Writer([sys.executable, "-m", "tests.repair_flow", module, "{out:cases}"])


def repaired_cases(request, name: str = "repaired") -> dict[str, dict]:
    """What the module's repair writer printed: case name -> repair_case's result, with
    the user's own restore ("restore") or load_weights ("check") of the repaired case."""
    _out, result = background.result(request, name)
    if result.returncode != 0:
        pytest.fail(f"repairing the cases failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def repair_and_check(module: str, root: Path) -> dict[str, dict]:
    """Every case of tests.MODULE (repair_cases, repair_keras_cases) through the CLI, then
    the user's restore code (repair_cases) or load_weights (repair_keras_cases) on all of
    them in one TensorFlow process."""
    if module == "repair_cases":
        from tests.repair_cases import CASES  # noqa: PLC0415 - one of the two, by name

        results = repair_all(root, CASES)
        restored = json.loads(run_cases(module, "restore", str(root), *CASES).stdout)
        for name, result in results.items():
            result["restore"] = restored[name]
        return results
    from tests.repair_keras_cases import CASES  # noqa: PLC0415 - one of the two, by name

    results = repair_all(root, CASES, keras_source)
    checked = json.loads(run_cases(module, "check", str(root)).stdout)
    for name, result in results.items():
        result["check"] = checked[name]
    return results


def keras_source(folder: Path) -> Path:
    """A Keras case's source file (the one file in folder/source)."""
    return next((folder / "source").iterdir())


def written_cases(request, name: str = "cases") -> Path:
    """The folder the module's case writer ``name`` wrote (started with the session)."""
    root, result = background.result(request, name)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(result.args[2:4])} failed:\n{result.stderr[-4000:]}")
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def repair_case(folder: Path, source: Path, copy_overlap: bool) -> dict:
    """What a user does: diagnose with --plan, edit the plan (copy-overlap for what it
    proposes to keep initial), repair into folder/repaired."""
    plan = folder / "plan.json"
    before = _files(folder / "source")
    model = str(folder / "model.py")
    diagnosed = run_cli("diagnose", str(source), "--model", model, "--json", "--plan", str(plan), timeout=600)
    proposed = json.loads(plan.read_text()) if plan.exists() else None
    if copy_overlap and proposed is not None:
        edited = [{**e, "action": "copy-overlap"} if e["action"] == "keep-initial" else e for e in proposed["entries"]]
        plan.write_text(json.dumps({**proposed, "entries": edited}))
    repaired = run_cli("repair", str(source), "--model", model, "--plan", str(plan),
                       "-o", str(folder / "repaired"), "--json", timeout=600)  # fmt: skip
    return {
        "diagnose_code": diagnosed.returncode,
        "diagnose_stderr": diagnosed.stderr,
        "plan": proposed,
        "repair_code": repaired.returncode,
        "repair_stderr": repaired.stderr,
        "outcome": json.loads(repaired.stdout) if repaired.stdout.strip() else None,
        "source_unchanged": before == _files(folder / "source"),
    }


def repair_all(root: Path, cases: dict, source_of=lambda folder: folder / "source") -> dict[str, dict]:
    """Every case through the CLI, PARALLEL at a time: case name -> repair_case's result."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {
            name: pool.submit(repair_case, root / name, source_of(root / name), bool(case.get("copy_overlap")))
            for name, case in cases.items()
        }
        return {name: future.result() for name, future in futures.items()}


def plan_entries(plan: dict) -> dict[str, dict]:
    """A plan's entries by the source key they write."""
    return {e["source_key"]: e for e in plan["entries"]}


def check_repaired(result: dict) -> tuple[dict, dict]:
    """What every repaired case passes: no traceback, not a byte of the source changed,
    written and verified by the CLI (every model variable consumed), repair.json beside
    it names the source. The outcome and the record, for the checks of its kind."""
    assert "Traceback" not in result["diagnose_stderr"] + result["repair_stderr"]
    assert result["source_unchanged"]
    outcome = result["outcome"]
    assert result["repair_code"] == 0, (result["repair_stderr"], outcome)
    assert outcome["ok"] and outcome["verification"]["ok"] and outcome["verification"]["unconsumed"] == []
    assert outcome["error"] is None
    record = json.loads((Path(outcome["written"]).parent / "repair.json").read_text())
    assert record["source"] == result["plan"]["source"] and record["plan"]["entries"]
    return outcome, record


if __name__ == "__main__":  # python -m tests.repair_flow MODULE ROOT: repair_and_check's result as JSON
    print(json.dumps(repair_and_check(sys.argv[1], Path(sys.argv[2]))))
