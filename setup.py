"""The optional C extensions: the decoders of the object graph and of the index's
blocks, and the histogram counts of a chunk of floats (everything else is in
pyproject.toml).

``optional=True``: without a C compiler the package still installs; the object graph
and the index are decoded in Python (object_graph_wire, bundle_blocks) and the
histograms counted with numpy (histogram.count_chunk), with the same results, only
slower.
Built against the limited API (abi3): one ``cp311-abi3`` wheel for Python 3.11 and up.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            f"ckpt_gui.core.format.{name}",
            [f"ckpt_gui/core/format/{name}.c"],
            depends=["ckpt_gui/core/format/wire.h"],  # their shared wire readers: rebuilt when it changes
            py_limited_api=True,  # the source defines Py_LIMITED_API 0x030B0000 (3.11)
            optional=True,
        )
        for name in ("_graph_decoder", "_index_decoder")
    ]
    + [
        Extension(
            "ckpt_gui.core.analysis._histogram_counts",
            ["ckpt_gui/core/analysis/_histogram_counts.c"],
            py_limited_api=True,  # Py_LIMITED_API 0x030B0000 (3.11: the buffer protocol)
            optional=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
