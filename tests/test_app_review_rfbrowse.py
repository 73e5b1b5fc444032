"""Findings 5, 16, 18, 25 and 30 of the new user's review (issue 11): the view switch
keeps the selection and the groups opened, the Graph tab's Variables columns, the
Values tab naming its slice, the plot tab named after what it shows, and wording.
Offscreen; each was looked at in a real window too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app_desktop import WAIT_MS, open_demo, plain


def open_path(qtbot, win, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def _in_view(panel) -> bool:
    """Whether the current row shows: every group above it open, inside the viewport."""
    view = panel.view
    index = view.currentIndex()
    parent = index.parent()
    while parent.isValid():
        if not view.isExpanded(parent):
            return False
        parent = parent.parent()
    return index.isValid() and view.viewport().rect().intersects(view.visualRect(index))


def _closed_group(panel):
    """A group of the tree shown that the default expansion left closed."""
    model, view = panel.model, panel.view
    stack = [model.index(row, 0) for row in range(model.rowCount())]
    while stack:
        index = stack.pop()
        node = model.node(index)
        if node.variable is None and model.rowCount(index) and not view.isExpanded(index):
            return node
        stack.extend(model.index(row, 0, index) for row in range(model.rowCount(index)))
    raise AssertionError("every group is open")


def test_switching_views_keeps_the_selection_and_the_groups_opened(qtbot, window):
    """Finding 5: Ctrl+1 / Ctrl+2 kept neither the selection nor the expansion. The
    selected variable stays selected, opened up to and in view, in the other view; the
    groups the user opened in a view are open again when switching back to it."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    assert panel.current_view == "objects"
    # The demo's object view opens fully: the user closes a group.
    closed_objects = next(node for node in panel.tree.root.children if node.variable is None)
    panel.view.collapse(panel.model.index_of(closed_objects))
    variable = panel.tree.by_key["save_counter/.ATTRIBUTES/VARIABLE_VALUE"]  # outside it
    assert panel.select_node(variable)
    key = variable.variable.key

    panel.keys_button.click()
    assert panel.current_view == "keys"
    assert panel._selected_key() == key and _in_view(panel)
    opened_keys = _closed_group(panel)
    panel.view.expand(panel.model.index_of(opened_keys))

    panel.objects_button.click()
    assert panel._selected_key() == key and _in_view(panel)
    assert not panel.view.isExpanded(panel.model.index_of(closed_objects))

    panel.keys_button.click()
    assert panel._selected_key() == key and _in_view(panel)
    assert panel.view.isExpanded(panel.model.index_of(opened_keys))


def test_links_read_in_a_dark_palette_that_leaves_them_blue(qtbot, window):
    """Review 21, #19: the Values tab's NaN/Inf positions are links; a dark palette that
    leaves Link at Qt's blue (or sets a dark one) drew them dark blue on dark grey.
    Made lighter, hue kept, until they read on Window and Base; a light palette's are
    left as they are."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app import theme

    app = QApplication.instance()
    before = QPalette(app.palette())
    role = QPalette.ColorRole
    assert theme.with_readable_links(before) is None  # light: untouched
    dark = _dark_palette_without_placeholder()
    assert theme.contrast(dark.color(role.Link), dark.color(role.Window)) < 2.0  # Qt's blue on dark grey
    label = window.tree_panel.search  # any widget of the window: the application's palette reaches it
    try:
        app.setPalette(dark)
        window_colour = dark.color(role.Window)
        qtbot.waitUntil(lambda: label.palette().color(role.Window) == window_colour)
        qtbot.wait(50)
        shown = label.palette()
        for link in (role.Link, role.LinkVisited):
            for background in (role.Window, role.Base):
                assert theme.contrast(shown.color(link), shown.color(background)) >= theme.READABLE, (link, background)
        assert shown.color(role.Link).hue() == dark.color(role.Link).hue()  # still the link's blue
    finally:
        app.setPalette(before)


def _dark_palette_without_placeholder():
    """/tmp/review2/dark.py's palette, as many dark themes set one: no PlaceholderText."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in (("Window", (53, 53, 53)), ("WindowText", (255, 255, 255)), ("Base", (35, 35, 35)),
                         ("AlternateBase", (53, 53, 53)), ("Text", (255, 255, 255)), ("Button", (53, 53, 53)),
                         ("ButtonText", (255, 255, 255))):  # fmt: skip
        palette.setColor(getattr(role, name), QColor(*colour))
    return palette


