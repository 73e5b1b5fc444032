"""The real-world corpus: checkpoints other people wrote (TensorFlow 0.12 to 2.15), read
exactly as TensorFlow reads them.

``../shared/realworld/`` (next to the repository; ``CKPT_GUI_REALWORLD`` overrides it)
holds 48 folders with their provenance (``manifest.tsv``, ``README.md``). For every
folder and every checkpoint in it, ckpt-gui (the Python API and the CLI, as a user runs
it) must give TensorFlow's answer, computed here with ``tf.train``: the checkpoint a
path opens, the keys in order, dtypes, shapes, every value bit for bit, exported values
read back with numpy, the picker's order, and the same reason where both refuse.

The corpus is copied to a temporary folder first (shared/ is read-only and nothing
here may write into it); a fresh clone without the corpus skips these tests.

A case that fails because of a bug already filed is marked ``xfail(strict=True)`` with
the bug named (``folder_params`` / ``checkpoint_params`` take them): the day the bug is
fixed its xfail fails, and the mark must go. None is left since issue 10 (V1 files are
read, a missing object-graph shard is listed as TensorFlow lists it).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.export import read_strings
from ckpt_gui.core.format.errors import CheckpointError
from tests.conftest import run_cli

CORPUS_ENV = "CKPT_GUI_REALWORLD"
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _corpus_root() -> Path:
    override = os.environ.get(CORPUS_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "shared" / "realworld"


ROOT = _corpus_root()
if not (ROOT / "manifest.tsv").is_file() or not (ROOT / "corpus").is_dir():
    pytest.skip(
        f"the real-world corpus is not at {ROOT} (a clone without ../shared/realworld; "
        f"set {CORPUS_ENV} to its folder to run these tests)",
        allow_module_level=True,
    )


# -- the manifest and what each folder holds (read at collection, from the read-only corpus) --


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    target: str  # what a user opens, relative to the folder ("." is the folder)
    checkpoints: tuple[str, ...]  # every checkpoint prefix in the folder, relative to it


def _state_file_prefix(folder: Path) -> str | None:
    state = folder / "checkpoint"
    if not state.is_file():
        return None
    match = re.search(r'^model_checkpoint_path: "(.*)"$', state.read_text(errors="replace"), re.MULTILINE)
    return match.group(1) if match else None


def _checkpoints_in(folder: Path, target: str) -> tuple[str, ...]:
    if (folder / "saved_model.pb").is_file() or (folder / "saved_model.pbtxt").is_file():
        return ("variables/variables",)
    names = sorted(p.name[: -len(".index")] for p in folder.glob("*.index"))
    if names:
        return tuple(names)
    # A V1 (pre-0.12) checkpoint is one file, named by the target or by the state file.
    if (folder / target).is_file():
        return (target,)
    listed = _state_file_prefix(folder)
    return (os.path.basename(listed),) if listed else ()


def _read_manifest() -> list[Row]:
    with open(ROOT / "manifest.tsv", newline="") as f:
        records = list(csv.DictReader(f, delimiter="\t"))
    rows = []
    for r in records:
        folder = ROOT / "corpus" / r["id"]
        rows.append(Row(r["id"], r["kind"], r["target"], _checkpoints_in(folder, r["target"])))
    return rows


ROWS = _read_manifest()

# -- the known bugs of issue 10 (strict xfails: they fail the day the bug is fixed): none left ---

# SavedModels whose object graph (a string tensor) ends in NUL bytes.
NUL_STRING_FOLDERS = {
    "tfx-tft-sm", "tfx-tft2-sm", "java-py-sm", "java-c356-sm",
    "ex-effdet-hub", "ex-sm-v2-mini", "rl-a2c-sm-2020", "robots-tfagents-sm",
}  # fmt: skip


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


def folder_params(known: dict[str, str] | None = None, rows: list[Row] | None = None) -> list:
    """One case per manifest row, xfail where ``known`` names the row's bug."""
    known = known or {}
    return [
        pytest.param(row, id=row.id, marks=[_xfail(known[row.id])] if row.id in known else [])
        for row in (ROWS if rows is None else rows)
    ]


