"""A Keras 3 ``.keras`` archive: a ZIP of ``config.json``, ``metadata.json`` and
``model.weights.h5``, read as data (nothing in it is imported, called or unpickled).

Keras writes the archive uncompressed (``zipfile.ZipFile(f, "w")``: ZIP_STORED), so
the weights file is a byte range of the archive: h5py reads it through a window on
that range, and a dataset's values sit at the member's data offset plus the dataset's
offset in the weights file, read like any other file's. A deflated member (an archive
someone re-zipped) is read through zipfile's stream, never extracted to disk.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile

from ckpt_gui.core.format.errors import CorruptCheckpointError, NotACheckpointError, UnsupportedCheckpointError

WEIGHTS_MEMBER = "model.weights.h5"
NPZ_MEMBER = "model.weights.npz"  # saving_lib.save_model(..., weights_format="npz")
# Keras's npz store saves each layer's variables as a dict: a pickled object array.
NPZ_NOT_READ = (
    f"its weights are {NPZ_MEMBER} (Keras's weights_format='npz'), each layer's values a pickled Python object: "
    "not read, since reading them means unpickling (Keras 3's own load_model refuses them too); save the model "
    "with the default weights format (model.weights.h5)"
)
_MAX_JSON = 64 << 20  # config.json of a large model is a few MB; more is not a config
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra length


class Window(io.RawIOBase):
    """Bytes ``start .. start + length`` of a file, as a seekable read-only file."""

    def __init__(self, path: str, start: int, length: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the window
        self._start, self._length, self._pos = start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._length)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self._length - self._pos))
        self._file.seek(self._start + self._pos)
        n = self._file.readinto(memoryview(buffer)[:count])
        self._pos += n
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


class Member:
    """A deflated member read through zipfile's stream; closing it closes the archive."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._archive, self._member = archive, archive.open(name)

    def __getattr__(self, name: str):
        return getattr(self._member, name)

    def close(self) -> None:
        self._member.close()
        self._archive.close()


class KerasArchive:
    """The members of one ``.keras`` file. Like a bundle's data files, the archive is
    opened only while something is read from it (a training job may replace it)."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                self.members = {info.filename: info for info in archive.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CorruptCheckpointError(path, f"not a readable .keras archive ({exc})") from None
        if WEIGHTS_MEMBER not in self.members and NPZ_MEMBER in self.members:
            raise UnsupportedCheckpointError(path, NPZ_NOT_READ)
        if WEIGHTS_MEMBER not in self.members:
            names = ", ".join(sorted(self.members)[:6]) or "nothing"
            raise NotACheckpointError(path, f"a ZIP archive without {WEIGHTS_MEMBER} (it holds {names})")

    @property
    def stored(self) -> bool:
        """The weights member is stored uncompressed (its bytes are a range of the archive)."""
        return self.members[WEIGHTS_MEMBER].compress_type == zipfile.ZIP_STORED

    def weights_offset(self) -> int:
        """Where the stored weights member's bytes start in the archive."""
        info = self.members[WEIGHTS_MEMBER]
        with open(self.path, "rb") as f:
            f.seek(info.header_offset)
            header = f.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise CorruptCheckpointError(self.path, f"the ZIP entry of {WEIGHTS_MEMBER} is damaged")
        _sig, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        if start + info.file_size > os.path.getsize(self.path):
            raise CorruptCheckpointError(self.path, f"{WEIGHTS_MEMBER} runs past the end of the archive (truncated)")
        return start

    def weights_file(self) -> io.RawIOBase | Member:
        """The weights member as a seekable file for h5py (close it when done)."""
        if self.stored:
            return Window(self.path, self.weights_offset(), self.members[WEIGHTS_MEMBER].file_size)
        try:
            return Member(zipfile.ZipFile(self.path), WEIGHTS_MEMBER)  # seekable; a seek back decompresses again
        except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
            raise CorruptCheckpointError(self.path, f"cannot read {WEIGHTS_MEMBER} ({exc})") from None

    def json(self, name: str) -> dict | None:
        """A JSON member as data, None when absent; an error naming it when garbled."""
        info = self.members.get(name)
        if info is None:
            return None
        if info.file_size > _MAX_JSON:
            raise CorruptCheckpointError(self.path, f"{name} claims {info.file_size} bytes: not a Keras config")
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(name) as f:
                value = json.loads(f.read(_MAX_JSON + 1))
        except (zipfile.BadZipFile, OSError, ValueError, RecursionError) as exc:
            raise CorruptCheckpointError(self.path, f"{name} is not valid JSON ({exc})") from None
        return value if isinstance(value, dict) else None
