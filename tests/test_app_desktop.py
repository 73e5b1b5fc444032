"""The app as a new user meets it on a desktop: shortcuts, keys, small screens, dark
themes, context menus, quitting (issue 11). Offscreen; tests/test_app_x11.py drives
a real X11 window where one is available."""

from __future__ import annotations

import os
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

from ckpt_gui.app import job, launch
from ckpt_gui.app.models.tree_model import BYTES, ELEMENTS, SHAPE
from ckpt_gui.app.widgets.tree_matches import EXPAND_MATCHES
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.formatting import format_count
from ckpt_gui.core.values import parallel
from ckpt_gui.resources import demo_path, examples_path
from tests.conftest import _children, wait_drawn
from tests.test_gui import open_and_wait

WAIT_MS = 60_000


def open_demo(qtbot, win: MainWindow) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(demo_path())
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def compare_demo_with_first(qtbot, win: MainWindow) -> MainWindow:
    """The demo's latest checkpoint (A) compared with its first save (B), every pair compared."""
    open_demo(qtbot, win)
    with qtbot.waitSignal(win.compare_done, timeout=WAIT_MS):
        win.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    return win


# -- shortcuts ------------------------------------------------------------------------------


def _scopes(obj, window: QWidget) -> list[tuple[Qt.ShortcutContext, QWidget]]:
    """Where a QAction or QShortcut listens: its context and the widget(s) it hangs on."""
    context = obj.context() if isinstance(obj, QShortcut) else obj.shortcutContext()
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return [(Qt.ShortcutContext.WindowShortcut, window)]
    if isinstance(obj, QShortcut):
        return [(context, obj.parent())]
    return [(context, w) for w in obj.associatedObjects() if isinstance(w, QWidget)]


def _contains(outer: QWidget, inner: QWidget) -> bool:
    while inner is not None:
        if inner is outer:
            return True
        inner = inner.parentWidget()
    return False


def _overlap(a: tuple[Qt.ShortcutContext, QWidget], b: tuple[Qt.ShortcutContext, QWidget]) -> bool:
    """Whether both can be in context at once (then Qt fires neither: "ambiguous")."""
    window, widget = Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.WidgetShortcut
    (context_a, widget_a), (context_b, widget_b) = a, b
    if window in (context_a, context_b):
        return True
    if context_a == widget and context_b == widget:
        return widget_a is widget_b
    if context_a == widget:  # b: widget with children
        return _contains(widget_b, widget_a)
    if context_b == widget:
        return _contains(widget_a, widget_b)
    return _contains(widget_a, widget_b) or _contains(widget_b, widget_a)


def _stands_in_for(obj):
    """The greyed action whose key a QShortcut answers (previous_checkpoint.GreyedPrevious)."""
    return getattr(obj, "stands_in_for", None)


def shortcut_clashes(win: MainWindow) -> list[str]:
    bindings = []
    for obj in win.findChildren(QAction) + win.findChildren(QShortcut):
        sequences = obj.shortcuts() if isinstance(obj, QAction) else obj.keys()
        label = obj.text() if isinstance(obj, QAction) else f"QShortcut on {type(obj.parent()).__name__}"
        for sequence in {s.toString() for s in sequences if not s.isEmpty()}:
            for scope in _scopes(obj, win):
                bindings.append((sequence, label, obj, scope))
    clashes = []
    for i, (seq_a, label_a, obj_a, scope_a) in enumerate(bindings):
        for seq_b, label_b, obj_b, scope_b in bindings[i + 1 :]:
            twins = _stands_in_for(obj_a) is obj_b or _stands_in_for(obj_b) is obj_a  # never both enabled
            if seq_a == seq_b and obj_a is not obj_b and not twins and _overlap(scope_a, scope_b):
                clashes.append(f"{seq_a}: {label_a!r} and {label_b!r}")
    return sorted(set(clashes))


def test_no_two_shortcuts_share_a_key_in_overlapping_contexts(qtbot, window):
    window._make_compare_views()  # built lazily: their shortcuts count too
    assert shortcut_clashes(window) == []
    find = [a for a in window.findChildren(QAction) if a.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)]
    assert len(find) == 1


