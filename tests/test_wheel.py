"""What `pip install ckpt-gui` gives: a wheel built from this tree, installed into a
fresh virtual environment without TensorFlow, opens the bundled demo and has the
example model scripts, on every Python version pyproject.toml declares (one smoke
test per version whose interpreter is on this machine). Built once per module and
installed for real (from PyPI or pip's cache). Also: the sdist holds what its tests
need."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import ckpt_gui
from tests import background
from tests.background import Writer
from tests.conftest import REPO, run_cli

SOURCES = ("ckpt_gui", "pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in")
# What the sdist has beyond the package: the tests and what they load, so `make test` runs from it.
SDIST_EXTRAS = ("tests", "tools", "benchmarks", "Makefile", ".ci")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
DECLARED = sorted(
    (c.rsplit(" :: ", 1)[1] for c in PYPROJECT["project"]["classifiers"] if re.fullmatch(r".* :: 3\.\d+", c)),
    key=lambda v: tuple(map(int, v.split("."))),
)
THIS = f"{sys.version_info.major}.{sys.version_info.minor}"
# setup.py's optional C extensions
C_EXTENSIONS = (
    "ckpt_gui.core.format._graph_decoder",
    "ckpt_gui.core.format._index_decoder",
    "ckpt_gui.core.analysis._histogram_counts",
)
DEMO = REPO / "ckpt_gui" / "resources" / "demo"


def _copy_tree(names, into: Path) -> Path:
    """A copy of the tracked sources: building writes build/ and *.egg-info next to them."""
    into.mkdir()
    for name in names:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, into / name, ignore=shutil.ignore_patterns("__pycache__", "results", ".data", "*.so"))
        elif path.exists():
            shutil.copy(path, into / name)
    return into


def _build(kind: str, source: Path, outdir: Path, env: dict | None = None) -> Path:
    built = subprocess.run(
        [sys.executable, "-m", "build", f"--{kind}", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr  # e.g. the old license table
    (path,) = outdir.glob("ckpt_gui-*.whl" if kind == "wheel" else "ckpt_gui-*.tar.gz")
    return path


def build_and_install(out: Path) -> dict:
    """The wheel built from this tree, and for every declared version the bin/ folder of
    a fresh venv of it with the wheel installed, or None when no interpreter of that
    version is on this machine. The pip installs (about 40 s each, mostly PySide6) run
    side by side."""
    wheel = _build("wheel", _copy_tree(SOURCES, out / "src"), out / "dist")
    pythons = {version: sys.executable if version == THIS else find_python(version) for version in DECLARED}
    installs = {}
    for version, python in pythons.items():
        if python is None:
            continue
        root = out / f"venv{version}"
        made = subprocess.run([python, "-m", "venv", str(root)], capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stderr
        command = [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)]
        installs[version] = (root / "bin", subprocess.Popen(command, stderr=subprocess.PIPE, text=True))
    for _bin_dir, pip in installs.values():
        _out, err = pip.communicate(timeout=900)
        assert pip.returncode == 0, err[-3000:]
    venvs = {version: str(installs[version][0]) if version in installs else None for version in DECLARED}
    return {"wheel": str(wheel), "venvs": venvs}


# Built and installed while the session's first modules run (tests/background.py):
# `python -m tests.test_wheel OUT` prints build_and_install's result.
BACKGROUND_WRITERS = {"wheel": Writer([sys.executable, "-m", "tests.test_wheel", "{out}"], timeout=1800)}


@pytest.fixture(scope="module")
def built(request) -> dict:
    _out, result = background.result(request, "wheel")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def wheel(built) -> Path:
    return Path(built["wheel"])


@pytest.fixture(scope="module")
def venvs(built) -> dict[str, Path | None]:
    """For every declared version: the bin/ folder of its venv with the wheel, or None."""
    return {version: Path(bin_dir) if bin_dir else None for version, bin_dir in built["venvs"].items()}


@pytest.fixture(scope="module")
def installed(venvs) -> Path:
    """This interpreter's venv with the wheel."""
    return venvs[THIS]


