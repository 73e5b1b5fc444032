"""Repair of Keras weights files (issue 13), end to end: Keras 3 or tf_keras writes each
case's source file (tests/repair_keras_cases.py), `ckpt-gui diagnose --plan` proposes
the plan, `ckpt-gui repair` writes OUTDIR/<name>.weights.h5 with the user's model and
verifies it, and then, in a fresh TensorFlow process, the user's own
``model.load_weights(OUT)`` passes and each layer holds, bit for bit, the weights Keras
itself loads from the source into the source's model. The test process never imports
TensorFlow.
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from tests.conftest import run_cli
from tests.repair_flow import (
    case_writer,
    check_repaired,
    keras_source,
    plan_entries,
    repair_writer,
    repaired_cases,
    run_cases,
    written_cases,
)

# Looked up, not imported: importing tf_keras would import TensorFlow into the test process.
pytestmark = pytest.mark.skipif(
    find_spec("tf_keras") is None, reason="the Keras 2 case needs tf_keras (in the test extra)"
)

DOCTOR_MS = 600_000  # a diagnosis or a repair: TensorFlow children on a busy 2-core machine


_source = keras_source


# Started with the session (tests/background.py): the cases written, then repaired.
BACKGROUND_WRITERS = {"cases": case_writer("repair_keras_cases"), "repaired": repair_writer("repair_keras_cases")}


@pytest.fixture(scope="module")
def cases(request) -> Path:
    return written_cases(request)


@pytest.fixture(scope="module")
def repaired(cases, request) -> dict:
    """Every case through the CLI, then the user's load_weights on all of them in one process."""
    return repaired_cases(request)


def _check_repaired(result: dict, overlap: int = 0) -> None:
    """The CLI said verified, and the user's own load_weights agrees."""
    outcome, record = check_repaired(result)
    values = outcome["verification"]["values"]
    results = [check["result"] for check in values]
    assert values and results.count("overlap") == overlap and results.count("equal") == len(values) - overlap
    assert len(values) - overlap == result["plan"]["summary"]["map"] == outcome["summary"]["map"]
    written = Path(outcome["written"])
    assert written.name.endswith(".weights.h5") and written.parent == Path(outcome["output"])
    assert Checkpoint.open(str(written)).format == "keras3-weights"
    assert record["plan"]["mode"] == "keras"
    check = result["check"]
    assert check["loaded"], check.get("error")
    assert check["equal"] and all(check["equal"].values()), check


def test_renamed_layer_of_a_subclassed_model(repaired):
    result = repaired["renamed_layer"]
    assert result["diagnose_code"] == 1  # Keras 3 reads head/vars for 'classifier': nothing there
    entries = plan_entries(result["plan"])
    assert entries["head/vars/0"]["action"] == "map" and entries["head/vars/0"]["target"] == "classifier/vars/0"
    assert entries["encoder/vars/1"]["target"] == "encoder/vars/1"
    _check_repaired(result)


def test_inserted_layer_in_a_sequential_model(repaired):
    result = repaired["inserted_layer"]
    assert result["diagnose_code"] == 1
    plan = result["plan"]
    kernel = plan_entries(plan)["layers/dense_1/vars/0"]
    assert kernel["action"] == "map" and kernel["target"] == "layers/dense_2/vars/0"
    assert {v["target"] for v in plan["initial"]} == {"layers/dense_1/vars/0", "layers/dense_1/vars/1"}
    _check_repaired(result)


def test_widened_layer_with_the_overlapping_block_copied(repaired):
    result = repaired["widened_layer"]
    assert result["diagnose_code"] == 1
    entries = plan_entries(result["plan"])  # as proposed: never a reshape
    assert (
        entries["layers/dense/vars/0"]["action"] == "keep-initial"
        and "shape" in entries["layers/dense/vars/0"]["reason"]
    )
    assert entries["layers/dense_1/vars/1"]["action"] == "map"  # the head's bias fits as it is
    _check_repaired(result, overlap=3)  # both kernels and the widened bias: the old units' values