def test_the_clash_check_sees_the_old_ctrl_f_clash(qtbot, window):
    QShortcut(QKeySequence.StandardKey.Find, window.tree_panel)
    assert any("Find variable" in clash for clash in shortcut_clashes(window))


def test_the_clash_check_covers_qshortcuts_among_themselves(qtbot, window):
    """Escape is bound by a QShortcut only (the window's, clearing the filter shown:
    window_focus.bind_escape): none clash now, and a second one inside a panel would."""
    window._make_compare_views()
    escapes = [s for s in window.findChildren(QShortcut) if s.key() == QKeySequence(Qt.Key.Key_Escape)]
    assert len(escapes) == 1 and shortcut_clashes(window) == []
    QShortcut(QKeySequence(Qt.Key.Key_Escape), window.compare_trees.search).setContext(
        Qt.ShortcutContext.WidgetShortcut
    )
    clashes = shortcut_clashes(window)
    assert len(clashes) == 1 and clashes[0].startswith("Esc: "), clashes
    assert "'QShortcut on MainWindow'" in clashes[0] and "'QShortcut on QLineEdit'" in clashes[0], clashes


def test_escape_clears_the_comparisons_filter(qtbot, window):
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(demo_path())
    trees = window.compare_trees
    trees.search.setText("dense")
    trees.search.setFocus()
    qtbot.keyClick(trees.search, Qt.Key.Key_Escape)
    assert trees.search.text() == ""


def test_ctrl_f_focuses_the_filter(qtbot, window):
    open_demo(qtbot, window)
    window.activateWindow()
    window.tree_panel.view.setFocus()
    qtbot.keyClick(window.tree_panel.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.tree_panel.search.hasFocus(), timeout=2000)


# -- the filter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("focus", ["search", "view"])
def test_escape_clears_the_filter_from_the_field_or_the_tree(qtbot, window, focus):
    open_demo(qtbot, window)
    panel = window.tree_panel
    total = panel.tree.variable_total
    panel.search.setText("kernel")
    panel.apply_filter()
    assert panel.tree.match_count < total
    selected = panel.selected_node()
    widget = getattr(panel, focus)
    window.activateWindow()
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_Escape)
    assert panel.search.text() == ""
    assert panel.tree.match_count == total
    assert panel.count_label.text() == f"{total:,} variables + object graph"
    assert panel.selected_node() is selected


def test_down_in_the_filter_moves_to_the_first_result(qtbot, window):
    """Review: Down in the filter box did not move into the results."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    window.activateWindow()
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "kernel")  # typed: the filter is still waiting (debounced)
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    view = panel.view
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    first = view.currentIndex()  # the first match, not the group above it (review rv-109)
    node = panel.model.node(first)
    assert node.variable is not None and "kernel" in node.search_text
    assert panel.tree.match_count < panel.tree.variable_total
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the tree has the keys now
    assert view.currentIndex() == view.indexBelow(first)


def test_down_in_an_empty_filter_keeps_the_selected_row(qtbot, window):
    """Real-window review: after Escape cleared the filter, Down in the filter box made
    the first row (_CHECKPOINTABLE_OBJECT_GRAPH) current, losing the variable selected."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    window.activateWindow()
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "kernel")
    panel.apply_filter()
    selected = panel.selected_node()
    assert selected is not None and selected.variable is not None
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and panel.selected_node() is selected
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    view = panel.view
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    assert panel.selected_node() is selected
    below = view.indexBelow(view.currentIndex())
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex() == below


def test_groups_count_what_the_filter_shows(qtbot, window):

    open_demo(qtbot, window)
    panel, model = window.tree_panel, window.tree_panel.model
    root_rows = [model.index(row, SHAPE) for row in range(model.rowCount())]
    unfiltered = [index.data() for index in root_rows]
    panel.search.setText("kernel")
    panel.apply_filter()
    group = next(node for node in panel.tree.root.shown if node.variable is None)
    index = model.index_of(group)
    shown = [n for n in group.walk() if n.variable is not None and n.variable.key in _shown_keys(panel.tree.root)]
    assert model.index(index.row(), SHAPE, index.parent()).data() == f"{len(shown)} of {group.variable_count}"
    # the sum of the rows it shows, their optimizer slots included (as the group's Bytes and count)
    elements = sum(n.variable.num_elements for n in shown if n.variable.dtype.is_numeric)
    assert model.index(index.row(), ELEMENTS, index.parent()).data() == format_count(elements)
    assert elements < group.elements
    panel.clear_filter()
    assert [model.index(row, SHAPE).data() for row in range(model.rowCount())] == unfiltered


