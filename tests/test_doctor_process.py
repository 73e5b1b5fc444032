"""The restore doctor's child process: its private protocol channel, its limits
(time, output, memory), the processes a script leaves, its interpreter and GPUs."""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from ckpt_gui.diagnosis.attempt_watch import AttemptCancelled
from ckpt_gui.diagnosis.child_output import LOG_KEEP_BYTES, CappedLog
from ckpt_gui.diagnosis.process_family import _process_table
from ckpt_gui.diagnosis.protocol_check import MalformedMessage, protocol_message
from ckpt_gui.diagnosis.report import build_report
from ckpt_gui.diagnosis.runner import DEFAULT_MEMORY_LIMIT, Diagnoser, DiagnosisRequest
from tests.conftest import run_cli
from tests.doctor_cli import diagnose, script

INFERENCE = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
checkpoint = tf.train.Checkpoint(model=model)
"""


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
        ['{"event": "report", "report": {"variables": []}}'],
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


# -- 2. output and memory are bounded -------------------------------------------------------------


def run_attempt(checkpoints, path, **options):
    from ckpt_gui.core.format.discovery import locate

    request = DiagnosisRequest(locate(checkpoints / "keras_seq").selected.prefix, str(path), **options)
    diagnoser = Diagnoser(keep_warm=False)
    try:
        started = time.monotonic()
        result = diagnoser.run(request)
        return result, time.monotonic() - started
    finally:
        diagnoser.close()


def test_output_is_kept_within_bounds(tmp_path, checkpoints):
    # 20 lines of 10 MB, then a crash: the log keeps its start and its end, and says what was cut.
    body = (
        "import sys\nprint('first line')\nfor i in range(20):\n    sys.stdout.write(str(i) * (10 << 20) + '\\n')\n"
        "print('last words')\nimport os\nos._exit(5)\n"
    )
    result, _seconds = run_attempt(checkpoints, script(tmp_path, body))
    assert result.error["type"] == "Exit"
    assert len(result.log) < 3 * LOG_KEEP_BYTES
    assert result.log.startswith("first line") and result.log.endswith("last words")
    cut = re.search(r"\[\.\.\. (\d+) bytes \((\d+) line ends\) of output cut \.\.\.\]", result.log)
    assert cut and int(cut.group(1)) > 190 << 20
    report = build_report(DiagnosisRequest("p", "s"), result)
    assert report.error.traceback.endswith("last words")  # the end of the output, as a crash's trace


def test_capped_log_keeps_head_and_tail():
    log = CappedLog(keep=100)
    for i in range(1000):
        log.append(f"line {i}\n".encode())
    lines = log.lines()
    assert lines[0] == "line 0" and lines[-1] == "line 999"
    assert sum(len(line) for line in lines) < 300 and "of output cut" in " ".join(lines)


@pytest.mark.parametrize("where", ["script", "grandchild"])
def test_memory_limit_stops_the_attempt(tmp_path, checkpoints, where):
    hog = "hoard = []\nwhile True:\n    hoard.append(b'x' * (50 << 20))\n    time.sleep(0.02)\n"
    if where == "script":
        body = "import time\n" + hog
    else:  # a process the script started counts too
        hog_process = f"subprocess.Popen([sys.executable, '-c', {('import time' + chr(10) + hog)!r}])\n"
        body = "import subprocess, sys, time\n" + hog_process + "time.sleep(600)\n"
    result, seconds = run_attempt(checkpoints, script(tmp_path, body), memory_limit=1.5, timeout=120)
    assert result.error["type"] == "MemoryLimit", result.error
    assert result.error["message"].startswith("the script used more than 1.5 GB of memory (")
    assert seconds < 60


def test_memory_limit_on_the_command_line(tmp_path, checkpoints):
    body = "import time\nhoard = []\nwhile True:\n    hoard.append(b'x' * (50 << 20))\n    time.sleep(0.02)\n"
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, body), "--memory-limit", "1.2")
    assert code == 2 and report["error"]["type"] == "MemoryLimit"
    assert "more than 1.2 GB" in report["error"]["message"] and "--memory-limit" in report["error"]["message"]
    assert DEFAULT_MEMORY_LIMIT > 0 and DiagnosisRequest("p", "s").memory_limit == DEFAULT_MEMORY_LIMIT


def test_app_memory_limit_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path))
    from ckpt_gui.app import doctor_settings, settings

    assert doctor_settings.memory_limit() == DEFAULT_MEMORY_LIMIT
    settings.settings().setValue("memory_limit_gb", 2.5)
    assert doctor_settings.memory_limit() == 2.5
    settings.settings().setValue("memory_limit_gb", "lots")
    assert doctor_settings.memory_limit() == DEFAULT_MEMORY_LIMIT
    settings.settings().setValue("memory_limit_gb", -3)
    assert doctor_settings.memory_limit() == 0.0  # no lower than "no limit"


def test_app_time_limit_setting(tmp_path, monkeypatch):
    """The time limit is read as the memory limit is (one helper), kept at one second at least."""
    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path))
    from ckpt_gui.app import doctor_settings, settings

    assert doctor_settings.timeout() == doctor_settings.DEFAULT_TIMEOUT
    settings.settings().setValue("diagnosis_timeout", 30.5)
    assert doctor_settings.timeout() == 30.5
    settings.settings().setValue("diagnosis_timeout", 0)
    assert doctor_settings.timeout() == 1.0
    settings.settings().setValue("diagnosis_timeout", "forever")
    assert doctor_settings.timeout() == doctor_settings.DEFAULT_TIMEOUT


# -- 3. whatever the script starts ends with the attempt, within its time limit -----------------

SLEEPER_SETSID = """
import os, subprocess, sys, time
pids = []
for _ in range({count}):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(100000)"], start_new_session=True)
    pids.append(child.pid)
