"""What the user's ``restore(tf.train.latest_checkpoint(dir))`` gets, said by ``diagnose`` and
``inspect`` (review 20): a state file naming checkpoints that do not exist (G1), a newest
save whose data file was cut short (G5). The folders are written by TensorFlow in one child
process for the module (state_file_cases.py), which also says what TensorFlow does with them:
the oracle here."""

from __future__ import annotations

import os

import pytest

from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.open_fallback import open_readable
from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice
from tests.conftest import run_cli
from tests.doctor_cli import diagnose, script
from tests.state_file_cases import MODEL_SCRIPT, write_cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    out = tmp_path_factory.mktemp("state_file_cases")
    return out, write_cases(out)


def same(a, b) -> bool:
    return a is not None and b is not None and os.path.realpath(a) == os.path.realpath(b)


# -- G1: the state file names checkpoints that do not exist ------------------------------------


@pytest.mark.parametrize("name", ["moved", "stale"])
def test_the_choice_says_latest_checkpoint_returns_none_as_tensorflow_does(cases, name):
    out, tensorflow = cases
    folder = str(out / name)
    assert tensorflow["latest"][name] is None  # TensorFlow's own answer for this folder
    assert tensorflow["restored_from_none"][name] is False  # and restore(None) restored nothing
    location = locate(folder)
    assert location.tensorflow_latest == tensorflow["latest"][name]
    choice = checkpoint_choice(folder, location)
    assert choice.latest_checkpoint is None and choice.latest_is_none
    warning = choice.warning()
    assert warning.startswith("tf.train.latest_checkpoint(dir) returns None here: the 'checkpoint' file names ")
    assert "restore(None) restores nothing" in warning and "pass its prefix" in warning
    # The same folder named by one of its checkpoints: the user passes the prefix, nothing to warn.
    prefix = location.selected.prefix
    assert checkpoint_choice(prefix, locate(prefix)).warning() is None
    # A whole folder: TensorFlow finds its latest, no warning.
    whole = str(out / "whole")
    assert same(locate(whole).tensorflow_latest, tensorflow["latest"]["whole"])
    assert checkpoint_choice(whole, locate(whole)).warning() is None


def test_diagnose_of_a_moved_folder_is_not_ok_and_names_the_missing_path(tmp_path, cases):
    out, tensorflow = cases
    model = script(tmp_path, MODEL_SCRIPT)
    named = os.path.join(tensorflow["elsewhere"], tensorflow["saved"][-1])
    code, report = diagnose(out / "moved", model)
    # The checkpoint on disk restores fully, but the user's script restores nothing: not ok.
    assert report["error"] is None and report["summary"]["missing"] == 0 and report["summary"]["consumed"] > 0
    assert code == 1 and report["ok"] is False
    choice = report["checkpoint_choice"]
    assert choice["latest_checkpoint"] == tensorflow["latest"]["moved"]
    assert os.path.basename(choice["used"]) == tensorflow["saved"][-1]
    warning = report["notes"][0]
    assert warning.startswith(f"tf.train.latest_checkpoint(dir) returns None here: the 'checkpoint' file names {named}")
    assert f"this folder's {tensorflow['saved'][-1]} has its name" in warning
    result = run_cli("diagnose", str(out / "moved"), "--model", str(model), timeout=300)
    assert result.returncode == 1, result.stderr
    assert "WARNING: tf.train.latest_checkpoint(dir) returns None here" in result.stdout
    assert f"result: everything the model needs was restored from {tensorflow['saved'][-1]}, but" in result.stdout


def test_diagnose_of_a_stale_state_file_is_not_ok(tmp_path, cases):
    out, tensorflow = cases
    code, report = diagnose(out / "stale", script(tmp_path, MODEL_SCRIPT))
    assert code == 1 and report["ok"] is False and report["error"] is None
    assert report["checkpoint_choice"]["latest_checkpoint"] == tensorflow["latest"]["stale"]
    newest = tensorflow["saved"][-1]
    assert report["notes"][0].startswith("tf.train.latest_checkpoint(dir) returns None here: the 'checkpoint' file")
    assert "names ckpt-9, which does not exist" in report["notes"][0] and f"Diagnosed {newest}" in report["notes"][0]


