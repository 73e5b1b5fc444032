"""Details at 1024x640 in a real window (its title bar taken: 1024x620), the default
font and a dark desktop's 10 pt (review 12, 14; review 13, N1). A variable's CRC32C
verdict was the last fact, under a key and object paths wrapped on two or three lines:
below the fold. What the value is (DType, Shape, Bytes and the CRC32C verdict) now comes
first, where it is stored after. And Details of a variable with NaN, whole at 1024x640 in
the default font, was 20 to 40 px short in the dark theme's 10 pt, its Zeros row below
the fold: rows closer together now. Offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_names_first import EOS, REAL_WINDOW
from tests.test_app_nan_details_room import one_nan, three_kinds
from tests.test_app_review10_browse import open_path
from tests.test_app_review10_nan import select

WINDOW_SIZE = REAL_WINDOW  # the window fixtures' size
DEMO_KERNEL = "optimizer/_trainable_variables/2/.ATTRIBUTES/VARIABLE_VALUE"  # conv2 kernel: two object paths
FIRST = ("DType", "Shape", "Bytes", "CRC32C")  # what the value is, in view without scrolling


def _fact_labels(details) -> dict[str, QLabel]:
    """The facts grid's name labels, by their text."""
    labels = {}
    for row in range(details.facts.rowCount()):
        item = details.facts.itemAtPosition(row, 0)
        if item is not None:
            labels[item.widget().text()] = item.widget()
    return labels


def _in_view(details, label: QLabel) -> bool:
    """``label`` wholly within the Details page's viewport, as it is scrolled now."""
    bottom = label.mapTo(details.viewport(), label.rect().bottomLeft()).y()
    return label.isVisible() and bottom <= details.viewport().height()


def _select(qtbot, window, key: str) -> None:
    assert window.tree_panel.select_key(key), key
    details = window.details
    qtbot.waitUntil(lambda: "CRC32C" in dict(details.facts_shown()) and not window.busy, timeout=WAIT_MS)
    qtbot.wait(100)  # the tabs grown to Details (window_splits)


def _check_first_facts(details) -> None:
    labels = _fact_labels(details)
    order = [label for label, _text in details.facts_shown()]
    assert order[: len(FIRST)] == list(FIRST), order
    assert details.verticalScrollBar().value() == 0
    cut = [name for name in FIRST if not _in_view(details, labels[name])]
    assert not cut, (cut, details.viewport().height(), order)


def test_the_crc_verdict_of_the_demo_kernel_is_in_view(qtbot, font_size, window):  # noqa: F811
    open_demo(qtbot, window)
    _select(qtbot, window, DEMO_KERNEL)
    _check_first_facts(window.details)
    facts = dict(window.details.facts_shown())
    assert facts["CRC32C"] == "verified"
    assert facts["Key"] == DEMO_KERNEL  # the key and the object paths still there, after


@pytest.mark.skipif(not EOS.is_dir(), reason=f"the real-world corpus is not at {EOS} (no ../shared/realworld)")
def test_the_crc_verdict_of_an_eos_kernel_is_in_view(qtbot, font_size, window):  # noqa: F811
    open_path(qtbot, window, Path(EOS) / "ckpt-5")
    _select(qtbot, window, "net/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE")
    _check_first_facts(window.details)


def test_a_crc_fact_told_again_replaces_its_row_in_place(qtbot):
    from ckpt_gui.app.widgets.details_panel import DetailsPanel

    details = DetailsPanel()
    qtbot.addWidget(details)
    details.show()
    details.show_facts("v", [("DType", "float32"), ("Bytes", "16 B"), ("Key", "v")])
    details.add_fact("CRC32C", "verified", after="Bytes")
    details.add_fact("CRC32C", "MISMATCH: the data is corrupt", after="Bytes")
    details.add_fact("Note", "last")  # no ``after``: appended
    crc = ("CRC32C", "MISMATCH: the data is corrupt")
    assert details.facts_shown() == [("DType", "float32"), ("Bytes", "16 B"), crc, ("Key", "v"), ("Note", "last")]


@pytest.mark.parametrize("checkpoint", [one_nan, three_kinds])
def test_details_with_nan_show_whole_in_either_font(qtbot, font_size, scanning_window, tmp_path, checkpoint):  # noqa: F811
    """As test_app_nan_details_room's, in a real window's room and a desktop's font too."""
    window = scanning_window
    path, key = checkpoint(tmp_path)
    open_path(qtbot, window, path)
    qtbot.waitUntil(lambda: "NaN" in window.status_message(), timeout=WAIT_MS)  # the scan's end
    select(qtbot, window, key)
    details = window.details
    qtbot.waitUntil(lambda: details.positions.isVisible() and details.stats.count() > 0, timeout=WAIT_MS)
    qtbot.wait(100)  # the splitter's share after any change of room (window_splits._on_resize)
    zeros = _stat_labels(details)["Zeros"]
    assert _in_view(details, zeros), (font_size, details.viewport().height())  # 13 px under the fold in 10 pt
    assert details.verticalScrollBar().maximum() == 0, (font_size, details.verticalScrollBar().maximum())


def _stat_labels(details) -> dict[str, QLabel]:
    labels = {}
    for row in range(details.stats.rowCount()):
        item = details.stats.itemAtPosition(row, 0)
        if item is not None:
            labels[item.widget().text()] = item.widget()
    return labels


def test_at_1440_the_key_is_one_line_and_the_statistics_take_only_their_room(qtbot, window):
    """The facts take the width the statistics do not need: at 1440x900 the demo kernel's
    key wrapped at its "/." while the statistics, given two fifths of Details, left
    a wide empty band beside their numbers (review 20's nit)."""
    window.resize(1440, 900)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1440, 900), timeout=2000)
    open_demo(qtbot, window)
    _select(qtbot, window, DEMO_KERNEL)
    details = window.details
    qtbot.waitUntil(lambda: details.stats.count() > 0, timeout=WAIT_MS)
    qtbot.wait(100)
    key = details.facts.itemAtPosition(_fact_rows(details)["Key"], 1).widget()
    line = key.fontMetrics().lineSpacing()
    assert key.height() < 2 * line, (key.height(), line, key.width())
    numbers = [details.stats.itemAt(i).widget() for i in range(details.stats.count())]
    widest = max(label.geometry().right() for label in numbers)
    # The statistics' column ends at its widest number (and the page's margin), not a fifth further.
    assert details.widget().width() - widest < 40, (details.widget().width(), widest)


def _fact_rows(details) -> dict[str, int]:
    return {
        details.facts.itemAtPosition(row, 0).widget().text(): row
        for row in range(details.facts.rowCount())
        if details.facts.itemAtPosition(row, 0) is not None
    }
