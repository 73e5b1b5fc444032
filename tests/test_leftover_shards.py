"""Review 20 G15: a data file of the prefix that its index does not name (a shard of
another shard count, left over from an older save: variables.data-00000-of-00002 beside
variables.data-00000-of-00001) was counted in the checkpoint's size, and made the
listing miss a shard that was never written. Only the shards the index header names
count; the leftover is said as a note (inspect's text and JSON, the app's banner)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from tests.conftest import run_cli
from tests.test_app_desktop import WAIT_MS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _files(folder) -> dict[str, int]:
    return {name: os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)}


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A SavedModel written by TensorFlow (one data shard), and the files it wrote; then
    a copy of its shard under another shard count, as an older save leaves it."""
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("leftover") / "model"
    module = tf.Module()
    module.kernel = tf.Variable(tf.random.normal([64, 32], seed=1))
    module.bias = tf.Variable(tf.ones([32]))
    tf.saved_model.save(module, str(folder))
    variables = folder / "variables"
    written = _files(variables)
    shard = next(name for name in written if ".data-" in name)
    stray = shard.replace("-of-00001", "-of-00002")
    assert stray != shard  # TensorFlow wrote one shard
    shutil.copy(variables / shard, variables / stray)
    return folder, written, str(variables / stray)


@pytest.fixture(scope="module")
def plain_checkpoint(tmp_path_factory):
    """A tf.train.Checkpoint save (one shard), beside a whole two-shard set of the same
    prefix left from an older save (the shard count alone cannot tell which is current)."""
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("leftover_plain")
    ckpt = tf.train.Checkpoint(v=tf.Variable(tf.range(1000, dtype=tf.float32)))
    prefix = ckpt.write(str(folder / "ckpt-1"))
    written = _files(folder)
    shard = next(name for name in written if ".data-" in name)
    strays = [str(folder / shard.replace("00000-of-00001", f"{i:05d}-of-00002")) for i in range(2)]
    for stray in strays:
        shutil.copy(folder / shard, stray)
    return prefix, written, strays


def _counted(written: dict[str, int], prefix_name: str) -> int:
    """What TensorFlow wrote for the prefix: its index and the data files it wrote."""
    return sum(size for name, size in written.items() if name.startswith(prefix_name + "."))


def test_a_saved_models_leftover_shard_is_not_counted_nor_a_missing_shard(saved_model, tf):
    folder, written, stray = saved_model
    ckpt = Checkpoint.open(str(folder))
    assert ckpt.ref.size_bytes == _counted(written, "variables")
    assert ckpt.ref.missing_files == () and ckpt.ref.complete  # not "variables.data-00001-of-00002 is missing"
    assert ckpt.ref.leftover_files == (stray,)
    notes = [w for w in ckpt.warnings if os.path.basename(stray) in w]
    assert len(notes) == 1 and "not counted" in notes[0], ckpt.warnings
    # TensorFlow reads the model whole beside the stray file: it is no part of it.
    loaded = tf.saved_model.load(str(folder))
    reader = tf.train.load_checkpoint(str(folder / "variables" / "variables"))
    assert loaded.bias.numpy().tolist() == reader.get_tensor("bias/.ATTRIBUTES/VARIABLE_VALUE").tolist()


def test_a_plain_prefixs_leftover_set_of_shards_is_not_counted(plain_checkpoint, tf):
    prefix, written, strays = plain_checkpoint
    ckpt = Checkpoint.open(prefix)
    assert tf.train.load_checkpoint(prefix).get_variable_to_shape_map()  # TF reads it: the index is whole
    assert ckpt.ref.size_bytes == _counted(written, "ckpt-1")
    assert ckpt.ref.complete and ckpt.ref.leftover_files == tuple(strays)
    # The other checkpoints the folder lists (the picker's lines) count the same.
    assert next(r for r in ckpt.checkpoints if r.prefix == prefix).size_bytes == _counted(written, "ckpt-1")


def test_inspect_says_the_leftover_as_a_note_and_leaves_it_out_of_the_size(saved_model):
    folder, written, stray = saved_model
    shown = run_cli("inspect", "--json", str(folder))
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    (listed,) = document["checkpoints"]
    assert listed["size_bytes"] == _counted(written, "variables")
    assert listed["leftover_files"] == [stray]
    assert any(os.path.basename(stray) in w and "not counted" in w for w in document["warnings"]), document
    assert not any("missing" in w for w in document["warnings"]), document["warnings"]
    text = run_cli("inspect", str(folder))
    assert text.returncode == 0 and os.path.basename(stray) in text.stderr and "missing" not in text.stderr


def test_the_app_shows_the_size_without_the_leftover_and_says_it(qtbot, window, saved_model):
    from ckpt_gui.core.formatting import format_bytes

    folder, written, stray = saved_model
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    line = window.picker.itemText(window.picker.currentIndex())
    assert format_bytes(_counted(written, "variables")) in line, line
    assert "missing" not in line and "incomplete" not in line, line
    notes = [line for line in window.banner.text.splitlines() if os.path.basename(stray) in line]
    assert len(notes) == 1 and "not counted" in notes[0], window.banner.text


def test_an_unreadable_index_beside_two_shard_counts_lists_the_whole_set(plain_checkpoint, tmp_path):
    """With no header to ask (an index cut short), the listing keeps the count whose
    shards are all there, the larger when both are: the folder still lists, nothing raises."""
    prefix, _written, strays = plain_checkpoint
    folder = tmp_path / "cut"
    folder.mkdir()
    for name in os.listdir(os.path.dirname(prefix)):
        shutil.copy(os.path.join(os.path.dirname(prefix), name), folder / name)
    index = folder / "ckpt-1.index"
    index.write_bytes(index.read_bytes()[:20])
    from ckpt_gui.core.format.bundle import read_num_shards
    from ckpt_gui.core.format.folder_listing import FolderListing

    assert read_num_shards(str(folder / "ckpt-1")) is None
    files = FolderListing().files(str(folder / "ckpt-1"))
    assert files.shard_count == 2 and files.shards == {0, 1}
    assert files.leftover_files(str(folder / "ckpt-1")) == (str(folder / "ckpt-1.data-00000-of-00001"),)
    assert read_num_shards(prefix) == 1  # the whole index: its header's one shard, as TensorFlow wrote it
    assert len(strays) == 2
