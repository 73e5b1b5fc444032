"""Side-by-side measurements of the reader against TensorFlow, in one run.

    python benchmarks/run.py [--data DIR] [--runs N]

Each figure is the median of N runs (after one warm-up), with the page cache warm
for both sides; every measurement runs in a fresh child process so neither side
pays for the other's imports. Prints a Markdown table (the README's figures) and
writes benchmarks/results/latest.json.
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
KEY_256 = "big/.ATTRIBUTES/VARIABLE_VALUE"


def wall_time(command: list[str], runs: int) -> float:
    """Median wall time of a whole process, stdout discarded."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True, cwd=REPO)
        if i:  # the first run warms the page cache
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=False, cwd=REPO
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


TIMER = """
import json, resource, statistics, time
def median_time(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def measure(data: Path, runs: int) -> list[dict]:
    prefix20k = str(data / "vars20k" / "ckpt")
    prefix256 = str(data / "tensor256" / "ckpt")
    rows = []

    ours = wall_time([sys.executable, "-m", "ckpt_gui", "inspect", prefix20k, "--json"], runs)
    theirs = wall_time([sys.executable, "-c", f"import tensorflow as tf; tf.train.list_variables({prefix20k!r})"], runs)
    rows.append(row("Cold `inspect --json`, 20,000 variables (whole process)", ours, theirs, 0.15))

    ours_parse = in_child(
        TIMER
        + f"""
from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.checkpoint import Checkpoint
index = median_time(lambda: BundleIndex({prefix20k!r}), {runs * 3})
def full():
    ckpt = Checkpoint.open({prefix20k!r}); ckpt.variables
whole = median_time(full, {runs})
print(json.dumps({{"index": index, "whole": whole}}))
"""
    )
    tf_parse = in_child(
        TIMER
        + f"""
import tensorflow as tf
def read():
    reader = tf.train.load_checkpoint({prefix20k!r})
    reader.get_variable_to_shape_map(); reader.get_variable_to_dtype_map()
print(json.dumps({{"index": median_time(read, {runs * 3})}}))
"""
    )
    rows.append(row("Index parse, 20,000 variables (in process)", ours_parse["index"], tf_parse["index"], 1.0))
    rows.append(row("Open + object graph + all paths, 20,000 variables", ours_parse["whole"], tf_parse["index"]))

    ours_stats = in_child(
        TIMER
        + f"""
from ckpt_gui.core.analysis.summaries import tensor_histogram, tensor_stats
from ckpt_gui.core.checkpoint import Checkpoint
ckpt = Checkpoint.open({prefix256!r})
both = median_time(lambda: tensor_histogram(ckpt, {KEY_256!r}, bins=100), {runs})
only = median_time(lambda: tensor_stats(ckpt, {KEY_256!r}), {runs})
print(json.dumps({{"both": both, "stats": only, "peak_mb": peak_mb()}}))
"""
    )
    tf_stats = in_child(
        TIMER
        + f"""
import numpy as np, tensorflow as tf
reader = tf.train.load_checkpoint({prefix256!r})
def run():
    np.histogram(reader.get_tensor({KEY_256!r}), bins=100)
print(json.dumps({{"both": median_time(run, {runs}), "peak_mb": peak_mb()}}))
"""
    )
    rows.append(row("Stats + 100-bin histogram, one 256 MB tensor", ours_stats["both"], tf_stats["both"], 0.5))
    rows.append(row("Stats only, same tensor", ours_stats["stats"], tf_stats["both"]))
    memory = {"ours": f"{ours_stats['peak_mb']:.0f} MB", "tensorflow": f"{tf_stats['peak_mb']:.0f} MB"}
    rows.append({"what": "Peak memory (RSS), 256 MB tensor", **memory, "ratio": "", "target": "", "ok": ""})
    return rows


def measure_gui(data: Path, runs: int) -> list[dict]:
    """The app's own figures (no TensorFlow side): absolute targets."""
    script = str(HERE / "gui_bench.py")
    launches = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, script, "launch", str(data / "vars20k" / "ckpt")],
            capture_output=True, text=True, env={**ENV, "QT_QPA_PLATFORM": "offscreen"}, cwd=REPO, check=True,
        )  # fmt: skip
        assert '"loaded": true' in result.stdout, result.stderr
        launches.append(time.perf_counter() - start)
    launch = statistics.median(launches[1:])
    figures = in_child_gui(script, data, runs)
    return [
        absolute("Launch to a populated tree, 20,000 variables", launch * 1000, 1500),
        absolute("Filter keystroke on 20,000 rows (median)", figures["filter_ms"], 100),
        absolute("Select a 1M-element variable to exact histogram shown", figures["select_1m_ms"], 150),
        absolute(
            f"Longest event-loop stall while a 256 MB tensor is summarised (median of {runs} summaries;"
            f" worst {figures['worst_event_loop_gap_ms']:.0f} ms)",
            figures["max_event_loop_gap_ms"],
            100,
        ),
    ]