def checkpoint_params(known: dict[str, str], rows: list[Row] | None = None) -> list:
    """One case per checkpoint of every folder: ``folder/prefix``."""
    params = []
    for row in ROWS if rows is None else rows:
        for name in row.checkpoints:
            case = f"{row.id}/{name}"
            marks = [_xfail(known[case])] if case in known else []
            if row.id in known:
                marks = [_xfail(known[row.id])]
            params.append(pytest.param(row, name, id=case, marks=marks))
    return params


# -- fixtures and TensorFlow's side -----------------------------------------------------------


def _make_writable(root: Path) -> None:
    """shared/ is read-only and copytree keeps modes: let pytest clean the copy up."""
    for directory, _dirs, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """A copy of the whole corpus (47 MB), made once per session; modification times kept."""
    copy = tmp_path_factory.mktemp("realworld") / "corpus"
    shutil.copytree(ROOT / "corpus", copy, symlinks=True)
    _make_writable(copy)
    return copy


def tf_prefix(tf, target: Path) -> Path:
    """The checkpoint TensorFlow reads for what a user points at."""
    if target.is_dir():
        if (target / "saved_model.pb").is_file() or (target / "saved_model.pbtxt").is_file():
            return target / "variables" / "variables"
        latest = tf.train.latest_checkpoint(str(target))
        if latest:
            return Path(latest)
        # The state file names an absolute path on the writer's machine (the TF1 Saver wrote
        # them): TF looks there; ckpt-gui takes the checkpoint of that name inside the folder
        # the user opened (documented in discovery.py), which TF reads when named directly.
        state = tf.train.get_checkpoint_state(str(target))
        assert state is not None, f"{target}: no state file and no checkpoint"
        return target / os.path.basename(state.model_checkpoint_path)
    if target.name.endswith(".index"):
        return target.with_name(target.name[: -len(".index")])
    return target


def tf_listing(tf, prefix: Path) -> list[tuple[str, str, list[int]]]:
    """(key, dtype, shape) in ``tf.train.list_variables`` order."""
    listed = tf.train.list_variables(str(prefix))
    reader = tf.train.load_checkpoint(str(prefix))
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    assert [k for k, _ in listed] == sorted(shapes), "list_variables and the reader's map disagree"
    for key, shape in listed:
        assert list(shape) == shapes[key], key
    return [(key, dtypes[key].name, list(shapes[key])) for key, _ in listed]


def tf_read(tf, reader, key: str):
    """``(value, None)`` or ``(None, the OpError)`` where TF cannot read the value."""
    try:
        return reader.get_tensor(key), None
    except tf.errors.OpError as exc:
        return None, exc


def missing_file_in(tf_error) -> str:
    """The file a TF 'No such file or directory' error names (``<path>; No such file...``)."""
    message = str(tf_error).strip()
    assert "No such file or directory" in message, f"TensorFlow failed for another reason: {message}"
    return message.split(";", 1)[0].strip()


def strings_of(value) -> list[bytes]:
    """A TF string value (bare bytes for a scalar, else an object array) as a list."""
    if isinstance(value, bytes):
        return [value]
    return list(np.asarray(value, dtype=object).reshape(-1))


def assert_bit_for_bit(mine, theirs, key: str) -> None:
    """Same shape and dtype, and the same bytes (NaN payloads and -0.0 count); strings are
    compared as exact ``bytes`` objects, trailing NUL bytes included."""
    theirs_arr = np.asarray(theirs, dtype=object) if isinstance(theirs, bytes) else np.asarray(theirs)
    assert mine.shape == theirs_arr.shape, f"{key}: shape {mine.shape} != {theirs_arr.shape}"
    if theirs_arr.dtype == object:
        assert mine.dtype == object, f"{key}: expected strings, got {mine.dtype}"
        got = list(mine.reshape(-1))
        assert all(type(x) is bytes for x in got), f"{key}: elements are not bytes"
        assert got == strings_of(theirs), f"{key}: string values differ"
        return
    assert mine.dtype.name == theirs_arr.dtype.name, f"{key}: dtype {mine.dtype} != {theirs_arr.dtype}"
    assert np.ascontiguousarray(mine).tobytes() == np.ascontiguousarray(theirs_arr).tobytes(), f"{key}: values differ"


