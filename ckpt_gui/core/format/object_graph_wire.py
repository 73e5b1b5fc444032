"""TrackableObjectGraph bytes -> columns: the two decoders of the object graph.

A model with 200,000 variables has an object graph of about 240,000 nodes (20 MB).
Walking its fields one by one in Python (``decode_exactly``) costs seconds, and so
does reading it through protobuf's Python objects (upb parses it in milliseconds, but
every field read afterwards builds a wrapper object). Nearly every node TensorFlow
writes is one of two kinds, so the bulk decoder (``decode_in_bulk``) reads those with
one regex ``split`` per piece of the graph (512 kB, so that no single C call holds
the interpreter lock long: the app decodes in a worker thread) and checks them a
whole column at a time with C-level calls (map, zip, join):

- a variable: one SerializedTensor (name, full_name, checkpoint_key), nothing else;
- a group: child references only (node_id, local_name), nothing else.

Both may end in ``has_checkpoint_values`` (field 5), which the reader ignores.
Every length the bulk decoder relies on is checked against the bytes it matched, so
what it keeps is exactly what the protobuf layout says; a node that does not check
out (another kind: children and attributes together, slot variables, a registered
saver, an omitted field, or a name holding a byte the regex stops at) is decoded
alone by the exact decoder, and a graph whose layout does not check out is decoded
whole by it, which is also what reports every error.

The jobs are split: the columns (object_graph_columns.py), the bulk decoder
(object_graph_bulk.py), the exact decoder and the references' check
(object_graph_exact.py); this module chooses among them and the C decoder.

Both run only without the optional C decoder (``_graph_decoder``, built when the
package is installed with a C compiler), or when it declines a graph: it decodes the
whole graph in one call, accepting only what the exact decoder accepts and making the
same columns, and says None on anything else (an error included), so that these
decoders run and report it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ckpt_gui.core.format.lock_slices import let_go, slices
from ckpt_gui.core.format.object_graph_bulk import decode_in_bulk
from ckpt_gui.core.format.object_graph_columns import Children, GraphColumns
from ckpt_gui.core.format.object_graph_exact import check_references, decode_exactly

try:
    from ckpt_gui.core.format import _graph_decoder
except ImportError:  # built without a C compiler: the Python decoders do it all
    _graph_decoder = None

__all__ = [
    "Children", "GraphColumns", "align_by_key", "decode_exactly", "decode_graph", "decode_in_bulk", "decode_in_c",
]  # fmt: skip


def decode_graph(blob: bytes, progress=None) -> GraphColumns:
    """Decode a TrackableObjectGraph: in bulk when its layout allows, else exactly.
    ``progress(done, total)`` (bytes) is called between the bulk decoder's pieces."""
    columns = decode_in_c(blob)
    if columns is not None and progress is not None:
        progress(len(blob), len(blob))
    if columns is None:
        columns = decode_in_bulk(blob, progress)
    if columns is None:
        columns = decode_exactly(blob)
    check_references(columns)
    return columns


def decode_in_c(blob: bytes) -> GraphColumns | None:
    """The columns from the C decoder, or None without it or when it declines the bytes.
    It lets go of the lock (``let_go``) every 8192 objects it makes."""
    if _graph_decoder is None:
        return None
    found = _graph_decoder.decode(blob, let_go)
    if found is None:
        return None
    columns = GraphColumns()
    (
        columns.node_count,
        columns.parents,
        columns.child_ids,
        columns.child_names,
        columns.attribute_nodes,
        columns.attribute_names,
        columns.full_fields,
        columns.keys,
        columns.slot_variables,
        columns.node_paths,
        columns.paths_by_key,
    ) = found
    return columns


def align_by_key(keys: list[str], sorted_keys: list[str], values: list) -> list | None:
    """The value of each of ``keys`` (None for one not in ``sorted_keys``), in one C merge
    of the two ascending lists; None without the C decoder or when either does not ascend.
    A slice of ``keys`` at a time, each with the run of ``sorted_keys`` it may meet
    (lock_slices.py: one merge of 200,000 keys held the lock 40 to 110 ms)."""
    if _graph_decoder is None:
        return None
    found: list = []
    for start, stop in slices(len(keys)):
        part = keys[start:stop]
        if start and keys[start - 1] > part[0]:
            return None
        low, high = bisect_left(sorted_keys, part[0]), bisect_right(sorted_keys, part[-1])
        aligned = _graph_decoder.align(part, sorted_keys[low:high], values[low:high])
        if aligned is None:
            return None
        found += aligned
    return found
