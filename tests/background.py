"""Module fixtures' slow child processes started when the session starts, so that they
run while the first modules' tests do: a test process uses about one of this machine's
two cores, and each of these (TensorFlow writing a module's checkpoints and its answers,
the repair modules' CLI runs, the wheel's build and installs) is a child of 10 to 90 s
that its module's fixture used to start, and wait for, only when the module came up.

A test module declares its writers, each a command with ``{out}`` for its output folder:

    BACKGROUND_WRITERS = {"written": Writer([sys.executable, str(FACTORY), "{out}", "many"])}

and its fixture asks for the result: ``out, result = background.result(request, "written")``
(the folder, and the command's ``subprocess.CompletedProcess``). The same command writes
the same files; only its start moves earlier. conftest.py starts one runner child for the
modules collected (``python -m tests.background SPEC``): it runs the writers one after
another, at a lower priority than the tests, in the order the modules run. A writer the
runner does not know (no runner: no module of the session had writers) runs in its fixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NICENESS = 10  # the writers take what the tests leave of the CPU, never the tests' share


@dataclass(frozen=True)
class Writer:
    # "{out}" in an argument is replaced with the output folder, "{out:NAME}" with that of
    # the module's writer NAME (declared before this one: the runner has finished it first)
    command: list[str]
    timeout: float = 900
    env: dict[str, str] = field(default_factory=dict)  # added to the environment
    inputs: dict[str, str] = field(default_factory=dict)  # files written into the output folder first
    cwd: str = str(REPO)  # "{out}" and "{out:NAME}" too


@dataclass
class _Job:
    writer: Writer
    out: Path
    done: Path  # the runner writes the result here (returncode, stdout, stderr)


_jobs: dict[tuple[str, str], _Job] = {}  # (module name, writer name) -> its job
_run_here: dict[tuple[str, str], Path] = {}  # the same, for a writer run in its fixture: its folder
_runner: list[subprocess.Popen] = []


def start(modules, tmp_path_factory) -> None:
    """One runner child for the writers of ``modules`` (in the order they run)."""
    specs = []
    for module in modules:
        outs = {}
        for name, writer in getattr(module, "BACKGROUND_WRITERS", {}).items():
            outs[name] = out = tmp_path_factory.mktemp(name)
            job = _Job(writer, out, out.with_name(out.name + ".done.json"))
            _jobs[(module.__name__, name)] = job
            _write_inputs(writer, out)
            specs.append({"command": _command(writer, outs), "timeout": writer.timeout, "env": writer.env,
                          "cwd": _fill(writer.cwd, outs), "done": str(job.done)})  # fmt: skip
    if not specs:
        return
    spec = tmp_path_factory.mktemp("background") / "spec.json"
    spec.write_text(json.dumps(specs))
    runner = subprocess.Popen([sys.executable, "-m", "tests.background", str(spec)], cwd=REPO, start_new_session=True)
    _runner.append(runner)


def stop() -> None:
    """End the runner and its writer (a session stopped early by -x or Ctrl-C)."""
    for runner in _runner:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    _runner.clear()
    _jobs.clear()
    _run_here.clear()


def result(request, name: str) -> tuple[Path, subprocess.CompletedProcess]:
    """The output folder of the module's writer ``name`` and how its command ended."""
    job = _jobs.get((request.module.__name__, name))
    if job is None or not _runner:  # not started in the background: run it now
        writer = request.module.BACKGROUND_WRITERS[name]
        out = request.getfixturevalue("tmp_path_factory").mktemp(name)
        _run_here[(request.module.__name__, name)] = out
        outs = {other: path for (module, other), path in _run_here.items() if module == request.module.__name__}
        command = _command(writer, outs, name)
        _write_inputs(writer, out)
        env = {**os.environ, **writer.env}
        cwd = _fill(writer.cwd, outs, name)
        done = subprocess.run(command, capture_output=True, text=True, timeout=writer.timeout, cwd=cwd, env=env)
        return out, done
    if not job.done.exists():
        # A test waits for it now: the writers run at the tests' priority from here on
        # (root may raise it back; a developer's user cannot, and waits a little longer).
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PGRP, _runner[0].pid, os.getpriority(os.PRIO_PROCESS, 0))
    while not job.done.exists():  # each writer has its timeout in the runner
        if _runner[0].poll() is not None:
            raise RuntimeError(f"the background writers' runner ended ({_runner[0].returncode}) before {name}")
        time.sleep(0.1)
    ended = json.loads(job.done.read_text())
    if ended["left"]:
        pytest.fail(f"left running after the writer {name}: " + "; ".join(ended["left"]), pytrace=False)
    return job.out, subprocess.CompletedProcess(ended["command"], ended["returncode"], ended["stdout"], ended["stderr"])


def arrays_by_name(path: Path) -> dict:
    """The arrays a writer saved with ``np.savez(path, *arrays, names=names)``, by name."""
    import numpy as np  # noqa: PLC0415 - only the modules that read a writer's arrays need it

    with np.load(path) as data:
        return {str(n): data[f"arr_{i}"] for i, n in enumerate(data["names"])}


def _write_inputs(writer: Writer, out: Path) -> None:
    for name, text in writer.inputs.items():
        (out / name).write_text(text)


def _command(writer: Writer, outs: dict[str, Path], name: str | None = None) -> list[str]:
    return [_fill(arg, outs, name) for arg in writer.command]


def _fill(text: str, outs: dict[str, Path], name: str | None = None) -> str:
    """``text`` with the folders in it (``outs``: writer name -> folder; unnamed, its own is the last)."""
    text = text.replace("{out}", str(outs[name] if name else list(outs.values())[-1]))
    for other, out in outs.items():
        text = text.replace(f"{{out:{other}}}", str(out))
    return text


def _run(spec: Path) -> None:
    """The runner: each writer in turn, its result written where the fixture waits for it.
    It is the reaper of its writers' orphans (as the test process may be, for the
    doctor's children): what a writer left running is named in its result, and the
    fixture fails on it, as conftest's check would have failed the test that ran it."""
    os.nice(NICENESS)
    from ckpt_gui.diagnosis.process_family import become_subreaper  # noqa: PLC0415 - the runner's only

    become_subreaper()
    for job in json.loads(spec.read_text()):
        env = {**os.environ, **job["env"]}
        try:
            done = subprocess.run(
                job["command"], capture_output=True, text=True, timeout=job["timeout"], env=env, cwd=job["cwd"]
            )
            ended = {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
        except subprocess.TimeoutExpired:
            ended = {"returncode": -1, "stdout": "", "stderr": f"timed out after {job['timeout']} s"}
        ended["left"] = _orphans_left()
        partial = Path(job["done"] + ".partial")
        partial.write_text(json.dumps({"command": job["command"], **ended}))
        partial.rename(job["done"])  # the fixture never reads half a file


def _orphans_left() -> list[str]:
    """The runner's children still running after a few seconds (its writers are ended and
    reaped: what is left are orphans), reaped as they end."""
    from tests.conftest import LEFTOVER_WAIT_S, _children  # noqa: PLC0415 - not at the runner's import

    deadline = time.monotonic() + LEFTOVER_WAIT_S
    while True:
        children = _children()
        for pid, state, _command in children:
            if state == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
        left = [f"child process {pid} ({command})" for pid, state, command in children if state != "Z"]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


if __name__ == "__main__":
    _run(Path(sys.argv[1]))
