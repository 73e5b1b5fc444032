"""Scale: ckpt-gui against TensorFlow and the app against the CLI, side by side.

    python benchmarks/scale_bench.py [--data DIR] [--runs N]

- cold ``inspect --json`` against a cold ``tf.train.list_variables`` process, at
  20,000 and 200,000 variables in nested objects (written by TensorFlow) and at an
  index of 1,000,000 entries (written by tools/bundle_writer.py);
- the app (offscreen) from launch to a usable tree of 200,000 variables, then the
  first expand, filter and selection;
- comparing two 200,000-variable checkpoints in the app (launch, open A, compare
  with B until every pair is compared) against the CLI's ``diff`` of the same pair.

``--before TREE`` (a source tree of the code before a change, e.g. ``git archive
main ckpt_gui | tar -x -C TREE``) adds its ``inspect --json`` beside ours in the same
run (right after TensorFlow's), for before/after figures at about the same load. Both trees are compiled
first (``compileall``), as an installed package is.

Every figure is a whole fresh process: wall time (median of N runs after one
warm-up, page cache warm), CPU time (user + system) and peak memory (max RSS). On a
busy machine the wall times move with the load; the CPU times much less. Prints
Markdown tables (the README's figures) and writes benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO)}
APP_ENV = {**ENV, "QT_QPA_PLATFORM": "offscreen", "CKPT_GUI_SETTINGS_DIR": "/tmp/ckpt-gui-scale-bench-settings"}


def run_process(command: list[str], until: str | None = None, env=None, cwd=REPO) -> dict:
    """Run one process: wall seconds (to the stdout line containing ``until``, or to
    its end), CPU seconds and peak RSS (MB) of the whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env or ENV, cwd=cwd)
    wall = None
    lines = []
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        if until is not None and wall is None and until in line:
            wall = time.perf_counter() - start
        if len(lines) < 20:
            lines.append(line[:2000])
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if wall is None:
        if until is not None:
            raise RuntimeError(f"{command}: no line with {until!r} (exit {proc.returncode})")
        wall = time.perf_counter() - start
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "exit": proc.returncode,
        "lines": lines,
    }


def median_run(command: list[str], runs: int, until: str | None = None, env=None, cwd=REPO) -> dict:
    run_process(command, until, env, cwd)  # warm-up: page cache
    results = [run_process(command, until, env, cwd) for _ in range(runs)]
    return {
        "wall": statistics.median(r["wall"] for r in results),
        "cpu": statistics.median(r["cpu"] for r in results),
        "rss_mb": max(r["rss_mb"] for r in results),
        "lines": results[-1]["lines"],
        "exit": results[-1]["exit"],
    }


def listing(data: Path, runs: int, before: Path | None = None) -> list[dict]:
    rows = []
    for label, prefix, n in (
        ("20,000 variables", data / "vars20k" / "ckpt", runs),
        ("200,000 variables", data / "vars200k" / "a" / "ckpt", runs),
        ("1,000,000 index entries", data / "entries1m" / "ckpt", max(1, runs // 2)),
    ):
        inspect = [sys.executable, "-m", "ckpt_gui", "inspect", str(prefix), "--json"]
        ours = median_run(inspect, n)
        code = f"import tensorflow as tf; tf.train.list_variables({str(prefix)!r})"
        theirs = median_run([sys.executable, "-c", code], n)
        rows.append({"what": f"Cold `inspect --json`, {label}", "ours": ours, "theirs": theirs})
        if before is not None:
            # Run from the tree itself: `python -m` puts the working folder before PYTHONPATH.
            old = median_run(inspect, n, env={**ENV, "PYTHONPATH": str(before)}, cwd=before)
            rows.append({"what": f"(the same, before: {before.name})", "ours": old, "theirs": theirs})
    return rows


def app(data: Path, runs: int) -> list[dict]:
    a, b = data / "vars200k" / "a" / "ckpt", data / "vars200k" / "b" / "ckpt"
    script = str(HERE / "scale_app.py")
    launch = median_run([sys.executable, script, "launch", str(a)], runs, until='"usable"', env=APP_ENV)
    interactions = json.loads(launch["lines"][-1])
    n = max(1, runs // 2)
    app_compare = median_run([sys.executable, script, "compare", str(a), str(b)], n, until='"compared"', env=APP_ENV)
    cli_diff = median_run([sys.executable, "-m", "ckpt_gui", "diff", str(a), str(b), "--json"], n)
    return [
        {"what": "App launch to a usable tree, 200,000 variables", "ours": launch, "extra": interactions},
        {"what": "Compare two 200,000-variable checkpoints: app vs CLI `diff`", "ours": app_compare,
         "theirs": cli_diff},
    ]  # fmt: skip


def markdown(rows: list[dict]) -> str:
    lines = [
        "| Measurement | ckpt-gui wall | CPU | peak RSS | other side wall | CPU | peak RSS | wall ratio | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ours, theirs = r["ours"], r.get("theirs")
        cells = [r["what"], f"{ours['wall']:.2f} s", f"{ours['cpu']:.2f} s", f"{ours['rss_mb']:.0f} MB"]
        if theirs:
            cells += [f"{theirs['wall']:.2f} s", f"{theirs['cpu']:.2f} s", f"{theirs['rss_mb']:.0f} MB"]
            cells += [f"{ours['wall'] / theirs['wall']:.2f}x", f"{ours['cpu'] / theirs['cpu']:.2f}x"]
        else:
            cells += [""] * 5
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="where the benchmark checkpoints live")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("listing", "app"), help="one part only")
    parser.add_argument("--before", type=Path, help="a source tree of the code before, measured beside ours")
    args = parser.parse_args()
    if not (args.data / "vars20k" / "ckpt.index").exists():
        code = f"import make_fixtures as m; m.many_variables({str(args.data / 'vars20k')!r})"
        subprocess.run([sys.executable, "-c", code], check=True, env={**ENV, "PYTHONPATH": f"{HERE}:{REPO}"}, cwd=HERE)
    subprocess.run([sys.executable, str(HERE / "make_scale_fixtures.py"), str(args.data)], check=True, env=ENV)
    rows = []
    for tree in (REPO, args.before) if args.before else (REPO,):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "ckpt_gui")], check=True)
    if args.only in (None, "listing"):
        rows += listing(args.data, args.runs, args.before)
    if args.only in (None, "app"):
        rows += app(args.data, args.runs)
    print(markdown(rows))
    for r in rows:
        if "extra" in r:
            print(f"\n{r['what']}, then: {json.dumps(r['extra'])}")
    load = os.getloadavg()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\nMeasured {time.strftime('%Y-%m-%d %H:%M')} on {machine}; load average {load[0]:.1f}; "
          f"median of {args.runs} runs (1,000,000 entries and the comparison: {max(1, args.runs // 2)}).")  # fmt: skip
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.json").write_text(json.dumps({"machine": machine, "load": load, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