open({pids_file!r}, "w").write(" ".join(map(str, pids)))
"""

DOUBLE_FORK = """
import os, sys, time
read, write = os.pipe()
if os.fork() == 0:  # the classic daemon: fork, setsid, fork again, the middle one exits
    os.setsid()
    if os.fork() == 0:
        os.write(write, str(os.getpid()).encode())
        os.close(write)
        print("grandchild holds stdout and stderr", flush=True)
        time.sleep(100000)
    os._exit(0)
os.close(write)
pid = b""
while True:
    more = os.read(read, 32)
    if not more:
        break
    pid += more
open({pids_file!r}, "w").write(pid.decode())
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def left_behind(pids_file) -> list[int]:
    pids = [int(p) for p in pids_file.read_text().split()]
    assert pids
    return [pid for pid in pids if alive(pid)]


@pytest.mark.parametrize("spawner", ["setsid", "double fork"])
def test_a_finished_attempt_ends_what_the_script_started(tmp_path, checkpoints, spawner):
    pids_file = tmp_path / "pids"
    spawn = (
        SLEEPER_SETSID.format(count=1, pids_file=str(pids_file))
        if spawner == "setsid"
        else DOUBLE_FORK.format(pids_file=str(pids_file))
    )
    result, seconds = run_attempt(checkpoints, script(tmp_path, spawn + INFERENCE), timeout=60)
    assert result.error is None and result.facts is not None
    assert seconds < 60
    assert left_behind(pids_file) == []


def test_fifty_setsid_grandchildren_and_a_hang_end_at_the_time_limit(tmp_path, checkpoints):
    pids_file = tmp_path / "pids"
    body = SLEEPER_SETSID.format(count=50, pids_file=str(pids_file)) + "while True:\n    time.sleep(1)\n"
    warm = Diagnoser(keep_warm=False)
    from ckpt_gui.core.format.discovery import locate

    request = DiagnosisRequest(locate(checkpoints / "keras_seq").selected.prefix, str(script(tmp_path, body)), 5)
    try:
        warm.warm_up(request.python)
        assert warm.wait_until_warm(request.python)  # time the attempt, not TensorFlow's import
        started = time.monotonic()
        result = warm.run(request)
        seconds = time.monotonic() - started
    finally:
        warm.close()
    assert result.error["type"] == "Timeout"
    assert seconds < 5 + 5, seconds
    assert left_behind(pids_file) == []
    # Review 7: "Timeout: timeout: the attempt did not finish within 120 s": the kind once,
    # how to raise the limit, and the script's line it was on (its Python stack, dumped
    # before the kill, as the error's traceback).
    message, stack = result.error["message"], result.error["traceback"]
    assert not message.lower().startswith("timeout"), message
    assert "--timeout SECONDS" in message and "Restore > Time limit..." in message
    hang = request.script
    lines = Path(hang).read_text().splitlines()
    line = 1 + max(i for i, text in enumerate(lines) if "time.sleep(1)" in text)
    assert f"at model_def.py line {line} in <module>" in message, message
    assert f'File "{hang}", line {line} in <module>' in stack, stack
    # Review 8: the script's frames only, not the child's (contract.py, attempt.py, main.py).
    import ckpt_gui

    assert os.path.dirname(ckpt_gui.__file__) not in stack and "<frozen" not in stack, stack


def test_fifty_setsid_grandchildren_on_the_command_line(tmp_path, checkpoints):
    pids_file = tmp_path / "pids"
    body = SLEEPER_SETSID.format(count=50, pids_file=str(pids_file)) + "while True:\n    time.sleep(1)\n"
    started = time.monotonic()
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, body), "--timeout", "5", timeout=120)
    assert code == 2 and report["error"]["type"] == "Timeout"
    assert time.monotonic() - started < 60  # TensorFlow's import, then 5 s, then the end of 51 processes
    assert left_behind(pids_file) == []