def run_installed(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # From a folder outside the repository, so nothing can import the source tree.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_the_installed_app_has_no_tensorflow_and_finds_its_demo(installed, tmp_path):
    probe = (
        "import importlib.metadata as m, importlib.util, json, os\n"
        "from ckpt_gui import resources as r\n"
        "print(json.dumps({'tf': importlib.util.find_spec('tensorflow') is not None, 'demo': r.demo_path(),"
        " 'examples': sorted(os.listdir(r.examples_path())), 'version': m.version('ckpt-gui'),"
        " 'files': [os.path.isfile(p) for p in (r.icon_path(), r.desktop_file_path())],"
        " 'contract': r.model_script_contract()[:40], 'urls': m.metadata('ckpt-gui').get_all('Project-URL'),"
        " 'extras': m.metadata('ckpt-gui').get_all('Provides-Extra')}))"
    )
    result = run_installed(installed, str(installed / "python"), "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["tf"] is False
    assert Path(found["demo"]).is_relative_to(installed.parent / "lib")  # the installed copy, not the source tree
    assert {"demo_model.py", "demo_model_changed.py"} <= set(found["examples"])
    assert found["files"] == [True, True] and found["contract"].startswith("# The model-script contract")
    assert found["version"] == ckpt_gui.__version__ and len(found["urls"]) >= 2
    assert "tf" not in found["extras"]  # no extra that installs `tensorflow` over the user's own build

    listed = run_installed(installed, str(installed / "ckpt-gui"), "inspect", found["demo"], "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    source = json.loads(run_cli("inspect", str(DEMO), "--json").stdout)
    assert Path(report["prefix"]).name == Path(source["prefix"]).name == "ckpt-300"
    assert report["variables"] == source["variables"]  # the same files as the source tree's demo
    version = run_installed(installed, str(installed / "ckpt-gui"), "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"ckpt-gui {ckpt_gui.__version__}"


def test_the_installed_app_opens_the_demo_without_a_path(installed, tmp_path):
    shot = tmp_path / "demo.png"
    result = run_installed(installed, str(installed / "ckpt-gui"), "--screenshot", str(shot), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(shot)
    assert "no such file" not in result.stderr and "error" not in result.stderr.lower(), result.stderr
    assert shot.stat().st_size > 20_000  # a rendered window, not an empty image


def test_one_abi3_wheel_holds_the_c_decoder(wheel):
    """The optional C extensions (the decoders of the object graph and of the index, the
    histogram kernel) are built for the limited API of the oldest declared Python: one
    wheel for every declared version (each smoke test below imports them)."""
    assert re.search(rf"-cp{DECLARED[0].replace('.', '')}-abi3-[^-]+\.whl$", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for extension in C_EXTENSIONS:
        assert f"{extension.replace('.', '/')}.abi3.so" in names


def test_without_a_c_compiler_the_wheel_builds_without_the_decoder(tmp_path):
    """No compiler: the build warns and goes on; the Python decoders do the work
    (test_c_decoders checks they list the same)."""
    source = _copy_tree(SOURCES, tmp_path / "src")
    wheel = _build("wheel", source, tmp_path / "dist", env={**os.environ, "CC": "false"})
    with zipfile.ZipFile(wheel) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".so")]
        assert "ckpt_gui/core/format/object_graph_wire.py" in archive.namelist()


# -- every declared Python version ---------------------------------------------------------------


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` (e.g. "3.12") on this machine: pyenv's builds, then
    PATH. Each candidate is asked its version (a pyenv shim may name one it cannot run)."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")))
    candidates += [path for path in (shutil.which(f"python{version}"),) if path]
    for candidate in candidates:
        asked = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if asked.returncode == 0 and asked.stdout.strip() == version:
            return candidate
    return None


def test_the_declared_versions_are_the_supported_ones():
    assert PYPROJECT["project"]["requires-python"] == f">={DECLARED[0]}"
    assert DECLARED == ["3.11", "3.12", "3.13"] and THIS in DECLARED


@pytest.mark.parametrize("version", DECLARED)
def test_smoke_on_every_declared_python(version, venvs, tmp_path):
    """The wheel on ``version``: inspect --stats, diff and a screenshot, each compared
    with what this interpreter's source tree says."""
    bin_dir = venvs[version]
    if bin_dir is None:
        pytest.skip(f"no Python {version} interpreter on this machine (looked in ~/.pyenv/versions and PATH)")
    ckpt_gui_exe = str(bin_dir / "ckpt-gui")
    c_extensions = f"import importlib; [importlib.import_module(name) for name in {C_EXTENSIONS!r}]; print(True)"
    probe = run_installed(bin_dir, str(bin_dir / "python"), "-c", c_extensions, cwd=tmp_path)
    assert probe.stdout.strip() == "True", probe.stderr  # the abi3 builds load on this version
    demo = run_installed(bin_dir, str(bin_dir / "python"), "-c", "from ckpt_gui.resources import demo_path as d; "
                         "print(d())", cwd=tmp_path).stdout.strip()  # fmt: skip

    stats = run_installed(bin_dir, ckpt_gui_exe, "inspect", demo, "--stats", "--json", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    expected = json.loads(run_cli("inspect", str(DEMO), "--stats", "--json").stdout)
    assert json.loads(stats.stdout)["variables"] == expected["variables"]

    diff = run_installed(bin_dir, ckpt_gui_exe, "diff", f"{demo}/ckpt-100", f"{demo}/ckpt-300", "--json", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr  # the two saves differ
    expected = json.loads(run_cli("diff", str(DEMO / "ckpt-100"), str(DEMO / "ckpt-300"), "--json").stdout)
    assert json.loads(diff.stdout)["variables"] == expected["variables"]

    shot = tmp_path / "shot.png"
    gui = run_installed(bin_dir, ckpt_gui_exe, demo, "--screenshot", str(shot), "--size", "1024x640", cwd=tmp_path)
    assert gui.returncode == 0, gui.stderr
    assert shot.stat().st_size > 20_000


# -- the sdist ------------------------------------------------------------------------------------


def test_the_sdist_holds_what_its_tests_need(tmp_path):
    source = _copy_tree((*SOURCES, *SDIST_EXTRAS), tmp_path / "src")
    sdist = _build("sdist", source, tmp_path / "dist")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert not {n for n in names if "__pycache__" in n or n.endswith(".pyc")}
    wanted = {"Makefile", ".ci/run", "pyproject.toml", "LICENSE", "README.md"}
    for folder in ("tests", "tools", "benchmarks", "ckpt_gui"):  # every source file, conftest and helpers too
        wanted |= {str(p.relative_to(source)) for p in (source / folder).rglob("*") if p.is_file()}
    assert wanted - names == set()


def test_an_undeclared_python_is_refused_by_pip(wheel, tmp_path):
    """3.10 is not declared (the index parser needs 3.11's regular expressions): pip
    must refuse the wheel there rather than install something that dies at import."""
    below = f"3.{int(DECLARED[0].split('.')[1]) - 1}"
    python = find_python(below)
    if python is None:
        pytest.skip(f"no Python {below} interpreter on this machine (looked in ~/.pyenv/versions and PATH)")
    # A dry run with that interpreter's own pip: the refusal comes before anything is installed.
    pip = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed", str(wheel)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    # Refused by its Requires-Python, or first by its tag: the one cp311-abi3 wheel the
    # optional C decoders make is for CPython 3.11 and later, which pip checks before.
    refusals = ("requires a different Python", "is not a supported wheel on this platform")
    assert pip.returncode != 0 and any(r in pip.stderr for r in refusals), pip.stderr[-2000:]


if __name__ == "__main__":  # the background writer (see BACKGROUND_WRITERS)
    print(json.dumps(build_and_install(Path(sys.argv[1]))))
