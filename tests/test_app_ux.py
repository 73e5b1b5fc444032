"""The app's messages, choices and drops follow what the user did (issue 11):
Compare with... and the picker's "Compare with this", each side of a comparison
with its own names, the doctor's problems readable, messages withdrawn when what
they describe is gone, drops, status colours on light and dark palettes.
Offscreen; tests/test_app_x11_ux.py repeats the menus and drops in a real X11 window."""

from __future__ import annotations

import os
import sys
from collections import Counter

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.models.compare_model import NAME_A, NAME_B, STATUS
from ckpt_gui.app.widgets.banner import HUES, Banner, banner_colours
from ckpt_gui.app.widgets.compare_dialog import SAME_WARNING, CompareDialog
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.resources import demo_path, examples_path
from tests import background
from tests.background import Writer
from tests.test_app_desktop import compare_demo_with_first, dark_palette, plain

WAIT_MS = 60_000
WINDOW_SIZE = (1280, 800)  # the window fixture's (conftest.py)
DOCTOR_MS = 300_000

# Two checkpoints of one subclassed model with Adam, one training step each, the
# second layer's attribute renamed between them: A ``dense2``, B ``fc2``.
RENAMED_WRITER = """
import os, sys
import numpy as np, keras, tensorflow as tf

def make(second):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = keras.layers.Dense(128)
            setattr(self, second, keras.layers.Dense(10))
        def call(self, x):
            return getattr(self, second)(self.dense1(x))
    return Net()

for side, second in (("a", "dense2"), ("b", "fc2")):
    keras.utils.set_random_seed(0)
    model, optimizer = make(second), keras.optimizers.Adam(1e-3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((4, 10), np.float32)) ** 2)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(sys.argv[1], side, "ckpt"))

# A Keras 3 Sequential model whose first layer was renamed (hidden -> fc): the layer
# lists (_operations/N) are the same, the layers' own names differ.
for side, name in (("seq_a", "hidden"), ("seq_b", "fc")):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name=name), keras.layers.Dense(2, name="out")])
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(sys.argv[1], side, "ckpt"))
"""


BACKGROUND_WRITERS = {"renamed": Writer([sys.executable, "-c", RENAMED_WRITER, "{out}"], timeout=600)}


