"""What ``ckpt-gui inspect`` (text) prints above the variables, beside the listing: the
graph file's facts for a SavedModel or a TF1 checkpoint with its ``.meta`` (who wrote
it, the signatures as ``saved_model_cli show`` gives them, one line per tensor, the
collections), and a Keras file's (the Keras version, the architecture from its config).
The whole of each is in ``inspect --json``; the text is a summary that fits a terminal.
"""

from __future__ import annotations

import os
from typing import TextIO

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.views.graph_view import dtype_enum_name, graph_view, shape_text, stored_phrase, written_by_text

_MAX_SIGNATURES = 8  # per tag-set; the rest counted
_MAX_LAYERS = 40
_MAX_ARGUMENTS_TEXT = 60
# What metadata.json (.keras) or the file's attributes (Keras 2 .h5) say of the writer.
_WRITER_FACTS = (("keras_version", "Keras"), ("backend", "backend"), ("date_saved", "saved"))


def print_facts(ckpt: Checkpoint, out: TextIO) -> None:
    """The graph file's or the Keras file's facts (nothing for a bare checkpoint)."""
    if ckpt.keras is not None:
        _print_keras(ckpt, out)
    else:
        _print_graph(ckpt, out)


def _print_graph(ckpt: Checkpoint, out: TextIO) -> None:
    view = graph_view(ckpt)
    if view is None:
        return
    graph = view.graph
    out.write(f"  graph file: {graph.path}\n")
    out.write(f"  written by: {written_by_text(graph)}\n")
    for meta_graph in sorted(graph.meta_graphs, key=lambda g: list(g.tags)):
        tags = ", ".join(meta_graph.tags) or "(no tags)"
        if not meta_graph.signatures:
            out.write(f"  tag-set '{tags}': no signatures\n")
            continue
        out.write(f"  tag-set '{tags}' signatures (as saved_model_cli show --all):\n")
        for signature in meta_graph.signatures[:_MAX_SIGNATURES]:
            out.write(f"    signature_def['{signature.key}']  method {signature.method_name or '(none)'}\n")
            for side, infos in (("inputs", signature.inputs), ("outputs", signature.outputs)):
                for info in infos:
                    name = f" {info.name}" if info.name else f" ({info.encoding})"
                    out.write(
                        f"      {side}['{info.key}']: {dtype_enum_name(info.dtype)} {shape_text(info.shape)}{name}\n"
                    )
        if len(meta_graph.signatures) > _MAX_SIGNATURES:
            out.write(f"    ... and {len(meta_graph.signatures) - _MAX_SIGNATURES} more (inspect --json lists all)\n")
    out.write(f"  graph variables: {stored_phrase(view, ckpt.location.kind != 'graph')}\n")
    collections = [(g, c) for g in graph.meta_graphs for c in g.collections]
    if collections:
        several = len(graph.meta_graphs) > 1
        listed = ", ".join(f"{c.name}{_tags(g.tags) if several else ''} ({len(c.values)})" for g, c in collections)
        out.write(f"  collections: {listed}\n")


def _print_keras(ckpt: Checkpoint, out: TextIO) -> None:
    keras = ckpt.keras
    if keras.written_by:
        said = keras.written_by
        parts = [f"{label} {said[key]}" for key, label in _WRITER_FACTS if said.get(key)]
        out.write("  written by: " + ", ".join(parts) + "\n")
    if len(keras.files) > 1 or keras.path.endswith(".json"):
        shown = ", ".join(os.path.basename(f) for f in keras.files[:4]) + (", ..." if len(keras.files) > 4 else "")
        out.write(f"  sharded: {counted(len(keras.files), 'HDF5 file')} beside it ({shown})\n")
    if keras.placement:
        out.write(f"  {keras.placement}\n")
    if not keras.config:
        return
    layers = keras.architecture
    out.write(f"  architecture ({counted(len(layers), 'layer')}, from the model's config):\n")
    rows = []
    for layer in layers[:_MAX_LAYERS]:
        arguments = ", ".join(f"{k}={v}" for k, v in layer.arguments.items())
        if len(arguments) > _MAX_ARGUMENTS_TEXT:
            arguments = arguments[: _MAX_ARGUMENTS_TEXT - 3] + "..."
        weights = counted(len(layer.weights), "weight") if layer.weights else ""
        rows.append(("  " * layer.depth + layer.name, layer.class_name, arguments, weights))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[3]]
        out.write("    " + "  ".join(cells).rstrip() + "\n")
    if len(layers) > _MAX_LAYERS:
        out.write(f"    ... and {len(layers) - _MAX_LAYERS} more layers (inspect --json lists all)\n")


def _tags(tags: tuple[str, ...]) -> str:
    return f" [{', '.join(tags)}]"
