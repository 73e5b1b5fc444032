"""Review 6 (a new user in a real window), browsing: the restored window's size, which
tree columns give way first, Escape from anywhere in a workflow's panel, and polish."""

from __future__ import annotations

import struct

from PySide6.QtCore import QByteArray, QRect, Qt

# The screen width Qt writes into saveGeometry(): after the magic (4 bytes), the version
# (2 + 2), the frame and normal geometry (16 + 16), the screen number (4) and the
# maximised and full-screen flags (1 + 1).
SCREEN_WIDTH_AT = 46
# Tall enough that the first run's tabs grow to what Details shows (not capped at half).
WINDOW_SIZE = (1024, 1100)


def test_a_window_saved_on_a_much_smaller_screen_reopens_at_least_at_the_apps_least_size(qtbot, tmp_path, monkeypatch):
    """Quit at 1022x614 on a 1024x640 screen, reopen on 2560x1440: Qt refuses a geometry
    saved on a screen that much narrower and left the window at its default 780x519,
    the filter box cut to "Filter var..." and the variable count cut (review 6)."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    first = MainWindow(scan_on_open=False)
    qtbot.addWidget(first)
    first.resize(1022, 614)
    settings.save_layout(first, first.splits.by_name())
    first.close()
    # As saved on a screen a third as wide as this one: Qt's restoreGeometry refuses it.
    saved = bytearray(bytes(settings.settings().value("geometry")))
    width = first.screen().geometry().width()
    saved[SCREEN_WIDTH_AT : SCREEN_WIDTH_AT + 4] = struct.pack(">i", width // 3)
    settings.settings().setValue("geometry", QByteArray(bytes(saved)))
    large = QRect(0, 0, 2560, 1440)
    monkeypatch.setattr(settings, "_screen_area", lambda _window: large)

    again = MainWindow(scan_on_open=False)
    qtbot.addWidget(again)
    assert not again.restoreGeometry(settings.settings().value("geometry"))  # Qt's refusal, as on X11
    size = again.size()
    assert size.width() >= settings.LEAST_RESTORED.width(), size
    assert size.height() >= settings.LEAST_RESTORED.height(), size
    assert size.width() <= large.width() and size.height() <= large.height(), size


def test_a_restored_window_is_never_below_the_least_size_its_screen_allows(qtbot, tmp_path, monkeypatch):
    """A window quit smaller than the app is made for comes back at that least size; on a
    screen smaller than it, the screen's whole size (fit_to_screen maximises)."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    window = MainWindow(scan_on_open=False)
    qtbot.addWidget(window)
    monkeypatch.setattr(settings, "_screen_area", lambda _window: QRect(0, 0, 2560, 1440))
    window.resize(window.minimumSizeHint())
    settings.fit_to_screen(window)
    assert window.size().expandedTo(settings.LEAST_RESTORED) == window.size(), window.size()
    small = QRect(0, 0, 1000, 600)
    monkeypatch.setattr(settings, "_screen_area", lambda _window: small)
    window.resize(window.minimumSizeHint())
    settings.fit_to_screen(window)
    assert window.size().boundedTo(small.size()) == window.size(), window.size()


def open_in(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)


def test_the_trees_columns_give_way_in_the_readmes_order_elements_bytes_then_dtype(qtbot, window, checkpoints):
    """Short names (a bare Variable_2 and its Adam slots): DType was hidden while
    Elements and Bytes stayed (review 6), the README says Elements then Bytes give way
    first. At every width, what is hidden is a first part of that order."""
    from ckpt_gui.app.models.tree_model import BYTES, DTYPE, ELEMENTS

    window.resize(1600, 900)
    open_in(qtbot, window, checkpoints / "bare")
    panel = window.tree_panel
    panel.view.expandAll()
    order = [ELEMENTS, BYTES, DTYPE]
    seen = set()
    total = sum(window.main_splitter.sizes())
    for width in range(panel.minimumWidth(), total // 2, 10):
        window.main_splitter.setSizes([width, total - width])
        qtbot.wait(1)  # the splitter's layout
        panel.fit_columns()
        hidden = [c for c in order if panel.view.isColumnHidden(c)]
        assert hidden == order[: len(hidden)], (width, hidden)
        seen.add(len(hidden))
    assert len(seen) > 1, seen  # the sweep went through widths where columns give way, and where none does


def escape_on(qtbot, widget) -> None:
    from PySide6.QtWidgets import QApplication

    widget.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window())
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_Escape)


def test_escape_clears_the_filter_from_anywhere_in_the_tree_panel(qtbot, scanning_window):
    """Review 6: with focus on "NaN/Inf only", Escape did nothing (it cleared the filter
    from the field or the tree only)."""
    from ckpt_gui.resources import demo_path

    window = scanning_window
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    qtbot.waitUntil(panel.nan_box.isEnabled, timeout=60_000)  # once the NaN/Inf scan is done
    panel.search.setText("kernel")
    escape_on(qtbot, panel.nan_box)
    assert panel.search.text() == ""
    panel.search.setText("kernel")
    escape_on(qtbot, panel.dtype_box)
    assert panel.search.text() == ""


