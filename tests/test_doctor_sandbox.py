"""What the restore doctor does to and says about the checkpoint folder: a script that
writes into it sees it read-only (Linux namespaces) or, where that is not possible, the
report says what changed; and which checkpoint of a folder was diagnosed, next to what
the user's own ``tf.train.latest_checkpoint`` returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ckpt_gui.core.format.discovery import locate
from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice
from ckpt_gui.diagnosis.sandbox import NO_NAMESPACES_ENV, Sandbox, checkpoint_folders, why_unavailable
from tests.conftest import REPO
from tests.doctor_cli import script

SEQUENTIAL = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
checkpoint = tf.train.Checkpoint(model=model)
"""

# A model script that also writes: a file of its own elsewhere, an attempt at the folder
# its checkpoint's data file really lives in (caught), then a stray save into the
# checkpoint folder (not caught), as a training script's leftovers would.
WRITER = (
    """
import os
open({side_file!r}, "w").write("the script's own output")
try:
    open(os.path.join({store!r}, "note.txt"), "w").write("x")
    print("wrote into the data file's folder")
except OSError as exc:
    print("data folder:", exc)
"""
    + SEQUENTIAL
    + """
tf.train.Checkpoint(model=model).save(os.path.join({folder!r}, "stray"))
"""
)


def run_diagnose(checkpoint, model_script, *extra, env=None):
    """``ckpt-gui diagnose --json`` as a user runs it: exit code, report and stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "ckpt_gui", "diagnose", str(checkpoint), "--model", str(model_script), *extra],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if "--json" in extra else None
    return result.returncode, document, result.stdout


def contents(*folders) -> dict[str, bytes]:
    """Every file's bytes, by path: what "nothing changed" is checked against."""
    found = {}
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[path] = f.read()
    return found


@pytest.fixture()
def linked_checkpoint(scratch_copy, tmp_path):
    """A copy of keras_seq whose data file is a symlink into another folder, reached
    through a symlinked folder: both real folders must be protected."""
    folder = scratch_copy("keras_seq")
    store = tmp_path / "store"
    store.mkdir()
    prefix = locate(folder).selected.prefix
    for data in folder.glob(os.path.basename(prefix) + ".data-*"):
        moved = store / data.name
        data.rename(moved)
        data.symlink_to(moved)
    link = tmp_path / "link"
    link.symlink_to(folder)
    return link, folder, store


needs_namespaces = pytest.mark.skipif(
    why_unavailable() is not None or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0,
    reason="user namespaces are not available here (the fallback test covers this machine)",
)


@needs_namespaces
def test_a_script_that_saves_into_the_checkpoint_folder_sees_it_read_only(tmp_path, linked_checkpoint):
    link, folder, store = linked_checkpoint
    side_file = tmp_path / "side.txt"
    body = WRITER.format(side_file=str(side_file), store=str(store), folder=str(link))
    before = contents(folder, store)
    code, report, _out = run_diagnose(link, script(tmp_path, body), "--json")
    assert contents(folder, store) == before  # names and bytes
    protection = report["folder_protection"]
    assert protection["read_only"] is True and protection["reason"] == ""
    assert set(protection["folders"]) == {os.path.realpath(folder), os.path.realpath(store)}
    # The stray save is the script's error, from the OS, with why.
    assert code == 2 and "Read-only file system" in report["error"]["message"]
    assert "the checkpoint folder is read-only during the attempt" in report["error"]["message"]
    # What the script wrote elsewhere is there, the user's own, as without the namespace.
    assert side_file.read_text() == "the script's own output"
    assert (side_file.stat().st_uid, side_file.stat().st_gid) == (os.getuid(), os.getgid())
    side_file.write_text("still writable")


@needs_namespaces
def test_read_only_folder_in_text_output_and_a_clean_restore(tmp_path, scratch_copy):
    folder = scratch_copy("keras_seq")
    before = contents(folder)
    code, _report, out = run_diagnose(folder, script(tmp_path, SEQUENTIAL))
    assert code == 0 and "folder:     read-only during the attempt" in out
    assert "the checkpoint folder was read-only for the attempt" in out
    assert contents(folder) == before


