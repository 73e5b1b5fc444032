"""The runner the side-by-side benchmarks share (app_open_bench.py, flat_list_bench.py,
compare_filter_bench.py, worker_holds_bench.py): their common options, the fixtures made when missing, the code
measured and the code before it (``--before SRC_DIR``) run in turn so both see the same
machine, CPU-bound processes beside (``--busy N``), and each child's environment.

Each of those benchmarks repeated this; a change to one (the bytecode kept, the order
turned each run) reached the others only by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qt_wait import child_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BUSY = "while True: pass"  # what a CPU-bound process beside runs


def parser(doc: str, busy: bool = True) -> argparse.ArgumentParser:
    """An argument parser with the options every side-by-side benchmark takes:
    ``--data``, ``--runs``, ``--before`` and (``busy``) ``--busy``."""
    found = argparse.ArgumentParser(description=doc.splitlines()[0])
    found.add_argument("--data", type=Path, default=HERE / ".data", help="where the benchmark checkpoints live")
    found.add_argument("--runs", type=int, default=3)
    found.add_argument("--before", type=Path, help="a copy of the code to compare with (its source root)")
    if busy:
        found.add_argument("--busy", type=int, default=0, help="CPU-bound processes running beside each run")
        found.add_argument(
            "--busy-session",
            choices=("app", "own"),
            default="app",
            help="the busy processes in the app's session (app: one scheduling group with it where Linux's"
            " autogroup is on) or in a session of their own (own: as a training job started from another"
            " terminal runs)",
        )
    return found


def fixtures(data: Path, *needed: Path) -> None:
    """make_scale_fixtures.py into ``data`` unless every ``needed`` file is there."""
    if not all(path.exists() for path in needed):
        subprocess.run([sys.executable, str(HERE / "make_scale_fixtures.py"), str(data)], check=True)


def sources(before: Path | None) -> dict[str, Path]:
    """The code measured, by name: this tree, and the code before when given."""
    return {"this tree": REPO, **({"before": before.resolve()} if before else {})}


def child_env(source: Path, settings: Path | None = None, qt: bool = True) -> dict[str, str]:
    """A child's environment: ``source``'s code first on PYTHONPATH, then this folder
    (gap_watch, qt_wait); offscreen Qt and its own settings folder (``qt``); bytecode
    written and used, as an installed app has it (with PYTHONDONTWRITEBYTECODE set,
    each run compiled the app's sources: 0.3 to 0.4 s)."""
    env = {**os.environ, "PYTHONPATH": child_path(source) if qt else str(source)}
    if qt:
        env["QT_QPA_PLATFORM"] = "offscreen"
    if settings is not None:
        env["CKPT_GUI_SETTINGS_DIR"] = str(settings)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@contextmanager
def busy_beside(count: int, own_session: bool = False) -> Iterator[None]:
    """``count`` CPU-bound processes (at this process's priority) while inside; killed
    after. ``own_session``: in a session of their own. Where Linux's autogroup is on
    (most desktop kernels; ``/proc/sys/kernel/sched_autogroup_enabled``), each session is
    a scheduling group with a fair share of the cores: a training job started from a
    terminal is in another group than the app; started from the app's own session (the
    default here) the busy processes and the app's threads share one group, the harder
    case."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=own_session) for _ in range(count)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def alternate(
    named: dict[str, Path],
    runs: int,
    run_one: Callable[[Path], dict],
    turn_order: bool = False,
    shown: Callable[[dict], dict] = lambda found: found,
) -> dict[str, list[dict]]:
    """``run_one(source)`` ``runs`` times for each code in ``named``, one after the
    other in each run (``turn_order``: the first of one run last in the next, so that
    neither is always first), each result printed as it comes (``shown``: what of it)."""
    results: dict[str, list[dict]] = {name: [] for name in named}
    for run in range(runs):
        order = list(named)
        if turn_order:
            order = order[run % len(order) :] + order[: run % len(order)]
        for name in order:
            results[name].append(run_one(named[name]))
            print(name, json.dumps(shown(results[name][-1])), flush=True)
    return results


def run_app_child(child: str, args: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run the app's ``child`` script (``python -c``) and return the JSON of its last
    line, with the load average before and after (``load``)."""
    load = os.getloadavg()
    out = subprocess.run([sys.executable, "-c", child, *args], capture_output=True, text=True, env=env, cwd=cwd)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"the app child failed (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-2000:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found.update(load=(load[0], os.getloadavg()[0]))
    return found


def figures_table(results: dict[str, list[dict]], figures: list[tuple[str, str, str]], first: str = "Code") -> str:
    """A Markdown table: a row per code (or code and mode) with runs, a column per
    ``(key, label, unit)`` of ``figures``: the runs' median (range), then the load average."""
    head = f"| {first} | " + " | ".join(label for _key, label, _unit in figures) + " | Load average |"
    lines = [head, "|---|" + "---:|" * len(figures) + "---|"]
    for name, runs in results.items():
        if not runs:
            continue
        cells = []
        for key, _label, unit in figures:
            values = [r[key] for r in runs]
            cells.append(f"{statistics.median(values):g} {unit} ({min(values):g} to {max(values):g})")
        loads = [x for r in runs for x in r["load"]]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {min(loads):.1f} to {max(loads):.1f} |")
    return "\n".join(lines)