def test_escape_clears_the_comparisons_filter_from_the_flat_list_box(qtbot, window):
    """Review 6: with focus on compare's "Flat list" box, Escape did nothing."""
    from ckpt_gui.resources import demo_path

    open_in(qtbot, window, demo_path())
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(demo_path())
    trees = window.compare_trees
    trees.search.setText("kernel")
    escape_on(qtbot, trees.by_change)
    assert trees.search.text() == ""


def test_the_path_bar_names_every_format_without_doubled_brackets(qtbot, window):
    """Review 6: "(Keras 3 model archive (.keras))" in the path bar."""
    from types import SimpleNamespace

    from ckpt_gui.app.window_title import FORMAT_NAMES

    for format_id, name in FORMAT_NAMES.items():
        ref = SimpleNamespace(name="model.keras", prefix="/data/run/model.keras")  # a real one always has its ref
        location = SimpleNamespace(kind="keras", checkpoints=[ref], selected=ref)
        ckpt = SimpleNamespace(
            prefix=ref.prefix, format=format_id, checkpoints=[ref], ref=ref, keras=None, location=location
        )
        window._show_checkpoint_name(ckpt)
        text = window.path_label.toolTip() or window.path_label.text()
        assert name in text, (format_id, text)
        assert "((" not in text and "))" not in text, text


def test_the_graph_tab_shows_a_version_stored_as_bytes_decoded_and_no_unknown_git_version():
    """Review 6: "TensorFlow 0.12.1 (b'unknown')" (TensorFlow 0.12 under Python 3 stored
    str() of its bytes)."""
    from types import SimpleNamespace

    from ckpt_gui.core.views.graph_view import written_by_text

    def written(version, git):
        return written_by_text(SimpleNamespace(tensorflow_version=version, tensorflow_git_version=git))

    assert written("0.12.1", "b'unknown'") == "TensorFlow 0.12.1"
    assert written("b'0.12.1'", 'b"v0.12.0-10-g4d924e7-dirty"') == "TensorFlow 0.12.1 (v0.12.0-10-g4d924e7-dirty)"
    assert written("2.21.0", "v2.21.0-rc1-5") == "TensorFlow 2.21.0 (v2.21.0-rc1-5)"
    assert written("1.15.0", "unknown") == "TensorFlow 1.15.0"
    assert written("", "") == "TensorFlow (the file does not say which version)"


KERNEL = "optimizer/_trainable_variables/2/.ATTRIBUTES/VARIABLE_VALUE"  # the demo's conv2 kernel


def ctrl_c_on(qtbot, view) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.clipboard().setText("")
    view.window().activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_c_says_what_it_copied_as_the_row_menus_copy_does(qtbot, window):
    """Review 6: Copy value said "Copied ...", Ctrl+C said nothing."""
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.resources import demo_path

    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    assert panel.select_key(KERNEL)
    ctrl_c_on(qtbot, panel.view)
    assert QApplication.clipboard().text() == KERNEL
    shown = panel.tree.by_key[KERNEL].variable.display_path
    qtbot.waitUntil(lambda: window.status_message() == f"Copied the key of {shown} to the clipboard")


def test_ctrl_c_in_a_comparison_says_what_it_copied(qtbot, window):
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.resources import demo_path

    open_in(qtbot, window, demo_path())
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(demo_path())
    trees = window.compare_trees
    pair = next(p for p in trees.model.tree.diff.pairs if p.a is not None and p.b is not None)
    assert trees.select_pair(pair)
    ctrl_c_on(qtbot, trees.view_b)
    assert QApplication.clipboard().text() == pair.b.key
    path = trees.model.tree.path_of(pair)
    qtbot.waitUntil(lambda: window.status_message() == f"Copied B's key of {path} to the clipboard")


def test_a_state_file_listing_three_missing_checkpoints_says_its_folder_once(checkpoints, tmp_path):
    """Review 6: ckpt-2..4 missing, the banner said the whole path 6 times over 3 lines."""
    import os
    import shutil

    from ckpt_gui.core.format.discovery import locate

    folder = tmp_path / "run"
    shutil.copytree(checkpoints / "keras_seq", folder)
    names = sorted({n.split(".")[0] for n in os.listdir(folder) if n.endswith(".index")})
    gone, kept = names[:-1], names[-1]
    assert len(gone) >= 2, names
    for name in os.listdir(folder):
        if name.split(".")[0] in gone:
            os.remove(folder / name)
    location = locate(str(folder))
    assert [ref.name for ref in location.checkpoints] == [kept]
    said = [w for w in location.warnings if "does not exist" in w or "do not exist" in w]
    assert len(said) == 1, location.warnings
    assert said[0].count(str(folder)) == 1, said[0]
    assert all(name in said[0] for name in gone), said[0]


