"""Reading a graph file's facts: the wire decoder (ckpt_gui) against protobuf (upb).

    python benchmarks/graph_meta_bench.py [FILE ...] [--runs 5]

Without FILEs, every ``saved_model.pb`` and ``.meta`` of ../shared/realworld. For each
file, the median time of:

- ``ours``: ``read_graph_file`` (read, decode the signatures, variable nodes, object
  graph variables and collections);
- ``upb``: the same facts through protobuf's upb runtime, with TensorFlow's generated
  message classes (``saved_model_pb2`` / ``meta_graph_pb2``): parse, then walk the nodes
  for variable ops, the signature maps, the collections and the object graph.

The protobuf side runs in a child process (importing the generated classes imports
TensorFlow); its import time is printed apart. This is why ckpt-gui decodes by hand: no
dependency, no message definitions to build, and about as fast (see the README).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHILD = r"""
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
start = time.perf_counter()
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2
from google.protobuf.internal import api_implementation
imported = time.perf_counter() - start

VARIABLE_OPS = {"VariableV2", "Variable", "VarHandleOp"}

def facts(graph):
    info = graph.meta_info_def
    found = [info.tensorflow_version, info.tensorflow_git_version, list(info.tags)]
    for key, sig in graph.signature_def.items():
        found.append((key, sig.method_name, [(k, v.name, v.dtype, [d.size for d in v.tensor_shape.dim])
                                             for k, v in list(sig.inputs.items()) + list(sig.outputs.items())]))
    for node in graph.graph_def.node:
        if node.op in VARIABLE_OPS:
            found.append((node.name, node.attr["shared_name"].s, node.attr["dtype"].type))
    for name, c in graph.collection_def.items():
        kind = c.WhichOneof("kind")
        found.append((name, len(getattr(c, kind).value) if kind else 0))
    for obj in graph.object_graph_def.nodes:
        if obj.WhichOneof("kind") == "variable":
            found.append((obj.variable.name, [ch.local_name for ch in obj.children]))
        else:
            found.append([ch.local_name for ch in obj.children])
    return found

out = {"import_seconds": imported, "implementation": api_implementation.Type(), "files": {}}
runs = int(sys.argv[1])
for path in sys.argv[2:]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        with open(path, "rb") as f:
            blob = f.read()
        if path.endswith(".meta"):
            graphs = [meta_graph_pb2.MetaGraphDef.FromString(blob)]
        else:
            graphs = list(saved_model_pb2.SavedModel.FromString(blob).meta_graphs)
        for g in graphs:
            facts(g)
        times.append(time.perf_counter() - t)
    out["files"][path] = statistics.median(times)
print(json.dumps(out))
"""


def corpus_files() -> list[str]:
    root = REPO.parent / "shared" / "realworld" / "corpus"
    return sorted(str(p) for p in [*root.glob("*/saved_model.pb"), *root.glob("*/*.meta")])


def ours(paths: list[str], runs: int) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    from ckpt_gui.core.format.graph_file import read_graph_file

    imported = time.perf_counter() - start
    result = {}
    for path in paths:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            read_graph_file(path)
            times.append(time.perf_counter() - t)
        result[path] = statistics.median(times)
    return imported, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paths = args.files or corpus_files()
    if not paths:
        print("no graph files (give some, or put the corpus at ../shared/realworld)", file=sys.stderr)
        return 2
    our_import, mine = ours(paths, args.runs)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.runs), *paths], capture_output=True, text=True, check=True
    )
    theirs = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"import: ours {our_import * 1000:.1f} ms; protobuf {theirs['implementation']} classes (with TensorFlow) "
          f"{theirs['import_seconds']:.1f} s")  # fmt: skip
    print(f"{'file':<48} {'bytes':>10} {'ours ms':>9} {'upb ms':>9}")
    for path in sorted(paths, key=lambda p: Path(p).stat().st_size):
        name = "/".join(Path(path).parts[-2:])
        size = Path(path).stat().st_size
        print(f"{name:<48} {size:>10,} {mine[path] * 1000:>9.2f} {theirs['files'][path] * 1000:>9.2f}")
    print(f"{'total':<48} {'':>10} {sum(mine.values()) * 1000:>9.1f} {sum(theirs['files'].values()) * 1000:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
