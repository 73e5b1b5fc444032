"""Wording and exit codes a new user's review found wrong (issue 11): the top-level
usage, ``--screenshot`` of a path that does not open, the export file name offered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ckpt_gui.core.export import export_name

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO),
           "CKPT_GUI_SETTINGS_DIR": str(tmp_path / "settings")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "ckpt_gui", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)  # fmt: skip


def test_the_top_level_usage_names_every_app_option(tmp_path):
    """Review: 'ckpt-gui --help' left out --size."""
    import contextlib  # noqa: PLC0415
    import io  # noqa: PLC0415
    import re  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    from ckpt_gui.app.launch import parse_args  # noqa: PLC0415 - the app's own options

    app_help = io.StringIO()
    with contextlib.redirect_stdout(app_help), pytest.raises(SystemExit):
        parse_args(["--help"])
    options = set(re.findall(r"--[a-z]+", app_help.getvalue())) - {"--help"}
    usage = _run("--help", tmp_path=tmp_path).stdout
    assert "--size" in options and all(option in usage for option in options)


def test_a_screenshot_of_a_path_that_does_not_open_exits_2_with_the_error(tmp_path):
    """Review: --screenshot exited 0 though PATH did not open (the picture of the error is
    still written, for bug reports)."""
    shot = tmp_path / "shot.png"
    missing = tmp_path / "nothing" / "ckpt-1"
    result = _run(str(missing), "--screenshot", str(shot), tmp_path=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("ckpt-gui: error:")]
    assert len(errors) == 1 and str(missing) in errors[0]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and result.stdout.strip() == str(shot)


def test_the_export_name_has_no_double_underscores():
    """Review: 'model__functional__operations_1_bias.npy' offered for a Keras 3 variable."""
    path = "model/_functional/_operations/1/bias"
    name = export_name(path)
    assert "__" not in name and name.endswith(".npy")
    assert name[: -len(".npy")].split("_") == [part for part in path.replace("/", "_").split("_") if part]
