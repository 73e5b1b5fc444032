"""A group one of whose variables fails its CRC32C check (review 14). A group has no
checksum of its own: its Details had said "CRC32C  MISMATCH: the data is corrupt" and
"Statistics: none, CRC mismatch", naming none of its variables. They now name the
variable(s) that fail, and the statistics and histogram are those of the others.
Offscreen."""

from __future__ import annotations

import numpy as np

from ckpt_gui.app.selection_stats import CORRUPT_FACT
from ckpt_gui.core.analysis.summaries import group_histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.readable_stats import group_histogram_of_readable
from tests.test_app_review_more import WAIT_MS, _corrupt_copy, open_path


def _group_of(panel, key: str):
    return panel.tree.by_key[key].parent


def test_a_groups_details_name_its_corrupt_variable_and_claim_no_crc(qtbot, tmp_path, window):
    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    open_path(qtbot, window, prefix)
    panel, details = window.tree_panel, window.details
    group = _group_of(panel, bad)
    assert panel.select_node(group)
    qtbot.waitUntil(lambda: CORRUPT_FACT in dict(details.facts_shown()) and not window.busy, timeout=WAIT_MS)
    facts = dict(details.facts_shown())
    assert "CRC32C" not in facts  # a claim about the group's own checksum, which it has none of
    ckpt = window.browse.ckpt
    assert facts[CORRUPT_FACT] == ckpt.variable(bad).display_path
    # The statistics are those of the group's other variables, and say one was left out.
    others = [v.key for v in group.model_variables() if v.key != bad and v.dtype.is_numeric]
    assert others
    stats_title = details.stats_title.text()
    assert "none" not in stats_title and "left out" in stats_title and CORRUPT_FACT in stats_title
    shown = window.histogram.histogram
    assert shown is not None and int(np.sum(shown.counts)) == sum(ckpt.variable(k).num_elements for k in others)
    assert "CRC32C" in window.banner.text  # the whole message, once
    # The tensor named as the tree names it (review 21 #8): not by its key, optimizer/_trainable_variables/2/...
    assert f"'{panel.tree.by_key[bad].path}'" in window.banner.text and bad not in window.banner.text


def test_a_group_whose_every_variable_is_corrupt_says_none_can_be_read(qtbot, tmp_path, window):
    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    open_path(qtbot, window, prefix)
    panel, details = window.tree_panel, window.details
    group = _group_of(panel, bad)
    window.browse.selection.shown_filter = lambda: lambda leaf: leaf.variable is not None and leaf.variable.key == bad
    assert panel.select_node(group)
    qtbot.waitUntil(lambda: CORRUPT_FACT in dict(details.facts_shown()) and not window.busy, timeout=WAIT_MS)
    assert "CRC32C" not in dict(details.facts_shown())
    assert "none" in details.stats_title.text() and CORRUPT_FACT in details.stats_title.text()
    assert CORRUPT_FACT in window.histogram.empty.text()


def test_the_core_leaves_the_unreadable_out_of_a_groups_histogram(tmp_path):
    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    ckpt = Checkpoint.open(prefix)
    keys = [v.key for v in ckpt.variables if v.dtype.name == "float32"]
    summary, unreadable = group_histogram_of_readable(ckpt, keys, 32)
    assert list(unreadable) == [bad] and "CRC32C" in unreadable[bad]
    stats, histogram = summary
    expected_stats, expected = group_histogram(ckpt, [k for k in keys if k != bad], 32)
    assert np.array_equal(histogram.counts, expected.counts) and stats.count == expected_stats.count
