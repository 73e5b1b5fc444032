"""What the details panel says about a variable or a group, as (label, text) rows."""

from __future__ import annotations

import os

from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint, Variable, shown_format
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.conventions import is_tf1_part, tf1_slot_owner
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.keras_files import KERAS_FORMAT_NAMES
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.formatting import (
    format_bytes,
    format_count,
    format_number,
    format_shape,
    format_some,
    one_or_many,
    string_text,
)
from ckpt_gui.core.formatting import nonfinite_text as counts_text
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import MODEL_ONLY, SLOT, TreeNode

SCALAR_PREVIEW_ELEMENTS = 16  # tensors this small have their values shown in the details
_STRING_CHARS = 200  # of each string shown there


def describe_variable(ckpt: Checkpoint, node: TreeNode, with_graph: bool = True) -> list[tuple[str, str]]:
    """A variable's facts for the Details panel; ``with_graph`` False leaves out what
    only the object graph says (its TF name), while the app is still decoding it."""
    variable = node.variable
    assert variable is not None
    entry = ckpt.entry(variable.key)
    # What the value is first, where it is stored after: at 1024x640 Details shows about
    # eight lines without scrolling, and a long key and two object paths (wrapped, three
    # lines each in a desktop's 10 pt) had pushed Bytes and the CRC32C verdict, which the
    # app adds after Bytes when the values are read, below the fold (review 12, 14).
    rows = []
    graph = ckpt.object_graph if with_graph else None
    if variable.is_object_graph and graph is not None:
        rows.append(("Contents", graph.summary()))
    if node.kind == SLOT and _slot_owner(node) is not None:
        rows.append(("Optimizer slot", slot_text(node)))
    elif node.kind == SLOT:  # a TF1 slot an optimizer made inside a variable scope: its variable is elsewhere
        owner = tf1_slot_owner(tuple(variable.key.split("/")), _is_key(ckpt))
        if owner is not None:
            scope = variable.key[: -len(f"/{owner}/{node.name}")]
            rows.append(("Optimizer slot", f"'{node.name}' of {owner} (made in variable scope {scope})"))
    rows.append(("DType", variable.dtype.name))
    rows.append(("Shape", _shape_text(variable.shape, variable.num_elements)))
    rows.append(("Bytes", bytes_text(variable.size_bytes)))
    if entry.is_partitioned:
        parts = ckpt.index.slice_parts(entry)
        shards = sorted({part.shard_id for _s, part in parts})
        in_shards = f"{one_or_many(len(shards), 'shard', 'shards')} {', '.join(map(str, shards))}"
        rows.append(("Stored as", f"{len(parts):,} slices in {in_shards}"))
    else:
        # One row for where the bytes are (not one for the file and one for the offset).
        shard = os.path.basename(ckpt.index.data_path(entry.shard_id))
        where = "inline (V1 table)" if ckpt.location.kind == "v1" else f"at offset {entry.offset:,}"
        gone = os.path.basename(ckpt.index.data_path(entry.shard_id)) in {
            os.path.basename(m) for m in ckpt.ref.missing_files
        }
        absent = storage.absent_why(ckpt.index.data_path(entry.shard_id)) if gone else ""  # or what is there
        rows.append(("Stored in", f"{shard} ({absent}: no values)" if gone else f"{shard} {where}"))
    rows.append(("Key", variable.key))
    if variable.object_paths:
        rows.append(("Object paths", "\n".join(variable.object_paths)))
    full = graph.tf_name(variable.key) if graph is not None else ""
    if full:
        rows.append(("TF name", full))
    return rows


def object_graph_text(graph: ObjectGraph) -> str:
    """What the plot pane says of the object graph's own entry. Without a saved value
    (a tf.Transform SavedModel: tables, assets and functions) the object graph view,
    which lists saved values, has nothing but that entry: saying "the object graph view
    shows its structure" there sent the user to an empty view (review 10). The root's
    children are named instead: what structure there is."""
    if graph.columns.keys:
        return f"{graph.summary()}.\nThe object graph view shows its structure."
    children = [name for name, _child in graph.children[0]] if graph.children else []
    shown = format_some(children, 8) if children else "none"
    return (
        f"{graph.summary()}.\nNo value is saved: the object graph view, which lists saved values, "
        f"has none to show. Its root's children: {shown}."
    )


