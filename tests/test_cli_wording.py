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


COMMANDS = ("inspect", "export", "diagnose", "repair", "diff")


def test_an_unknown_option_is_refused_with_its_commands_usage(tmp_path):
    """Review 10: ``inspect --bogus X`` printed the top-level usage (every command) for a
    mistake in inspect's options."""
    for command in COMMANDS:
        result = _run(command, "--bogus", "X", tmp_path=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        usage, *_rest, error = result.stderr.strip().splitlines()
        assert usage.startswith(f"usage: ckpt-gui {command} "), result.stderr
        assert error.startswith(f"ckpt-gui {command}: error: "), result.stderr
    result = _run("inspect", "--bogus", "X", tmp_path=tmp_path)
    assert result.stderr.strip().endswith("ckpt-gui inspect: error: unrecognized arguments: --bogus")


def test_every_commands_help_gives_its_exit_codes(tmp_path):
    """Review 10: ``diff --help`` did not say what its exit codes mean (1: they differ)."""
    for command in COMMANDS:
        text = _run(command, "--help", tmp_path=tmp_path).stdout
        codes = text[text.index("exit codes: ") :]
        assert "0 " in codes and "2 " in codes, (command, codes)
    diff = " ".join(_run("diff", "--help", tmp_path=tmp_path).stdout.split())
    assert "0 the checkpoints hold identical values; 1 they differ, or some pair's values cannot be read" in diff
    assert "2 error, nothing listed" in diff  # review 14: an unreadable pair is listed, exit 1


def test_a_folder_holding_only_a_data_shard_says_what_naming_the_shard_says(checkpoints, tmp_path):
    """Review 10: the folder said "an unrecognised binary file of 131 bytes" of a data
    shard whose .index is missing; naming the shard said "data file without its index"."""
    source = next((checkpoints / "keras_seq").glob("*.data-00000-of-00001"))
    folder = tmp_path / "only_data"
    folder.mkdir()
    shard = folder / source.name
    shard.write_bytes(source.read_bytes())
    named = _run("inspect", str(shard), tmp_path=tmp_path)
    reason = named.stderr.strip().split(f"{shard}: ", 1)[1]
    assert named.returncode == 2 and reason.startswith("data file without its index: ")
    listed = _run("inspect", str(folder), tmp_path=tmp_path)
    assert listed.returncode == 2
    assert f"{source.name} (a {reason})" in listed.stderr, listed.stderr
