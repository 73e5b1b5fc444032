"""ckpt-gui never writes into a checkpoint, however the output path is named."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_npy
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.write_guard import Protected, check_output, write_file
from tests.conftest import REPO, run_cli

KEY = "layer1/weights"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder with its SHA-256: what must not change."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture()
def tf1(scratch_copy):
    folder = scratch_copy("tf1")
    return folder, Checkpoint.open(folder), snapshot(folder)


def refused(ckpt: Checkpoint, output: Path | str) -> str:
    with pytest.raises(CheckpointError) as info:
        export_npy(ckpt, KEY, str(output))
    assert "never writes" in str(info.value) and "\n" not in str(info.value)
    return str(info.value)


def test_a_symlink_to_the_index_is_refused(tf1, tmp_path):
    folder, ckpt, before = tf1
    link = tmp_path / "out" / "tensor.npy"
    link.parent.mkdir()
    link.symlink_to(ckpt.index.index_path)
    assert "checkpoint's files" in refused(ckpt, link)
    assert snapshot(folder) == before and link.is_symlink()


def test_a_dangling_symlink_into_the_folder_is_refused(tf1, tmp_path):
    folder, ckpt, before = tf1
    link = tmp_path / "new.npy"
    link.symlink_to(folder / "not-yet.npy")
    refused(ckpt, link)
    assert snapshot(folder) == before and not (folder / "not-yet.npy").exists()


def test_a_symlinked_folder_is_refused(tf1, tmp_path):
    folder, ckpt, before = tf1
    alias = tmp_path / "alias"
    alias.symlink_to(folder, target_is_directory=True)
    refused(ckpt, alias / "w.npy")
    refused(ckpt, alias / "model.ckpt-1000.index")  # .npy appended: still inside the folder
    assert snapshot(folder) == before


def test_dot_dot_paths_are_refused(tf1, tmp_path):
    folder, ckpt, before = tf1
    (tmp_path / "elsewhere").mkdir()
    refused(ckpt, f"{tmp_path}/elsewhere/../{folder.name}/w.npy")
    refused(ckpt, f"{folder}/sub/../w.npy")  # sub does not even exist
    assert snapshot(folder) == before


def test_a_subfolder_of_the_checkpoint_folder_is_refused(tf1):
    folder, ckpt, before = tf1
    (folder / "exports" / "deeper").mkdir(parents=True)
    refused(ckpt, folder / "exports" / "w.npy")
    refused(ckpt, folder / "exports" / "deeper" / "w.npy")
    assert snapshot(folder) == before
    assert not any((folder / "exports").rglob("*.npy"))


def test_a_hard_link_to_the_index_is_refused(tf1, tmp_path):
    folder, ckpt, before = tf1
    hard = tmp_path / "index-copy.npy"
    os.link(ckpt.index.index_path, hard)
    assert "checkpoint's files" in refused(ckpt, hard)
    data = tmp_path / "data.npy"
    os.link(ckpt.index.data_path(0), data)
    refused(ckpt, data)
    assert snapshot(folder) == before


def test_a_data_shard_kept_elsewhere_through_a_symlink_is_protected(scratch_copy, tmp_path):
    # Big data shards moved to another disk and symlinked back: the shard is still the checkpoint's.
    folder = scratch_copy("tf1")
    ckpt = Checkpoint.open(folder)
    store = tmp_path / "store"
    store.mkdir()
    shard = Path(ckpt.index.data_path(0))
    moved = store / (shard.name + ".npy")
    shutil.move(shard, moved)
    shard.symlink_to(moved)
    before = snapshot(store)
    refused(Checkpoint.open(folder), moved)
    assert snapshot(store) == before


def test_the_state_file_and_the_saved_model_folder_are_protected(scratch_copy):
    folder = scratch_copy("savedmodel")
    ckpt = Checkpoint.open(folder)
    before = snapshot(folder)
    protected = Protected.of(ckpt)
    with pytest.raises(CheckpointError):
        check_output(folder / "w.npy", protected)  # the SavedModel, above variables/
    with pytest.raises(CheckpointError):
        check_output(folder / "assets" / "w.npy", protected)
    assert snapshot(folder) == before


def test_elsewhere_is_written_and_replaced_without_truncating(tf1, tmp_path):
    folder, ckpt, before = tf1
    out = tmp_path / "w.npy"
    out.write_bytes(b"old")
    other = tmp_path / "other-name-of-old"
    os.link(out, other)  # a hard link of the user's own: the rename leaves its bytes alone
    written, _note = export_npy(ckpt, KEY, str(out))
    assert written == str(out.resolve())
    np.testing.assert_array_equal(np.load(out), ckpt.read(KEY))
    assert other.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert snapshot(folder) == before


def test_a_failed_write_leaves_nothing_behind(tf1, tmp_path):
    _folder, ckpt, _before = tf1

    def fail(f):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CheckpointError, match="No space left"):
        write_file(out / "w.npy", Protected.of(ckpt), fail)
    assert list(out.iterdir()) == []


def test_the_cli_refuses_a_symlink_with_exit_2(tf1, tmp_path):
    folder, ckpt, before = tf1
    link = tmp_path / "tensor.npy"
    link.symlink_to(ckpt.index.index_path)
    result = run_cli("export", str(folder), KEY, "-o", str(link))
    assert result.returncode == 2 and "never writes" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert snapshot(folder) == before


def _can_bind_mount() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_bind_mount(), reason="needs unprivileged user+mount namespaces (unshare -rm)")
def test_a_bind_mount_of_the_folder_is_refused(tf1, tmp_path):
    folder, _ckpt, before = tf1
    mount = tmp_path / "mnt"
    mount.mkdir()
    script = (
        f"mount --bind {folder} {mount} && "
        f"{sys.executable} -m ckpt_gui export {folder} {KEY} -o {mount}/model.ckpt-1000.index.npy; "
        f"echo rc=$?; {sys.executable} -m ckpt_gui export {folder} {KEY} -o {mount}/w.npy; echo rc=$?"
    )
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.split() == ["rc=2", "rc=2"], result.stderr
    assert result.stderr.count("never writes") == 2
    assert snapshot(folder) == before


def test_a_state_file_pointing_outside_its_folder_is_said_and_not_followed_for_writing(scratch_copy, tmp_path, tf):
    """TensorFlow follows a state file's path wherever it leads: ckpt-gui opens what TF
    opens, says where it leads (naming both paths), and still guards the folder opened."""
    opened = scratch_copy("keras_seq")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in opened.glob("ckpt-2.*"):
        shutil.move(path, elsewhere / path.name)
    (opened / "checkpoint").write_text('model_checkpoint_path: "../elsewhere/ckpt-2"\n')
    assert os.path.realpath(tf.train.latest_checkpoint(str(opened))) == str(elsewhere / "ckpt-2")

    ckpt = Checkpoint.open(opened)
    assert ckpt.prefix == str(elsewhere / "ckpt-2")  # what TensorFlow opens
    warning = next(w for w in ckpt.location.warnings if "outside its folder" in w)
    assert str(opened / "checkpoint") in warning and str(elsewhere / "ckpt-2") in warning
    result = run_cli("inspect", str(opened))
    assert result.returncode == 0 and "outside its folder" in result.stderr

    before = snapshot(opened), snapshot(elsewhere)
    for output in (opened / "w.npy", opened / "sub" / "w.npy", elsewhere / "w.npy"):
        with pytest.raises(CheckpointError, match="never writes"):
            export_npy(ckpt, ckpt.variables[0].key, str(output))
    assert (snapshot(opened), snapshot(elsewhere)) == before
    written, _note = export_npy(ckpt, ckpt.variables[0].key, str(tmp_path / "w.npy"))
    assert os.path.isfile(written)
