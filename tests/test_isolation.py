"""The core never imports TensorFlow or Qt: browsing must work without either."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
