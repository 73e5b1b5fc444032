"""Finding checkpoints from whatever path the user has at hand."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import export_npy
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.errors import CheckpointError, NotACheckpointError
from ckpt_gui.core.format.locations import step_of
from ckpt_gui.core.format.state_file import parse_checkpoint_state
from tests.conftest import run_cli


def test_directory_lists_every_checkpoint_and_selects_the_latest(checkpoints):
    folder = checkpoints / "keras_seq"
    location = locate(folder)
    names = [ref.name for ref in location.checkpoints]
    # max_to_keep=3 deleted ckpt-1; manual-99 was written without the manager.
    assert set(names) == {"ckpt-2", "ckpt-3", "ckpt-4", "manual-99"}
    assert location.selected.name == "ckpt-4" == location.latest.name
    by_name = {ref.name: ref for ref in location.checkpoints}
    assert by_name["ckpt-3"].step == 3 and by_name["manual-99"].step == 99
    assert by_name["ckpt-4"].in_state_file and not by_name["manual-99"].in_state_file
    state = location.state
    assert state is not None and len(state.all_model_checkpoint_timestamps) == 3
    assert by_name["ckpt-2"].time == state.all_model_checkpoint_timestamps[0]
    expected_size = sum(os.path.getsize(folder / f) for f in os.listdir(folder) if f.startswith("ckpt-4."))
    assert by_name["ckpt-4"].size_bytes == expected_size


@pytest.mark.parametrize(
    "relative",
    [
        "keras_seq/ckpt-3",
        "keras_seq/ckpt-3.index",
        "keras_seq/ckpt-3.data-00000-of-00001",
    ],
)
def test_prefix_and_its_files_select_that_checkpoint(checkpoints, relative):
    location = locate(checkpoints / relative)
    assert location.selected.name == "ckpt-3"
    assert location.latest.name == "ckpt-4"
    assert len(location.checkpoints) == 4


def test_state_file_and_meta_file(checkpoints):
    assert locate(checkpoints / "keras_seq" / "checkpoint").selected.name == "ckpt-4"
    location = locate(checkpoints / "tf1" / "model.ckpt-500.meta")
    assert location.selected.name == "model.ckpt-500"
    assert [ref.step for ref in location.checkpoints] == [500, 1000]


def test_saved_model_directory_and_its_graph_file(checkpoints):
    for path in (checkpoints / "savedmodel", checkpoints / "savedmodel" / "saved_model.pb"):
        location = locate(path)
        assert location.kind == "savedmodel"
        assert location.selected.prefix == str(checkpoints / "savedmodel" / "variables" / "variables")
    assert Checkpoint.open(checkpoints / "savedmodel").format == "savedmodel"


def test_a_saved_model_opened_from_inside_is_the_saved_model(checkpoints, tmp_path):
    """Its variables/ folder (what a GTK folder chooser returns for the SavedModel), the
    variables/variables prefix or one of its files: the SavedModel, said once (review 22
    #4: a TF2 checkpoint titled "variables", no graph). `inspect` says it too."""
    model = checkpoints / "savedmodel"
    inside = model / "variables"
    for path in (inside, f"{inside}{os.sep}", inside / "variables", inside / "variables.index"):
        location = locate(path)
        assert (location.kind, location.directory) == ("savedmodel", str(model)), path
        assert location.selected.prefix == str(inside / "variables")
        (note,) = location.warnings
        assert note.endswith(f"is inside the SavedModel {model}: showing the SavedModel (its variables, with its "
                             "graph and signatures)"), note  # fmt: skip
    assert Checkpoint.open(inside).graph_file is not None
    result = run_cli("inspect", str(inside), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["format"] == "savedmodel", result.stderr
    # A folder named variables outside a SavedModel is a plain checkpoint folder still.
    plain = tmp_path / "variables"
    shutil.copytree(inside, plain)
    location = locate(plain)
    assert location.kind == "bundle" and not location.warnings


def test_links_that_lead_nowhere_are_said_as_such(tmp_path):
    """Review 22 nit 15: a dangling link and a link loop both said "no such file, folder
    or checkpoint prefix", and the folder holding the loop "found 2 subfolders and 2 more"."""
    (tmp_path / "dangling").symlink_to(tmp_path / "nonexistent")
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "a").symlink_to("b")
    (loop / "b").symlink_to("a")
    (loop / "sub").mkdir()
    with pytest.raises(NotACheckpointError) as dangling:
        locate(tmp_path / "dangling")
    target = tmp_path / "nonexistent"
    assert str(dangling.value) == f"{tmp_path / 'dangling'}: is a link to {target}, which does not exist"
    with pytest.raises(NotACheckpointError) as looped:
        locate(loop / "a")
    assert str(looped.value) == f"{loop / 'a'}: is a symbolic link loop"
    with pytest.raises(NotACheckpointError) as folder:
        locate(loop)
    assert str(folder.value) == (
        f"{loop}: no checkpoint found (no *.index file); found a (a symbolic link loop), b (a symbolic link loop) "
        "and 1 subfolder"
    )


def test_a_state_file_naming_an_absolute_path_gone_everywhere_gets_one_warning(checkpoints, tmp_path, tf):
    """Review 22 nit 14: "/home/other/run/ckpt-9" (a folder from another machine, its
    ckpt-9 not copied) was warned of twice, first as "lists ckpt-9, but ckpt-9.index does
    not exist", a name the file never wrote. TensorFlow says what its latest_checkpoint gets."""
    folder = tmp_path / "stale"
    shutil.copytree(checkpoints / "keras_seq", folder)
    gone = "/home/other/run/ckpt-9"
    (folder / "checkpoint").write_text(f'model_checkpoint_path: "{gone}"\nall_model_checkpoint_paths: "{gone}"\n')
    assert tf.train.latest_checkpoint(str(folder)) is None
    location = locate(folder)
    assert location.warnings == (
        f"{folder / 'checkpoint'} names {gone}, which does not exist, and this folder holds no ckpt-9 either: "
        "tf.train.latest_checkpoint(folder) returns None",
    )
    assert location.tensorflow_latest is None


def test_formats(checkpoints):
    assert Checkpoint.open(checkpoints / "keras_seq").format == "tf2"
    assert Checkpoint.open(checkpoints / "tf1").format == "tf1"


def test_moved_folder_with_absolute_paths_in_state_file(checkpoints, tmp_path):
    # The TF1 Saver writes absolute paths; after moving the folder they point nowhere.
    moved = tmp_path / "moved"
    shutil.copytree(checkpoints / "tf1", moved)
    state = (moved / "checkpoint").read_text()
    assert str(checkpoints / "tf1") in state
    location = locate(moved)
    assert location.selected.prefix == str(moved / "model.ckpt-1000")
    assert all(ref.in_state_file for ref in location.checkpoints)


def test_garbled_state_file_falls_back_to_globbing(scratch_copy):
    folder = scratch_copy("keras_seq")
    (folder / "checkpoint").write_bytes(b"\x00\xff garbage {{{")
    location = locate(folder)
    assert {ref.name for ref in location.checkpoints} == {"ckpt-2", "ckpt-3", "ckpt-4", "manual-99"}
    assert location.warnings and "garbled" in location.warnings[0]


def test_state_file_listing_a_deleted_checkpoint_warns(scratch_copy):
    folder = scratch_copy("keras_seq")
    for name in os.listdir(folder):
        if name.startswith("ckpt-2."):
            os.remove(folder / name)
    location = locate(folder)
    assert "ckpt-2" not in {ref.name for ref in location.checkpoints}
    assert any("ckpt-2" in w for w in location.warnings)


def test_parse_checkpoint_state_escapes():
    state = parse_checkpoint_state(
        'model_checkpoint_path: "/tmp/r\\303\\251sum\\303\\251/ckpt-7"\n'
        'all_model_checkpoint_paths: "ckpt-6"\n'
        "all_model_checkpoint_timestamps: 1700000000.5\n"
        "last_preserved_timestamp: 1.7e9\n"
    )
    assert state.model_checkpoint_path == "/tmp/r\u00e9sum\u00e9/ckpt-7"
    assert state.all_model_checkpoint_paths == ("ckpt-6",)
    assert state.all_model_checkpoint_timestamps == (1700000000.5,)
    with pytest.raises(ValueError):
        parse_checkpoint_state("model_checkpoint_path ckpt-1")


def test_step_numbers():
    assert step_of("/x/ckpt-12") == 12
    assert step_of("/x/model.ckpt-1000") == 1000
    assert step_of("/x/cp-0005.ckpt") == 5
    assert step_of("/x/variables") is None


def test_missing_prefix_names_what_the_folder_holds(checkpoints):
    with pytest.raises(NotACheckpointError) as err:
        locate(checkpoints / "keras_seq" / "ckpt-9")
    assert "ckpt-4" in str(err.value) and "ckpt-9" in str(err.value)


def test_folder_without_checkpoints_says_what_it_found(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "model.pt").write_bytes(b"\x80\x02" + bytes(40))
    with pytest.raises(NotACheckpointError) as err:
        locate(tmp_path)
    message = str(err.value)
    assert "model.pt" in message and "pickle" in message and "notes.txt" in message
    # The file itself: one sentence saying what it is, not "not a TensorFlow
    # checkpoint: ..., not a TensorFlow checkpoint".
    with pytest.raises(NotACheckpointError) as err:
        locate(tmp_path / "model.pt")
    message = err.value.problem
    assert message.startswith("a Python pickle") and message.count("not a TensorFlow checkpoint") == 1


def test_broken_keras_file_is_opened_and_named(tmp_path):
    # An HDF5 signature and nothing else: found as the folder's Keras weights, and opening
    # it says what is wrong with that file (Keras files themselves: tests/test_keras_files.py).
    (tmp_path / "model.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
    for path in (tmp_path, tmp_path / "model.weights.h5"):
        assert locate(path).kind == "keras"
        with pytest.raises(CheckpointError, match="not a readable HDF5 file") as err:
            Checkpoint.open(path)
        assert err.value.path == str(tmp_path / "model.weights.h5")


def test_parent_folder_points_at_subfolders(checkpoints):
    with pytest.raises(NotACheckpointError) as err:
        locate(checkpoints)
    assert "keras_seq/" in str(err.value)


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(NotACheckpointError, match="empty"):
        locate(tmp_path)
    with pytest.raises(NotACheckpointError, match="no such"):
        locate(tmp_path / "nothing" / "here")


def test_v1_checkpoint_opens_from_its_folder_and_its_file(checkpoints):
    # Its values against TensorFlow: tests/test_v1.py.
    for path in (checkpoints / "v1", checkpoints / "v1" / "model.ckpt"):
        ckpt = Checkpoint.open(path)
        assert ckpt.location.kind == "v1" and ckpt.prefix == str(checkpoints / "v1" / "model.ckpt")
        assert [v.key for v in ckpt.variables] == ["w"]


def test_other_file_kinds_are_named(tmp_path):
    import zipfile

    keras_file = tmp_path / "model.keras"
    with zipfile.ZipFile(keras_file, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(CheckpointError, match="model.weights.h5.*not a readable HDF5 file"):
        Checkpoint.open(keras_file)
    torch_file = tmp_path / "model.ckpt"
    with zipfile.ZipFile(torch_file, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02")
    with pytest.raises(NotACheckpointError, match="PyTorch"):
        locate(torch_file)


def test_latest_checkpoint_missing_its_data_falls_back_to_a_complete_one(scratch_copy):
    """A save cut short (or a data file deleted): the folder still opens, on the newest
    checkpoint that is whole, and says why; the broken one stays listed, marked."""
    folder = scratch_copy("keras_seq")
    os.remove(folder / "ckpt-4.data-00000-of-00001")
    location = locate(folder)
    broken = next(ref for ref in location.checkpoints if ref.name == "ckpt-4")
    assert not broken.complete and broken.missing_files == (str(folder / "ckpt-4.data-00000-of-00001"),)
    assert location.latest is broken and location.selected.complete
    assert any(w.startswith("ckpt-4 is incomplete (missing ckpt-4.data-00000-of-00001)") for w in location.warnings)
    # Asked for by name, it opens on its index alone: every key, no object paths, and why.
    ckpt = Checkpoint.open(folder / "ckpt-4")
    assert any("only its index can be shown" in w for w in ckpt.location.warnings)
    assert len(ckpt.variables) == len(Checkpoint.open(folder / "ckpt-3").variables)
    assert ckpt.object_graph is None and "data shard is missing" in str(ckpt.graph_error)
    assert all(v.object_paths == () for v in ckpt.variables)


def test_many_subfolders_with_checkpoints_are_counted(tmp_path):
    for i in range(7):
        (tmp_path / f"run{i}").mkdir()
        (tmp_path / f"run{i}" / "ckpt-1.index").write_bytes(b"")
    with pytest.raises(NotACheckpointError, match=r"run0/, run1/, run2/, run3/, run4/ and 2 more hold some"):
        locate(tmp_path)


def scramble_mtimes(folder, newest_first: list[str]) -> None:
    """Give each checkpoint's files a modification time in the order given (as a copy or
    a ``git checkout`` may): the first named gets the newest."""
    for rank, name in enumerate(newest_first):
        stamp = 1_600_000_000 - rank * 3600
        for path in folder.iterdir():
            if path.name.startswith(name + "."):
                os.utime(path, (stamp, stamp))


def names(location) -> list[str]:
    return [ref.name for ref in location.checkpoints]


def test_order_follows_the_state_file_not_file_times(scratch_copy):
    folder = scratch_copy("keras_seq")
    scramble_mtimes(folder, ["ckpt-2", "ckpt-3", "ckpt-4", "manual-99"])  # manual-99 oldest on disk
    assert names(locate(folder)) == ["ckpt-2", "ckpt-3", "ckpt-4", "manual-99"]
    assert names(locate(folder / "ckpt-3")) == ["ckpt-2", "ckpt-3", "ckpt-4", "manual-99"]


def test_state_file_order_wins_over_steps(scratch_copy):
    folder = scratch_copy("keras_seq")
    (folder / "checkpoint").write_text(
        'model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-4"\nall_model_checkpoint_paths: "ckpt-2"\n'
    )
    scramble_mtimes(folder, ["ckpt-4", "ckpt-2", "ckpt-3", "manual-99"])
    # ckpt-3 is not listed: it goes before the first listed checkpoint with a larger step
    # (ckpt-4); the listed ones stay in the state file's order.
    assert names(locate(folder)) == ["ckpt-3", "ckpt-4", "ckpt-2", "manual-99"]
    assert locate(folder).latest.name == "ckpt-2"


@pytest.mark.parametrize("scenario", ["keras_seq", "tf1"])
def test_without_a_state_file_order_is_by_step(scratch_copy, scenario):
    folder = scratch_copy(scenario)
    expected = names(locate(folder))
    os.remove(folder / "checkpoint")
    scramble_mtimes(folder, expected)  # the oldest step gets the newest time
    assert names(locate(folder)) == expected
    assert locate(folder).latest.name == expected[-1]


def test_tf1_state_file_order_survives_a_copy_with_new_times(scratch_copy):
    folder = scratch_copy("tf1")
    scramble_mtimes(folder, ["model.ckpt-500", "model.ckpt-1000"])
    location = locate(folder)
    assert names(location) == ["model.ckpt-500", "model.ckpt-1000"]
    assert location.selected.name == "model.ckpt-1000"


def test_unnumbered_checkpoints_come_first_then_by_time(tmp_path):
    for name, stamp in (("b", 200), ("a", 100), ("ckpt-5", 50), ("ckpt-1", 300)):
        for suffix in (".index", ".data-00000-of-00001"):
            (tmp_path / (name + suffix)).write_bytes(b"")
            os.utime(tmp_path / (name + suffix), (stamp, stamp))
    assert names(locate(tmp_path)) == ["a", "b", "ckpt-1", "ckpt-5"]


def _globbed_refs(folder) -> dict[str, tuple]:
    """What the glob-per-checkpoint discovery found: (size, missing shards) per prefix."""
    import glob
    import re

    numbers = re.compile(r"\.data-(\d{5})-of-(\d{5})$")
    out = {}
    for index_file in glob.glob(os.path.join(glob.escape(str(folder)), "*.index")):
        if not os.path.isfile(index_file):
            continue
        prefix = index_file[: -len(".index")]
        size, shards, count = os.path.getsize(index_file), set(), 1
        for data_file in glob.glob(glob.escape(prefix) + ".data-*-of-*"):
            match = numbers.search(data_file)
            if match:
                size += os.path.getsize(data_file)
                shards.add(int(match.group(1)))
                count = max(count, int(match.group(2)))
        missing = tuple(f"{prefix}.data-{i:05d}-of-{count:05d}" for i in range(count) if i not in shards)
        out[prefix] = (size, missing)
    return out


def test_one_listing_finds_what_globbing_found_in_step_order(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for step in range(1, 301):
        (folder / f"ckpt-{step}.index").write_bytes(b"i" * (step % 7))
        shards = 3 if step % 10 == 0 else 1
        for shard in range(shards):
            if step % 25 == 0 and shard == shards - 1:
                continue  # a missing shard
            (folder / f"ckpt-{step}.data-{shard:05d}-of-{shards:05d}").write_bytes(b"d" * step)
        os.utime(folder / f"ckpt-{step}.index", (1e9 - step, 1e9 - step))  # times backwards
    (folder / "ckpt-7.data-0-of-1").write_bytes(b"not a shard name")
    (folder / "ckpt-8.data-00000-of-00001.tmp").write_bytes(b"a temporary file")
    (folder / "dir.index").mkdir()
    (folder / "orphan.data-00000-of-00001").write_bytes(b"no index")
    (folder / "checkpoint").write_text('model_checkpoint_path: "ckpt-300"\nall_model_checkpoint_paths: "ckpt-300"\n')
    location = locate(folder)
    assert [ref.step for ref in location.checkpoints] == list(range(1, 301))
    assert {ref.prefix: (ref.size_bytes, ref.missing_files) for ref in location.checkpoints} == _globbed_refs(folder)
    assert location.latest.name == "ckpt-300" and location.selected.name == "ckpt-299"  # 300 lacks a shard
    assert [ref.in_state_file for ref in location.checkpoints].count(True) == 1
    assert locate(folder / "ckpt-150").selected.size_bytes == 150 % 7 + 150 * 3 - 150


def _copy_saved_model(source, target, with_variables: bool = True) -> None:
    shutil.copytree(source, target, ignore=None if with_variables else shutil.ignore_patterns("variables"))


def test_tf_serving_versions_open_the_highest_and_list_the_others(checkpoints, tmp_path, tf):
    model = tmp_path / "model"
    for version in (1, 3, 10):  # 10 is the highest: by number, not by name
        _copy_saved_model(checkpoints / "savedmodel", model / str(version))
    _copy_saved_model(checkpoints / "savedmodel", model / "2", with_variables=False)
    (model / "notes").mkdir()

    ckpt = Checkpoint.open(model)
    assert ckpt.format == "savedmodel"
    assert ckpt.prefix == str(model / "10" / "variables" / "variables")
    assert [(ref.step, ref.prefix) for ref in ckpt.checkpoints] == [
        (v, str(model / str(v) / "variables" / "variables")) for v in (1, 3, 10)
    ]
    said = " ".join(ckpt.location.warnings)
    assert "versions 1, 3, 10" in said and "showing version 10" in said and "2" in said
    expected = [(k, list(s)) for k, s in tf.train.list_variables(str(model / "10" / "variables" / "variables"))]
    assert [(v.key, list(v.shape)) for v in ckpt.variables] == expected
    older = ckpt.sibling(ckpt.checkpoints[0])  # the picker switches to another version
    assert older.prefix == str(model / "1" / "variables" / "variables")

    result = run_cli("inspect", str(model), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [c["step"] for c in report["checkpoints"]] == [1, 3, 10] and report["checkpoints"][-1]["selected"]
    assert any("showing version 10" in w for w in report["warnings"])
    with pytest.raises(CheckpointError, match="never writes"):  # the whole folder is the checkpoint's
        export_npy(ckpt, ckpt.variables[0].key, str(model / "notes" / "x.npy"))


def test_a_folder_holding_one_saved_model_opens_it(checkpoints, tmp_path):
    _copy_saved_model(checkpoints / "savedmodel", tmp_path / "serving_model_dir" / "saved_model")
    ckpt = Checkpoint.open(tmp_path / "serving_model_dir")
    assert ckpt.prefix == str(tmp_path / "serving_model_dir" / "saved_model" / "variables" / "variables")
    assert any("holds one SavedModel, saved_model/" in w for w in ckpt.location.warnings)


def test_fingerprint_and_keras_metadata_open_their_saved_model(checkpoints, tmp_path):
    folder = tmp_path / "sm"
    _copy_saved_model(checkpoints / "savedmodel", folder)
    (folder / "keras_metadata.pb").write_bytes(b"\x0a\x00")
    expected = Checkpoint.open(folder / "saved_model.pb").prefix
    assert (folder / "fingerprint.pb").is_file(), "TensorFlow writes fingerprint.pb beside saved_model.pb"
    for name in ("fingerprint.pb", "keras_metadata.pb"):
        assert Checkpoint.open(folder / name).prefix == expected


def test_well_known_file_types_are_named(tmp_path, qapp):
    """Review finding 15: a folder of screenshots said "an unrecognised binary file of 279
    bytes" for each PNG. Files written by their own writers (Qt's image and PDF writers,
    Python's compressors, SQLite, NumPy) are named by their magic bytes, in the folder's
    message and for the file itself; HDF5 stays Keras weights (tests/test_keras_files.py)."""
    import bz2
    import gzip
    import lzma
    import sqlite3

    import numpy as np
    from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter

    image = QImage(16, 8, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    written = {}
    for suffix, fmt, kind in (("png", "PNG", "a PNG image"), ("jpg", "JPEG", "a JPEG image"),
                              ("bmp", "BMP", "a BMP image")):  # fmt: skip
        assert image.save(str(tmp_path / f"shot.{suffix}"), fmt)
        written[f"shot.{suffix}"] = kind
    pdf = QPdfWriter(str(tmp_path / "report.pdf"))
    pdf.setPageSize(QPageSize(QPageSize.PageSizeId.A6))
    painter = QPainter(pdf)
    painter.drawText(10, 10, "report")
    painter.end()
    written["report.pdf"] = "a PDF document"
    payload = bytes(range(256)) * 4
    for name, compress, kind in (("data.gz", gzip.compress, "a gzip-compressed file"),
                                 ("data.bz2", bz2.compress, "a bzip2-compressed file"),
                                 ("data.xz", lzma.compress, "an xz-compressed file")):  # fmt: skip
        (tmp_path / name).write_bytes(compress(payload))
        written[name] = kind
    np.save(tmp_path / "array.npy", np.arange(10, dtype=np.float32))
    written["array.npy"] = "a NumPy .npy array"
    with sqlite3.connect(tmp_path / "runs.db") as db:
        db.execute("create table runs (step integer)")
    written["runs.db"] = "an SQLite database"

    for name, kind in written.items():
        with pytest.raises(NotACheckpointError) as err:
            locate(tmp_path / name)
        assert err.value.problem.startswith(f"{kind}, not a TensorFlow checkpoint"), (name, err.value.problem)
    with pytest.raises(NotACheckpointError) as err:
        locate(tmp_path)
    message = str(err.value)
    assert "unrecognised" not in message
    shown = [name for name in sorted(os.listdir(tmp_path)) if name in message]
    assert len(shown) == 4 and all(f"{name} ({written[name]})" in message for name in shown)
