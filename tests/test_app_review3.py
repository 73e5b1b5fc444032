"""What a third review of the app on a real desktop found (issue 11): messages that
outlived their situation, a saved window that did not fit the screen, a selection
lost to the filter or a closed comparison, shortcuts missing from F1, counts without
separators."""

from __future__ import annotations

import os

from ckpt_gui.app.opening import warnings
from ckpt_gui.core.checkpoint import Checkpoint


def test_a_sibling_chosen_in_the_picker_gets_its_own_banner(scratch_copy):
    """The folder opened on its newest complete checkpoint ("ckpt-4 is incomplete:
    showing ckpt-3"); once another is chosen, that note is outdated, and a checkpoint
    whose data file is missing names that file once (its object graph lives there too)."""
    folder = scratch_copy("keras_seq")
    os.remove(folder / "ckpt-4.data-00000-of-00001")
    os.remove(folder / "ckpt-3.data-00000-of-00001")
    opened = Checkpoint.open(folder)
    shown = f"showing {opened.ref.name},"
    assert any(shown in w for w in warnings(opened))
    refs = {ref.name: ref for ref in opened.location.checkpoints}
    incomplete = warnings(opened.sibling(refs["ckpt-3"]))
    assert not any(shown in w for w in incomplete), incomplete
    assert "\n".join(incomplete).count("ckpt-3.data-00000-of-00001") == 1, incomplete
    assert warnings(opened.sibling(refs["ckpt-2"])) == []  # whole, and the folder's note is not about it


def test_a_saved_window_comes_back_whole_on_a_smaller_screen(qtbot, tmp_path, monkeypatch):
    """Quit at a size and place larger than the screen it reopens on: it opens whole on
    that screen (no edge off it), not cut below what it was (review: 2400x1300 saved,
    780x490 restored on a 1024x640 screen, panels cut)."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    first = MainWindow(scan_on_open=False)
    qtbot.addWidget(first)
    area = first.screen().availableGeometry()
    first.resize(area.width() * 3, area.height() * 2)
    first.move(area.x() + area.width() * 2, area.y() + area.height())
    settings.save_layout(first, first.splits.by_name())
    first.close()

    def shrunk(window, _geometry):  # what Qt's xcb does with a geometry larger than the screen
        window.resize(area.width() * 3 // 4, area.height() * 3 // 4)
        window.move(area.width() // 8, area.height() // 8)
        return True

    monkeypatch.setattr(MainWindow, "restoreGeometry", shrunk)
    again = MainWindow(scan_on_open=False)
    qtbot.addWidget(again)
    again.show()
    # On the screen, and the whole of it but for the frame (offscreen's frame is not
    # accounted for exactly): it was larger than the screen.
    on_screen = area.intersected(again.geometry())
    assert area.contains(again.frameGeometry().topLeft()), (again.frameGeometry(), area)
    assert on_screen.width() > area.width() * 0.9 and on_screen.height() > area.height() * 0.9, (on_screen, area)
    again.close()


def test_a_first_run_on_a_large_screen_takes_a_share_of_it(qtbot, host, monkeypatch):
    from PySide6.QtCore import QRect

    from ckpt_gui.app import settings

    monkeypatch.setattr(settings, "_screen_area", lambda _window: QRect(0, 0, 2560, 1440))
    size = settings.first_size(host)
    assert size.width() > 2560 // 2 and size.height() > 1440 // 2
    assert size.width() <= 2560 and size.height() <= 1440
