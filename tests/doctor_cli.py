"""Running the restore doctor as a user does: a model script written for the test, and
`ckpt-gui diagnose --json` in a child process."""

from __future__ import annotations

import json
import textwrap

from tests.conftest import run_cli


def script(tmp_path, body: str, name: str = "model_def.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def diagnose(checkpoint, model_script, *extra, timeout=300):
    """Exit code and JSON report; the CLI never prints a traceback, whatever the script does."""
    result = run_cli("diagnose", str(checkpoint), "--model", str(model_script), "--json", *extra, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)
