"""Review 21 #1: a failed repair's red "The repair could not run: ..." stayed above every
checkpoint opened later (F5 onto the folder's latest, another pick, another folder). A
workflow's message goes when what it describes is gone: a later successful open of
another checkpoint; the same checkpoint shown again (F5 while its source is still there)
keeps it. A failed export's message has the same lifetime, and goes with a later export
written; a comparison's with the comparison. Offscreen, on copies of the bundled demo
(ckpt-100, ckpt-200, ckpt-300, written by TensorFlow)."""

from __future__ import annotations

import os
import shutil

import pytest

from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS
from tests.test_app_repair import show_save_counter_plan
from tests.test_app_review19 import fail_an_export

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COULD_NOT_RUN = "The repair could not run"
WINDOW_SIZE = (1024, 640)  # the review's screen


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def _fail_a_repair(qtbot, window, demo, tmp_path) -> str:
    """ckpt-100 shown, its repair written while its data file is gone: the repair's error."""
    _open(qtbot, window, demo / "ckpt-100")
    ckpt = window.browse.ckpt
    dialog = show_save_counter_plan(window, ckpt, tmp_path)
    os.remove(demo / "ckpt-100.data-00000-of-00001")  # as a CheckpointManager deletes it
    window.repair.write(str(tmp_path / "repaired"))
    qtbot.waitUntil(lambda: not window.repair.runner.busy, timeout=WAIT_MS)
    text = window.banner.text
    assert COULD_NOT_RUN in text and "ckpt-100.data-00000-of-00001" in text, text
    dialog.close()
    return text


def test_a_failed_repairs_error_goes_when_f5_opens_the_folders_latest(qtbot, window, demo, tmp_path):
    _fail_a_repair(qtbot, window, demo, tmp_path)
    os.remove(demo / "ckpt-100.index")  # the source gone: F5 opens the folder's latest
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.reload()
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert os.path.basename(window.browse.ckpt.prefix) == "ckpt-300"
    assert COULD_NOT_RUN not in window.banner.text, window.banner.text


def test_a_failed_repairs_error_goes_with_another_pick_and_another_folder(qtbot, window, demo, tmp_path):
    _fail_a_repair(qtbot, window, demo, tmp_path)
    ref = next(r for r in window.browse.ckpt.checkpoints if r.name == "ckpt-200")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(ref)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert COULD_NOT_RUN not in window.banner.text, window.banner.text
    # Said again (a second failure), then another folder opened: gone too.
    window.repair._failed("the disk went away", "")
    assert COULD_NOT_RUN in window.banner.text
    other = tmp_path / "other"
    shutil.copytree(demo_path(), other)
    _open(qtbot, window, other)
    assert COULD_NOT_RUN not in window.banner.text, window.banner.text