def _shown_keys(root) -> set[str]:
    keys, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node.variable is not None:
            keys.add(node.variable.key)
        stack.extend(node.shown)
    return keys


# -- small screens ------------------------------------------------------------------------------


def _name_share(view) -> float:
    return view.columnWidth(view.treePosition()) / view.viewport().width()


def test_the_window_fits_1024_by_640_with_names_readable(qtbot, window):
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024)
    view = window.tree_panel.view
    qtbot.waitUntil(lambda: _name_share(view) >= 0.4, timeout=2000)
    window.tree_panel.keys_button.setChecked(True)  # longer names
    qtbot.waitUntil(lambda: _name_share(view) >= 0.4, timeout=2000)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(demo_path())
    assert window.minimumSizeHint().width() <= 1024
    for tree in (window.compare_trees.view_a, window.compare_trees.view_b):
        qtbot.waitUntil(lambda tree=tree: _name_share(tree) >= 0.4, timeout=2000)


def test_columns_beside_the_name_can_be_hidden_from_the_header(qtbot, window):
    window.resize(1440, 900)  # wide enough for every column (a narrow tree's give way on their own)
    open_demo(qtbot, window)
    header = window.tree_panel.view.header()
    assert not window.tree_panel.view.isColumnHidden(BYTES)

    def untick_bytes() -> None:
        menu = next(m for m in header.findChildren(QMenu) if m.isVisible())
        next(a for a in menu.actions() if a.text() == "Bytes").trigger()
        menu.close()

    QTimer.singleShot(100, untick_bytes)
    header.customContextMenuRequested.emit(QPoint(5, 5))
    assert window.tree_panel.view.isColumnHidden(BYTES)


def test_a_narrow_trees_columns_give_way_whole_and_the_users_choice_stands(qtbot, window):
    from ckpt_gui.app.widgets.tree_columns import COLUMN_LIMITS

    window.resize(720, 540)  # 90% of an 800x600 screen: the tree has ~300 px
    open_demo(qtbot, window)
    panel = window.tree_panel
    view, header = panel.view, panel.view.header()
    qtbot.wait(100)
    hidden = [c for c in (ELEMENTS, BYTES) if view.isColumnHidden(c)]
    assert hidden  # rather than every column cut ("float…", "35.5 …")
    for column, most in COLUMN_LIMITS.items():
        if not view.isColumnHidden(column):
            needed = min(max(view.sizeHintForColumn(column), header.sectionSizeHint(column)), most)
            assert view.columnWidth(column) >= needed, (column, view.columnWidth(column), needed)

    def tick(name: str) -> None:
        menu = next(m for m in header.findChildren(QMenu) if m.isVisible())
        next(a for a in menu.actions() if a.text() == name).trigger()
        menu.close()

    name = str(panel.model.headerData(hidden[0], Qt.Orientation.Horizontal))
    QTimer.singleShot(100, lambda: tick(name))
    header.customContextMenuRequested.emit(QPoint(5, 5))
    panel.fit_columns()  # a later fit (a resize, an expansion) leaves the user's column shown
    assert not view.isColumnHidden(hidden[0])


# -- dark themes --------------------------------------------------------------------------------


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour.getRgb()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio (4.5 is enough for body text)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e0e0e0",
        QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e0e0e0", QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e0e0e0", QPalette.ColorRole.Mid: "#3a3a3a",
        QPalette.ColorRole.Dark: "#202020", QPalette.ColorRole.Light: "#505050",
    }  # fmt: skip
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture()
def dark():
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(dark_palette())
    yield dark_palette()
    app.setPalette(before)