# -- 4. an interpreter without TensorFlow ---------------------------------------------------------


def test_interpreter_without_tensorflow_or_numpy(tmp_path, checkpoints):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    path = script(tmp_path, INFERENCE)
    code, report = diagnose(checkpoints / "keras_seq", path, "--python", str(python))
    assert code == 2 and report["error"]["type"] == "MissingTensorFlow"
    message = report["error"]["message"]
    assert message.startswith(f"{python} has no numpy (TensorFlow needs it): install TensorFlow into it (")
    assert "--python" in message and "Restore > Python interpreter" in message and "\n" not in message
    assert report["error"]["traceback"] == ""
    (site_packages,) = venv.glob("lib/python*/site-packages")
    (site_packages / "numpy").mkdir()
    (site_packages / "numpy" / "__init__.py").write_text("")  # numpy, but no TensorFlow
    result = run_cli("diagnose", str(checkpoints / "keras_seq"), "--model", str(path), "--python", str(python))
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert f"{python} has no TensorFlow: install TensorFlow into it ({python} -m pip install tensorflow)" in (
        result.stdout
    )


def test_tensorflow_that_does_not_import(tmp_path, checkpoints):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site_packages,) = venv.glob("lib/python*/site-packages")
    (site_packages / "numpy").mkdir()
    (site_packages / "numpy" / "__init__.py").write_text("")
    (site_packages / "tensorflow").mkdir()
    (site_packages / "tensorflow" / "__init__.py").write_text("raise ImportError('DLL load failed: libcudart')\n")
    python = venv / "bin" / "python"
    code, report = diagnose(checkpoints / "keras_seq", script(tmp_path, INFERENCE), "--python", str(python))
    assert code == 2 and report["error"]["type"] == "TensorFlowImportError"
    assert report["error"]["message"].startswith(
        f"TensorFlow does not import in {python} (ImportError: DLL load failed: libcudart): install TensorFlow"
    )


# -- 5. GPUs are hidden unless allowed ------------------------------------------------------------


def test_gpus_are_hidden_unless_allowed(tmp_path, checkpoints):
    seen = tmp_path / "seen"
    body = f"import os\nopen({str(seen)!r}, 'w').write(os.environ.get('CUDA_VISIBLE_DEVICES', '<unset>'))\n" + INFERENCE
    path = script(tmp_path, body)
    code, report = diagnose(checkpoints / "keras_seq", path)
    assert code == 0 and seen.read_text() == "-1"
    assert any(
        note.startswith("GPUs were hidden from the attempt (CUDA_VISIBLE_DEVICES=-1") for note in report["notes"]
    )
    code, report = diagnose(checkpoints / "keras_seq", path, "--allow-gpu")
    assert code == 0 and seen.read_text() != "-1"
    assert any(note.startswith("GPUs were visible to the attempt") for note in report["notes"])


def test_app_allow_gpu_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path))
    from ckpt_gui.app import settings
    from ckpt_gui.app.controllers import doctor

    assert doctor.allow_gpu() is False
    settings.settings().setValue("allow_gpu", True)
    assert doctor.allow_gpu() is True


def test_a_forked_grandchild_holding_the_channel_does_not_hide_the_exit(tmp_path, checkpoints):
    # os.fork() without exec keeps every descriptor, the private channel's too.
    pids_file = tmp_path / "pids"
    body = f"""
import os, time
pid = os.fork()
if pid == 0:
    time.sleep(100000)
open({str(pids_file)!r}, "w").write(str(pid))
os._exit(4)
"""
    result, seconds = run_attempt(checkpoints, script(tmp_path, body), timeout=60)
    assert result.error["type"] == "Exit" and "code 4" in result.error["message"]
    assert seconds < 30
    assert left_behind(pids_file) == []


def zombie_children() -> set[int]:
    """This process's children that ended and were never waited for (``<defunct>``)."""
    me = os.getpid()
    return {pid for pid, row in _process_table().items() if row[0] == me and row[2] == b"Z"}


