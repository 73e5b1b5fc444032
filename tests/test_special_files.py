"""Review 13 #P1: a file that is not a regular file (a FIFO, a device, /proc/kmsg) is
refused before it is read, naming it and what it is. Reading one blocked a worker for
good: Cancel did nothing and every later open of the app waited behind it; the CLI hung.
Every subprocess here has a timeout, so a regression fails rather than hangs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import NotACheckpointError
from tests.conftest import run_cli

FIFO = "a named pipe (FIFO), not a checkpoint file"

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def _data_as_fifo(folder: Path) -> tuple[str, str]:
    """The folder's checkpoint with its data file swapped for a FIFO that nobody writes:
    (its prefix, the FIFO's path)."""
    prefix = Checkpoint.open(folder).prefix
    data = next(p for p in folder.iterdir() if p.name.startswith(os.path.basename(prefix) + ".data-"))
    data.unlink()
    os.mkfifo(data)
    return prefix, str(data)


def test_the_cli_refuses_a_fifo_naming_it(tmp_path):
    pipe = tmp_path / "pipe.index"
    os.mkfifo(pipe)
    for named in (pipe, tmp_path / "pipe"):  # the file, or the prefix whose index it is
        result = run_cli("inspect", str(named), timeout=60)
        assert result.returncode == 2
        assert result.stderr == f"ckpt-gui: error: {pipe}: {FIFO}\n"


def test_a_data_file_that_is_a_fifo_is_refused_not_read(scratch_copy):
    prefix, fifo = _data_as_fifo(scratch_copy("keras_seq"))
    result = run_cli("export", prefix, Checkpoint.open(prefix).variables[-1].key, "-o", os.devnull, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{fifo}: {FIFO}" in result.stderr


def test_devices_and_kernel_files_are_named_for_what_they_are(tmp_path):
    link = tmp_path / "weights.index"
    link.symlink_to(os.devnull)
    with pytest.raises(NotACheckpointError, match=f"a character device \\({link} leads to {os.devnull}\\)"):
        Checkpoint.open(link)
    if os.path.isfile("/proc/self/status"):  # a "regular file" of size 0 whose read is the kernel's
        assert storage.not_a_file("/proc/self/status").startswith("a file of the kernel's /proc file system")
    assert storage.not_a_file(str(tmp_path)) is None and storage.not_a_file(str(tmp_path / "gone")) is None


def test_the_app_reports_a_fifo_and_opens_the_next_checkpoint(qtbot, window, scratch_copy, tmp_path):
    good = scratch_copy("keras_seq")
    os.mkfifo(tmp_path / "pipe.index")
    refused = [(str(tmp_path / "pipe"), f"{tmp_path / 'pipe.index'}: {FIFO}")]
    if os.path.isfile("/proc/self/status"):  # as /proc/kmsg, whose read never returns (root only, and it consumes)
        refused.append(("/proc/self/status", "/proc/self/status: a file of the kernel's /proc file system"))
    for bad, said in refused:
        with qtbot.waitSignal(window.loaded, timeout=60_000):
            window.browse.open_path(bad)
        qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
        assert said in window.browse.banner.text  # the open's own banner line
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(good))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert window.browse.ckpt is not None and window.browse.ckpt.location.directory == str(good)
    assert not window.browse.banner.text


NOT_REGULAR = "not a regular file (a FIFO)"


def test_inspect_names_a_fifo_data_file_for_what_it_is_never_missing(scratch_copy):
    """Review 15: a data file there as a FIFO was "missing" in inspect's first line and
    its folder listing (the listing skips what is not a regular file); it is named."""
    folder = scratch_copy("keras_seq")
    prefix, fifo = _data_as_fifo(folder)
    name = os.path.basename(fifo)
    for path in (folder, prefix):
        result = run_cli("inspect", str(path), timeout=60)
        said = result.stdout + result.stderr
        assert result.returncode in (0, 1), result.stderr  # listed (1: the index only), never an error
        assert "missing" not in said, said
        assert f"incomplete: data {NOT_REGULAR}" in said
    assert f"{name} is {NOT_REGULAR}" in run_cli("inspect", str(folder), timeout=60).stderr  # the fallback's why
    headline = run_cli("inspect", prefix, timeout=60).stderr
    assert f"This checkpoint's data file {name} is {NOT_REGULAR}: names, dtypes and shapes only" in headline


def test_the_app_names_a_fifo_data_file_and_never_opens_it(qtbot, window, scratch_copy, monkeypatch):
    """Review 15: the banner and the picker called a FIFO data file "missing"; the views
    say what it is, and nothing opens it (an open of a FIFO waits for a writer for good)."""
    prefix, fifo = _data_as_fifo(scratch_copy("keras_seq"))
    name = os.path.basename(fifo)
    opened = []
    raw_file = storage._raw_file
    monkeypatch.setattr(storage, "_raw_file", lambda path, *a: (opened.append(str(path)), raw_file(path, *a))[1])
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(prefix)
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert window.browse.ckpt.prefix == prefix
    assert window.banner.text.startswith(f"This checkpoint's data file {name} is {NOT_REGULAR}: names, dtypes")
    assert "missing" not in window.banner.text
    picker = window.picker
    line = picker.itemText(next(i for i, ref in enumerate(picker.refs) if ref.prefix == prefix))
    assert f"(incomplete: data {NOT_REGULAR})" in line and "missing" not in line
    assert dict(window.details.facts_shown())["Stored in"] == f"{name} ({NOT_REGULAR}: no values)"
    qtbot.waitUntil(lambda: name in window.tensor.message.text(), timeout=60_000)
    assert f"{name} is {NOT_REGULAR}" in window.tensor.message.text()
    assert opened and fifo not in opened  # the index was read; the FIFO never


def test_the_doctors_choice_names_a_fifo_for_what_it_is(scratch_copy):
    """Review 15 left over: the doctor said the folder's latest checkpoint "is incomplete:
    missing ckpt-4.data-00000-of-00001" when that file was there as a FIFO (browse, the
    picker and inspect named it): the choice's reason now says what it is, as they do."""
    from ckpt_gui.core.format.discovery import locate
    from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice

    folder = scratch_copy("keras_seq")
    latest = locate(folder).latest
    data = latest.prefix + ".data-00000-of-00001"
    os.remove(data)
    os.mkfifo(data)
    location = locate(folder)
    assert location.selected.prefix != latest.prefix  # the newest complete one, not the latest
    choice = checkpoint_choice(str(folder), location, location.selected)
    assert f"{latest.name}, which tf.train.latest_checkpoint returns, is incomplete: " in choice.reason
    assert f"{os.path.basename(data)} is not a regular file (a FIFO)" in choice.reason, choice.reason
    assert "missing" not in choice.reason