def test_the_script_picker_opens_in_the_demos_examples_when_the_demo_is_shown(qtbot, window, monkeypatch):
    """Review 6: the picker opened in demo/, which holds no .py file; its scripts are in
    examples/ beside it."""
    import os

    from ckpt_gui.app.controllers import doctor
    from ckpt_gui.diagnosis.runner import Diagnoser
    from ckpt_gui.resources import demo_path, examples_path

    monkeypatch.setattr(Diagnoser, "warm_up", lambda *_args, **_kwargs: None)  # no TensorFlow child for this
    started = []
    monkeypatch.setattr(
        doctor.QFileDialog, "getOpenFileName", lambda _p, _t, start, _f: started.append(start) or ("", "")
    )
    open_in(qtbot, window, demo_path())
    window.doctor.choose_script()
    assert started == [examples_path()]
    assert any(name.endswith(".py") for name in os.listdir(started[0]))


def test_the_line_between_details_and_the_plots_stays_from_one_selection_to_the_next(qtbot, window):
    """Review 6: on a first run the tabs grew to each variable's Details, the line
    above the plots moving 17 px from a 1-D selection (4/beta) to a 2-D one (7/_kernel:
    its object path on one more line). They grow to the first variable's only."""
    from ckpt_gui.resources import demo_path

    open_in(qtbot, window, demo_path())
    # A first run's split from a short Details (as the first frame's in a real window;
    # offscreen, the checkpoint's own facts had grown the tabs to their most already).
    window.details.show_message("")
    window.splits.first_run(window.width(), window.height())
    panel = window.tree_panel
    by_path = {n.variable.display_path: k for k, n in panel.tree.by_key.items() if n.variable is not None}
    lines = []
    # The taller Details second (offscreen, beta's: its 16 values are shown).
    for path in ("model/_functional/_operations/7/_kernel", "model/_functional/_operations/4/beta"):
        assert panel.select_key(by_path[path])
        qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
        qtbot.waitUntil(lambda p=path: window.details.title.text() == p)
        qtbot.wait(50)  # the layouts' requests the new Details made
        lines.append(window.right_splitter.sizes()[0])
    assert lines[0] == lines[1], lines


def test_a_wide_trees_name_column_is_what_its_names_need_the_rest_left_blank(qtbot, window):
    """Review 6: at 2560 px the name column stretched to ~1,190 px, DType and Shape far
    from the names; then the last column (Bytes) stretched, its numbers far right (issue
    11): every column at its width, the rest of the width left blank after the last."""
    from ckpt_gui.app.models.tree_model import NAME
    from ckpt_gui.app.widgets.column_widths import CELL_SLACK, NAME_ROOM
    from ckpt_gui.app.widgets.tree_columns import COLUMN_LIMITS
    from ckpt_gui.resources import demo_path

    window.resize(2560, 1100)
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    total = sum(window.main_splitter.sizes())
    window.main_splitter.setSizes([total // 2, total - total // 2])
    qtbot.waitUntil(lambda: panel.view.viewport().width() > 1000)
    panel.view.expandAll()
    panel.fit_columns()
    view, header = panel.view, panel.view.header()
    needed = max(view.sizeHintForColumn(NAME), header.sectionSizeHint(NAME))
    most = needed + NAME_ROOM + CELL_SLACK  # the names measured as painted: a few pixels more than Qt's hint
    assert needed <= view.columnWidth(NAME) <= most, (view.columnWidth(NAME), needed)
    shown = [c for c in range(header.count()) if not view.isColumnHidden(c)]
    assert all(view.columnWidth(c) <= COLUMN_LIMITS[c] for c in shown if c != NAME)  # none stretched
    assert sum(view.columnWidth(c) for c in shown) < view.viewport().width() // 2  # the rest blank
    # Narrow again: the name stretches (the columns beside it give way first), as before.
    window.main_splitter.setSizes([panel.minimumWidth(), total - panel.minimumWidth()])
    qtbot.waitUntil(lambda: view.viewport().width() < 400)
    panel.fit_columns()
    assert header.sectionResizeMode(NAME) == header.ResizeMode.Stretch
    assert sum(view.columnWidth(c) for c in shown if not view.isColumnHidden(c)) <= view.viewport().width() + 2


def test_a_restored_window_on_a_screen_its_least_size_fills_leaves_room_for_a_title_bar(qtbot, tmp_path, monkeypatch):
    """Held at 1024x640 on a 1024x640 screen before the window manager framed it, the
    status bar would sit below the screen under the title bar."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    window = MainWindow(scan_on_open=False)
    qtbot.addWidget(window)
    screen = QRect(0, 0, 1024, 640)
    monkeypatch.setattr(settings, "_screen_area", lambda _window: screen)
    window.resize(900, 560)
    settings.fit_to_screen(window)
    assert window.width() == 1024 and window.height() < 640, window.size()