def test_the_filter_placeholder_reads_in_a_dark_palette_without_one(qtbot, window):
    """Finding 14: a dark palette leaving PlaceholderText unset kept Qt's light default,
    "Filter variables (Ctrl+F)" dark grey on near-black. It is derived from Text with
    reduced alpha when too close to Base, also after the palette changes at run time; a
    readable one (the light default) is left as it is."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app import theme

    app = QApplication.instance()
    before = QPalette(app.palette())
    search = window.tree_panel.search
    assert theme.placeholder_contrast(search.palette()) >= theme.PLACEHOLDER_CONTRAST  # light: untouched
    light = search.palette().color(QPalette.ColorRole.PlaceholderText)
    dark = _dark_palette_without_placeholder()
    assert theme.placeholder_contrast(dark) < 2.0  # the review's case
    try:
        app.setPalette(dark)
        base = dark.color(QPalette.ColorRole.Base)
        qtbot.waitUntil(lambda: search.palette().color(QPalette.ColorRole.Base) == base)  # the change reached it
        qtbot.wait(50)
        assert theme.placeholder_contrast(search.palette()) >= theme.PLACEHOLDER_CONTRAST
        hint = search.palette().color(QPalette.ColorRole.PlaceholderText)
        text = search.palette().color(QPalette.ColorRole.Text)
        assert hint.rgb() == text.rgb() and 0 < hint.alpha() < 255
    finally:
        app.setPalette(before)
    white = before.color(QPalette.ColorRole.Base)
    qtbot.waitUntil(lambda: search.palette().color(QPalette.ColorRole.Base) == white)
    assert search.palette().color(QPalette.ColorRole.PlaceholderText) == light


CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "corpus"
ESTIMATOR = CORPUS / "tfx-est-2022"  # a TF1 estimator's .meta: long graph names, keys the same


@pytest.mark.skipif(not ESTIMATOR.is_dir(), reason=f"the real-world corpus is not at {ESTIMATOR}")
@pytest.mark.parametrize("size", [(1024, 640), (1280, 800)])
def test_the_graph_variables_table_shows_its_key_column(qtbot, window, size):
    """Finding 16: the graph's Variables table gave the name column all the width, the
    "Checkpoint key" column cut at the right edge behind a scroll bar. dtype and shape
    stay whole, the name and the key share the rest, cut in the middle with the whole
    text in the tooltip; nothing reaches past the table's right edge."""
    from ckpt_gui.app.widgets.distinct_names import DistinctElided
    from ckpt_gui.app.widgets.graph_panel import KEY, NAME

    window.resize(*size)
    open_path(qtbot, window, ESTIMATOR)
    graph = window.graph_panel
    qtbot.waitUntil(lambda: graph.variables.topLevelItemCount() > 0, timeout=WAIT_MS)
    window.info_tabs.setCurrentWidget(graph)
    table = graph.variables
    graph.sections.setCurrentWidget(table)
    qtbot.wait(200)  # the refit after the resize
    header = table.header()
    assert header.length() <= table.viewport().width()  # no column past the edge
    for column in (1, 2):  # dtype, shape: whole
        assert table.columnWidth(column) >= table.sizeHintForColumn(column)
    name, key = table.columnWidth(NAME), table.columnWidth(KEY)
    needed = {c: max(table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in (NAME, KEY)}
    assert not table.isColumnHidden(KEY)
    assert key >= min(needed[KEY], name) - 1 and name >= min(needed[NAME], key) - 1  # neither squeezed for the other
    assert key >= header.sectionSizeHint(KEY) or key >= needed[KEY]  # its title reads
    for column in (NAME, KEY):
        assert isinstance(table.itemDelegateForColumn(column), DistinctElided)  # cut keeping what tells rows apart
    cut = [table.topLevelItem(i) for i in range(table.topLevelItemCount())]
    assert all(item.toolTip(NAME) == item.text(NAME) for item in cut)
    assert all(item.toolTip(KEY) == item.text(KEY) for item in cut if item.text(KEY))


def _select_shape(qtbot, window, ndim: int, least: int = 1):
    """Select the demo's first variable of ``ndim`` axes, each of ``least`` or more; its
    values once shown."""
    panel = window.tree_panel
    node = next(
        n
        for n in panel.tree.by_key.values()
        if n.variable.dtype.is_numeric and len(n.variable.shape) == ndim and min(n.variable.shape) >= least
    )
    assert panel.select_node(node)
    shape = tuple(node.variable.shape)
    qtbot.waitUntil(lambda: window.tensor.value is not None and window.tensor.value.shape == shape, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.tensor.shown is not None, timeout=WAIT_MS)
    return window.tensor


def _table_cells(table) -> list[list[str]]:
    model = table.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def _index_of(caption: str) -> tuple:
    """The numpy index a caption's "slice [0, 2, :, :]" names."""
    inside = caption.split("slice [", 1)[1].split("]", 1)[0]
    return tuple(slice(None) if part.strip() == ":" else int(part) for part in inside.split(","))


def test_the_values_tab_of_an_nd_tensor_names_its_slice(qtbot, window):
    """Finding 18: an 8x16 table of a [3, 3, 8, 16] kernel said nothing of which slice it
    lists. A caption names it ("slice [0, 0, :, :] of [3, 3, 8, 16]") and follows the
    Heatmap tab's index boxes and axis choice; the cells are that slice's values."""
    from ckpt_gui.app.widgets.paged_table import cell_text

    open_demo(qtbot, window)
    tensor = _select_shape(qtbot, window, 4, least=3)  # conv2's kernel [3, 3, 8, 16]
    value, caption = tensor.value, tensor.table.caption
    shape = "[" + ", ".join(str(size) for size in value.shape) + "]"

    def check(expected_index: str) -> None:
        assert caption.isVisibleTo(tensor.table) and caption.text().startswith(f"slice {expected_index} of {shape}")
        wanted = value[_index_of(caption.text())]
        assert _table_cells(tensor.table) == [[cell_text(x) for x in row] for row in wanted]

    check("[0, 0, :, :]")
    tensor.spins[1].setValue(2)
    check("[0, 2, :, :]")
    tensor.rows_box.setCurrentIndex(0)  # rows: axis 0 (the heatmap's axis choice)
    assert "rows axis 0" in caption.text()
    check("[:, 2, 0, :]")
    matrix = _select_shape(qtbot, window, 2)  # a matrix: all of it, nothing to name
    assert not matrix.table.caption.isVisibleTo(matrix.table)


def test_the_picture_tab_is_named_after_what_it_shows(qtbot, window):
    """Finding 25: a vector's line plot sat in a tab named "Heatmap"."""
    from ckpt_gui.app.widgets.tensor_panel import HEATMAP, PLOT

    open_demo(qtbot, window)
    tensor = _select_shape(qtbot, window, 1)
    assert tensor.tabText(tensor.indexOf(tensor.picture)) == PLOT == "Plot"
    tensor = _select_shape(qtbot, window, 2)
    assert tensor.tabText(tensor.indexOf(tensor.picture)) == HEATMAP == "Heatmap"


def test_a_groups_menu_names_its_path_as_a_variables_does(qtbot, window):
    """Finding 30: a group's menu said "Copy path", a variable's "Copy object path". A
    group of the object view copies its object path, named so; one of the key view its
    key prefix."""
    from PySide6.QtGui import QGuiApplication

    open_demo(qtbot, window)
    panel = window.tree_panel
    for view, words in (("objects", "Copy object path"), ("keys", "Copy key prefix")):
        (panel.objects_button if view == "objects" else panel.keys_button).click()
        group = next(node for node in panel.tree.root.children if node.variable is None)
        variable = next(node for node in panel.tree.by_key.values() if node.variable.object_paths)
        texts = {plain(action.text()): action for action in window.browse.row_menu(group).actions() if action.text()}
        assert words in texts and "Copy path" not in texts
        texts[words].trigger()
        assert QGuiApplication.clipboard().text() == group.path
        assert "Copy object path" in [plain(a.text()) for a in window.browse.row_menu(variable).actions()]


def test_save_histogram_proposes_a_name_after_the_variable(qtbot, window, monkeypatch):
    """Finding 30: Save histogram proposed "histogram.png" where Export tensor proposes
    the variable's name."""
    from ckpt_gui.core.export import export_name

    open_demo(qtbot, window)
    node = _select_shape(qtbot, window, 2) and window.tree_panel.selected_node()
    asked = []
    monkeypatch.setattr(window.browse, "ask_save_path", lambda title, name, *rest: asked.append(name))
    window.browse.export_histogram()
    window.browse.export_tensor()
    histogram, tensor = asked
    assert tensor == export_name(node.variable.display_path)
    assert histogram == tensor.removesuffix(".npy") + "_histogram.png"


def test_nan_and_inf_counts_read_the_same_in_the_tree_histogram_and_heatmap(qtbot, scanning_window, tmp_path):
    """Finding 30: "[1 NaN, 2 Inf]" in the tree, "NaN 1, +Inf 1, -Inf 1" under the
    histogram, "1 NaN 2 ±Inf" over the heatmap for one variable: one formatter
    (core/formatting.nonfinite_text) for all three."""
    import re

    import numpy as np

    from ckpt_gui.core.formatting import nonfinite_text
    from tools.bundle_writer import write_bundle

    window = scanning_window
    values = np.arange(50, dtype=np.float32).reshape(10, 5)
    values[3, 2], values[4, 1], values[7, 0] = np.nan, np.inf, -np.inf
    prefix = tmp_path / "nan" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(str(prefix), [("weights", "float32", (10, 5), values.tobytes())])
    open_path(qtbot, window, prefix)
    expected = nonfinite_text(1, 1, 1)
    assert expected == "1 NaN, 1 +Inf, 1 -Inf"
    panel = window.tree_panel
    node = panel.tree.by_key["weights"]
    qtbot.waitUntil(lambda: panel.nonfinite is not None, timeout=WAIT_MS)
    assert panel.model.index_of(node).data().endswith(f"[{expected}]")
    panel.select_node(node)

    def plain(text: str) -> str:
        return re.sub(r"<[^>]+>", "", text).replace("\u25a0", "").replace("&nbsp;", " ").replace("\u2011", "-")

    qtbot.waitUntil(lambda: expected in plain(window.histogram.counts_label.text()), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.tensor.shown is not None, timeout=WAIT_MS)
    assert plain(window.tensor.image_plot.titleLabel.text) == expected


def test_the_about_links_each_read_on_one_line(qtbot, window, monkeypatch):
    """Finding 30: About's Documentation link wrapped inside its URL."""
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QLabel

    from ckpt_gui.app import help_menu

    shown = []
    monkeypatch.setattr(help_menu, "show_dialog", lambda dialog: (shown.append(dialog), dialog.show()))
    help_menu.show_about(window)
    box = shown[0]
    label = box.findChild(QLabel, "qt_msgbox_label")
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setHtml(label.text())
    document.setTextWidth(label.minimumWidth())  # what the box gives its text at least
    document.size()  # laid out
    block, links = document.begin(), 0
    while block.isValid():
        if block.text().split(": ", 1)[-1].startswith("https://"):  # a link's line, not the description
            links += 1
            assert block.layout().lineCount() == 1, block.text()
        block = block.next()
    assert links == len(help_menu.project_urls())
    box.close()


def test_the_memory_limit_dialog_says_where_its_figure_comes_from(qtbot, window, monkeypatch):
    """Finding 30: the memory limit proposed "11.8" GB with no word on where from."""
    from PySide6.QtWidgets import QInputDialog

    from ckpt_gui.diagnosis.attempt_watch import DEFAULT_MEMORY_LIMIT

    asked = []
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args: (asked.append(args), (0.0, False))[1])
    window.doctor.choose_memory_limit()
    prompt, value = asked[0][2], asked[0][3]
    assert value == DEFAULT_MEMORY_LIMIT and "Shown: the default" in prompt
    if DEFAULT_MEMORY_LIMIT:
        assert f"half of this machine's {2 * DEFAULT_MEMORY_LIMIT:g} GB" in prompt