def test_a_failed_repairs_error_stays_while_its_source_is_shown_again(qtbot, window, demo, tmp_path, monkeypatch):
    # The data file back (it was the cause): F5 shows the same checkpoint, the message
    # still describes the repair that was tried, and a failed open keeps it too.
    _open(qtbot, window, demo / "ckpt-100")
    window.repair.set_checkpoint(window.browse.ckpt)
    said = f"{COULD_NOT_RUN}: the disk is full"
    window.repair._dialog()
    window.repair._failed("the disk is full", "")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.reload()
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert said in window.banner.text
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(tmp_path / "no-such-folder"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert said in window.banner.text and "no-such-folder" in window.banner.text


def _fail_an_export(window, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(window.browse, "ask_save_path", lambda *_a, **_k: str(tmp_path / "x.npy"))

    def fails(*_args, **_kwargs):
        raise CheckpointError(str(tmp_path / "x.npy"), "the disk is full")

    monkeypatch.setattr("ckpt_gui.app.controllers.browse.export_npy", fails)
    window.browse.export_tensor()
    assert "the disk is full" in window.banner.text


def _select_a_variable(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.browse.current is not None and window.browse.current.variable is not None,
                    timeout=WAIT_MS)  # fmt: skip


def test_a_failed_exports_error_goes_with_another_checkpoint_or_an_export_written(
    qtbot, window, demo, tmp_path, monkeypatch
):
    _open(qtbot, window, demo / "ckpt-300")
    _select_a_variable(qtbot, window)
    _fail_an_export(window, tmp_path, monkeypatch)
    ref = next(r for r in window.browse.ckpt.checkpoints if r.name == "ckpt-200")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(ref)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert "the disk is full" not in window.banner.text, window.banner.text
    _select_a_variable(qtbot, window)
    _fail_an_export(window, tmp_path, monkeypatch)
    monkeypatch.undo()
    written = tmp_path / "written.npy"
    monkeypatch.setattr(window.browse, "ask_save_path", lambda *_a, **_k: str(written))
    window.browse.export_tensor()
    assert written.exists()
    assert "the disk is full" not in window.banner.text, window.banner.text


def test_a_comparisons_failed_export_goes_with_the_comparison(qtbot, window, demo, tmp_path, monkeypatch):
    _open(qtbot, window, demo / "ckpt-300")
    with qtbot.waitSignal(window.compare.done, timeout=WAIT_MS):
        window.compare.compare_with(str(demo / "ckpt-100"))
    fail_an_export(window, tmp_path, monkeypatch)
    assert "the disk is full" in window.banner.text
    window.compare.close()
    assert "the disk is full" not in window.banner.text, window.banner.text


# -- #12: F5 after a failed attempt keeps Bytes, shows no empty Restore column ----------------


def test_f5_after_a_failed_attempt_shows_bytes_and_no_restore_column(qtbot, window, demo, tmp_path):
    from ckpt_gui.app import settings
    from ckpt_gui.app.models.tree_model import BYTES, RESTORE

    # An interpreter without TensorFlow: the attempt fails at once, with a report saying why.
    settings.settings().setValue("python", "/usr/bin/python3")
    script = tmp_path / "model.py"
    script.write_text("import sys\nsys.exit(3)\n")
    _open(qtbot, window, demo / "ckpt-300")
    view = window.tree_panel.view
    with qtbot.waitSignal(window.doctor.done, timeout=WAIT_MS):
        window.doctor.diagnose(str(script))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.doctor.report is not None and window.doctor.report.error is not None
    assert view.isColumnHidden(RESTORE) and not view.isColumnHidden(BYTES)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.reload()
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert view.isColumnHidden(RESTORE), "an empty Restore column after F5"
    assert not view.isColumnHidden(BYTES) and view.columnWidth(BYTES) > 0


# -- #16: Repair... for a checkpoint deleted from its folder --------------------------------------


def test_repair_is_greyed_and_says_why_for_a_checkpoint_deleted_from_its_folder(qtbot, window, demo):
    from types import SimpleNamespace

    _open(qtbot, window, demo / "ckpt-100")
    ckpt = window.browse.ckpt
    # A finished diagnosis with problems (what Repair needs), for the checkpoint shown.
    report = SimpleNamespace(checkpoint=ckpt.prefix, error=None, ok=False, script="/m.py")
    window.doctor.report = report
    window._enable_diagnosis_actions()
    assert window.repair_action.isEnabled()
    assert "deleted" not in window.report_panel.repair_button.toolTip()
    for name in ("ckpt-100.index", "ckpt-100.data-00000-of-00001"):  # as a CheckpointManager deletes it
        os.remove(demo / name)
    with qtbot.waitSignal(window.browse.folder_watch.listed, timeout=WAIT_MS):
        window.browse.folder_watch.relist()
    assert not window.repair_action.isEnabled()
    assert "ckpt-100 was deleted from its folder" in window.repair_action.toolTip()
    assert not window.report_panel.repair_button.isEnabled()
    # The report's greyed button says why as well, not its generic words (review 22, 11).
    assert "ckpt-100 was deleted from its folder" in window.report_panel.repair_button.toolTip()
    # Asked all the same (before the folder was listed again): said at once, no dialog.
    window.repair.propose(report, ckpt)
    assert "ckpt-100 was deleted from its folder: nothing to repair from" in window.banner.text
    assert window.repair.dialog is None or not window.repair.dialog.isVisible()


def test_a_failed_comparisons_error_goes_with_another_checkpoint_too(qtbot, window, demo, tmp_path):
    # The same lifetime as a failed repair's or export's (it already had it: kept so).
    _open(qtbot, window, demo / "ckpt-300")
    with qtbot.waitSignal(window.compare.failed, timeout=WAIT_MS):
        window.compare.compare_with(str(tmp_path / "no-such-checkpoint"))
    assert "Cannot compare" in window.banner.text
    ref = next(r for r in window.browse.ckpt.checkpoints if r.name == "ckpt-200")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.switch_checkpoint(ref)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert "Cannot compare" not in window.banner.text, window.banner.text
