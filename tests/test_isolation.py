"""The core never imports TensorFlow or Qt: browsing must work without either."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import ckpt_gui.core

PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.cli.documents import inspect_report
from ckpt_gui.core.analysis.summaries import all_stats
ckpt = Checkpoint.open({path!r})
inspect_report(ckpt, all_stats(ckpt))
for v in ckpt.variables:
    ckpt.read(v.key)
from ckpt_gui.cli import commands, text_table  # the headless CLI too
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "PySide6", "pyqtgraph", "tf_keras"))
print(json.dumps(heavy))
"""


def test_core_and_cli_never_import_tensorflow_or_qt(checkpoints):
    modules = [m.name for m in pkgutil.walk_packages(ckpt_gui.core.__path__, "ckpt_gui.core.")]
    assert len(modules) >= 10
    code = PROBE.format(modules=modules, path=str(checkpoints / "keras_seq"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


LISTING_PROBE = """
import contextlib, io, json, sys
from ckpt_gui.__main__ import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main({argv!r})
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "ml_dtypes", "cramjam"))
print(json.dumps({{"code": code, "heavy": heavy, "printed": len(out.getvalue())}}))
"""


@pytest.mark.parametrize("scenario", ["keras_seq", "tf1", "many"])
@pytest.mark.parametrize("as_json", [True, False])
def test_inspect_without_stats_never_imports_numpy(checkpoints, scenario, as_json):
    """Listing is index parsing only (its blocks' CRC32C checked): numpy, ml_dtypes
    and the Snappy codec, which only values or old indexes need, are never imported,
    so `inspect` starts fast."""
    argv = ["inspect", str(checkpoints / scenario)] + (["--json"] if as_json else [])
    result = subprocess.run(
        [sys.executable, "-c", LISTING_PROBE.format(argv=argv)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["code"] == 0 and outcome["printed"] > 100, outcome
    assert outcome["heavy"] == [], f"inspect imported {outcome['heavy']}"


def test_inspect_with_stats_does_import_numpy(checkpoints):
    """The probe above can tell: with --stats the values are read, with numpy."""
    argv = ["inspect", str(checkpoints / "keras_seq"), "--stats"]
    result = subprocess.run(
        [sys.executable, "-c", LISTING_PROBE.format(argv=argv)], capture_output=True, text=True, timeout=120
    )
    assert "numpy" in json.loads(result.stdout.strip().splitlines()[-1])["heavy"]