@pytest.fixture(scope="module")
def renamed(request):
    root, result = background.result(request, "renamed")  # started with the session
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def open_path(qtbot, win: MainWindow, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def compare_with(qtbot, win: MainWindow, path) -> None:
    with qtbot.waitSignal(win.compare_done, timeout=WAIT_MS):
        win.compare.compare_with(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def tf_checkpoints(tf, folder) -> list[str]:
    """TensorFlow's list of the folder's checkpoints, oldest first."""
    return list(tf.train.get_checkpoint_state(str(folder)).all_model_checkpoint_paths)


# -- 1. Compare with... -------------------------------------------------------------------------


def test_compare_dialog_takes_a_folder_a_prefix_or_an_index_file(qtbot, checkpoints, tf):
    folder = checkpoints / "keras_seq"
    saved = [os.path.abspath(p if os.path.isabs(p) else folder / p) for p in tf_checkpoints(tf, folder)]
    assert len(saved) >= 3
    a = saved[-1]  # the latest is shown
    dialog = CompareDialog(a, str(folder), locate)
    qtbot.addWidget(dialog)
    # B's checkpoints, newest first (TensorFlow's, and any the state file does not list),
    # TensorFlow's latest marked; a folder names its latest, but that is A: the next one.
    listed = [ref.prefix for ref in dialog.refs]
    assert [p for p in listed if p in saved] == list(reversed(saved))
    latest = [dialog.refs[i].prefix for i in range(len(listed)) if "(latest)" in dialog.checkpoints.itemText(i)]
    assert latest == [tf.train.latest_checkpoint(str(folder))] == [a]
    assert dialog.chosen() == next(p for p in listed if p != a)
    assert SAME_WARNING not in dialog.message.text()
    for typed in (saved[0], saved[0] + ".index"):  # a prefix, an .index file: that one
        dialog.path.setText(typed)
        dialog.look_at_path()
        assert dialog.chosen() == saved[0]
    dialog.checkpoints.setCurrentIndex(listed.index(a))  # A itself
    assert dialog.chosen() == a and dialog.message.text() == SAME_WARNING
    assert dialog.checkpoints.currentText().endswith("(shown)")
    assert dialog.message.property("tone")  # coloured as a warning
    dialog.path.setText(str(checkpoints))  # a folder of folders: no checkpoint, said plainly
    dialog.look_at_path()
    assert dialog.chosen() is None and str(checkpoints) in dialog.message.text()
    assert not dialog.buttons.buttons()[0].isEnabled()


def _differing_keys(tf, prefix_a: str, prefix_b: str) -> int:
    """TensorFlow's answer: how many variables hold different values in A and B."""
    ra, rb = tf.train.load_checkpoint(prefix_a), tf.train.load_checkpoint(prefix_b)
    shapes = ra.get_variable_to_shape_map()
    return sum(
        1
        for key in shapes
        if key != "_CHECKPOINTABLE_OBJECT_GRAPH" and not np.array_equal(ra.get_tensor(key), rb.get_tensor(key))
    )


def test_two_older_saves_of_one_folder_compare(qtbot, window, checkpoints, tf, monkeypatch):
    folder = checkpoints / "keras_seq"
    saved = [os.path.abspath(p if os.path.isabs(p) else folder / p) for p in tf_checkpoints(tf, folder)]
    open_path(qtbot, window, saved[1])  # an older save is A

    def pick_the_oldest(dialog) -> int:
        assert dialog.chosen() != saved[1]  # never A by default
        dialog.checkpoints.setCurrentIndex(dialog.refs.index(next(r for r in dialog.refs if r.prefix == saved[0])))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CompareDialog, "exec", pick_the_oldest)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.choose()
    # The older of one folder is A (before), whichever is shown (review: A was the newer, labelled "before").
    assert window.compare.diff.a.prefix == saved[0] and window.compare.diff.b.prefix == saved[1]
    assert window.compare.diff.summary()["changed"] == _differing_keys(tf, saved[0], saved[1]) > 0
    assert not window.banner.isVisible()


def test_comparing_a_checkpoint_with_itself_is_said(qtbot, window):
    open_path(qtbot, window, demo_path())
    compare_with(qtbot, window, window.browse.ckpt.prefix)
    assert "same checkpoint" in window.banner.text
    window.compare.close()
    assert not window.banner.isVisible()


def test_the_pickers_compare_with_this(qtbot, window):
    open_path(qtbot, window, demo_path())
    picker = window.picker
    shown = window.browse.ckpt.prefix
    assert picker.refs[picker.shown_row].prefix == shown
    menu = picker.menu_for(picker.shown_row)
    compare = next(a for a in menu.actions() if a.text().startswith("&Compare with this"))
    assert not compare.isEnabled()  # not with itself
    other = next(row for row in range(len(picker.refs)) if row != picker.shown_row)
    compare = next(a for a in picker.menu_for(other).actions() if a.text().startswith("&Compare with this"))
    assert compare.isEnabled()
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        compare.trigger()
    # The demo shows its latest checkpoint: the older one clicked is A (before), the one shown B.
    assert window.compare.diff.a.prefix == picker.refs[other].prefix and window.compare.diff.b.prefix == shown
    assert " vs " in window.windowTitle()
    # A pair of single values: the two values as text (B - A too), no one-bar histograms.
    counter = next(p for p in window.compare.diff.pairs if p.key.startswith("save_counter"))
    assert window.compare_trees.select_pair(counter)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is counter, timeout=WAIT_MS)
    texts = [w.text() for w in window.pair_panel.findChildren(QLabel)]
    value_a, value_b = (int(window.compare.diff.a.read(counter.a.key)), int(window.compare.diff.b.read(counter.b.key)))
    assert value_a < value_b  # the older checkpoint saved fewer times
    assert "Value in A" in texts and str(value_a) in texts and str(value_b) in texts and str(value_b - value_a) in texts
    assert not window.pair_panel.plots.isVisible()
    window.compare.close()
    # Shown: the oldest; clicked: a newer one. The one shown is A now.
    oldest = len(picker.refs) - 1  # newest first
    open_path(qtbot, window, picker.refs[oldest].prefix)
    newer = picker.refs[0].prefix
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        next(a for a in picker.menu_for(0).actions() if a.text().startswith("&Compare with this")).trigger()
    assert window.compare.diff.a.prefix == picker.refs[oldest].prefix and window.compare.diff.b.prefix == newer


