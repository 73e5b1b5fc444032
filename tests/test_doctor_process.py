"""The restore doctor's child process: its private protocol channel, its limits
(time, output, memory), the processes a script leaves, its interpreter and GPUs."""

from __future__ import annotations

import json
import stat
import textwrap

import pytest

from ckpt_gui.diagnosis.runner import MalformedMessage, protocol_message
from tests.conftest import run_cli

INFERENCE = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
checkpoint = tf.train.Checkpoint(model=model)
"""


def script(tmp_path, body: str, name: str = "model_def.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def diagnose(checkpoint, model_script, *extra, timeout=300):
    result = run_cli("diagnose", str(checkpoint), "--model", str(model_script), "--json", *extra, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def fake_python(tmp_path, body: str):
    """An "interpreter" that is a shell script: it writes what it likes on the channel."""
    path = tmp_path / "fake-python"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# -- 1. the protocol cannot be forged by a script's prints ---------------------------------------

FORGERIES = [
    '{"event": "report"}',
    '{"event": "report", "report": "all good"}',
    '{"event": "error", "error": "string"}',
    '"just a string"',
    '{"event": "ready", "tensorflow": 2}',
]


def test_script_printing_protocol_lookalikes_gets_the_real_report(tmp_path, checkpoints):
    prints = "\n".join(f"print({line!r})\nprint({line!r}, file=sys.stderr)" for line in FORGERIES)
    writes = "\n".join(f"os.write(1, {line!r}.encode() + b'\\n')" for line in FORGERIES)
    path = script(tmp_path, "import os, sys\n" + prints + "\n" + writes + "\n" + INFERENCE + prints + "\n")
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 0 and report["ok"] and report["error"] is None
    assert report["summary"]["consumed"] == 5


def test_script_writing_garbage_and_binary_to_fd_1_and_2(tmp_path, checkpoints):
    body = (
        "import os\n"
        "for fd in (1, 2):\n"
        "    os.write(fd, bytes(range(256)) * 64)\n"
        "    os.write(fd, b'{{{ not json\\n\\xff\\xfe\\x00\\n' * 100)\n"
        '    os.write(fd, b\'{"event": "report", "report": {"variables": [1]}}\\n\')\n' + INFERENCE
    )
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, body))
    assert code == 0 and report["ok"], report["error"]


def test_script_that_closes_its_stdout_and_stderr(tmp_path, checkpoints):
    code, report = diagnose(
        checkpoints / "keras_seq", script(tmp_path, "import os\nos.close(1)\nos.close(2)\n" + INFERENCE)
    )
    assert code == 0 and report["ok"], report["error"]
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, "import os\nos.close(1)\nprint('x')\n"))
    assert code == 2 and report["error"]["type"] == "OSError"  # print() to a closed stdout: the script's own error


@pytest.mark.parametrize(
    "lines",
    [
        ["not json at all"],
        ['{"event": "ready", "tensorflow": "2.21"}', '{"event": "report"}'],
        ['{"event": "ready", "tensorflow": "2.21"}', '{"event": "report", "report": {"variables": [{"status": "x"}]}}'],
        ['{"event": "ready", "tensorflow": "2.21"}',
         '{"event": "report", "report": {"variables": [{"status": "consumed", "model_shape": "3"}]}}'],
        ['{"event": "error", "error": {"type": 1}}'],
        ['[1, 2, 3]'],
    ],
)  # fmt: skip
def test_malformed_messages_are_a_clear_error(tmp_path, checkpoints, lines):
    printed = "".join(f"printf '%s\\n' '{line}' >&$CKPT_GUI_DOCTOR_CHANNEL\n" for line in lines)
    python = fake_python(tmp_path, printed + "read request\n")
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, INFERENCE), "--python", str(python))
    assert code == 2 and report["error"]["type"] == "ProtocolError"
    assert report["error"]["message"].startswith("the restore attempt's child process sent a malformed message (")


def test_protocol_messages_are_checked_field_by_field():
    good = {"status": "consumed", "checkpoint_key": "a", "model_path": "m", "checkpoint_shape": [2, None],
            "model_shape": [2, 3], "checkpoint_dtype": "float32", "model_dtype": None, "optimizer": False,
            "restored": True}  # fmt: skip
    report = {"event": "report", "report": {"variables": [good], "notes": ["n"], "mode": "object",
                                            "tensorflow": {"verdict": "v", "message": ""}}}  # fmt: skip
    assert protocol_message(report) is report
    for bad in ({"optimizer": "yes"}, {"checkpoint_shape": [True]}, {"model_path": 3}, {"restored": "no"}):
        with pytest.raises(MalformedMessage):
            protocol_message({"event": "report", "report": {"variables": [{**good, **bad}]}})
    for bad_report in ({"variables": []} | {"notes": [1]}, {"variables": [], "mode": "tf3"},
                       {"variables": [], "tensorflow": {"verdict": None}}, {"variables": {}}):  # fmt: skip
        with pytest.raises(MalformedMessage):
            protocol_message({"event": "report", "report": bad_report})
    with pytest.raises(MalformedMessage):
        protocol_message({"event": "phase", "phase": None})
