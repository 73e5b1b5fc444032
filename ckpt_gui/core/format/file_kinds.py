"""Recognising files that are not V2 checkpoints, to say what they are instead.

A user who points the app at ``model.h5`` or a PyTorch ``.ckpt`` deserves better
than "bad magic": the error names what the file looks like.
"""

from __future__ import annotations

import os
import re

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.format.table import TABLE_MAGIC

# A V1 table where a V2 index is expected (TensorFlow too reads PREFIX.index as V2).
V1_MESSAGE = (
    "a V1 checkpoint (TensorSlice table, TensorFlow < 0.12 or SaverDef.V1) named like a V2 .index file; "
    "open the V1 file under its own name"
)

_HDF5 = b"\x89HDF\r\n\x1a\n"

# Well-known file types by their first bytes (a folder of screenshots is "a PNG image",
# not "an unrecognised binary file"): (offset, magic bytes, what it is).
_MAGIC = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"\x1f\x8b", "a gzip-compressed file"),
    (0, b"BZh", "a bzip2-compressed file"),
    (0, b"\xfd7zXZ\x00", "an xz-compressed file"),
    (0, b"(\xb5/\xfd", "a zstd-compressed file"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x93NUMPY", "a NumPy .npy array"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"\x7fELF", "an executable or shared library (ELF)"),
    (0, b"ARROW1", "an Apache Arrow file"),
    (0, b"PAR1", "a Parquet file"),
)


def looks_like_v1_checkpoint(path: str) -> bool:
    """A V1 file is a table whose first entry (key "") holds SavedTensorSlices, i.e. a
    value starting with field 1 length-delimited (0x0a); a V2 index holds 0x08 there."""
    try:
        size = storage.getsize(path)
        if size < 48 or not storage.isfile(path):
            return False
        with storage.open_read(path) as f:
            head = f.read(16)
            f.seek(size - 8)
            tail = f.read(8)
    except OSError:
        return False
    if tail != TABLE_MAGIC or head[:2] != b"\x00\x00":
        return False
    pos = 2
    while pos < len(head) and head[pos] & 0x80:  # skip the value-length varint
        pos += 1
    return pos + 1 < len(head) and head[pos + 1] == 0x0A


# Keras weights files open as such (keras_files.py finds them by their bytes): this is
# said only of one met where something else was looked for.
_KERAS_ADVICE = "open the file itself to read it as Keras weights"


def describe_file(path: str) -> str:
    """A few words on what kind of file this is (a noun phrase: "an HDF5 file ...")."""
    return _identify(path)[0]


def not_a_checkpoint(path: str) -> str:
    """One sentence for a file that is no checkpoint: what it is, and what to do when
    there is something to do (Keras weights can be written as a checkpoint)."""
    what, advice = _identify(path)
    return f"{what}, not a TensorFlow checkpoint" + (f"; {advice}" if advice else "")


def _identify(path: str) -> tuple[str, str]:
    """What the file is, and advice for the user ("" when there is none)."""
    try:
        size = storage.getsize(path)
        with storage.open_read(path) as f:
            head = f.read(64)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", ""
    if size == 0:
        return "an empty file", ""
    return (
        _identify_by_signature(path, head, size)
        or _identify_by_name(path, head)
        or _identify_by_content(path, head, size)
    )


def _identify_by_signature(path: str, head: bytes, size: int) -> tuple[str, str] | None:
    if head.startswith(b"PK\x03\x04"):
        return _describe_zip(path)
    if _HDF5 in head[:8] or _has_hdf5_signature(path, size):
        return "an HDF5 file such as Keras .h5 / .weights.h5 weights", _KERAS_ADVICE
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a Python pickle (e.g. a PyTorch checkpoint)", ""
    what = well_known_kind(head)
    return (what, "") if what else None


def well_known_kind(head: bytes) -> str | None:
    """A common file type named by its first bytes ("a PNG image"), None if none matches."""
    for offset, magic, what in _MAGIC:
        if head[offset : offset + len(magic)] == magic and what:
            return what
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}[head[8:12]]
    if head[:2] == b"BM" and len(head) >= 18 and head[14] in (12, 40, 52, 56, 108, 124):  # the DIB header's size
        return "a BMP image"
    return None


DATA_FILE = re.compile(r"\.data-\d{5}-of-\d{5}$")  # a checkpoint's data shard: PREFIX.data-00000-of-00001


def data_file_without_index(path: str) -> str | None:
    """ "data file without its index: ckpt-1.index is missing" for a data shard whose
    .index is not beside it (None when it is, or the name is no data shard's): said
    alike of the file named and of a folder holding only that (review 10)."""
    prefix = DATA_FILE.sub("", path)
    if prefix == path or storage.isfile(prefix + ".index"):
        return None
    return f"data file without its index: {shown_path(os.path.basename(prefix) + '.index')} is missing"


def _identify_by_name(path: str, head: bytes) -> tuple[str, str] | None:
    name = os.path.basename(path)
    if DATA_FILE.search(name):
        missing = data_file_without_index(path)
        return (f"a {missing}", "") if missing else ("a checkpoint data file", "")
    if len(head) >= 9 and head[8:9] == b"{" and name.endswith(".safetensors"):
        return "a safetensors file", ""
    if name.endswith(".meta"):
        return "a TF1 graph (.meta) without a matching .index file", ""
    if name in ("saved_model.pb", "saved_model.pbtxt"):
        return "a SavedModel graph", ""
    if name.endswith(".tflite"):
        return "a TensorFlow Lite model", ""
    if name.endswith(".onnx"):
        return "an ONNX model", ""
    return None


def _identify_by_content(path: str, head: bytes, size: int) -> tuple[str, str]:
    if size >= 48 and _tail(path, size) == TABLE_MAGIC:
        return "a TensorFlow table file without the .index name", ""
    if _is_text(head):
        return f"a text file of {size} bytes", ""
    return f"an unrecognised binary file of {size} bytes", ""


def _describe_zip(path: str) -> tuple[str, str]:
    import zipfile  # noqa: PLC0415  (only for error messages: keep it off the start-up path)

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return "a damaged ZIP archive", ""
    if "config.json" in names and any(n.startswith("model.weights") for n in names):
        return "a Keras 3 .keras model archive", _KERAS_ADVICE
    if any(n.endswith("data.pkl") for n in names):
        return "a PyTorch checkpoint (ZIP)", ""
    return "a ZIP archive", ""


def _has_hdf5_signature(path: str, size: int) -> bool:
    """HDF5 allows a user block: the signature may sit at 512, 1024, 2048..."""
    offset = 512
    try:
        with storage.open_read(path) as f:
            while offset + 8 <= min(size, 1 << 20):
                f.seek(offset)
                if f.read(8) == _HDF5:
                    return True
                offset *= 2
    except OSError:
        return False
    return False


def _tail(path: str, size: int) -> bytes:
    try:
        with storage.open_read(path) as f:
            f.seek(size - 8)
            return f.read(8)
    except OSError:
        return b""


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(b >= 0x20 or b in (9, 10, 13) for b in head)
