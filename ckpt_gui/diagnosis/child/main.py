"""The child's entry: ``python main.py``, by path, in an interpreter with TensorFlow.

It needs only the standard library, numpy and TensorFlow, so any interpreter with
TensorFlow works, including one without ckpt-gui installed (the user's training
environment). It imports nothing of ckpt_gui: it loads the modules beside it as a
package of its own (a name no user script has, so theirs are never shadowed) and,
by path, ckpt_gui/core/format/conventions.py as that package's ``conventions`` and
ckpt_gui/repair/fit.py (the repair's one rule of what may be written where) as its ``fit``.
The protocol is in protocol.py.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
import json
import os
import signal
import sys
import types

PACKAGE = "_ckpt_gui_doctor_child"
STACK_SIGNAL = "SIGUSR1"  # the parent's request for the stack (child_process.py sends it)
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))  # ckpt_gui
_CONVENTIONS = os.path.join(_ROOT, "core", "format", "conventions.py")
_FIT = os.path.join(_ROOT, "repair", "fit.py")


def load_package() -> types.ModuleType:
    """The child's modules as package PACKAGE, with the shared naming conventions and
    the repair's fit rule."""
    package = types.ModuleType(PACKAGE, __doc__)
    package.__path__ = [_HERE]
    sys.modules[PACKAGE] = package
    for name, path in (("conventions", _CONVENTIONS), ("fit", _FIT)):
        spec = importlib.util.spec_from_file_location(f"{PACKAGE}.{name}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        setattr(package, name, module)
    return package


def main() -> int:
    load_package()
    protocol = importlib.import_module(PACKAGE + ".protocol")
    protocol.open_channel()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # A crash in the script (a C extension, ctypes) then leaves the Python lines it was
    # running in the log the parent shows.
    faulthandler.enable(sys.stderr)
    # At the time limit the parent asks for the Python lines being run before it kills the
    # child (runner.py): the timeout then says where the script was, not only its phase.
    if hasattr(signal, STACK_SIGNAL):
        faulthandler.register(getattr(signal, STACK_SIGNAL), file=sys.stderr, all_threads=True)
    protocol.phase("importing TensorFlow")
    try:
        import numpy  # noqa: F401 - the child's own, with its TensorFlow
        import tensorflow as tf
    except BaseException as exc:  # noqa: BLE001 - report anything, even SystemExit from a broken install
        protocol.send_error(exc, "importing TensorFlow")
        return 3
    protocol.send({"event": "ready", "tensorflow": tf.__version__, "python": sys.version.split()[0]})
    line = sys.stdin.readline()
    if not line:
        return 0  # the parent went away or does not need this warm child
    request = json.loads(line)
    # A repair request writes a repaired checkpoint (repair_write.py) instead of diagnosing.
    repairing = "repair" in request
    if repairing:
        run = importlib.import_module(PACKAGE + ".repair_write").write_repaired
    else:
        run = importlib.import_module(PACKAGE + ".attempt").attempt
    try:
        facts = run(request)
    except protocol.ScriptError as exc:
        protocol.send_error(exc.cause, exc.phase, exc.trace)
        return 1
    except BaseException as exc:  # noqa: BLE001
        protocol.send_error(exc, "writing the repaired checkpoint" if repairing else "diagnosing")
        return 1
    protocol.send({"event": "report", "report": facts})
    return 0


if __name__ == "__main__":
    sys.exit(main())
