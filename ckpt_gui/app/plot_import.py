"""pyqtgraph imported off the GUI thread once the first tree is shown.

The plots are made when first drawn (histogram_plot.py, tensor_plots.py): importing
pyqtgraph at launch cost 0.5 to 1 s of CPU before the first tree row. Imported on the
GUI thread with the first plot, it would stall the event loop as long; so a thread
imports it as soon as a tree is shown, while the user looks at the tree (the import
is Python code: the interpreter lock passes to the GUI thread every few milliseconds).
A plot asked for before the thread is done waits for the import to finish, no longer.
pyqtgraph makes no Qt object when imported. The Qt modules it adds are imported here
first, on the GUI thread (20 ms): a PySide6 module initialised on another thread made
the process crash at exit one time in three.
"""

from __future__ import annotations

import importlib
import sys
import threading

_started = threading.Event()
# The extension modules pyqtgraph imports beyond the app's own (PySide6 0.14 on Linux).
QT_MODULES = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg", "PySide6.QtTest")


def start() -> None:
    """Import the plot modules in the background, once per process."""
    if _started.is_set() or "ckpt_gui.app.widgets.tensor_plots" in sys.modules:
        return
    _started.set()
    for name in QT_MODULES:
        importlib.import_module(name)
    threading.Thread(target=_import, name="ckpt-gui plot import", daemon=True).start()


def _import() -> None:
    from ckpt_gui.app.widgets import histogram_plot, tensor_plots  # noqa: F401, PLC0415 - the point of the thread
