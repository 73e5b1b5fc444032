"""Human-readable numbers, sizes, shapes and times, shared by the CLI and the app."""

from __future__ import annotations

import math
import time


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def sizes_apart(larger: int, smaller: int) -> tuple[str, str]:
    """Two sizes for "``larger`` ... more than ``smaller``": as format_bytes writes them,
    or in bytes when those read alike ("1.0 GB left to read, more than the 1.0 GB scanned",
    1,073,742,052 bytes against 1 GiB: review 18, F2)."""
    texts = format_bytes(larger), format_bytes(smaller)
    return texts if texts[0] != texts[1] else (f"{larger:,} bytes", f"{smaller:,} bytes")


def format_count(n: int) -> str:
    """12345678 -> '12.3M' (parameter counts); one format from a thousand up ('7.0K'
    beside '12.6K', not '7000': the tree's rows had mixed both)."""
    if n < 1000:
        return str(n)
    for unit, scale in (("K", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12)):
        if n < scale * 1000 or unit == "T":
            return f"{n / scale:.1f}{unit}"
    raise AssertionError("unreachable")


def format_shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]" if shape else "scalar"


def format_number(x: float | int | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"
    magnitude = abs(x)
    if 1e-4 <= magnitude < 1e6:
        return f"{x:.6g}"
    return f"{x:.4e}"


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_text(raw: bytes | str) -> str:
    """A string tensor's element as the app shows it everywhere (the Values table,
    Details): its UTF-8 text, what cannot be seen written as Python writes it in a
    literal (a NUL byte ``\\x00``, a newline ``\\n``, a byte that is no UTF-8
    ``\\xff``, a backslash ``\\\\``). Details said 'a\\x00b' and the table "a▯b"
    (review 10), and a font shows a control character as a box, or not at all."""
    text = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escaped(c) for c in text)


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was no UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable():
        return char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def format_time(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def format_some(names: list[str], limit: int) -> str:
    """The first ``limit`` names, and how many more there are: "a, b, c and 4 more"."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# After a checkpoint's count of variables, where it also holds a TF2 object graph: a
# tree row and a tensor of its file, but no variable (the app's tree and inspect alike).
OBJECT_GRAPH_NOTE = " + object graph"


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and ``word`` agreeing: "1 variable", "3 variables" ("1 value holds",
    not "1 value(s)"); ``plural`` for a word not made by adding "s"."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def one_or_many(n: int, one: str, many: str) -> str:
    """The verb or pronoun agreeing with ``n`` things: ``one`` for 1, else ``many``
    (``f"{counted(n, 'value')} {one_or_many(n, 'is', 'are')} missing"``)."""
    return one if n == 1 else many


def nonfinite_text(nan: int = 0, posinf: int = 0, neginf: int = 0, either_inf: int = 0, space: str = " ") -> str:
    """NaN and Inf counts written one way everywhere (the tree's badge, the histogram's
    footer, the heatmap's and the plot's titles, Details): "1 NaN, 1 +Inf, 1 -Inf", counts
    of 0 left out, "" for none; ``either_inf`` counts what holds an Inf of either sign (a
    heatmap cell, a block of a plot): "2 \u00b1Inf"; ``space`` joins each count to its kind
    (a no-break space where a line may wrap)."""
    parts = [(nan, "NaN"), (posinf, "+Inf"), (neginf, "-Inf"), (either_inf, "\u00b1Inf")]
    return ", ".join(f"{count:,}{space}{name}" for count, name in parts if count)


def no_finite_text(nan: int = 0, posinf: int = 0, neginf: int = 0) -> str:
    """What a tensor (or a side of a pair) with no finite value holds, as its histogram
    says it in place of empty axes: "all 20 values are NaN", "no finite value (12 NaN,
    8 +Inf)", "no value" (review 23 #15)."""
    if nan and not posinf and not neginf:
        return f"all {nan:,} values are NaN" if nan > 1 else "its value is NaN"
    return f"no finite value ({nonfinite_text(nan, posinf, neginf)})" if nan + posinf + neginf else "no value"


def exact_text(value) -> str:
    """``value`` (an element of a tensor: a numpy scalar, bytes) as the shortest text that
    reads back as the same value of its dtype: what a copy gives, where the table shows
    format_number's 6 digits (review 19, F2: "0.152774" for the float32 0.15277405).
    numpy writes its own floats so (Dragon4, shortest round-trip: up to 9 significant
    digits for a float32, 17 for a float64); ml_dtypes' (bfloat16, float8) write 6
    digits, so theirs are found by trying fewer digits first. Integers exact, bools as
    Python and numpy write them, strings as the table shows them."""
    if isinstance(value, bytes | str):
        return string_text(value)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind == "b" or isinstance(value, bool):
        return "True" if value else "False"
    if kind in ("i", "u") or isinstance(value, int):
        return str(int(value))
    if kind in ("f", "c"):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if kind is None or not math.isfinite(number):
        return repr(number)  # a Python float: repr is its shortest round-trip text
    for digits in range(1, 18):
        text = f"{number:.{digits}g}"
        if type(value)(float(text)) == value:
            return text
    return repr(number)