def measure_diff(data: Path, runs: int) -> list[dict]:
    """Diff of two 1 GB checkpoints against reading both once (every tensor, in chunks,
    CRC-checked, with the same reader), and the diff's peak memory."""
    a, b = str(data / "diff1g" / "a" / "ckpt"), str(data / "diff1g" / "b" / "ckpt")
    figures = in_child(
        TIMER
        + f"""
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
def read_both():
    for prefix in ({a!r}, {b!r}):
        ckpt = Checkpoint.open(prefix)
        for v in ckpt.variables:
            if v.dtype.is_numeric:
                for _chunk in ckpt.iter_chunks(v.key):
                    pass
read = median_time(read_both, {runs})
def diff():
    result = compare_all(pair_variables(Checkpoint.open({a!r}), Checkpoint.open({b!r})))
    assert result.summary()["changed"] == 8 and result.summary()["same"] == 8
both = median_time(diff, {runs})
print(json.dumps({{"read": read, "diff": both, "peak_mb": peak_mb()}}))
"""
    )
    ratio = figures["diff"] / figures["read"]
    return [
        {
            "what": "Diff of two 1 GB checkpoints (page cache warm) vs reading both once",
            "ours": f"{figures['diff'] * 1000:.0f} ms",
            "tensorflow": f"{figures['read'] * 1000:.0f} ms (read)",
            "ratio": f"{ratio:.2f}x",
            "target": "<= 2x",
            "ok": "yes" if ratio <= 2 else "NO",
            "seconds": {"diff": figures["diff"], "read": figures["read"]},
        },
        {
            "what": "Peak memory (RSS) of that diff",
            "ours": f"{figures['peak_mb']:.0f} MB",
            "tensorflow": "",
            "ratio": "",
            "target": "< 512 MB",
            "ok": "yes" if figures["peak_mb"] < 512 else "NO",
        },
    ]


def measure_diagnosis(runs: int) -> list[dict]:
    """Restore attempts of the demo into its model script: a cold first attempt (a new
    child imports TensorFlow) against TensorFlow's own import time, and a second one
    (a warm child waits with TensorFlow imported)."""
    tf_import = wall_time([sys.executable, "-c", "import tensorflow"], runs)
    figures = in_child(
        TIMER
        + f"""
import statistics, sys
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.diagnosis.runner import Diagnoser, DiagnosisRequest
request = DiagnosisRequest(locate({str(REPO / "ckpt_gui" / "resources" / "demo")!r}).selected.prefix,
                           {str(REPO / "ckpt_gui" / "resources" / "examples" / "demo_model.py")!r}, 120, sys.executable)
firsts, seconds = [], []
for _ in range({runs}):
    diagnoser = Diagnoser(keep_warm=True)
    first = diagnoser.run(request)
    assert first.facts is not None, first.error
    firsts.append(first.seconds)
    diagnoser.wait_until_warm(sys.executable)
    seconds.append(diagnoser.run(request).seconds)
    diagnoser.close()
print(json.dumps({{"first": statistics.median(firsts), "second": statistics.median(seconds)}}))
"""
    )
    return [
        absolute_vs("First restore attempt, demo model (new child)", figures["first"], tf_import, 2.0),
        absolute("Second attempt, same checkpoint and script (warm child)", figures["second"] * 1000, 1500),
    ]


def absolute_vs(what: str, seconds: float, baseline: float, extra: float) -> dict:
    target = baseline + extra
    return {
        "what": what,
        "ours": f"{seconds * 1000:.0f} ms",
        "tensorflow": f"{baseline * 1000:.0f} ms (import)",
        "ratio": "",
        "target": f"<= import + {extra:.0f} s",
        "ok": "yes" if seconds <= target else "NO",
        "seconds": {"ours": seconds, "tensorflow_import": baseline},
    }


def in_child_gui(script: str, data: Path, runs: int) -> dict:
    result = subprocess.run(
        [sys.executable, script, "interact", str(data), str(runs)],
        capture_output=True, text=True, env={**ENV, "QT_QPA_PLATFORM": "offscreen"}, cwd=REPO, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def absolute(what: str, ms: float, target_ms: float) -> dict:
    return {
        "what": what,
        "ours": f"{ms:.0f} ms",
        "tensorflow": "",
        "ratio": "",
        "target": f"<= {target_ms:.0f} ms",
        "ok": "yes" if ms <= target_ms else "NO",
        "seconds": {"ours": ms / 1000},
    }


def row(what: str, ours: float, theirs: float, target: float | None = None) -> dict:
    ratio = ours / theirs
    return {
        "what": what,
        "ours": f"{ours * 1000:.0f} ms",
        "tensorflow": f"{theirs * 1000:.0f} ms",
        "ratio": f"{ratio:.2f}x",
        "target": f"<= {target}x" if target is not None else "",
        "ok": ("yes" if ratio <= target else "NO") if target is not None else "",
        "seconds": {"ours": ours, "tensorflow": theirs},
    }


def markdown(rows: list[dict]) -> str:
    lines = [
        "| Measurement | ckpt-gui | TensorFlow | Ratio | Target | Met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        lines.append(f"| {r['what']} | {r['ours']} | {r['tensorflow']} | {r['ratio']} | {r['target']} | {r['ok']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="where the benchmark checkpoints live")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    subprocess.run([sys.executable, str(HERE / "make_fixtures.py"), str(args.data)], check=True, env=ENV)
    rows = measure(args.data, args.runs)
    gui_rows = measure_gui(args.data, args.runs)
    diagnosis_rows = measure_diagnosis(max(3, args.runs // 2))
    diff_rows = measure_diff(args.data, max(3, args.runs // 2))
    table = "\n\n".join([markdown(rows), markdown(gui_rows), markdown(diagnosis_rows), markdown(diff_rows)])
    rows += gui_rows + diagnosis_rows + diff_rows
    print(table)
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"\nMeasured {time.strftime('%Y-%m-%d')} on {machine}; median of {args.runs} runs, page cache warm.")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
