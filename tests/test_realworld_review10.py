"""Review 10's findings on the real corpus (``../shared/realworld``, read-only: nothing here
writes into it): a TF2 SavedModel's variables counted once in the Graph tab, a sharded
V1 checkpoint's ``.meta``, a SavedModel that saves no variable. A clone without the corpus
skips them; tests/test_graph_meta.py checks the graph join against TensorFlow itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.graph_view import graph_view
from tests.conftest import run_cli

CORPUS_ENV = "CKPT_GUI_REALWORLD"  # as tests/test_realworld.py finds the corpus
ROOT = Path(os.environ.get(CORPUS_ENV) or Path(__file__).resolve().parents[2] / "shared" / "realworld")
CORPUS = ROOT / "corpus"
if not (ROOT / "manifest.tsv").is_file() or not CORPUS.is_dir():
    pytest.skip(
        f"the real-world corpus is not at {ROOT} (a clone without ../shared/realworld; "
        f"set {CORPUS_ENV} to its folder to run these tests)",
        allow_module_level=True,
    )
WAIT_MS = 60_000


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy and not window.graph.runner.busy, timeout=WAIT_MS)


# -- finding 4: a sharded V1 checkpoint finds its .meta ---------------------------------------


@pytest.mark.parametrize("target", [".", "export-00000-of-00001", "export.meta"])
def test_a_sharded_v1_checkpoint_finds_the_meta_its_saver_wrote(target):
    """srv-sb-hp2-v1: ``export-00000-of-00001`` beside ``export.meta`` ("graph_file": null).
    TensorFlow's Saver names the .meta after the save path less its shard part
    (``Saver._MetaGraphFilename``); opening that .meta opens the checkpoint beside it."""
    folder = CORPUS / "srv-sb-hp2-v1"
    result = run_cli("inspect", "--json", str(folder / target))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["graph_file"] == str(folder / "export.meta")
    assert report["format"] == "tf1" and report["variables"], report["format"]
    keys = {v["key"] for v in report["variables"]}
    joined = {v["checkpoint_key"] for v in report["graph_variables"]} - {None}
    assert joined == keys  # each stored variable next to its graph name


def test_an_unsharded_v1_checkpoint_still_finds_its_meta():
    folder = CORPUS / "srv-hp2-v1-2016"
    report = json.loads(run_cli("inspect", "--json", str(folder)).stdout)
    assert report["graph_file"] == str(folder / "export.meta")


# -- finding 1: the Graph tab counts each TF2 variable once --------------------------------------


def test_the_graph_tab_lists_a_tf2_variable_once_with_its_key(qtbot, window):
    """rossman-sm-2022: "Variables (142)", its first 71 rows (the VarHandleOp nodes) with
    an empty "Checkpoint key". Each variable is one row, with its key and both declarations."""
    folder = CORPUS / "rossman-sm-2022"
    _open(qtbot, window, folder)
    panel = window.graph_panel
    qtbot.waitUntil(lambda: panel.variables.topLevelItemCount() > 0, timeout=WAIT_MS)
    stored = [v for v in Checkpoint.open(folder).variables if not v.is_object_graph]
    rows = [panel.variables.topLevelItem(i) for i in range(panel.variables.topLevelItemCount())]
    assert panel.sections.tabText(1) == f"Variables ({len(stored)})"
    assert sorted(row.text(3) for row in rows) == sorted(v.key for v in stored)
    view = graph_view(Checkpoint.open(folder))
    for row, graph_row in zip(rows, view.variables, strict=True):
        assert f"VarHandleOp node {graph_row.graph_node.node}" in row.text(4)


# -- finding 16: a SavedModel that saves no variable --------------------------------------------


def test_a_saved_model_without_values_does_not_point_at_an_empty_view(qtbot, window):
    """tfx-tft-sm (tables, assets, functions): the plot pane said "The object graph view
    shows its structure." beside an object view holding only the object graph's own row."""
    folder = CORPUS / "tfx-tft-sm"
    _open(qtbot, window, folder)
    ckpt = window.browse.ckpt
    assert [v.key for v in ckpt.variables] == ["_CHECKPOINTABLE_OBJECT_GRAPH"]
    message = window.tensor.message.text()
    assert "shows its structure" not in message and "No value is saved" in message
    root_children = [name for name, _child in ckpt.object_graph.children[0]]
    assert root_children and all(name in message for name in root_children[:8])
