"""The optional C decoder of the object graph (everything else is in pyproject.toml).

``optional=True``: without a C compiler the package still installs and the object
graph is decoded in Python (object_graph_wire), with the same results, only slower.
Built against the limited API (abi3): one ``cp311-abi3`` wheel for Python 3.11 and up.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ckpt_gui.core.format._graph_decoder",
            ["ckpt_gui/core/format/_graph_decoder.c"],
            py_limited_api=True,  # the source defines Py_LIMITED_API 0x030B0000 (3.11)
            optional=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