def test_inspect_warns_of_absolute_paths_that_do_not_exist_and_marks_no_latest(cases):
    out, tensorflow = cases
    result = run_cli("inspect", str(out / "moved"))
    assert result.returncode == 0, result.stderr
    named = os.path.join(tensorflow["elsewhere"], tensorflow["saved"][-1])
    warning = next(line for line in result.stderr.splitlines() if named in line)
    assert "which do not exist" in warning and "tf.train.latest_checkpoint(folder) returns None" in warning
    newest = next(line for line in result.stdout.splitlines() if line.strip().startswith(tensorflow["saved"][-1]))
    assert newest.endswith("<- shown, newest on disk") and "latest" not in newest
    stale = run_cli("inspect", str(out / "stale"))
    assert "ckpt-9.index does not exist: tf.train.latest_checkpoint(folder) returns None" in stale.stderr
    whole = run_cli("inspect", str(out / "whole"))  # TensorFlow finds its latest: marked so, no warning
    assert whole.stderr == "" and whole.stdout.count("<- shown, latest") == 1
    assert os.path.basename(tensorflow["latest"]["whole"]) in next(
        line for line in whole.stdout.splitlines() if "<- shown, latest" in line
    )


# -- G5: the newest save's data file cut short ------------------------------------------------


def test_a_truncated_newest_save_is_incomplete_and_the_newest_complete_one_is_opened(cases):
    out, tensorflow = cases
    newest, previous = tensorflow["saved"][-1], tensorflow["saved"][-2]
    assert os.path.basename(tensorflow["latest"]["trunc"]) == newest  # TensorFlow still picks it...
    assert tensorflow["trunc_restore_error"] is not None  # ...and restoring it fails
    assert tensorflow["previous_restores"] is True  # while the one before restores
    data = f"{newest}.data-00000-of-00001"
    # How long the data file must be: the file TensorFlow wrote, whole in the folder it was copied from.
    needed, size = os.path.getsize(out / "whole" / data), os.path.getsize(out / "trunc" / data)
    ckpt = open_readable(str(out / "trunc"))
    assert ckpt.ref.name == previous and ckpt.ref.complete
    latest = ckpt.location.latest
    assert latest.name == newest and not latest.complete and latest.data_absent == "truncated"
    assert latest.truncated_files == ((str(out / "trunc" / data), size, needed),)
    said = f"{newest} is incomplete ({data} is truncated: {size:,} of {needed:,} bytes): showing {previous}"
    assert any(w.startswith(said) for w in ckpt.warnings), ckpt.warnings
    # Named by its prefix: that one, marked.
    named = open_readable(str(out / "trunc" / newest))
    assert named.ref.name == newest and named.ref.data_absent == "truncated"
    result = run_cli("inspect", str(out / "trunc"))
    assert result.returncode == 0 and said in result.stderr, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith(newest))
    assert line.endswith("<- incomplete: data truncated, latest"), line


def test_diagnose_of_a_folder_whose_newest_save_is_truncated_diagnoses_the_one_before(tmp_path, cases):
    out, tensorflow = cases
    newest, previous = tensorflow["saved"][-1], tensorflow["saved"][-2]
    code, report = diagnose(out / "trunc", script(tmp_path, MODEL_SCRIPT))
    assert report["error"] is None and os.path.basename(report["checkpoint"]) == previous
    assert report["summary"]["missing"] == 0 and report["summary"]["consumed"] > 0
    assert code == 1 and report["ok"] is False  # the user's latest_checkpoint() restore fails
    choice = report["checkpoint_choice"]
    assert same(choice["latest_checkpoint"], tensorflow["latest"]["trunc"]) and choice["latest_complete"] is False
    assert f"the latest, {newest}, which tf.train.latest_checkpoint returns, is incomplete: " in choice["reason"]
    assert "is truncated" in choice["reason"]
    assert report["notes"][0].startswith(f"diagnosed {previous}, not {newest}: tf.train.latest_checkpoint()")
