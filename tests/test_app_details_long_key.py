"""A key of one long segment (a 120-character name, no "/" to break at) in Details at
1024x640: Qt's word wrap does not break inside it, and Details scrolled sideways. Now
it wraps inside the segment, in the title and in the Key row, and what is shown,
selected and copied is the key as TensorFlow lists it (no zero-width space nor line
break put into it). Offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from ckpt_gui.app.widgets.wrapping_text import WrappingText
from tests.test_app_desktop import WAIT_MS

WINDOW_SIZE = (1024, 640)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NAME = "encoder_" + "attention_projection_weights_" * 4  # 124 characters, no "/"


@pytest.fixture()
def long_key(tf, tmp_path) -> tuple[str, str]:
    """A checkpoint written by TensorFlow whose variable's attribute is NAME: its
    prefix and the key TensorFlow lists for it."""
    prefix = tf.train.Checkpoint(**{NAME: tf.Variable(tf.ones((3, 4)))}).write(str(tmp_path / "ckpt"))
    (key,) = [key for key, _shape in tf.train.list_variables(prefix) if NAME in key]
    return prefix, key


def _key_row(details):
    for row in range(details.facts.rowCount()):
        name = details.facts.itemAtPosition(row, 0)
        if name is not None and name.widget().text() == "Key":
            return details.facts.itemAtPosition(row, 1).widget()
    raise AssertionError(details.facts_shown())


def test_a_key_of_one_long_segment_wraps_and_copies_whole(qtbot, window, long_key):
    prefix, key = long_key
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(prefix)
    assert window.tree_panel.select_key(key)
    qtbot.waitUntil(lambda: not window.busy and window.details.stats_shown, timeout=WAIT_MS)
    qtbot.wait(100)  # laid out
    details = window.details
    assert details.horizontalScrollBar().maximum() == 0, "Details scrolls sideways"
    room = details.viewport().width()
    value = _key_row(details)
    assert value.text() == key  # as TensorFlow lists it: nothing invisible put in
    assert value.mapTo(details.widget(), value.rect().topRight()).x() <= room
    line = value.fontMetrics().lineSpacing()
    assert value.height() >= 2 * line, "the key is on more lines than one"
    assert value.height() >= value.heightForWidth(value.width()), "its last line cut"
    title = details.title
    assert title.text() == window.tree_panel.selected_node().variable.display_path
    assert title.mapTo(details.widget(), title.rect().topRight()).x() <= room
    # What a user copies is the whole key, as listed, from the row and from the title.
    for shown, whole in ((value, key), (title, title.text())):
        QApplication.clipboard().clear()
        shown.selectAll()
        shown.copy()
        assert QApplication.clipboard().text() == whole


def test_facts_that_fit_stay_labels_and_a_replaced_fact_changes_kind(qtbot):
    """A usual key stays a QLabel (0.1 ms to make, the wrapping text 2.5 ms); a fact
    given again with a long segment (and back) is shown by the kind that wraps it."""
    from ckpt_gui.app.widgets.details_panel import DetailsPanel

    details = DetailsPanel()
    qtbot.addWidget(details)
    details.resize(500, 300)
    details.show()
    usual = "model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    details.show_facts("v", [("DType", "float32"), ("Key", usual)])
    assert isinstance(_key_row(details), QLabel)
    details.add_fact("Key", NAME)
    assert isinstance(_key_row(details), WrappingText) and _key_row(details).text() == NAME
    details.add_fact("Key", "short")
    assert isinstance(_key_row(details), QLabel)
    assert details.facts_shown() == [("DType", "float32"), ("Key", "short")]


def test_a_long_string_element_wraps_in_the_value_line(qtbot, window, tf, tmp_path):
    # A string tensor with a 5,000-character element: Details' "Value:" line held its
    # first 200 characters as one word a label cannot break, and Details scrolled
    # sideways, its statistics off screen (review 22, 17).
    strings = tf.Variable([b"a", b"x" * 5000])
    prefix = tf.train.Checkpoint(s=strings).write(str(tmp_path / "ckpt"))
    (key,) = [key for key, _shape in tf.train.list_variables(prefix) if key.startswith("s/")]
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(prefix)
    assert window.tree_panel.select_key(key)
    details = window.details
    qtbot.waitUntil(lambda: not window.busy and details.value.isVisible(), timeout=WAIT_MS)
    qtbot.wait(100)  # laid out
    assert details.value.text().startswith("Value: ['a', 'xxxx")
    assert details.horizontalScrollBar().maximum() == 0, "Details scrolls sideways"
    room = details.viewport().width()
    assert details.value.mapTo(details.widget(), details.value.rect().topRight()).x() <= room