def slot_text(node: TreeNode) -> str:
    """ "'m' of dense/kernel (optimizer)": the optimizer's path when the tree knows it (a
    slot of an untracked optimizer has none: no empty "()", as a review saw)."""
    owner_node = _slot_owner(node)
    owner = f"'{node.name}' of {owner_node.variable.display_path}"
    if owner_node is not node.parent:
        owner += f", {node.parent.name}"  # a part's slot (older TensorFlow's partitioned variables)
    return f"{owner} ({node.hint})" if node.hint else owner


def _is_key(ckpt: Checkpoint):
    """Whether a name is one of the checkpoint's keys."""

    def is_key(name: str) -> bool:
        try:
            ckpt.variable(name)
        except CheckpointError:
            return False
        return True

    return is_key


def _slot_owner(node: TreeNode):
    """The variable node a slot belongs to: its parent, or, for older TensorFlow's slot
    of a partitioned variable's part (``weights/part_0/Ftrl``), the part's variable
    (``weights``); None when it is under no variable."""
    parent = node.parent
    if parent is not None and parent.variable is None and is_tf1_part(parent.name):
        parent = parent.parent
    return parent if parent is not None and parent.variable is not None else None


def _shape_text(shape: tuple[int, ...], elements: int) -> str:
    """``[3, 3, 8, 16]  (1,152 elements)``; a scalar is just "scalar" (one element goes
    without saying)."""
    if not shape:
        return format_shape(shape)
    return f"{format_shape(shape)}  ({elements:,} element{'' if elements == 1 else 's'})"


def describe_finding(finding: TreeFinding, status_text: str) -> list[tuple[str, str]]:
    """What the restore doctor said of this variable: its status, the shapes on both
    sides and the suggestions (``status_text``: the status as the app words it)."""
    rows = [("Restore", status_text)]
    if finding.model_path:
        rows.append(("Model path", finding.model_path))
    if finding.checkpoint_shape is not None or finding.model_shape is not None:
        rows.append(("In checkpoint", _finding_shape(finding.checkpoint_shape, finding.checkpoint_dtype)))
        rows.append(("In model", _finding_shape(finding.model_shape, finding.model_dtype)))
    rows += [("Suggestion", suggestion) for suggestion in finding.suggestions]
    return rows


def bytes_text(n: int) -> str:
    """ "28,000  (27.3 KB)"; under a kilobyte just "16 B" (it said "16  (16 B)")."""
    return format_bytes(n) if n < 1024 else f"{n:,}  ({format_bytes(n)})"


def count_text(n: int, note: str) -> str:
    """ "12,345  (12.3K; NOTE)"; under a thousand the count once ("4  (NOTE)")."""
    short = f"{format_count(n)}; " if n >= 1000 else ""
    return f"{n:,}  ({short}{note})"


def _finding_shape(shape: tuple[int, ...] | None, dtype: str | None) -> str:
    return "-" if shape is None else f"{format_shape(shape)} {dtype or ''}".strip()


def describe_group(node: TreeNode, ckpt: Checkpoint | None = None) -> list[tuple[str, str]]:
    missing = 0 if node.variable_count else sum(1 for below in node.walk() if below.kind == MODEL_ONLY)
    if missing:  # a group only the model has (a restore report's rows): nothing stored, not "0 B"
        return [
            ("Path", node.path or "(checkpoint root)"),
            ("Variables", f"none in the checkpoint; {missing:,} only in the model"),
            ("Bytes", "not stored"),
        ]
    rows = [
        ("Path", node.path or "(checkpoint root)"),
        ("Variables", f"{node.variable_count:,}"),
        ("Elements", count_text(node.elements, "optimizer slots included")),
        ("Parameters", count_text(node.params, "optimizer slots not counted")),
        ("Bytes", bytes_text(node.nbytes)),
    ]
    if ckpt is not None and ckpt.keras is not None:
        rows += describe_keras(ckpt, node.path)
    return rows


