"""Review 16: the doctor's table at 1024x640 (10 pt) cut an optimizer slot's path in its
leaf, "…/2/_kernel/m…tum" (s002's checkpoint, Adam's slots, a script with no optimizer:
every slot unmatched). Such a path shows its own shortest form whole there; narrower, its
layer's number and its leaf stay whole and the part between them gives way at its end,
keeping what tells it from the other rows; the tooltip has the path whole. Offscreen, no TensorFlow."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTreeWidget

from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends
from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from tests.conftest import painted_texts
from tests.test_app_desktop import open_demo
from tests.test_app_layout import _show_report


@pytest.fixture(params=[9, 10], ids=["9pt", "10pt"])
def doctor(request, qtbot, qapp, window):
    """The window at 1024x640 in a desktop's font: 9 pt (Qt's own under openbox, where
    the review saw "m…tum"), 10 pt (a desktop's; test_app_doctor_columns)."""
    font = qapp.font()
    qapp.setFont(QFont(font.family(), request.param))
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 640), timeout=2000)
    yield window
    qapp.setFont(font)


OPS = "model/_functional/_operations/"
SLOTS = [f"{OPS}{n}/{w}/{s}" for n in (1, 2) for w in ("_kernel", "bias") for s in ("momentum", "velocity")]
NAMES = [OPS + "1/_kernel", OPS + "1/bias", OPS + "2/_kernel", "save_counter", "optimizer/_iterations", *SLOTS]


def _cuts(room: int) -> dict[str, str]:
    delegate = DistinctElided(QTreeWidget())
    delegate.ends = distinct_ends(NAMES)
    metrics = QTreeWidget().fontMetrics()
    return {name: delegate.cut(name, metrics, room) for name in NAMES}


@pytest.mark.parametrize("slot", ["momentum", "velocity"])
def test_a_cut_slot_path_keeps_its_layer_number_and_its_leaf(qtbot, slot):
    metrics = QTreeWidget().fontMetrics()
    kernel = f"{OPS}1/_kernel/{slot}"
    # Three characters of the middle (and 2 px: the parts are measured apart, the whole rounds otherwise).
    narrowest = metrics.horizontalAdvance(f"\u2026/1/_ke\u2026/{slot}") + 2
    widest = metrics.horizontalAdvance(f"\u2026/1/_kernel/{slot}") - 1  # its own form does not fit
    assert narrowest < widest
    for room in range(narrowest, widest):
        cuts = _cuts(room)
        for n in (1, 2):
            shown = cuts[f"{OPS}{n}/_kernel/{slot}"]
            # "…/1/_ker…/momentum", or wider "…1/_kernel/momentum" (its path's start cut: _leaf_kept)
            assert f"{n}/_ke" in shown and shown.endswith(f"/{slot}"), (room, shown)
            assert metrics.horizontalAdvance(shown) <= room, (room, shown)
        slots = [cuts[name] for name in SLOTS if metrics.horizontalAdvance(name) > room]
        assert len(set(slots)) == len(slots), (room, slots)  # every row still its own
    # Never the middle gone whole at its separators where another row would read the same:
    # "…/1/…/momentum" would be the kernel's slot and the bias's.
    assert _cuts(metrics.horizontalAdvance(f"\u2026/1/\u2026/{slot}"))[kernel] != f"\u2026/1/\u2026/{slot}"


def _advice(was: tuple, now: tuple) -> str:
    """The doctor's advice on a layer built narrower, at its length (it sets what the suggestion column asks for)."""
    return (f"the checkpoint has {list(was)}, the model {list(now)} (the layer went from {was[-1]} to {now[-1]} "
            "units): build this layer with its old size, or leave it out of the restore (status.expect_partial()) "
            "and train it anew; or a repair plan copies the overlapping block (copy-overlap)")  # fmt: skip


