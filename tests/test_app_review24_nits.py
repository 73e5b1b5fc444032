"""Review 24's nits: Compare with... from a repaired checkpoint proposed the checkpoint
itself ("comparing it with itself shows every variable the same"); the repair's record
beside it names the source, the obvious B. Review 25: the picker's list stayed open over
the comparison its "Compare with this" started."""

from __future__ import annotations

import json
import shutil

import numpy as np
from PySide6.QtWidgets import QDialog

from ckpt_gui.app.widgets.compare_dialog import CompareDialog
from ckpt_gui.core.format.storage import same_checkpoint
from tests.test_app_compare_review7 import _write
from tests.test_app_ux import open_path


def _repaired(tmp_path, record: str | None) -> tuple[str, str]:
    """A source checkpoint and a copy of it in a folder of its own, as a repair writes
    it, with ``record`` as its repair.json (None: none)."""
    (tmp_path / "source").mkdir()
    source = str(tmp_path / "source" / "ckpt-1")
    _write(source, {"model/dense/kernel": np.arange(12, dtype=np.float32).reshape(3, 4)})
    shutil.copytree(tmp_path / "source", tmp_path / "repaired")
    (tmp_path / "repaired" / "checkpoint").unlink(missing_ok=True)
    if record is not None:
        (tmp_path / "repaired" / "repair.json").write_text(record)
    return source, str(tmp_path / "repaired" / "ckpt-1")


def _proposed(qtbot, window, monkeypatch, shown: str) -> tuple[str, str] | None:
    open_path(qtbot, window, shown)
    orders = []

    def look(dialog) -> int:
        orders.append(dialog.order())
        roles.append(dialog.roles())
        return QDialog.DialogCode.Rejected

    roles = _proposed.roles = []

    monkeypatch.setattr(CompareDialog, "exec", look)
    window.compare.choose()
    (order,) = orders
    return order


def test_compare_with_from_a_repaired_checkpoint_proposes_its_source(qtbot, window, tmp_path, monkeypatch):
    source, repaired = _repaired(tmp_path, None)
    (tmp_path / "repaired" / "repair.json").write_text(json.dumps({"schema": 1, "source": source, "plan": {}}))
    order = _proposed(qtbot, window, monkeypatch, repaired)
    assert order is not None and any(same_checkpoint(side, source) for side in order), order
    assert any(same_checkpoint(side, repaired) for side in order), order
    # The source before the repaired one (review 26 #14: the repaired one was A, with no word).
    assert same_checkpoint(order[0], source) and same_checkpoint(order[1], repaired), order
    assert _proposed.roles == [("before", "after")]


def test_a_record_that_cannot_be_read_proposes_as_before(qtbot, window, tmp_path, monkeypatch):
    for record in ("{not json", json.dumps(["source"]), json.dumps({"source": str(tmp_path / "gone" / "ckpt-1")})):
        _source, repaired = _repaired(tmp_path, record)
        order = _proposed(qtbot, window, monkeypatch, repaired)
        assert order is None or not any("source" in side for side in order), (record, order)
        monkeypatch.undo()
        shutil.rmtree(tmp_path / "source")
        shutil.rmtree(tmp_path / "repaired")


def test_the_pickers_list_closes_once_an_action_of_its_menu_is_taken(qtbot, window, monkeypatch):
    """A right click in the open list shows a checkpoint's menu; once "Compare with this"
    (or Open) is taken the list closes: it compared the label with a text it no longer
    had ("&Compare with this (older = A, before)") and stayed open over the comparison."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from ckpt_gui.app.widgets.picker import COMPARE_WITH_THIS
    from tests.test_app_ux import demo_path

    open_path(qtbot, window, demo_path())
    picker = window.picker
    older = len(picker.refs) - 1

    class Taken:  # the row's menu, its "Compare with this" taken (QMenu.exec would block)
        def __init__(self, row) -> None:
            self.row = row

        def exec(self, *_args):
            return self

        def text(self) -> str:  # the action taken: its label
            return COMPARE_WITH_THIS

    monkeypatch.setattr(picker, "menu_for", Taken)
    hidden = []
    monkeypatch.setattr(picker, "hidePopup", lambda: hidden.append(True))
    view = picker.view()
    monkeypatch.setattr(view, "indexAt", lambda _point: picker.model().index(older, 0))  # the list not shown
    where = QPointF(5, 5)
    press = QMouseEvent(QEvent.Type.MouseButtonPress, where, where, Qt.MouseButton.RightButton,
                        Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    picker._right_clicks.eventFilter(view.viewport(), press)
    assert hidden == [True]