def describe_keras(ckpt: Checkpoint, path: str) -> list[tuple[str, str]]:
    """A Keras file's facts: at the root its format, writer, architecture and how the
    optimizer's variables were placed; at a layer, what the config says of it."""
    keras = ckpt.keras
    layers = {layer.name: layer for layer in keras.architecture}
    if path:
        layer = layers.get(path.rpartition("/")[2])
        return [("Layer", _layer_text(layer))] if layer is not None else []
    rows = [("Format", KERAS_FORMAT_NAMES[shown_format(ckpt)])]
    if keras.written_by:
        rows.append(("Written by", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in keras.written_by.items())))
    if keras.architecture:
        lines = [("  " * layer.depth) + f"{layer.name}: {_layer_text(layer)}" for layer in keras.architecture[:200]]
        more = len(keras.architecture) - 200
        rows.append(("Architecture", "\n".join(lines) + (f"\n... and {more} more layers" if more > 0 else "")))
    if keras.placement:
        rows.append(("Optimizer", keras.placement))
    return rows


def _layer_text(layer) -> str:
    arguments = ", ".join(f"{k}={v}" for k, v in layer.arguments.items())
    weights = f"; weights {', '.join(w.rpartition('/')[2] for w in layer.weights)}" if layer.weights else ""
    return f"{layer.class_name}({arguments}){weights}"


def describe_stats(stats: TensorStats) -> list[tuple[str, str]]:
    rows = [
        ("Min", format_number(stats.min)),
        ("Max", format_number(stats.max)),
        ("Mean", format_number(stats.mean)),
        ("Std", format_number(stats.std)),
        # One row for the three kinds and one for zeros with their share (the sparsity):
        # a row each, a NaN's positions line above them put the last rows under a scroll
        # bar at 1024x640 (Details gets at most half the height; review 11).
        ("NaN/Inf", nonfinite_text(stats)),
        ("Zeros", f"{stats.zeros:,} ({stats.sparsity:.2%})"),
    ]
    if stats.of_magnitude:
        rows.insert(0, ("Of", "magnitudes |z|"))
    return rows


def nonfinite_text(stats: TensorStats) -> str:
    """ "none", or the count of each kind present: "1,024 NaN, 3 -Inf" (each count joined
    to its kind by a no-break space, never wrapped apart)."""
    return counts_text(stats.nan, stats.posinf, stats.neginf, space="\u00a0") or "none"


def value_text(variable: Variable, value) -> str | None:
    """Scalars and tiny tensors (save_counter, step, learning rate, strings) as text."""
    if variable.num_elements > SCALAR_PREVIEW_ELEMENTS or variable.is_object_graph:  # a proto: see "Contents"
        return None
    if value.dtype == object:
        items = [_bytes_text(x) for x in value.reshape(-1)]
        return items[0] if value.ndim == 0 else "[" + ", ".join(items) + "]"
    return shown_numbers_text(value)


def shown_numbers_text(value) -> str:
    """``numbers_text`` as Details shows it: a whole float without its ".0", as the
    statistics, the values table and the heatmap show it (review: a scalar read
    "Value: 2.0" in Details and "2" beside it). Copy value keeps "2.0": what Python
    reads back as a float."""
    if value.ndim == 0:
        text = str(value[()])
        return text.removesuffix(".0") if value.dtype.kind == "f" else text
    return "[" + ", ".join(shown_numbers_text(row) for row in value) + "]"


def numbers_text(value) -> str:
    """A numeric array as a nested list, each number in its own dtype's shortest text
    that reads back the same (float32 0.15277365, not float64's 0.15277364850044250)."""
    if value.ndim == 0:
        return str(value[()])  # NumPy's scalar of the array's dtype: its shortest round-trip digits
    return "[" + ", ".join(numbers_text(row) for row in value) + "]"


def _bytes_text(raw) -> str:
    """One string quoted, as the Values table shows it (``string_text``: 'a\\x00b' in
    both; a byte that is no UTF-8 as \\xff, the rest of the string still read)."""
    if not isinstance(raw, bytes):
        return str(raw)
    text = raw.decode("utf-8", "surrogateescape")
    shown = string_text(text[:_STRING_CHARS]).replace("'", "\\'")
    return f"'{shown}'" + ("..." if len(text) > _STRING_CHARS else "")