def _slot_report(window) -> RestoreReport:
    """What the doctor says of s002's ckpt-4 with a script that builds no optimizer (and
    Dense 32 where 64 was saved): the conflicts, then every slot unmatched."""
    shapes = {OPS + "1/_kernel": ((784, 64), (784, 32)), OPS + "1/bias": ((64,), (32,)),
              OPS + "2/_kernel": ((64, 10), (32, 10))}  # fmt: skip
    findings = [
        RestoreFinding(RestoreStatus.SHAPE_CONFLICT, f"{path}/.ATTRIBUTES/VARIABLE_VALUE", path, was, now,
                       "float32", "float32", optimizer=False, suggestions=(_advice(was, now),))
        for path, (was, now) in shapes.items()
    ]  # fmt: skip
    findings += [
        RestoreFinding(RestoreStatus.UNMATCHED, f"{path}/.ATTRIBUTES/VARIABLE_VALUE", None, (), None, dtype, None,
                       optimizer=path.startswith("optimizer"), checkpoint_path=path)
        for path, dtype in (("save_counter", "int64"), ("optimizer/_iterations", "int64"),
                            ("optimizer/_learning_rate", "float32"))
    ]  # fmt: skip
    findings += [
        RestoreFinding(RestoreStatus.UNMATCHED, f"optimizer/_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE", None, (10,),
                       None, "float32", None, optimizer=True, checkpoint_path=path)
        for i, path in enumerate(SLOTS, start=2)
    ]  # fmt: skip
    summary = {status: 0 for status in RestoreStatus} | {RestoreStatus.SHAPE_CONFLICT: 3, RestoreStatus.UNMATCHED: 11}
    return RestoreReport(window.browse.ckpt.prefix, "/home/user/s002_noopt.py", False, None, summary,
                         tuple(findings), ("optimizer state unmatched (8 values): expected for an inference restore",),
                         TensorFlowVerdict(), "/usr/bin/python3", "2.21.0", 4.3)  # fmt: skip


def test_the_doctors_table_shows_each_slot_path_whole_enough_to_read(qtbot, doctor):
    _show_report(qtbot, doctor, _slot_report(doctor))
    panel = doctor.report_panel
    table = panel.problems
    shown = painted_texts(table, VARIABLE_COLUMN, 10)
    rows = [table.topLevelItem(i) for i in range(table.topLevelItemCount())]
    for row, text in zip(rows, shown, strict=True):
        name = row.text(VARIABLE_COLUMN)
        if name in SLOTS:
            layer, _weight, slot = name.removeprefix(OPS).split("/")
            assert text.endswith("/" + slot) and f"/{layer}/" in text, (name, text)  # never "m…tum"
        assert row.toolTip(VARIABLE_COLUMN).splitlines()[0] == name  # the path whole in its tooltip
    assert len(set(shown)) == len(shown), shown


def test_a_slot_path_keeps_its_middle_where_another_slot_of_the_layer_differs_there(qtbot):
    """Review 18: with one bias slot among the rows ("…/bias/momentum"), layer 1's kernel
    slot read "…/1/…/momentum", unlike every other row yet unclear whose slot it is (the
    bias's is layer 1's momentum too): its middle is cut at its end, "_kernel" (or its
    start) kept, rather than dropped."""
    slots = [
        f"{OPS}{n}/{w}/{s}"
        for n, w, s in (
            (1, "_kernel", "momentum"),
            (1, "_kernel", "velocity"),
            (1, "bias", "momentum"),
            (2, "_kernel", "momentum"),
        )
    ]
    names = [OPS + "1/_kernel", OPS + "1/bias", OPS + "2/_kernel", *slots]
    delegate = DistinctElided(QTreeWidget())
    delegate.ends = distinct_ends(names)
    metrics = QTreeWidget().fontMetrics()
    kernel = OPS + "1/_kernel/momentum"
    room = metrics.horizontalAdvance("\u2026/1/_ke\u2026/momentum") + 2
    shown = delegate.cut(kernel, metrics, room)
    assert "_ke" in shown and shown.endswith("/momentum"), shown
    assert "\u2026/1/\u2026/momentum" not in [delegate.cut(kernel, metrics, w) for w in range(room, room + 40)]