def _muted_labels(widget: QWidget) -> list[QLabel]:
    return [label for label in widget.findChildren(QLabel) if label.property("muted") and label.text()]


def _plots_follow(widget: QWidget, palette: QPalette) -> None:
    views = widget.findChildren(pg.GraphicsView)
    assert views
    for view in views:
        assert view.backgroundBrush().color() == palette.color(QPalette.ColorRole.Base)
        axes = [item for item in view.scene().items() if isinstance(item, pg.AxisItem)]
        assert all(axis.textPen().color() == palette.color(QPalette.ColorRole.Text) for axis in axes)


@pytest.mark.parametrize("when", ["before", "after"])
def test_labels_and_plots_follow_a_dark_palette(qtbot, request, when):
    """Set before the window is built (a dark desktop) or after (the user switches)."""
    if when == "before":
        palette = request.getfixturevalue("dark")
    win = request.getfixturevalue("window")
    open_demo(qtbot, win)
    if when == "after":
        palette = request.getfixturevalue("dark")
        qtbot.wait(50)  # Qt posts the palette change events
    wait_drawn(qtbot)  # the plots are made in turns of their own after the selection
    window_colour = palette.color(QPalette.ColorRole.Window)
    labels = _muted_labels(win.details)
    assert len(labels) >= 5  # Key, DType, Shape... and the statistics' names
    for label in labels:
        colour = label.palette().color(QPalette.ColorRole.WindowText)
        assert contrast(colour, window_colour) >= 4.5, (label.text(), colour.name())
    for panel in (win.histogram, win.tensor):
        _plots_follow(panel, palette)
    with qtbot.waitSignal(win.compare_done, timeout=WAIT_MS):
        win.compare.compare_with(demo_path())
    win.compare_trees.select_pair(win.compare_trees.model.tree.leaves[0].pair)
    labels = _muted_labels(win.pair_panel)
    assert labels
    assert all(contrast(lb.palette().color(QPalette.ColorRole.WindowText), window_colour) >= 4.5 for lb in labels)
    _plots_follow(win.pair_panel, palette)


def _indicator_contrast(button, palette: QPalette) -> float:
    """The strongest contrast of the painted indicator (a radio button's circle, a check
    box's square) against the window colour around it."""
    from PySide6.QtWidgets import QStyle, QStyleOptionButton

    button.setPalette(palette)
    button.resize(button.sizeHint())
    image = button.grab().toImage()
    option = QStyleOptionButton()
    option.initFrom(button)
    element = (QStyle.SubElement.SE_RadioButtonIndicator if button.inherits("QRadioButton")
               else QStyle.SubElement.SE_CheckBoxIndicator)  # fmt: skip
    rect = button.style().subElementRect(element, option, button)
    window = palette.color(QPalette.ColorRole.Window)
    scale = image.width() / button.width()
    return max(
        contrast(image.pixelColor(int(x * scale), int(y * scale)), window)
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
    )


@pytest.mark.parametrize("dark_theme", [False, True], ids=["light", "dark"])
def test_radio_buttons_and_check_boxes_stand_out_in_light_and_dark_themes(qtbot, dark_theme):
    # Fusion (a GTK dark theme's style too) outlines them in the window colour made
    # darker: an unchecked radio button was dark grey on dark grey. The app's style
    # (as launch installs it) outlines them with the contrast WCAG asks of controls.
    from PySide6.QtWidgets import QCheckBox, QRadioButton

    from ckpt_gui.app import theme

    app = QApplication.instance()
    assert app.style().name().lower() == "fusion"
    palette = dark_palette() if dark_theme else QPalette(app.palette())
    theme.clear_indicators(app)
    try:
        assert isinstance(app.style(), theme.ClearIndicators)
        for button in (QRadioButton("Checkpoint keys"), QCheckBox("NaN/Inf only")):
            qtbot.addWidget(button)
            assert _indicator_contrast(button, palette) >= theme.CONTROL_CONTRAST, type(button).__name__
    finally:
        app.setStyle("Fusion")


# -- the tree's context menu --------------------------------------------------------------------

