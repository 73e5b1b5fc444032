"""Bytes fetched from object storage against bytes in the checkpoint, and time, side
by side with the same work on the local copy.

    python benchmarks/object_storage_bench.py [--runs 3]

TensorFlow writes the test scenarios ``large`` (one 32 MB tensor) and ``sharded``
(seven data shards, partitioned variables) with tests/checkpoint_factory.py; they are
uploaded to an S3 server on 127.0.0.1 (moto's ThreadedMotoServer: real HTTP, range
requests). For each, a fresh process (a) opens the checkpoint and lists its variables
with their object paths (the index and the object graph), then (b) computes the exact
statistics and histogram of its largest tensor as the app does (two streamed passes:
the first fetches and keeps the chunks in the bounded spill file, the second reads
them there), and reports ``remote.bytes_fetched()`` after each step. Loopback has no
latency: the times show the client's overhead, not a real network's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("large", "sharded")
BUCKET = "bench"

CHILD = """
import json, sys, time
from ckpt_gui.core.analysis.summaries import tensor_histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import remote
start = time.perf_counter()
ckpt = Checkpoint.open(sys.argv[1])
ckpt.variables
opened_s, opened = time.perf_counter() - start, remote.bytes_fetched()
largest = max((v for v in ckpt.variables if v.dtype.is_numeric), key=lambda v: v.size_bytes)
start = time.perf_counter()
tensor_histogram(ckpt, largest.key)
print(json.dumps({"open_s": opened_s, "open_bytes": opened, "hist_s": time.perf_counter() - start,
                  "hist_bytes": remote.bytes_fetched() - opened, "tensor_bytes": largest.size_bytes,
                  "total_bytes": ckpt.ref.size_bytes}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(target: str, env: dict, runs: int) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, target], capture_output=True, text=True, env=env, cwd=REPO, check=True
        )
        results.append(json.loads(out.stdout))
    median = {key: statistics.median(r[key] for r in results) for key in ("open_s", "hist_s")}
    return {**results[0], **median}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        factory = [sys.executable, str(REPO / "tests" / "checkpoint_factory.py"), str(root), *SCENARIOS]
        subprocess.run(factory, check=True, capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            env = {
                **os.environ,
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
            }
            import boto3

            client = boto3.client(
                "s3",
                endpoint_url=env["AWS_ENDPOINT_URL"],
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
                region_name="us-east-1",
            )
            client.create_bucket(Bucket=BUCKET)
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    client.upload_file(str(path), BUCKET, path.relative_to(root).as_posix())
            print(f"{'checkpoint':<10} {'size':>9} | {'open: fetched':>14} {'s3 s':>6} {'local s':>7} | "
                  f"{'histogram: tensor':>17} {'fetched':>9} {'s3 s':>6} {'local s':>7}")  # fmt: skip
            for name in SCENARIOS:
                remote = measure(f"s3://{BUCKET}/{name}", env, args.runs)
                local = measure(str(root / name), env, args.runs)
                print(
                    f"{name:<10} {remote['total_bytes'] / 1e6:>7.2f}MB | "
                    f"{remote['open_bytes'] / 1e3:>9.1f} kB ({remote['open_bytes'] / remote['total_bytes']:>5.1%}) "
                    f"{remote['open_s']:>5.2f} {local['open_s']:>7.2f} | "
                    f"{remote['tensor_bytes'] / 1e6:>14.2f} MB {remote['hist_bytes'] / 1e6:>6.2f} MB "
                    f"{remote['hist_s']:>5.2f} {local['hist_s']:>7.2f}"
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