# -- 2. each side its own names -------------------------------------------------------------------


def _row_text(view, column: int, names: list[str]) -> list[str]:
    """The texts of ``column`` along the rows whose A names are ``names`` (from the top)."""
    model, parent, texts = view.model(), view.rootIndex(), []
    for name in names:
        row = next(r for r in range(model.rowCount(parent)) if model.index(r, NAME_A, parent).data().startswith(name))
        texts.append(model.index(row, column, parent).data())
        parent = model.index(row, 0, parent)
    return texts


def test_each_side_of_a_renamed_pair_shows_its_own_names(qtbot, window, renamed, tf):
    keys_b = [key for key, _shape in tf.train.list_variables(str(renamed / "b"))]
    kernel_b = next(k for k in keys_b if k.endswith("_kernel/.ATTRIBUTES/VARIABLE_VALUE") and "dense1" not in k)
    name_b = kernel_b.split("/")[1]  # TensorFlow's key for B's second layer: model/fc2/_kernel/...
    assert name_b == "fc2"
    open_path(qtbot, window, renamed / "a")
    compare_with(qtbot, window, renamed / "b")
    trees = window.compare_trees
    assert _row_text(trees.view_a, NAME_A, ["model", "dense2", "_kernel"]) == ["model", "dense2", "_kernel"]
    assert _row_text(trees.view_b, NAME_B, ["model", "dense2", "_kernel"]) == ["model", name_b, "_kernel"]
    # The flat list: whole paths, each side its own.
    trees.by_change.setChecked(True)
    model = trees.model
    rows = {model.index(r, NAME_A).data(): model.index(r, NAME_B).data() for r in range(model.rowCount())}
    assert rows["model/dense2/_kernel"] == f"model/{name_b}/_kernel"
    assert rows["model/dense1/_kernel"] == "model/dense1/_kernel"
    # The filter finds the pair by B's name too.
    trees.search.setText(name_b)
    assert trees.apply_filter() > 0
    trees.search.setText("")
    trees.by_change.setChecked(False)
    # Paired only through the optimizer's list position: the details say it is a guess.
    pair = next(p for p in window.compare.diff.pairs if p.b is not None and p.b.key == kernel_b)
    assert trees.select_pair(pair)
    qtbot.waitUntil(lambda: window.pair_panel.view is not None, timeout=WAIT_MS)
    texts = [w.text() for w in window.pair_panel.findChildren(QLabel)]  # (shown once events run)
    assert any(t == "Paired by" for t in texts)
    note = next(t for t in texts if t.startswith("A guess")).replace("\u200b", "")
    assert "optimizer/_trainable_variables/" in note and f"model/{name_b}/_kernel" in note
    title = window.pair_panel.title.text().replace("\u200b", "")
    assert f"in B: model/{name_b}/_kernel</span>" in title
    sure = next(p for p in window.compare.diff.pairs if p.key.startswith("model/dense1/_kernel"))
    assert trees.select_pair(sure)
    qtbot.waitUntil(lambda: window.pair_panel.view is not None and window.pair_panel.view.pair is sure, timeout=WAIT_MS)
    assert not any(w.text() == "Paired by" for w in window.pair_panel.findChildren(QLabel))


