"""The app's comparison against the CLI's ``diff`` of the same pair, idle and under load.

    python benchmarks/app_compare_bench.py [--data DIR] [--runs N] [--busy 0 2] [--before TREE]

Issue 11: comparing two 200,000-variable checkpoints in the app (launch, open A,
compare with B until every pair is compared: benchmarks/scale_app.py ``compare``)
must cost no more than 1.3x the CLI's ``ckpt-gui diff --json`` of the same pair.
Each run is a whole fresh process of each side, one after the other (their order
turns each run, so neither always follows the other); ``--busy 2`` runs them while
two CPU-bound Python processes (``while True: pass``) spin beside them. ``--before
TREE`` (e.g. ``git archive main ckpt_gui | tar -x -C TREE``) adds the app of that
source tree to every run, for before/after figures at the same load.

Prints, per load: the load average (before and after), the medians of wall and CPU
time (user + system) and peak memory, the ratios of the medians and the range of the
per-run ratios; writes benchmarks/results/app_compare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_bench import APP_ENV, ENV, REPO, run_process  # noqa: E402


def sides(a: Path, b: Path, before: Path | None) -> dict[str, tuple[list[str], str | None, dict, Path]]:
    app = [sys.executable, str(HERE / "scale_app.py"), "compare", str(a), str(b)]
    out = {
        "cli": ([sys.executable, "-m", "ckpt_gui", "diff", str(a), str(b), "--json"], None, ENV, REPO),
        "app": (app, '"compared"', APP_ENV, REPO),
    }
    if before is not None:  # its own ckpt_gui first on the path (the script's folder comes first, then PYTHONPATH)
        out["app before"] = (app, '"compared"', {**APP_ENV, "PYTHONPATH": str(before)}, before)
    return out


def measure(a: Path, b: Path, runs: int, busy: int, before: Path | None) -> dict:
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        time.sleep(2 if busy else 0)  # the spinners at full speed before the first run
        load_before = os.getloadavg()[0]
        named = sides(a, b, before)
        results: dict[str, list[dict]] = {name: [] for name in named}
        for run in range(runs):
            order = list(named)
            order = order[run % len(order) :] + order[: run % len(order)]
            for name in order:
                command, until, env, cwd = named[name]
                result = run_process(command, until, env, cwd)
                result.pop("lines")
                results[name].append(result)
                print(f"  busy {busy}, run {run + 1}, {name}: wall {result['wall']:.2f} s, "
                      f"CPU {result['cpu']:.2f} s, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        return {"busy": busy, "load": (load_before, os.getloadavg()[0]), "runs": results}
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def summary(row: dict) -> dict:
    runs = row["runs"]
    keys = ("wall", "cpu", "rss_mb")
    out = {name: {k: statistics.median(r[k] for r in rs) for k in keys} for name, rs in runs.items()}
    for name in runs:
        if name == "cli":
            continue
        for k in ("wall", "cpu"):
            ratios = [r[k] / c[k] for r, c in zip(runs[name], runs["cli"])]
            out[name][f"{k}_ratio"] = out[name][k] / out["cli"][k]
            out[name][f"{k}_ratios"] = (min(ratios), max(ratios))
    return out


def markdown(rows: list[dict]) -> str:
    lines = [
        "| Machine (load average) | side | wall | CPU | peak RSS | wall ratio | CPU ratio (per run) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        busy = f"+ {row['busy']} CPU-bound processes" if row["busy"] else "as it is"
        machine = f"{busy} ({row['load'][0]:.1f} to {row['load'][1]:.1f})"
        for name, s in summary(row).items():
            cells = [machine, name, f"{s['wall']:.2f} s", f"{s['cpu']:.2f} s", f"{s['rss_mb']:.0f} MB"]
            if name == "cli":
                cells += ["", ""]
            else:
                low, high = s["cpu_ratios"]
                cells += [f"{s['wall_ratio']:.2f}x", f"{s['cpu_ratio']:.2f}x ({low:.2f} to {high:.2f})"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="holds vars200k/a/ckpt and vars200k/b/ckpt")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 2], help="CPU-bound processes beside the runs")
    parser.add_argument("--before", type=Path, help="a source tree of the code before, its app measured beside ours")
    args = parser.parse_args()
    a, b = args.data / "vars200k" / "a" / "ckpt", args.data / "vars200k" / "b" / "ckpt"
    if not Path(f"{b}.index").exists():
        subprocess.run([sys.executable, str(HERE / "make_scale_fixtures.py"), str(args.data)], check=True, env=ENV)
    for tree in (REPO, args.before) if args.before else (REPO,):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "ckpt_gui")], check=True)
    command, until, env, cwd = sides(a, b, None)["cli"]
    run_process(command, until, env, cwd)  # warm-up: both checkpoints in the page cache, nothing measured
    rows = [measure(a, b, args.runs, busy, args.before) for busy in args.busy]
    print(markdown(rows))
    print(f"\nMeasured {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, median of {args.runs} runs.")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "app_compare.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