KERNEL = "optimizer/_trainable_variables/2/.ATTRIBUTES/VARIABLE_VALUE"  # the demo's conv2 kernel


def plain(text: str) -> str:
    """A menu item's text as it reads, its mnemonic's ``&`` left out (``&&`` is an ``&``)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _menu_action(menu, text: str):
    return next(action for action in menu.actions() if plain(action.text()) == text)


def test_context_menu_copies_what_identifies_a_row(qtbot, window):
    open_demo(qtbot, window)
    clipboard = QApplication.clipboard()
    tree = window.tree_panel.tree
    node = tree.by_key[KERNEL]
    menu = window.browse.row_menu(node)
    assert [plain(a.text()) for a in menu.actions() if a.text()] == [
        "Copy key", "Copy object path", "Copy TF name", "Copy value", "Export as .npy...",
        "Compare this variable with ckpt-200", "Filter to this subtree",
    ]  # fmt: skip
    _menu_action(menu, "Copy key").trigger()
    assert clipboard.text() == KERNEL
    _menu_action(menu, "Copy object path").trigger()
    assert clipboard.text() == node.path == "model/_functional/_operations/3/_kernel"
    _menu_action(menu, "Copy TF name").trigger()
    assert clipboard.text() == "digits/conv2/kernel"
    _menu_action(menu, "Copy value").trigger()  # 1,152 elements: small enough
    value = window.browse.ckpt.read(KERNEL)
    assert np.array_equal(np.array(eval(clipboard.text()), dtype=value.dtype), value)  # noqa: S307 (our own text)
    counter = next(n for n in tree.by_key.values() if n.variable.key.startswith("save_counter"))
    _menu_action(window.browse.row_menu(counter), "Copy value").trigger()
    assert clipboard.text() == repr(window.browse.ckpt.read(counter.variable.key).tolist())


def test_ctrl_c_copies_the_key_not_the_display_name(qtbot, window):
    open_demo(qtbot, window)
    assert window.tree_panel.select_key(KERNEL)
    view = window.tree_panel.view
    window.activateWindow()
    view.setFocus()
    QApplication.clipboard().setText("")
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == KERNEL


def test_filter_to_a_subtree_and_back(qtbot, window):
    open_demo(qtbot, window)
    panel = window.tree_panel
    conv2 = panel.tree.by_key[KERNEL].parent
    _menu_action(window.browse.row_menu(conv2), "Filter to this subtree").trigger()
    under = [n for n in conv2.walk() if n.variable is not None]
    assert panel.tree.match_count == len(under)
    assert panel.subtree_chip.isVisible() and conv2.path in panel.subtree_chip.text()
    assert panel.count_label.text().startswith(f"{len(under)} of ")
    panel.search.setText("bias")  # combines with the text filter
    panel.apply_filter()
    assert panel.tree.match_count == len([n for n in under if "bias" in n.path]) == 3  # with its two slots
    panel.clear_filter()
    assert panel.count_label.text() == f"{panel.tree.variable_total:,} variables + object graph"
    assert not panel.subtree_chip.isVisible()


def test_a_group_filtered_to_is_shown_open(qtbot, window, checkpoints):
    """Review 26 #10: "Filter to this subtree" on an open, selected group of many rows
    showed it closed (the filtered tree's default opening, for more rows than are opened
    all at once): what it holds is what was asked for."""
    open_and_wait(qtbot, window, checkpoints / "many")
    panel = window.tree_panel
    blocks = panel.tree.by_key["model/blocks/499/weight_9/.ATTRIBUTES/VARIABLE_VALUE"].parent.parent
    assert blocks.path == "model/blocks" and blocks.variable_count > EXPAND_MATCHES
    assert panel.select_node(blocks)
    panel.view.expand(panel.model.index_of(blocks))
    panel.filter_to(blocks)
    qtbot.waitUntil(lambda: panel.count_label.text() != "filtering...", timeout=WAIT_MS)
    index = panel.model.index_of(blocks)
    assert panel.view.isExpanded(index) and panel.view.isExpanded(index.parent())
    assert panel.selected_node() is blocks


def test_the_object_graph_row_is_not_under_a_no_match_note(qtbot, window):
    """Review 26 #12: dtype "string" keeps the object graph's row (a string), which is no
    variable: "0 of 35" is right, but "No variables match the filters" sat under it."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    panel.dtype_box.setCurrentText("string")
    rows = [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())]
    assert rows == ["_CHECKPOINTABLE_OBJECT_GRAPH"]
    assert panel.count_label.text().startswith("0 of ") and panel.empty_note.text() == ""
    panel.search.setText("zzz")  # none at all: said
    panel.apply_filter()
    assert panel.model.rowCount() == 0 and panel.empty_note.text().startswith("No variables match 'zzz'")


