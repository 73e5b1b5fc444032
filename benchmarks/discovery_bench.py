"""How long finding a folder's checkpoints takes, against the number of checkpoints.

    python benchmarks/discovery_bench.py [--counts 1000,10000] [--runs 5] [--compare REPO]

Each folder holds N stub checkpoints (an empty ``.index`` and ``.data-00000-of-00001``:
discovery reads names and sizes, not contents) and a state file listing the last
five, as CheckpointManager leaves it. Prints the median time of ``locate(folder)``
in a fresh process per count; ``--compare REPO`` times another checkout's code too
(the glob-per-checkpoint discovery took 432 s for 10,000 on the 2-core test machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, statistics, sys, time
from ckpt_gui.core.format.discovery import locate
folder, runs = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(runs):
    start = time.perf_counter()
    location = locate(folder)
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": statistics.median(times), "found": len(location.checkpoints)}))
"""


def make_folder(root: Path, count: int) -> Path:
    folder = root / f"n{count}"
    folder.mkdir()
    for step in range(1, count + 1):
        for suffix in (".index", ".data-00000-of-00001"):
            (folder / f"ckpt-{step}{suffix}").touch()
    kept = [f"ckpt-{step}" for step in range(max(1, count - 4), count + 1)]
    lines = [f'model_checkpoint_path: "{kept[-1]}"'] + [f'all_model_checkpoint_paths: "{name}"' for name in kept]
    (folder / "checkpoint").write_text("\n".join(lines) + "\n")
    return folder


def time_locate(repo: Path, folder: Path, runs: int, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    try:
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), str(runs)],
            capture_output=True,
            text=True,
            env=env,
            cwd=repo,  # `python -c` puts the working folder first on sys.path
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": None, "found": None, "timeout": timeout}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout to time the same way")
    parser.add_argument("--timeout", type=float, default=120.0, help="per count and checkout")
    args = parser.parse_args()
    print("| checkpoints | locate() (s) |" + (" compared (s) |" if args.compare else ""))
    print("|---:|---:|" + ("---:|" if args.compare else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.counts.split(",")):
            folder = make_folder(Path(tmp), count)
            mine = time_locate(REPO, folder, args.runs, args.timeout)
            assert mine["found"] == count, mine
            row = f"| {count:,} | {mine['seconds']:.3f} |"
            if args.compare:
                theirs = time_locate(args.compare, folder, 1, args.timeout)
                shown = f"{theirs['seconds']:.3f}" if theirs["seconds"] is not None else f"> {args.timeout:.0f}"
                row += f" {shown} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
