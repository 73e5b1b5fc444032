"""What `pip install ckpt-gui` gives: a wheel built from this tree, installed into a
fresh virtual environment without TensorFlow, opens the bundled demo and has the
example model scripts. Built and installed for real (from PyPI or pip's cache), once
per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

SOURCES = ("ckpt_gui", "pyproject.toml", "README.md", "LICENSE")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv with the wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    source.mkdir()
    for name in SOURCES:  # a copy: building writes build/ and *.egg-info next to the sources
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            shutil.copy(path, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("ckpt_gui-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-3000:]
    return bin_dir


def run_installed(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # From a folder outside the repository, so nothing can import the source tree.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_the_installed_app_has_no_tensorflow_and_finds_its_demo(installed, tmp_path):
    probe = (
        "import importlib.util, json, os\n"
        "from ckpt_gui.resources import demo_path, examples_path\n"
        "print(json.dumps({'tf': importlib.util.find_spec('tensorflow') is not None, 'demo': demo_path(),"
        " 'examples': sorted(os.listdir(examples_path()))}))"
    )
    result = run_installed(installed, str(installed / "python"), "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["tf"] is False
    assert Path(found["demo"]).is_relative_to(installed.parent / "lib")  # the installed copy, not the source tree
    assert {"demo_model.py", "demo_model_changed.py"} <= set(found["examples"])

    listed = run_installed(installed, str(installed / "ckpt-gui"), "inspect", found["demo"], "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    source = json.loads(run_cli("inspect", str(REPO / "ckpt_gui" / "resources" / "demo"), "--json").stdout)
    assert Path(report["prefix"]).name == Path(source["prefix"]).name == "ckpt-300"
    assert report["variables"] == source["variables"]  # the same files as the source tree's demo


def test_the_installed_app_opens_the_demo_without_a_path(installed, tmp_path):
    shot = tmp_path / "demo.png"
    result = run_installed(installed, str(installed / "ckpt-gui"), "--screenshot", str(shot), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(shot)
    assert "no such file" not in result.stderr and "error" not in result.stderr.lower(), result.stderr
    assert shot.stat().st_size > 20_000  # a rendered window, not an empty image