@pytest.mark.parametrize("ending", ["finished", "timed out", "cancelled", "crashed", "raised"])
def test_an_attempt_leaves_no_defunct_process_nor_working_folder(tmp_path, checkpoints, ending, monkeypatch):
    # The review's `ps --ppid`: each attempt had left a <defunct> python until the app quit
    # (the read-only launcher's helper, re-parented to the app once the child's last thread ended).
    # Its working folder (the script's current directory, a file written in it) goes too,
    # however the attempt ends: the child's crash, or an error of the runner's own ("raised").
    from ckpt_gui.core.format.discovery import locate

    temporary = tmp_path / "tmp"  # the runner's temporary directory: what it leaves there is seen
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    running = tmp_path / "running"  # the script got as far as its endless sleep, from its working folder
    started = f"import os\nopen('written-by-the-script', 'w').close()\nopen({str(running)!r}, 'w').write(os.getcwd())\n"
    hang = "import time\ntime.sleep(100000)\n"
    body = INFERENCE + started + {"finished": "", "crashed": "os.abort()\n"}.get(ending, hang)
    prefix = locate(checkpoints / "keras_seq").selected.prefix
    request = DiagnosisRequest(prefix, str(script(tmp_path, body)), 60 if ending in ("finished", "crashed") else 3)
    if ending == "raised":
        monkeypatch.setattr(Diagnoser, "_wait_ready", _raises)
    before = zombie_children()
    diagnoser = Diagnoser(keep_warm=False)
    try:
        if ending == "cancelled":
            with pytest.raises(AttemptCancelled):
                diagnoser.run(request, None, running.exists)
        elif ending == "raised":
            with pytest.raises(RuntimeError, match="the runner's own"):
                diagnoser.run(request)
        else:
            result = diagnoser.run(request)
            assert (result.error is None) == (ending == "finished")
    finally:
        diagnoser.close()
    assert zombie_children() - before == set()
    if ending != "raised":  # the script ran in its own working folder, in the temporary directory
        assert Path(running.read_text()).parent == temporary
    assert not list(temporary.glob("ckpt-gui-attempt-*"))


def _raises(*_args) -> None:
    raise RuntimeError("the runner's own error")


def test_a_failed_attempts_report_shows_what_the_script_printed_last(tmp_path, checkpoints, qtbot):
    # exits.py printed "bye" and called sys.exit: the report showed the exit and its
    # traceback, never the script's own words (review 21, 14). Its last OUTPUT_LINES lines,
    # from both streams, in the JSON, the text, the Markdown and the app; TensorFlow's import
    # chatter (before the attempt) is not the script's.
    from ckpt_gui.app.widgets.report_panel import ReportPanel
    from ckpt_gui.cli.doctor_text import print_report
    from ckpt_gui.diagnosis.child_output import OUTPUT_LINES
    from ckpt_gui.diagnosis.report_markdown import markdown

    body = (
        "import sys\nfor i in range(30):\n"
        "    print(f'step {i}', file=sys.stderr if i % 2 else sys.stdout, flush=True)\n"
        "print('bye', flush=True)\nsys.exit(3)\n"
    )
    result, _seconds = run_attempt(checkpoints, script(tmp_path, body))
    report = build_report(DiagnosisRequest("p", "s"), result)
    assert report.error is not None and report.error.kind == "SystemExit"
    expected = [f"step {i}" for i in range(30)][-(OUTPUT_LINES - 1) :] + ["bye"]
    assert report.to_json()["error"]["output"] == expected
    text = io.StringIO()
    print_report(report, text)
    shown = text.getvalue()
    assert f"The script's output (its last {OUTPUT_LINES} lines):" in shown and shown.rstrip().endswith("bye")
    assert "step 29" in markdown(report) and "step 10" not in shown
    panel = ReportPanel()
    qtbot.addWidget(panel)
    panel.show_report(report)
    assert "sys.exit(3)" in panel.error.toPlainText() and panel.error.toPlainText().rstrip().endswith("bye")


def test_tensorflows_complaint_about_the_gpus_the_attempt_hid_is_not_the_scripts_output(tmp_path, checkpoints):
    # The attempt hides GPUs (CUDA_VISIBLE_DEVICES=-1) and TensorFlow, making its first
    # variable, logs "failed call to cuInit": the report called that line the script's
    # output (review 22, 18). Still in the whole log, not among the script's lines.
    body = "import tensorflow as tf\nv = tf.Variable(1.0)\nprint('made', flush=True)\nraise RuntimeError('stop')\n"
    result, _seconds = run_attempt(checkpoints, script(tmp_path, body))
    assert "failed call to cuInit" in result.log  # TensorFlow said it (no GPU here, none allowed)
    assert "made" in result.output
    assert not any("cuInit" in line for line in result.output)


def test_a_script_that_prints_nothing_adds_no_output_to_its_failure(tmp_path, checkpoints):
    result, _seconds = run_attempt(checkpoints, script(tmp_path, "raise ValueError('no model here')\n"))
    report = build_report(DiagnosisRequest("p", "s"), result)
    assert report.error is not None and report.error.kind == "ValueError"
    assert "output" not in report.to_json()["error"], result.log  # TensorFlow's import lines are not the script's
