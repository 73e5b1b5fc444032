"""The doctor's child, run on many cases in one process (``python tests/binding_doctor_batch.py
REQUESTS.json OUT.json``): the very attempt the runner's child makes (ckpt_gui/diagnosis/child,
loaded by path as its main.py does), one TensorFlow import for all of a test module's
cases instead of one per case. Each request may set environment variables for its
attempt (CKPT_GUI_DOCTOR_BINDING=walk, the fallback). The protocol's phase messages go
to stderr; the facts of each case (or its error) are written to OUT.json."""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

CHILD_MAIN = Path(__file__).resolve().parent.parent / "ckpt_gui" / "diagnosis" / "child" / "main.py"


def main(requests_path: str, out_path: str) -> None:
    sys.path.insert(0, str(CHILD_MAIN.parent))
    child_main = importlib.import_module("main")
    child_main.load_package()
    protocol = importlib.import_module(child_main.PACKAGE + ".protocol")
    protocol._channel = sys.stderr  # phases are of no interest here
    attempt = importlib.import_module(child_main.PACKAGE + ".attempt")
    results = {}
    for name, request in json.loads(Path(requests_path).read_text()).items():
        saved = dict(os.environ)
        os.environ.update(request.pop("env", {}))
        try:
            # Each attempt's own working folder, as the runner gives it, removed after it and
            # made beside OUT.json (the test's tmp dir): /tmp kept one per case of every run.
            with tempfile.TemporaryDirectory(
                prefix="ckpt-gui-binding-", dir=Path(out_path).parent, ignore_cleanup_errors=True
            ) as workdir:
                request["workdir"] = workdir
                results[name] = {"facts": attempt.attempt(request)}
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results[name] = {"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}
        finally:
            os.environ.clear()
            os.environ.update(saved)
    Path(out_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