def _layer_names(tf, folder) -> set[str]:
    """TensorFlow's own record of the layers' names: the object graph's full names."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2  # here: TensorFlow only via the tf fixture

    proto = tf.train.load_checkpoint(str(folder)).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH")
    graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(proto)
    names = {a.full_name for node in graph.nodes for a in node.attributes}
    return {name.split("/")[-2] for name in names if name.endswith("/kernel")}


def test_each_side_shows_its_own_layer_names_in_a_sequential_model(qtbot, window, renamed, tf):
    (renamed_a,) = _layer_names(tf, renamed / "seq_a") - _layer_names(tf, renamed / "seq_b")
    (renamed_b,) = _layer_names(tf, renamed / "seq_b") - _layer_names(tf, renamed / "seq_a")
    open_path(qtbot, window, renamed / "seq_a")
    compare_with(qtbot, window, renamed / "seq_b")
    trees = window.compare_trees
    path = ["model", "_functional", "_operations", "1"]
    assert _row_text(trees.view_a, NAME_A, path)[-1] == f"1  \u00b7  {renamed_a}"
    assert _row_text(trees.view_b, NAME_B, path)[-1] == f"1  \u00b7  {renamed_b}"
    assert _row_text(trees.view_b, NAME_B, ["model", "_functional", "_operations", "2"])[-1].endswith("out")
    # Paired by the numbered place alone, the names differing: a guess, said so.
    for layer, guessed in (("1", True), ("2", False)):
        pair = next(p for p in window.compare.diff.pairs if p.path == f"model/_functional/_operations/{layer}/_kernel")
        assert trees.select_pair(pair)
        qtbot.waitUntil(lambda pair=pair: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
        notes = [w.text() for w in window.pair_panel.findChildren(QLabel) if w.text().startswith("A guess")]
        assert bool(notes) == guessed
        if guessed:
            assert f"A: {renamed_a}, B: {renamed_b}" in notes[0]


# -- 3. the doctor's problems, readable; 4. messages that follow --------------------------------


def test_doctor_problems_are_whole_and_the_details_say_the_restore(qtbot, window, tmp_path):
    open_path(qtbot, window, demo_path())
    window.doctor.banner.show_message("an earlier failure", "error")
    window.statusBar().showMessage("")
    changed = os.path.join(examples_path(), "demo_model_changed.py")
    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(changed)
        assert not window.banner.isVisible()  # a new attempt answers the earlier failure
    report = done.args[0]
    assert report is not None and report.error is None and not report.ok
    # The variable selected all along gets its restore status in the Details tab at once.
    selected = window.tree_panel.selected_node()
    assert selected.finding is not None
    assert _facts(window)["Restore"] == status_style.finding_label(selected.status, selected.finding)
    panel = window.report_panel
    # The report names the script and the interpreter it used.
    said = panel.phase.text().replace("\u200b", "")
    assert os.path.basename(report.script) in said and report.python in said and os.path.exists(report.python)
    assert report.script in panel.phase.toolTip()
    # The shapes column is never cut; the pane under the table has the problem whole.
    problems = panel.problems
    assert problems.isVisible() and panel.detail_area.isVisible()
    metrics = problems.fontMetrics()
    for i in range(problems.topLevelItemCount()):
        text = problems.topLevelItem(i).text(2)
        assert problems.columnWidth(2) >= metrics.horizontalAdvance(text), text
    conflict = next(f for f in report.problems if f.status == "shape_conflict" and f.suggestions)
    items = [problems.topLevelItem(i) for i in range(problems.topLevelItemCount())]
    problems.setCurrentItem(next(item for item in items if item.data(0, Qt.ItemDataRole.UserRole) is conflict))
    detail = panel.detail.text()
    shape = "[" + ", ".join(map(str, conflict.checkpoint_shape)) + "]"
    assert shape in detail and "[" + ", ".join(map(str, conflict.model_shape)) + "]" in detail
    assert all(s.replace('"', "&quot;")[:40] in detail or s[:40] in detail for s in conflict.suggestions)
    # The Details tab of the conflicting variable: status, both shapes, the suggestion.
    window.browse.select_finding(conflict)
    facts = _facts(window)
    assert facts["Restore"] == status_style.finding_label(conflict.status, conflict)
    assert facts["In checkpoint"].startswith(shape)
    assert facts["In model"].startswith("[" + ", ".join(map(str, conflict.model_shape)) + "]")
    assert facts["Suggestion"] in conflict.suggestions
    # A variable only the model has (a row the report added): its restore facts, no values.
    missing = next(f for f in report.problems if f.status == "missing" and f.checkpoint_key is None)
    window.browse.select_finding(missing)
    facts = _facts(window)
    assert facts["Restore"] == status_style.finding_label(missing.status, missing)
    assert facts["Model path"] == missing.model_path and facts["In checkpoint"] == "-"
    assert facts["In model"].startswith("[" + ", ".join(map(str, missing.model_shape)) + "]")
    message = window.status_message()
    assert message.startswith("Restore incomplete") and "_" not in message  # words, not status values
    assert message.endswith(report.counts_text())
    # The script that restores everything: an all-green report keeps no empty table.
    whole = os.path.join(examples_path(), "demo_model.py")
    with qtbot.waitSignal(window.diagnosis_done, timeout=DOCTOR_MS) as done:
        window.doctor.diagnose(whole)
        assert window.status_message() == ""  # the last outcome is not this attempt's
    report = done.args[0]
    assert report.ok and not report.problems, report.to_json()["summary"]
    assert not panel.problems.isVisible() and not panel.detail_area.isVisible()
    assert panel.notes_area.isVisible()  # the notes keep the room the table had
    assert "demo_model.py" in panel.phase.text().replace("\u200b", "")
    window.doctor.clear()
    assert window.status_message() == ""


def _facts(win: MainWindow) -> dict[str, str]:
    grid = win.details.facts
    facts = {}
    for row in range(grid.rowCount()):
        name, value = grid.itemAtPosition(row, 0), grid.itemAtPosition(row, 1)
        if name is not None and value is not None:
            facts.setdefault(name.widget().text(), value.widget().text())
    return facts


def test_messages_are_withdrawn_when_what_they_describe_is_gone(qtbot, window, tmp_path):
    window.doctor.diagnose(str(tmp_path / "model.py"))  # nothing open yet
    assert "Open a checkpoint first" in window.banner.text
    open_path(qtbot, window, demo_path())
    assert not window.banner.isVisible()  # a checkpoint is open now
    # A failed comparison's message goes with a later comparison; its status with the close.
    window.compare.compare_with(str(tmp_path / "nothing-here"))
    qtbot.waitUntil(lambda: "Cannot compare" in window.banner.text, timeout=WAIT_MS)
    compare_with(qtbot, window, os.path.join(demo_path(), "ckpt-100"))
    assert not window.banner.isVisible()
    assert window.status_message().startswith("Compared:")
    window.compare.close()
    assert window.status_message() == ""
    # A failed open's message goes with a later successful open; not another workflow's.
    window.browse.open_path(str(tmp_path / "nothing-here"))
    qtbot.waitUntil(lambda: "nothing-here" in window.banner.text, timeout=WAIT_MS)
    open_path(qtbot, window, demo_path())
    assert not window.banner.isVisible()
    window.doctor.banner.show_message("model.py changed: re-run", "info")
    window.browse.banner.hide()  # browse withdraws its own messages only
    assert window.banner.text == "model.py changed: re-run"


# -- 5. drops --------------------------------------------------------------------------------------


def _mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drop(win: MainWindow, mime: QMimeData, actions) -> QDropEvent:
    event = QDropEvent(QPointF(20, 20), actions, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    win.dropEvent(event)
    return event


def test_drops_are_copies_and_mean_what_was_dropped(qtbot, window, monkeypatch):
    demo = demo_path()
    prefixes = [os.path.join(demo, f"ckpt-{step}") for step in (100, 200)]
    copy_or_move = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    mime = _mime(demo)  # kept: the event does not own it
    enter = QDragEnterEvent(QPoint(5, 5), copy_or_move, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    refused = _drop(window, _mime(demo), Qt.DropAction.MoveAction)  # a move only: refused
    assert not refused.isAccepted() and window.browse.ckpt is None
    # Two checkpoints: the first is A, the second B.
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        event = _drop(window, _mime(prefixes[0] + ".index", prefixes[1] + ".index"), copy_or_move)
    assert event.dropAction() == Qt.DropAction.CopyAction
    assert (window.compare.diff.a.prefix, window.compare.diff.b.prefix) == tuple(prefixes)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    # A .py file while a checkpoint is open: diagnose with it.
    asked = []
    monkeypatch.setattr(window.doctor, "diagnose", asked.append)
    script = os.path.join(examples_path(), "demo_model.py")
    link = _drop(window, _mime(script), Qt.DropAction.LinkAction)
    assert link.isAccepted() and link.dropAction() == Qt.DropAction.LinkAction
    assert asked == [script]
    # Dropped on a field or a plot, a file is still the window's (not text for the field).
    # (Qt delivers drag events only in a real drag: the filter is called as Qt would; see the X11 test.)
    mime, field = _mime(prefixes[0] + ".index"), window.tree_panel.search
    enter = QDragEnterEvent(QPoint(5, 5), copy_or_move, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert window.drops.eventFilter(field, enter) and enter.isAccepted()
    on_field = QDropEvent(QPointF(5, 5), copy_or_move, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        assert window.drops.eventFilter(field, on_field)
    assert window.browse.ckpt.prefix == prefixes[0] and field.text() == ""
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


# -- 6. status colours -----------------------------------------------------------------------------


def light_palette() -> QPalette:
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#efefef"), (QPalette.ColorRole.Base, "#ffffff"),
                         (QPalette.ColorRole.Text, "#000000"), (QPalette.ColorRole.WindowText, "#000000")):  # fmt: skip
        palette.setColor(role, colour)
    return palette


@pytest.mark.parametrize("palette", [light_palette(), dark_palette()], ids=["light", "dark"])
def test_status_colours_read_on_light_and_dark_palettes(qtbot, window, palette):
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(palette)
    try:
        qtbot.wait(50)
        base, back = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Window)
        for styles in (status_style.STYLES, status_style.DIFF_STYLES):
            for status in styles:
                assert theme.contrast(status_style.colour(status, styles), base) >= theme.READABLE, status
        for status, button in window.report_panel.legend.items():
            colour = button.styleSheet().split("color:")[1].split(";")[0].strip()
            assert theme.contrast(QColor(colour), back) >= theme.READABLE, status
        compare_demo_with_first(qtbot, window)
        qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)  # idle after, as compare_with left it
        model = window.compare_trees.model
        leaf = model.tree.leaves[0]
        brush = model.data(model.index_of(leaf, STATUS), Qt.ItemDataRole.ForegroundRole)
        assert theme.contrast(brush.color(), base) >= theme.READABLE
        for status, button in window.compare_trees.summary.items():
            colour = button.styleSheet().split("color:")[1].split(";")[0].strip()
            assert theme.contrast(QColor(colour), back) >= theme.READABLE, status
    finally:
        app.setPalette(before)


@pytest.mark.parametrize("palette", [light_palette(), dark_palette()], ids=["light", "dark"])
def test_comparison_chips_text_reads_on_the_background_drawn(qtbot, window, palette):
    # Review (dark theme): "= same 14" was drawn on the style's button bevel, lighter than
    # the window colour its text was made readable on. The chip as drawn, pressed or not:
    # its most frequent pixel (its background) against its text colour.
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(palette)
    try:
        qtbot.wait(50)
        compare_demo_with_first(qtbot, window)
        qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)  # idle after, as compare_with left it
        for status, button in window.compare_trees.summary.items():
            colour = QColor(button.styleSheet().split("color:")[1].split(";")[0].strip())
            button.blockSignals(True)
            for pressed in (False, True):
                button.setChecked(pressed)
                button.setText("= same 14")
                button.resize(button.sizeHint())
                image = button.grab().toImage()
                pixels = Counter(image.pixel(x, y) for x in range(image.width()) for y in range(image.height()))
                background = QColor.fromRgb(pixels.most_common(1)[0][0])
                assert theme.contrast(colour, background) >= theme.READABLE, (status, pressed, background.name())
            button.setChecked(False)
            button.blockSignals(False)
    finally:
        app.setPalette(before)


@pytest.mark.parametrize("palette", [light_palette(), dark_palette()], ids=["light", "dark"])
def test_every_banner_kind_reads_on_light_and_dark_palettes(qtbot, palette):
    """The banner as drawn: its text's pixels against its strip's, for every kind, with
    the palette set before the message and switched while it is shown."""
    app = QApplication.instance()
    before = app.palette()
    banner = Banner()
    qtbot.addWidget(banner)
    banner.resize(600, 40)
    try:
        for switch in (False, True):
            for kind in HUES:
                if switch:  # a message shown on the other palette, then the desktop's theme changes
                    app.setPalette(before)
                    banner.show_message("1 variable holds NaN or Inf", kind)
                    app.setPalette(palette)
                    qtbot.wait(20)
                else:
                    app.setPalette(palette)
                    banner.show_message("1 variable holds NaN or Inf", kind)
                background, text, _border = banner_colours(kind, palette)
                assert theme.contrast(text, background) >= theme.READABLE, kind
                strip, ink = _drawn_colours(banner)
                assert strip == background.name(), (kind, switch)
                assert theme.contrast(ink, QColor(strip)) >= theme.READABLE, (kind, switch, ink.name(), strip)
    finally:
        app.setPalette(before)


def _drawn_colours(banner: Banner) -> tuple[str, QColor]:
    """The label's background as drawn (its commonest pixel) and its text (the pixel
    that differs most from it)."""
    image = banner.grab(banner.label.geometry()).toImage()
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    names = [p.name() for p in pixels]
    strip = max(set(names), key=names.count)
    ink = max(pixels, key=lambda p: theme.contrast(p, QColor(strip)))
    return strip, ink


# -- action feedback ------------------------------------------------------------------------------


def test_actions_say_what_they_did_and_are_offered_only_when_they_can_act(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from ckpt_gui.app import settings
    from ckpt_gui.core.statuses import RestoreStatus
    from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict

    open_path(qtbot, window, demo_path())
    ckpt = window.browse.ckpt
    folder = os.path.dirname(ckpt.prefix)
    # No diagnosis: nothing to repair or clear; asked anyway (the report panel), it says what to do.
    assert not window.repair_action.isEnabled() and not window.clear_diagnosis_action.isEnabled()
    window.repair.propose(None, ckpt)
    assert "Ctrl+D" in window.banner.text and "TensorFlow checkpoint" not in window.banner.text
    finding = RestoreFinding(RestoreStatus.MISSING, "x", None, None, None, None, None, optimizer=False)
    report = RestoreReport(ckpt.prefix, "model.py", False, None, {RestoreStatus.MISSING: 1}, (finding,), (),
                           TensorFlowVerdict(), "python3", "2.x", 0.1)  # fmt: skip
    window.doctor._adopt(report)  # what a finished attempt does
    assert window.repair_action.isEnabled() and window.clear_diagnosis_action.isEnabled()
    window.doctor.clear()
    assert not window.repair_action.isEnabled() and not window.clear_diagnosis_action.isEnabled()

    # Copy value: the status bar says what was copied.
    variable = next(v for v in ckpt.variables if v.num_elements > 1 and v.dtype.is_numeric)
    assert window.tree_panel.select_key(variable.key)
    menu = window.browse.row_menu(window.tree_panel.selected_node())
    next(a for a in menu.actions() if plain(a.text()) == "Copy value").trigger()
    assert QApplication.clipboard().text().startswith("[")
    assert window.status_message().startswith(f"Copied the value of {variable.display_path}")

    # Export: the dialog starts outside the checkpoint's folder, even when the user last worked in it,
    # and a file inside it is refused before the dialog is done (asked again), not after.
    settings.settings().setValue("last_folder", folder)
    inside, outside = os.path.join(folder, "x.npy"), str(tmp_path / "x.npy")
    answers, starts, warnings = [inside, outside], [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, kinds: starts.append(start)
                        or (answers.pop(0), ""))  # fmt: skip
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    window.browse.export_tensor()
    assert not starts[0].startswith(folder + os.sep) and not starts[1].startswith(folder + os.sep)
    assert len(warnings) == 1 and "never writes into a checkpoint" in warnings[0]
    assert os.path.exists(outside) and not os.path.exists(inside) and "never writes" not in window.banner.text


def test_a_slots_pair_names_its_other_object_path_and_its_key(qtbot, window, checkpoints, tf):
    """Review 24: the pair's title said "stored as optimizer/_momentums/0" for an Adam
    slot shown under its variable; its key (TensorFlow's) is optimizer/_variables/N/...
    Now the title names the other object path as such and the key as TensorFlow lists it."""
    folder = checkpoints / "keras_seq"
    open_path(qtbot, window, folder / "ckpt-3")
    compare_with(qtbot, window, folder / "ckpt-4")
    tree = window.compare_trees.model.tree
    pair = next(p for p in window.compare.diff.pairs if tree.path_of(p) != p.path)  # a slot under its variable
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: pair.key in window.pair_panel.title.text().replace("\u200b", ""), timeout=WAIT_MS)
    title = window.pair_panel.title.text().replace("\u200b", "")
    assert "stored as" not in title
    assert f"also reachable as {pair.path}" in title
    assert pair.key in {name for name, _shape in tf.train.list_variables(str(folder / "ckpt-3"))}
