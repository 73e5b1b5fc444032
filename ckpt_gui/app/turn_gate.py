"""One piece of the GUI thread's deferred work per pass of the event loop.

The plots' pieces (app/plot_turns.py) and the jobs' results (app/result_turns.py)
each wait for a real 0 ms timer of their own. Two such timers due together fire in
the same pass of the event loop, one after the other: a heatmap's plot made (37 ms
of CPU) and a histogram's first statistics shown (27 ms) made one 78 ms gap at
200,000 variables. Whichever runs first takes the pass; the other starts its timer
again and runs in the next pass, after the timers that fell due meanwhile (a key's
auto-repeat, the benchmarks' heartbeat).

The pass is given back by a posted call, which Qt runs once the timers of this pass
have fired: a queue that waits never waits more than one pass for it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

_taken = False


def take() -> None:
    """This pass of the event loop runs a piece of deferred work: no other one."""
    global _taken  # noqa: PLW0603 - one event loop per process
    if not _taken:
        _taken = True
        QTimer.singleShot(0, _give_back)


def taken() -> bool:
    """Whether a piece of deferred work ran in this pass."""
    return _taken


def _give_back() -> None:
    global _taken  # noqa: PLW0603 - one event loop per process
    _taken = False