def test_keras2_save_weights_into_the_same_architecture_in_keras3(repaired):
    result = repaired["keras2_to_keras3"]
    entries = plan_entries(result["plan"])
    kernel = next(e for key, e in entries.items() if key.endswith("kernel:0") and e["source_shape"] == [5, 3])
    assert kernel["action"] == "map" and kernel["target"] == "layer_with_weights-1/kernel"
    # The new file is Keras 3's: the value is where Keras 3 keeps that layer's kernel.
    written = {v["target"]: v["written_key"] for v in result["outcome"]["verification"]["values"]}
    assert written["layer_with_weights-1/kernel"] == "layers/dense_1/vars/0"
    _check_repaired(result)


def test_an_existing_file_is_not_replaced_and_the_source_folder_is_refused(repaired, cases):
    folder = cases / "inserted_layer"
    common = ("repair", str(_source(folder)), "--model", str(folder / "model.py"), "--plan", str(folder / "plan.json"))
    again = run_cli(*common, "-o", str(folder / "repaired"))
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    listed = sorted(p.name for p in (folder / "source").iterdir())
    into_source = run_cli(*common, "-o", str(folder / "source"))
    assert into_source.returncode == 2 and "never writes into a checkpoint's folder" in into_source.stderr
    assert sorted(p.name for p in (folder / "source").iterdir()) == listed


def test_app_repairs_a_keras_weights_file(qtbot, window, repaired, cases, monkeypatch):
    """The app's flow on a Keras file: diagnose, the proposed plan, write, verified; the
    user's own load_weights passes on what the app wrote; writing again asks first."""
    folder = cases / "renamed_layer"
    source = _source(folder)
    with qtbot.waitSignal(window.loaded, timeout=DOCTOR_MS):
        window.browse.open_path(str(source))
    qtbot.waitUntil(lambda: not window.busy, timeout=DOCTOR_MS)
    # No child kept warm (TensorFlow imported) for a next diagnosis: this test runs none.
    window.doctor._diagnoser().keep_warm = False
    with qtbot.waitSignal(window.doctor.done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(str(folder / "model.py"))
    assert done.args[0] is not None and not done.args[0].ok
    window.report_panel.repair_button.click()
    dialog = window.repair.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.edited_plan().to_json()["entries"] == repaired["renamed_layer"]["plan"]["entries"]
    with qtbot.waitSignal(window.repair.runner.busy_changed, timeout=DOCTOR_MS, check_params_cb=lambda b: not b):
        window.repair.write(str(folder / "app_repaired"))
    outcome = window.repair.outcome
    assert outcome is not None and outcome.ok, dialog.result.text()
    assert Path(outcome.written) == folder / "app_repaired" / "net.weights.h5"
    asked = []
    monkeypatch.setattr(window.repair, "confirm_overwrite", lambda path: asked.append(path) or False)
    window.repair.write(str(folder / "app_repaired"))  # the file is there: asked, "No" writes nothing
    assert asked and not window.repair.runner.busy
    check = json.loads(run_cases("repair_keras_cases", "check", str(cases), "app_repaired", "renamed_layer").stdout)
    check = check["renamed_layer"]
    assert check["loaded"] and check["equal"] and all(check["equal"].values()), check


def test_a_plan_that_does_not_fit_and_a_tf_keras_model_are_refused_in_one_line(repaired, cases, tmp_path):
    folder = cases / "renamed_layer"
    plan = json.loads((folder / "plan.json").read_text())
    plan["entries"] = [{**e, "target": "nowhere/vars/0"} if e["source_key"] == "head/vars/0" else e
                       for e in plan["entries"]]  # fmt: skip
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plan))
    misfit = run_cli("repair", str(_source(folder)), "--model", str(folder / "model.py"), "--plan", str(bad),
                     "-o", str(tmp_path / "misfit"), timeout=600)  # fmt: skip
    assert misfit.returncode == 2 and "Traceback" not in misfit.stderr
    assert str(bad) in misfit.stderr and "nowhere/vars/0" in misfit.stderr
    legacy = cases / "keras2_to_keras3"  # its source script builds the model with tf_keras
    refused = run_cli("repair", str(_source(legacy)), "--model", str(legacy / "source_model.py"),
                      "--plan", str(legacy / "plan.json"), "-o", str(tmp_path / "legacy"), timeout=600)  # fmt: skip
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "Keras 3" in refused.stderr
    assert (
        not (tmp_path / "misfit" / "net.weights.h5").exists()
        and not (tmp_path / "legacy" / "legacy.weights.h5").exists()
    )
