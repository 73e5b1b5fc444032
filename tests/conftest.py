"""Shared fixtures: real checkpoints written by TensorFlow, once per test session.

The checkpoints are written by tests/checkpoint_factory.py in a child process; the
values they hold are compared with ``tf.train.load_checkpoint`` in the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

REPO = Path(__file__).resolve().parent.parent
FACTORY = Path(__file__).resolve().parent / "checkpoint_factory.py"


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> Path:
    """A folder with one sub-folder per scenario (see checkpoint_factory.SCENARIOS)."""
    root = tmp_path_factory.mktemp("checkpoints")
    result = subprocess.run([sys.executable, str(FACTORY), str(root)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"writing the test checkpoints failed:\n{result.stderr[-4000:]}")
    return root


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported only by the tests that compare against it."""
    import tensorflow

    return tensorflow


@pytest.fixture()
def scratch_copy(checkpoints, tmp_path):
    """Copy one scenario folder somewhere it may be damaged: ``scratch_copy("tf1")``."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(checkpoints / name, target)
        return target

    return copy


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m ckpt_gui ARGS`` as a user would, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "ckpt_gui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
