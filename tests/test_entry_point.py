"""The entry point as a shell user meets it: --version, a mistyped command, output piped
into `head`, the "schema" of every JSON document, and a machine where Qt cannot open a
window (a missing system library, no display)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import ckpt_gui
from ckpt_gui.app import qt_platform
from ckpt_gui.core.statuses import JSON_SCHEMA
from tests.conftest import REPO, run_cli

DEMO = REPO / "ckpt_gui" / "resources" / "demo"
EXAMPLES = REPO / "ckpt_gui" / "resources" / "examples"


def test_version_is_the_package_version():
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ckpt-gui {ckpt_gui.__version__}"
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'version = {attr = "ckpt_gui.__version__"}' in pyproject  # one place for the version


@pytest.mark.parametrize(("typed", "meant"), [("inpsect", "inspect"), ("dif", "diff"), ("diagnsoe", "diagnose")])
def test_a_mistyped_command_is_named_not_opened(typed, meant):
    result = run_cli(typed, "x")
    assert result.returncode == 2
    assert f"unknown command '{typed}' (did you mean '{meant}'?)" in result.stderr
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr  # not the GUI parser's error


def test_an_existing_path_named_like_a_command_opens_in_the_app(tmp_path):
    """`ckpt-gui PATH` opens PATH: a folder called `inpsect` is a path, not a typo."""
    folder = tmp_path / "inpsect"
    folder.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_GUI_SETTINGS_DIR": str(tmp_path / "settings")}
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "ckpt_gui", "inpsect", "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    # Opened as a path: an empty folder holds no checkpoint, said (exit 2) in a picture too.
    assert result.returncode == 2 and "inpsect" in result.stderr, result.stderr
    assert "unknown command" not in result.stderr and shot.exists()


def test_a_screenshot_leaves_no_settings_folder_behind(tmp_path):
    """Review: every `ckpt-gui PATH --screenshot` left its own settings folder (made so
    that the picture shows no remembered layout) in /tmp, hundreds of them: the folder
    goes with the process, whether the checkpoint opened (exit 0) or not (exit 2)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "CKPT_GUI_SETTINGS_DIR"}
    env.update(QT_QPA_PLATFORM="offscreen", TMPDIR=str(temporary), PYTHONPATH=str(REPO))
    for path, code in ((DEMO, 0), (tmp_path / "missing", 2)):
        shot = tmp_path / f"shot{code}.png"
        result = subprocess.run(
            [sys.executable, "-m", "ckpt_gui", str(path), "--screenshot", str(shot), "--size", "800x500"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
        )  # fmt: skip
        assert result.returncode == code and shot.exists(), result.stderr
        assert not list(temporary.glob("ckpt-gui-screenshot-*"))


@pytest.mark.parametrize("word", ["inspect.index", "./inpsect", "ckpt-300"])
def test_a_missing_path_is_not_taken_for_a_command(word, monkeypatch):
    from ckpt_gui import __main__

    monkeypatch.chdir(REPO)
    assert __main__._near_miss(word) is None


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """``ckpt-gui ARGS | head -0``, without the race: the reader is gone before the
    first byte is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "ckpt_gui", *args], stdout=write, stderr=subprocess.PIPE, text=True,
            timeout=120, cwd=REPO,
        )  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [("--help",), ("inspect", "--help"), ("--version",), ("inspect", str(DEMO), "--json"),
     ("diff", str(DEMO / "ckpt-100"), str(DEMO / "ckpt-300"), "--json"), ("inspect", str(DEMO), "--stats")],
)  # fmt: skip
def test_output_piped_into_head_gives_no_traceback(args):
    result = _into_a_closed_pipe(*args)
    assert result.stderr == "", result.stderr  # no BrokenPipeError, no "Exception ignored"
    assert result.returncode in (0, 1)  # diff says 1: the checkpoints differ


def test_every_json_document_carries_its_schema():
    documents = [
        run_cli("inspect", str(DEMO), "--json"),
        run_cli("inspect", str(DEMO), "--json", "--stats"),
        run_cli("diff", str(DEMO / "ckpt-100"), str(DEMO / "ckpt-300"), "--json"),
        # An interpreter that cannot run the attempt: still a document (the error's), and quick.
        run_cli("diagnose", str(DEMO), "--model", str(EXAMPLES / "demo_model.py"), "--json", "--python", "/bin/false"),
    ]
    for result in documents:
        assert result.returncode in (0, 1, 2), result.stderr
        document = json.loads(result.stdout)
        assert next(iter(document)) == "schema" and document["schema"] == JSON_SCHEMA


# -- Qt's platform --------------------------------------------------------------------------

MISSING = qt_platform.SystemLibrary("libckpt-gui-absent.so.7", "libckpt-gui-absent7", "ckpt-gui-absent-libs")


def test_a_missing_system_library_is_named_with_its_packages(monkeypatch, capsys):
    """The whole entry point, with a library that exists on no machine added to the
    list: exit code 2, the library, the apt and dnf packages, the way to run headless."""
    from ckpt_gui.__main__ import main

    monkeypatch.setattr(qt_platform, "XCB_LIBRARIES", (*qt_platform.XCB_LIBRARIES, MISSING))
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    assert main([str(DEMO)]) == 2
    err = capsys.readouterr().err
    assert "libckpt-gui-absent.so.7" in err
    assert "apt-get install libckpt-gui-absent7\n" in err  # only what is missing
    assert "dnf install ckpt-gui-absent-libs\n" in err
    assert "QT_QPA_PLATFORM=offscreen" in err and len(err.splitlines()) <= 6


def test_a_plugin_that_cannot_load_gives_every_package(tmp_path):
    broken = tmp_path / "libqxcb.so"
    broken.write_bytes(b"\x7fELF not really")
    problem = qt_platform.platform_problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, plugin=str(broken))
    assert problem is not None and str(broken) in problem
    for lib in qt_platform.XCB_LIBRARIES:
        assert lib.apt in problem and lib.dnf in problem


def test_the_library_list_is_what_the_plugin_needs():
    """Every system library the xcb plugin and Qt's GUI module name (their NEEDED
    entries) is in the list, except what every system has."""
    spec_dir = qt_platform._pyside_xcb_plugin()
    if spec_dir is None or not os.path.exists(spec_dir):
        pytest.skip("PySide6 has no libqxcb.so here (not a Linux wheel)")
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) is not installed: the plugin's NEEDED entries cannot be read")
    qt = os.path.dirname(os.path.dirname(os.path.dirname(spec_dir)))
    needed = set()
    for path in (spec_dir, f"{qt}/lib/libQt6XcbQpa.so.6", f"{qt}/lib/libQt6Gui.so.6"):
        out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
        needed |= {line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line}
    system = {n for n in needed if not n.startswith(("libQt6", "libicu"))}
    everywhere = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1", "libzstd.so.1",
                  "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2", "librt.so.1"}  # fmt: skip
    assert system - everywhere <= {lib.soname for lib in qt_platform.XCB_LIBRARIES}


@pytest.mark.parametrize(
    ("display", "said"), [(None, "DISPLAY is not set"), (":1999", "cannot connect to the X display ':1999'")]
)
def test_no_display_says_how_to_run_headless(display, said, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if display:
        env["DISPLAY"] = display
    result = subprocess.run(
        [sys.executable, "-m", "ckpt_gui", str(DEMO)], capture_output=True, text=True, timeout=60, cwd=REPO, env=env
    )
    assert result.returncode == 2
    assert said in result.stderr and "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Traceback" not in result.stderr and "qt.qpa" not in result.stderr  # Qt never started


def test_other_platforms_are_not_checked():
    assert qt_platform.platform_problem({"QT_QPA_PLATFORM": "offscreen"}, (MISSING,)) is None
    assert qt_platform.platform_problem({"WAYLAND_DISPLAY": "wayland-0"}, (MISSING,)) is None
    assert qt_platform.platform_problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, (MISSING,)) is not None
