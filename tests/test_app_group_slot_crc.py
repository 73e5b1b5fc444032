"""Issue 11, a group with a corrupt variable or slot (after review 14): a corrupt optimizer
slot went unsaid in its group's Details (a group's statistics leave the slots out, so
they were never read), and the group's statistics title wrapped to 4 lines in the
narrow Statistics column at 1024x640. A corrupt slot is named under "CRC mismatch
(slot)", by its path in the tree; the title says it short, its tooltip whole.
Offscreen."""

from __future__ import annotations

import os
import shutil

import numpy as np

from ckpt_gui.app.selection_stats import CORRUPT_FACT
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.tree import SLOT
from ckpt_gui.resources import demo_path
from tests.test_app_names_first import REAL_WINDOW
from tests.test_app_review_more import WAIT_MS, _corrupt_copy, open_path

WINDOW_SIZE = REAL_WINDOW  # the window fixture's size

SLOT_FACT = f"{CORRUPT_FACT} (slot)"


def _corrupt_slot(folder: str, step: int = 200) -> tuple[str, str]:
    """The demo with the bytes of its largest optimizer slot of ckpt-STEP flipped; the
    prefix and the slot's key."""
    shutil.copytree(demo_path(), folder)
    prefix = os.path.join(folder, f"ckpt-{step}")
    ckpt = Checkpoint.open(prefix)
    slots = [v for v in ckpt.variables if "_momentums" in v.display_path]
    slot = max(slots, key=lambda v: v.num_elements)
    entry = ckpt.entry(slot.key)
    with open(ckpt.index.data_path(entry.shard_id), "r+b") as file:
        file.seek(entry.offset + entry.size // 2)
        chunk = file.read(8)
        file.seek(entry.offset + entry.size // 2)
        file.write(bytes(b ^ 0xFF for b in chunk))
    return prefix, slot.key


def test_a_corrupt_slot_is_named_in_its_groups_details(qtbot, tmp_path, window):
    prefix, bad = _corrupt_slot(str(tmp_path / "corrupt"))
    open_path(qtbot, window, prefix)
    panel, details = window.tree_panel, window.details
    leaf = panel.tree.by_key[bad]
    assert leaf.kind == SLOT
    group = leaf.parent
    while group.variable is not None:  # the slot's variable, then its layer: a group
        group = group.parent
    assert panel.select_node(group)
    qtbot.waitUntil(lambda: "together" in details.stats_title.text() and not window.busy, timeout=WAIT_MS)
    facts = dict(details.facts_shown())
    assert facts.get(SLOT_FACT) == leaf.path, facts  # where its badge is in the tree
    assert CORRUPT_FACT not in facts and "CRC32C" not in facts  # the group's own variables read
    assert "left out" not in details.stats_title.text()  # slots are not in the statistics anyway
    own = [v for v in group.model_variables() if v.dtype.is_numeric]
    shown = window.histogram.histogram
    assert int(np.sum(shown.counts)) == sum(v.num_elements for v in own)
    assert "CRC32C" in window.banner.text  # the whole message, once
    # The slot named as the tree places it (review 21 #8): not by its key, optimizer/_variables/N/...
    assert f"'{leaf.path}'" in window.banner.text and bad not in window.banner.text
    # The slots read for it are known: selecting one later reads nothing again.
    readable = [leaf.variable.key for leaf in group.leaves() if leaf.kind == SLOT and leaf.variable.key != bad]
    assert readable and all(key in window.browse.stats_cache for key in readable)


def _lines(label) -> int:
    return round(label.heightForWidth(label.width()) / label.fontMetrics().lineSpacing())


def test_a_corrupt_groups_statistics_title_fits_its_column(qtbot, tmp_path, window, font_size):  # noqa: F811
    """At 1024x640, in the default font and the dark desktop's 10 pt: two lines at most
    (it wrapped to 4), the whole in its tooltip."""
    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    open_path(qtbot, window, prefix)
    panel, details = window.tree_panel, window.details
    group = panel.tree.by_key[bad].parent
    assert panel.select_node(group)
    qtbot.waitUntil(lambda: CORRUPT_FACT in details.stats_title.text() and not window.busy, timeout=WAIT_MS)
    qtbot.wait(50)  # laid out
    title = details.stats_title
    assert title.isVisible() and _lines(title) <= 2, (font_size, title.width(), title.text())
    tip = title.toolTip()
    assert "numeric variable" in tip and "optimizer slots not counted" in tip and CORRUPT_FACT in tip
    # Another selection's title has no such tooltip left over.
    assert panel.select_node(panel.tree.by_key[bad])
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert title.toolTip() == ""