def test_the_subtree_chip_has_a_line_of_its_own_and_its_path_gives_way_in_the_middle(qtbot, window):
    """Review 25 #7: at 1024x640 the chip shared the view switch's line and read
    "...nder model/blocks/5", its start and its close mark cut. It is on a line of its
    own under the switch, whole when it fits; a path too long for the pane keeps
    "Under", its last names and the close mark (the whole path in its tooltip)."""
    window.resize(1024, 640)
    open_demo(qtbot, window)
    panel = window.tree_panel
    conv2 = panel.tree.by_key[KERNEL].parent
    panel.filter_to(conv2)
    chip, count = panel.subtree_chip, panel.count_label
    qtbot.waitUntil(lambda: chip.isVisible() and chip.shown() == chip.text())  # once laid out: whole, it fits
    assert chip.text() == f"Under {conv2.path}  \u2715"
    assert chip.fontMetrics().horizontalAdvance(chip.shown()) <= chip.width()
    assert chip.mapTo(panel, chip.rect().topLeft()).y() >= count.mapTo(panel, count.rect().bottomLeft()).y()
    assert count.shown() == count.text()  # the count keeps its whole line
    deep = "/".join(f"level_{i}" for i in range(40)) + "/the_last_one"
    chip.set_path(deep)
    shown = chip.shown()
    assert shown.startswith("Under level_0") and shown.endswith("the_last_one  \u2715") and "\u2026" in shown
    assert chip.fontMetrics().horizontalAdvance(shown) <= chip.width() <= panel.width()
    assert deep in chip.toolTip()
    panel.filter_to(None)
    assert not chip.isVisible()


# -- quitting -----------------------------------------------------------------------------------

QUIT_S = 1.0


def test_closing_while_work_runs_returns_at_once_and_leaves_nothing(qtbot, window, checkpoints):
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "large"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    children_before = {pid for pid, _state, _command in _children()}
    window.browse.stats_cache.clear()
    window.doctor.diagnose(os.path.join(examples_path(), "demo_model.py"))  # a child process importing TensorFlow
    # The embedding is shown after opening: select away and back, so its statistics and
    # histogram are worked out again (in one job, which is running when select returns).
    assert window.tree_panel.select_key("model/bias/.ATTRIBUTES/VARIABLE_VALUE")
    assert window.tree_panel.select_key("model/embedding/.ATTRIBUTES/VARIABLE_VALUE")
    assert window.browse.runner.is_running("histogram")

    def children() -> list[int]:
        return [pid for pid, state, _command in _children() if state != "Z" and pid not in children_before]

    assert children()
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < QUIT_S
    assert not window.isVisible()
    qtbot.waitUntil(
        lambda: not (job.unfinished_jobs() or parallel.busy_workers() or children()), timeout=int(QUIT_S * 1000)
    )
    assert QThreadPool.globalInstance().waitForDone(int(QUIT_S * 1000))


def test_the_process_ends_without_waiting_for_cancelled_work(monkeypatch):
    """What ``ckpt-gui`` does once its window is closed: a job still inside a chunk of
    work must not keep the process alive (Python would join the worker threads)."""
    ended = []
    monkeypatch.setattr(os, "_exit", ended.append)
    monkeypatch.setattr(job, "unfinished_jobs", lambda: ["histogram"])
    launch.end_now(0)
    assert ended == [0]  # nor for the interpreter's teardown: test_app_quit.py