def test_without_namespaces_the_report_says_what_changed(tmp_path, linked_checkpoint):
    link, folder, store = linked_checkpoint
    side_file = tmp_path / "side.txt"
    body = WRITER.format(side_file=str(side_file), store=str(store), folder=str(link))
    before = contents(folder)
    code, report, _out = run_diagnose(link, script(tmp_path, body), "--json", env={NO_NAMESPACES_ENV: "1"})
    assert code != 2 and report["error"] is None  # the stray save went through: the folder changed
    changed = sorted(
        os.path.basename(path)
        for path in set(before) | set(contents(folder))
        if before.get(path) != contents(folder).get(path)
    )
    assert changed and any(name.startswith("stray-1") for name in changed)
    protection = report["folder_protection"]
    assert protection["read_only"] is False and protection["reason"] == f"turned off by {NO_NAMESPACES_ENV}"
    note = next(n for n in report["notes"] if n.startswith("the checkpoint folder changed during the attempt"))
    assert all(name in note for name in changed[:5])
    assert any(n.startswith("the checkpoint folder was not protected during the attempt (turned off") for n in
               report["notes"])  # fmt: skip
    assert (store / "note.txt").exists()


@needs_namespaces
def test_namespaces_disabled_by_the_system_fall_back_to_the_check(tmp_path, scratch_copy):
    # As on a machine with user.max_user_namespaces = 0: set so inside a namespace of the
    # test's own (the limit holds there and below), where ckpt-gui then runs.
    folder = scratch_copy("keras_seq")
    body = SEQUENTIAL + f"\ntf.train.Checkpoint(model=model).save({str(folder / 'stray')!r})\n"
    command = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" -m ckpt_gui diagnose "$1" --model "$2" --json'
    result = subprocess.run(
        ["unshare", "-r", "sh", "-c", command, sys.executable, str(folder), str(script(tmp_path, body))],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    protection = report["folder_protection"]
    assert protection["read_only"] is False
    assert protection["reason"].startswith("user namespaces are not available here: unshare(")
    note = next(n for n in report["notes"] if n.startswith("the checkpoint folder changed during the attempt"))
    assert "stray-1.index" in note and (folder / "stray-1.index").exists()


# -- which checkpoint of a folder, and what tf.train.latest_checkpoint says -------------------------

MANAGED = """
import json, os, shutil, sys
import keras
import tensorflow as tf

out = sys.argv[1]
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
checkpoint = tf.train.Checkpoint(model=model)
whole = os.path.join(out, "whole")
manager = tf.train.CheckpointManager(checkpoint, whole, max_to_keep=3)
for step in range(3):
    model.layers[0].kernel.assign(tf.fill((4, 2), float(step)))
    manager.save()
saved = list(manager.checkpoints)
broken = os.path.join(out, "broken")
shutil.copytree(whole, broken)
newest = os.path.join(broken, os.path.basename(saved[-1]))
for name in os.listdir(broken):  # the newest save lost its data file
    if name.startswith(os.path.basename(newest) + ".data-"):
        os.remove(os.path.join(broken, name))
stateless = os.path.join(out, "stateless")
shutil.copytree(whole, stateless)
os.remove(os.path.join(stateless, "checkpoint"))
latest = {name: tf.train.latest_checkpoint(os.path.join(out, name)) for name in ("whole", "broken", "stateless")}
try:
    tf.train.Checkpoint(model=keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])).restore(
        latest["broken"]).assert_consumed()
    restore_error = None
except Exception as exc:
    restore_error = type(exc).__name__
print(json.dumps({"saved": [os.path.basename(p) for p in saved], "latest": latest, "restore_error": restore_error}))
"""

MANAGED_SCRIPT = """
import keras
import tensorflow as tf

def build():
    return tf.train.Checkpoint(model=keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
"""


@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    """CheckpointManager folders written by TensorFlow (one process for the module), and
    what tf.train.latest_checkpoint returns for each."""
    out = tmp_path_factory.mktemp("managed")
    result = subprocess.run(
        [sys.executable, "-c", MANAGED, str(out)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads(result.stdout.splitlines()[-1])


def same(a, b) -> bool:
    return a is not None and b is not None and os.path.realpath(a) == os.path.realpath(b)


def test_incomplete_newest_save_is_named_with_what_latest_checkpoint_picks(tmp_path, managed):
    out, tensorflow = managed
    assert tensorflow["restore_error"] is not None  # the user's restore of the latest fails
    newest, previous = tensorflow["saved"][-1], tensorflow["saved"][-2]
    model_script = script(tmp_path, MANAGED_SCRIPT)
    code, report, _out = run_diagnose(out / "broken", model_script, "--json")
    assert os.path.basename(report["checkpoint"]) == previous
    choice = report["checkpoint_choice"]
    assert same(choice["latest_checkpoint"], tensorflow["latest"]["broken"]) and choice["latest_complete"] is False
    assert choice["used"] == report["checkpoint"] and choice["reason"].startswith(
        f"the newest complete checkpoint in the folder; the latest, {newest}, which tf.train.latest_checkpoint"
    )
    warning = report["notes"][0]
    assert warning.startswith(f"diagnosed {previous}, not {newest}: tf.train.latest_checkpoint()")
    assert "incomplete, and restoring it fails" in warning
    # The older checkpoint itself restores fully, but the user's script will not: not ok.
    assert report["error"] is None and report["summary"]["missing"] == 0 and report["summary"]["consumed"] > 0
    assert code == 1 and report["ok"] is False
    code, _report, text = run_diagnose(out / "broken", model_script)
    assert code == 1 and f"WARNING: diagnosed {previous}, not {newest}" in text
    assert f"(the newest complete checkpoint in the folder; the latest, {newest}," in text
    assert f"result: everything the model needs was restored from {previous}, but" in text
    assert text.count(f"diagnosed {previous}, not {newest}") == 1


def test_checkpoint_choice_agrees_with_latest_checkpoint(managed):
    out, tensorflow = managed
    for name in ("whole", "broken", "stateless"):
        folder = str(out / name)
        choice = checkpoint_choice(folder, locate(folder))
        assert choice.latest_checkpoint == tensorflow["latest"][name] or same(
            choice.latest_checkpoint, tensorflow["latest"][name]
        ), name
    whole = checkpoint_choice(str(out / "whole"), locate(out / "whole"))
    assert whole.warning() is None and same(whole.used, tensorflow["latest"]["whole"])
    assert whole.reason == "the folder's latest checkpoint, as tf.train.latest_checkpoint returns it"
    stateless = checkpoint_choice(str(out / "stateless"), locate(out / "stateless"))
    assert stateless.latest_checkpoint is None and stateless.warning() is None
    assert "no 'checkpoint' file, so tf.train.latest_checkpoint returns None" in stateless.reason
    # A checkpoint asked for by name: no folder semantics, no warning.
    prefix = str(out / "broken" / tensorflow["saved"][-2])
    named = checkpoint_choice(prefix, locate(prefix))
    assert named.used == prefix and named.warning() is None and named.reason.startswith("the checkpoint asked for")


def test_protected_folders_follow_symlinks_and_take_a_savedmodel_whole(tmp_path, monkeypatch):
    # Files only: which folders are protected is decided before TensorFlow runs.
    real, store, saved_model = tmp_path / "real", tmp_path / "store", tmp_path / "exported"
    for folder in (real, store, saved_model / "variables"):
        folder.mkdir(parents=True)
    (real / "ckpt-1.index").write_bytes(b"")
    (store / "ckpt-1.data-00000-of-00001").write_bytes(b"")
    (real / "ckpt-1.data-00000-of-00001").symlink_to(store / "ckpt-1.data-00000-of-00001")
    (tmp_path / "link").symlink_to(real)
    assert checkpoint_folders(str(tmp_path / "link" / "ckpt-1")) == (str(real), str(store))
    (saved_model / "saved_model.pb").write_bytes(b"")
    (saved_model / "variables" / "variables.index").write_bytes(b"")
    assert checkpoint_folders(str(saved_model / "variables" / "variables")) == (str(saved_model),)
    # A checkpoint saved straight into the home folder: protecting it would stop the script's own writes.
    monkeypatch.setenv("HOME", str(real))
    sandbox = Sandbox([sys.executable, "-c", "pass"])
    sandbox.launched()
    sandbox.first = "ready"
    try:
        protection = sandbox.protect(str(real / "ckpt-1"))
    finally:
        sandbox.close()
    assert not protection.read_only and protection.reason.startswith(f"the checkpoint lies directly in {real}")
