"""Findings 5, 16, 18, 25 and 30 of the new user's review (issue 11): the view switch
keeps the selection and the groups opened, the Graph tab's Variables columns, the
Values tab naming its slice, the plot tab named after what it shows, and wording.
Offscreen; each was looked at in a real window too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app_desktop import WAIT_MS, open_demo


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
    from ckpt_gui.app.widgets.graph_panel import KEY, NAME
    from ckpt_gui.app.widgets.layouts import MiddleElided

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
        assert isinstance(table.itemDelegateForColumn(column), MiddleElided)
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