def assert_one_line_error(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith("ckpt-gui: warning:")]
    assert len(lines) == 1, f"expected one error line, got: {text!r}"
    assert lines[0].startswith("ckpt-gui: error: "), lines[0]
    return lines[0]


def inspect_json(path: Path) -> dict:
    result = run_cli("inspect", str(path), "--json")
    assert result.returncode == 0, f"inspect {path} exited {result.returncode}: {result.stderr.strip()}"
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def assert_report_lists(report: dict, expected: list[tuple[str, str, list[int]]]) -> None:
    got = [(v["key"], v["dtype"], v["shape"]) for v in report["variables"]]
    assert [k for k, _d, _s in got] == [k for k, _d, _s in expected], "keys or their order differ"
    assert got == expected, "dtypes or shapes differ"


# -- the checkpoint a path opens ---------------------------------------------------------------


@pytest.mark.parametrize("row", folder_params())
def test_target_opens_what_tensorflow_opens(corpus, tf, row):
    folder = corpus / row.id
    target = Path(os.path.normpath(folder / row.target))
    expected = tf_prefix(tf, target)

    ckpt = Checkpoint.open(target)
    latest = ckpt.location.latest
    assert Path(latest.prefix) == expected, "not the checkpoint TensorFlow reads"
    # Every save of the folder (ckpt.checkpoints is the shown one's series: two Savers'
    # model.ckpt and train_model.ckpt are two series, review 20 G8).
    assert {Path(ref.prefix) for ref in ckpt.location.checkpoints} == {folder / name for name in row.checkpoints}
    assert set(ckpt.checkpoints) <= set(ckpt.location.checkpoints) and ckpt.ref in ckpt.checkpoints
    if ckpt.prefix != latest.prefix:
        # Documented: when TF's latest checkpoint lacks data files, the newest complete one
        # is shown instead, and a warning says so.
        assert not latest.complete, f"{ckpt.prefix} shown instead of the complete {latest.prefix}"
        assert any(latest.name in w and "incomplete" in w for w in ckpt.location.warnings), ckpt.location.warnings

    report = inspect_json(target)
    assert report["prefix"] == ckpt.prefix
    assert [c["prefix"] for c in report["checkpoints"]] == [ref.prefix for ref in ckpt.checkpoints]
    assert [c["selected"] for c in report["checkpoints"]].count(True) == 1
    assert_report_lists(report, tf_listing(tf, Path(report["prefix"])))


# -- every checkpoint of every folder: keys, order, dtypes, shapes, values ----------------------


@pytest.mark.parametrize(("row", "name"), checkpoint_params({}))
def test_keys_dtypes_shapes_match_tensorflow(corpus, tf, row, name):
    prefix = corpus / row.id / name
    expected = tf_listing(tf, prefix)
    ckpt = Checkpoint.open(prefix)
    assert Path(ckpt.prefix) == prefix
    got = [(v.key, v.dtype.name, list(v.shape)) for v in ckpt.variables]
    assert [k for k, _d, _s in got] == [k for k, _d, _s in expected], "keys or their order differ"
    assert got == expected, "dtypes or shapes differ"


@pytest.mark.parametrize(("row", "name"), checkpoint_params({}))
def test_every_value_matches_tensorflow_bit_for_bit(corpus, tf, row, name, record_property):
    prefix = corpus / row.id / name
    reader = tf.train.load_checkpoint(str(prefix))
    ckpt = Checkpoint.open(prefix)
    compared = refused = 0
    for key in sorted(reader.get_variable_to_shape_map()):
        theirs, tf_error = tf_read(tf, reader, key)
        if tf_error is not None:
            # TF cannot read it (a data shard was not in the repository): ckpt-gui must
            # fail too, with its one-line error naming the same missing file.
            missing = missing_file_in(tf_error)
            with pytest.raises(CheckpointError) as raised:
                ckpt.read(key)
            message = str(raised.value)
            assert "\n" not in message, message
            assert missing in message and "missing" in message, f"{key}: TF: {tf_error}; ckpt-gui: {message}"
            refused += 1
            continue
        assert_bit_for_bit(ckpt.read(key), theirs, key)
        compared += 1
    record_property("tensors_compared", compared)
    record_property("tensors_refused_by_both", refused)
    assert compared + refused == len(ckpt.variables)