def test_the_time_limit_is_chosen_in_the_restore_menu_beside_the_memory_limit(qtbot, window, monkeypatch):
    """Review 7: the doctor's 120 s could only be changed on the command line (--timeout)."""
    from PySide6.QtWidgets import QInputDialog

    from ckpt_gui.diagnosis.attempt_watch import DEFAULT_TIMEOUT

    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Restore")
    texts = [a.text() for a in menu.actions()]
    assert texts.index("&Time limit...") + 1 == texts.index("&Memory limit...")
    asked = []
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args: (asked.append(args), (30.0, True))[1])
    next(a for a in menu.actions() if a.text() == "&Time limit...").trigger()
    prompt, value = asked[0][2], asked[0][3]
    assert value == DEFAULT_TIMEOUT and "Shown: the default" in prompt and f"{DEFAULT_TIMEOUT:g} s" in prompt
    assert window.doctor.request_for("/ckpt/ckpt-1", "/m.py").timeout == 30.0  # the next attempt's limit


def test_switching_views_of_a_large_tree_makes_only_the_levels_shown(qtbot, tmp_path):
    """Finding 5 on a large checkpoint (the review's 200,000 variables): the switch keeps
    the selection in view and opens the groups left open without making every level:
    two lazy key trees of 3,000 blocks stand for the two views."""
    import numpy as np

    from ckpt_gui.app.widgets.tree_panel import TreePanel
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.views.tree import key_tree
    from tests.test_key_levels import made_leaves
    from tools.bundle_writer import write_bundle

    count = 3000
    prefix = tmp_path / "many" / "ckpt"
    prefix.parent.mkdir()
    zeros = np.zeros(2, np.float32).tobytes()
    write_bundle(str(prefix), [(f"blocks/{i:05d}/kernel", "float32", (2,), zeros) for i in range(count)])
    ckpt = Checkpoint.open(str(prefix))
    trees = {"objects": key_tree(ckpt.key_variables), "keys": key_tree(ckpt.key_variables)}
    panel = TreePanel()
    qtbot.addWidget(panel)
    panel.resize(500, 600)
    panel.show()
    panel.set_trees(trees)
    key = "blocks/00005/kernel"
    assert panel.select_key(key)
    opened = panel.tree.by_key["blocks/00007/kernel"].parent
    panel.view.expand(panel.model.index_of(opened))
    for button in (panel.keys_button, panel.objects_button, panel.keys_button, panel.objects_button):
        button.click()
        assert panel._selected_key() == key and _in_view(panel)
    assert panel.view.isExpanded(panel.model.index_of(opened))
    assert max(made_leaves(tree) for tree in trees.values()) < count // 10
