"""The comparison's standing warning, "B's object graph cannot be read ...: pairs matched
by key", stays while the comparison is shown (review 19, after rev19 stacked errors under
their owners): an error below it goes with the banner's close button and the warning stays
(it had gone with it, for good); the comparison's own error no longer takes its place; the
warning closed alone goes, and the pair's Details still say it ("Paired by")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.test_app_desktop import WAIT_MS
from tests.test_app_review19 import (
    cut_short,  # noqa: F401 (a fixture)
    fail_an_export,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STANDING = "pairs matched by key"


def _close(qtbot, banner) -> None:
    qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)


def test_closing_an_error_leaves_the_key_pairing_warning(qtbot, cut_short, tmp_path, monkeypatch):  # noqa: F811
    window = cut_short
    banner = window.banner
    standing = banner.text
    assert STANDING in standing and banner.kind == "warning"
    fail_an_export(window, tmp_path, monkeypatch)
    assert "the disk is full" in banner.text and banner.kind == "error"
    _close(qtbot, banner)
    assert banner.isVisible() and banner.text == standing and banner.kind == "warning"


def test_the_comparisons_own_error_does_not_take_the_warnings_place(qtbot, cut_short):  # noqa: F811
    window = cut_short
    banner = window.banner
    standing = banner.text
    window.compare.runner.error.emit("Looking for moved variables stopped: the disk went away", "")
    assert standing in banner.text and "the disk went away" in banner.text
    _close(qtbot, banner)
    assert banner.text == standing


def test_the_warning_closed_alone_goes_and_details_still_say_it(qtbot, cut_short, tmp_path, monkeypatch):  # noqa: F811
    window = cut_short
    banner = window.banner
    _close(qtbot, banner)
    assert not banner.isVisible()
    fail_an_export(window, tmp_path, monkeypatch)  # a later message does not bring it back
    assert STANDING not in banner.text
    diff = window.compare.diff
    pair = next(p for p in diff.pairs if p.a is not None and p.b is not None and not p.a.is_object_graph)
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: any(w.text() == "Paired by" for w in window.pair_panel.findChildren(QLabel)),
                    timeout=WAIT_MS)  # fmt: skip
    texts = [w.text().replace("\u200b", "") for w in window.pair_panel.findChildren(QLabel)]
    note = next(t for t in texts if t.startswith("key "))
    assert f"key {pair.key} in both files" in note and "object graph cannot be read" in note, note


def test_closing_the_comparison_takes_the_warning_with_it(qtbot, cut_short):  # noqa: F811
    window = cut_short
    window.compare.close()
    assert STANDING not in window.banner.text