# -- the CLI, as a user runs it ------------------------------------------------------------------


MULTI = [row for row in ROWS if len(row.checkpoints) > 1]


@pytest.mark.parametrize(("row", "name"), checkpoint_params({}, MULTI))
def test_cli_inspect_lists_what_tensorflow_lists(corpus, tf, row, name):
    """Every checkpoint of a folder that holds several, named by its prefix (the one a
    folder opens is checked by test_target_opens_what_tensorflow_opens). Where the data
    shard holding a TF2 object graph is missing, TensorFlow still lists the keys: so does
    inspect, saying which file is missing, with exit code 1 (listed, no object paths)."""
    prefix = corpus / row.id / name
    result = run_cli("inspect", str(prefix), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert report["prefix"] == str(prefix)
    assert_report_lists(report, tf_listing(tf, prefix))
    reader = tf.train.load_checkpoint(str(prefix))
    graph_error = None
    if OBJECT_GRAPH_KEY in reader.get_variable_to_shape_map():
        _graph, graph_error = tf_read(tf, reader, OBJECT_GRAPH_KEY)
    if graph_error is None:
        assert result.returncode == 0, result.stderr
        return
    missing = missing_file_in(graph_error)
    assert result.returncode == 1, f"exit {result.returncode}: {result.stderr}"
    assert any(missing in w and "missing" in w for w in report["warnings"]), report["warnings"]
    assert all(v["object_paths"] == [] for v in report["variables"])
    assert any(missing in line and line.startswith("ckpt-gui: warning:") for line in result.stderr.splitlines())


def _keys_to_export(tf, reader) -> list[str]:
    """A few keys: the first string tensor (the object graph when there is one), the largest
    numeric tensor and the first numeric one."""
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    keys = sorted(shapes)
    strings = [k for k in keys if dtypes[k] == tf.string]
    numeric = [k for k in keys if dtypes[k].is_numpy_compatible and dtypes[k] != tf.string]
    chosen = []
    if strings:
        chosen.append(OBJECT_GRAPH_KEY if OBJECT_GRAPH_KEY in strings else strings[0])
    if numeric:
        chosen.append(max(numeric, key=lambda k: (int(np.prod(shapes[k])), k)))
        chosen.append(numeric[0])
    return list(dict.fromkeys(chosen))


def _assert_read_back(loaded: np.ndarray, theirs, key: str) -> None:
    theirs_arr = np.asarray(theirs, dtype=object) if isinstance(theirs, bytes) else np.asarray(theirs)
    assert loaded.shape == theirs_arr.shape, f"{key}: shape {loaded.shape} != {theirs_arr.shape}"
    if theirs_arr.dtype == object:
        assert [bytes(x) for x in loaded.reshape(-1)] == strings_of(theirs), f"{key}: exported strings differ"
        return
    if theirs_arr.dtype.kind == "V":  # bfloat16, float8, int4: .npy has none; widened exactly
        theirs_arr = theirs_arr.astype(loaded.dtype)
    assert loaded.dtype.name == theirs_arr.dtype.name, f"{key}: dtype {loaded.dtype} != {theirs_arr.dtype}"
    assert loaded.tobytes() == np.ascontiguousarray(theirs_arr).tobytes(), f"{key}: exported values differ"


@pytest.mark.parametrize(("row", "name"), checkpoint_params({}))
def test_export_reads_back_as_tensorflow_reads(corpus, tf, tmp_path, row, name):
    prefix = corpus / row.id / name
    target = Path(os.path.normpath(corpus / row.id / row.target))
    # Export through the path a user opens when it leads to this checkpoint (which one it
    # opens is test_target_opens_what_tensorflow_opens's business).
    try:
        path = target if Path(Checkpoint.open(target).prefix) == prefix else prefix
    except CheckpointError:
        path = prefix
    reader = tf.train.load_checkpoint(str(prefix))
    keys = _keys_to_export(tf, reader)
    assert keys
    nul_strings_exported = 0
    for i, key in enumerate(keys):
        theirs, tf_error = tf_read(tf, reader, key)
        output = tmp_path / f"{i}.npy"
        result = run_cli("export", str(path), key, "-o", str(output))
        assert "Traceback" not in result.stderr, result.stderr
        if tf_error is not None:
            # Both refuse, for the same reason: the data file is missing.
            assert result.returncode == 2, f"{key}: exported although TF cannot read it: {result.stdout}"
            line = assert_one_line_error(result.stderr)
            assert missing_file_in(tf_error) in line and "missing" in line, line
            assert not output.exists()
            break  # the other keys live in the same missing file
        is_string = isinstance(theirs, bytes) or np.asarray(theirs).dtype == object
        trailing_nul = is_string and any(s.endswith(b"\0") for s in strings_of(theirs))
        if trailing_nul and result.returncode == 2:
            assert_one_line_error(result.stderr)  # .npy cannot hold it: refusing with the reason is right
            continue
        assert result.returncode == 0, f"{key}: {result.stderr.strip()}"
        written = Path(result.stdout.strip().splitlines()[-1])
        if trailing_nul:  # .npy would strip the NULs: export writes .npz (data + lengths) instead
            assert written == output.with_suffix(".npz"), written
            _assert_read_back(read_strings(str(written)), theirs, key)
            nul_strings_exported += 1
        else:
            assert written == output
            _assert_read_back(np.load(written, allow_pickle=False), theirs, key)
    if row.id in NUL_STRING_FOLDERS:  # SavedModels: their one checkpoint holds the object graph
        assert nul_strings_exported, "the object graph ending in NUL bytes was not exported exactly"


# -- the picker's order --------------------------------------------------------------------------


def _scramble_times(folder: Path, order: list[str]) -> None:
    """Give the files of ``order``'s checkpoints times in the reverse order, as a copy or a
    git checkout may: the newest checkpoint gets the oldest files."""
    base = 1_600_000_000
    for rank, name in enumerate(reversed(order)):
        for path in folder.iterdir():
            if path.name.startswith(name + "."):
                os.utime(path, (base + rank * 1000, base + rank * 1000))


def _out_of_order(got: list[str], listed: list[str], steps: dict[str, int | None]) -> list[str]:
    """Pairs that break 'by the state file, then by step' (time decides nothing else here)."""
    wrong = []
    for i, a in enumerate(got):
        for b in got[i + 1 :]:
            if a in listed and b in listed:
                if listed.index(a) > listed.index(b):
                    wrong.append(f"{a} before {b} (state file order)")
            elif steps[a] is not None and steps[b] is not None and steps[a] > steps[b]:
                wrong.append(f"{a} before {b} (steps)")
    return wrong


def _step(name: str) -> int | None:
    match = re.search(r"(\d+)(?:\.ckpt)?$", name)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("row", folder_params({}, MULTI))
def test_picker_order_is_state_file_then_step(corpus, tf, tmp_path, row):
    folder = tmp_path / row.id
    shutil.copytree(corpus / row.id, folder)
    state = tf.train.get_checkpoint_state(str(folder))
    listed = [os.path.basename(p) for p in (state.all_model_checkpoint_paths if state else [])]
    listed = [name for name in listed if name in row.checkpoints]
    steps = {name: _step(name) for name in row.checkpoints}
    unlisted = sorted((n for n in row.checkpoints if n not in listed), key=lambda n: (steps[n] is None, steps[n] or 0))
    _scramble_times(folder, unlisted + listed)  # the right order in this corpus: no step contradicts the state file

    report = inspect_json(folder)
    got = [os.path.basename(c["prefix"]) for c in report["checkpoints"]]  # the shown one's series
    others = [os.path.basename(c["prefix"]) for c in report.get("other_series", [])]
    assert sorted(got + others) == sorted(row.checkpoints)
    assert not _out_of_order(got, listed, steps), f"picker order {got}"
    assert not _out_of_order(others, listed, steps), f"the other series' order {others}"


# -- where both refuse, they agree on why -------------------------------------------------------

# Files of a SavedModel that ckpt-gui opens the SavedModel for, by design (issue 10), and
# files it maps to their checkpoint (.meta, the state file): TensorFlow's reader refuses them
# by name, so they are no refusal to agree on.
OPENS_ITS_CHECKPOINT = re.compile(
    r"(?:^|/)(?:saved_model\.pb(?:txt)?|keras_metadata\.pb|fingerprint\.pb|checkpoint)$|\.meta$"
)
CHECKPOINT_FILE = re.compile(r"\.index$|\.data-\d{5}-of-\d{5}$")


def _other_files() -> list:
    params = []
    for row in ROWS:
        folder = ROOT / "corpus" / row.id
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if CHECKPOINT_FILE.search(rel) or OPENS_ITS_CHECKPOINT.search(rel) or rel in row.checkpoints:
                continue
            params.append(pytest.param(row, rel, id=f"{row.id}/{rel}"))
    return params


@pytest.mark.parametrize(("row", "rel"), _other_files())
def test_files_that_are_no_checkpoint_are_refused_like_tensorflow(corpus, tf, row, rel):
    path = corpus / row.id / rel
    with pytest.raises(tf.errors.OpError) as tf_refusal:
        tf.train.load_checkpoint(str(path))
    why = str(tf_refusal.value)
    # TF: "Unable to open table file ...: not an sstable (bad magic number)" or "file is too
    # short to be an sstable": the file is not a checkpoint table at all.
    assert "sstable" in why, f"TensorFlow refused {rel} for another reason: {why}"

    with pytest.raises(CheckpointError) as refusal:
        Checkpoint.open(path)
    assert "not a TensorFlow checkpoint" in str(refusal.value) and str(path) in str(refusal.value), refusal.value

    result = run_cli("inspect", str(path), "--json")
    assert result.returncode == 2, result.stdout[:200]
    line = assert_one_line_error(result.stderr)
    assert "not a TensorFlow checkpoint" in line and str(path) in line, line


# -- SavedModels: the files beside saved_model.pb, TF Serving's numbered versions -----------------


def _saved_model_side_files() -> list:
    params = []
    for row in ROWS:
        for path in sorted((ROOT / "corpus" / row.id).rglob("*.pb")):
            if path.name in ("fingerprint.pb", "keras_metadata.pb"):
                rel = path.relative_to(ROOT / "corpus" / row.id).as_posix()
                params.append(pytest.param(row, rel, id=f"{row.id}/{rel}"))
    return params


@pytest.mark.parametrize(("row", "rel"), _saved_model_side_files())
def test_saved_model_side_files_open_their_saved_model(corpus, tf, row, rel):
    path = corpus / row.id / rel
    assert Path(Checkpoint.open(path).prefix) == tf_prefix(tf, path.parent)
    report = inspect_json(path)
    assert_report_lists(report, tf_listing(tf, Path(report["prefix"])))


def test_tf_serving_versions_of_real_saved_models(corpus, tf, tmp_path):
    """Two real SavedModels as TF Serving's model/<version>/: the highest is opened and
    read as TensorFlow reads it, the other is listed."""
    model = tmp_path / "half_plus_two"
    shutil.copytree(corpus / "srv-hp2-cpu-sm", model / "7")
    shutil.copytree(corpus / "srv-hp2-mkl-sm", model / "12")
    report = inspect_json(model)
    expected = model / "12" / "variables" / "variables"
    assert report["prefix"] == str(expected) and report["format"] == "savedmodel"
    assert [(c["step"], c["selected"]) for c in report["checkpoints"]] == [(7, False), (12, True)]
    assert any("showing version 12" in w for w in report["warnings"])
    assert_report_lists(report, tf_listing(tf, expected))
    ckpt = Checkpoint.open(model)
    reader = tf.train.load_checkpoint(str(expected))
    for key in reader.get_variable_to_shape_map():
        assert_bit_for_bit(ckpt.read(key), reader.get_tensor(key), key)
