"""Review 20: comparing across two series of one folder (prefixes that differ by more
than numbers: model.ckpt-2 and train_model.ckpt-5, two save() prefixes) gave no word,
where before/after and "Compare with previous" assume one series: the comparison says
so (the app's banner above the comparison, ``diff``'s text heading and JSON warnings).
The Compare dialog listed the whole folder as one series: it marks the other series'
checkpoints "(another series)" as the picker does (and "(latest)")."""

from __future__ import annotations

import json
import os

import pytest

from ckpt_gui.app.widgets.picker import describe_ref
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.locations import series_name
from tests.conftest import run_cli
from tests.test_app_desktop import WAIT_MS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def two_series(tmp_path_factory):
    """Two saves by tf.train.Checkpoint.save (model.ckpt-1, -2: the state file's), and
    one of another Saver's prefix written beside them (train_model.ckpt-5)."""
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("series")
    variable = tf.Variable(tf.zeros([4, 3]))
    ckpt = tf.train.Checkpoint(v=variable)
    saves = []
    for value in (1.0, 2.0):
        variable.assign(tf.fill([4, 3], value))
        saves.append(ckpt.save(str(folder / "model.ckpt")))
    variable.assign(tf.fill([4, 3], 5.0))
    other = ckpt.write(str(folder / "train_model.ckpt-5"))
    assert tf.train.latest_checkpoint(str(folder)) == saves[-1]  # TensorFlow's latest: model.ckpt-2
    assert series_name(saves[0]) == series_name(saves[1]) != series_name(other)
    return folder, saves, other


def test_diff_says_a_comparison_across_two_series_and_not_within_one(two_series):
    _folder, saves, other = two_series
    across = run_cli("diff", "--json", saves[-1], other)
    assert across.returncode in (0, 1), across.stderr
    warnings = json.loads(across.stdout)["warnings"]
    notes = [w for w in warnings if "two series" in w]
    assert len(notes) == 1 and "model.ckpt-2" in notes[0] and "train_model.ckpt-5" in notes[0], warnings
    text = run_cli("diff", saves[-1], other)
    heading = text.stdout.split("\n\n")[0]
    assert "note:" in heading and "two series" in heading, text.stdout
    within = run_cli("diff", "--json", saves[0], saves[-1])
    assert not [w for w in json.loads(within.stdout)["warnings"] if "series" in w]
    assert "note:" not in run_cli("diff", saves[0], saves[-1]).stdout.split("\n\n")[0]


def test_the_app_says_a_comparison_across_two_series_above_it(qtbot, window, two_series):
    _folder, saves, other = two_series
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(saves[-1])
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(other)
    said = window.banner.text
    assert window.banner.isVisible() and "two series" in said and "train_model.ckpt-5" in said, said
    window.compare.close()
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(saves[0])  # one series: nothing said of series
    assert "two series" not in window.banner.text


def test_the_compare_dialog_marks_the_folders_other_series_as_the_picker(qtbot, window, two_series):
    from ckpt_gui.app.widgets.compare_dialog import ANOTHER_SERIES_WARNING, CompareDialog

    folder, saves, other = two_series
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(saves[-1])
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    picker = {ref.prefix: window.picker.itemText(row) for row, ref in enumerate(window.picker.refs)}
    assert "(another series)" in picker[other] and "(latest)" in picker[saves[-1]], picker
    dialog = CompareDialog(saves[-1], str(folder), locate)
    qtbot.addWidget(dialog)
    listed = {ref.prefix: dialog.checkpoints.itemText(row) for row, ref in enumerate(dialog.refs)}
    # The picker's order (the shown one's series, newest first, then the others) and its marks.
    assert [ref.prefix for ref in dialog.refs] == [ref.prefix for ref in window.picker.refs]
    assert "(another series)" in listed[other]
    assert not any("(another series)" in listed[p] for p in saves)
    location = locate(str(folder))
    latest = next(ref for ref in location.checkpoints if ref.prefix == saves[-1])
    assert listed[saves[-1]].startswith(describe_ref(latest, "latest"))  # "(latest)" as the picker
    dialog.checkpoints.setCurrentIndex([ref.prefix for ref in dialog.refs].index(other))
    assert dialog.message.text() == ANOTHER_SERIES_WARNING
    dialog.checkpoints.setCurrentIndex([ref.prefix for ref in dialog.refs].index(saves[0]))
    assert dialog.message.text() != ANOTHER_SERIES_WARNING
    assert os.path.basename(saves[0]) in dialog.checkpoints.currentText()
