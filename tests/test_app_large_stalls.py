"""What keeps the event loop free while a large tensor is shown first (issue 11: never
blocked over 100 ms, benchmarks/app_speed_bench.py): the first selection does not ask
for numpy while pyqtgraph's background import loads it, the plots' turns have the cores
(the chunk workers wait), the NaN/Inf scan does not wait when there is next to
nothing left to scan, and the turn showing a checkpoint writes the settings file once.
Behaviour only: the speed itself is measured in benchmarks/."""

from __future__ import annotations

import sys
import types

import pytest

from ckpt_gui.app import nan_scan, plot_import, plot_turns
from ckpt_gui.core import deferred
from ckpt_gui.core.values import parallel
from ckpt_gui.resources import demo_path
from tests.conftest import main_window

WAIT_MS = 60_000


@pytest.fixture()
def scanning_window(qtbot, tmp_path, monkeypatch):
    yield from main_window(qtbot, tmp_path, monkeypatch, scan_on_open=True, idle_after_close=True)


def test_a_module_is_ready_only_once_its_import_has_ended(monkeypatch):
    """core/deferred.ready: not while another thread imports the module (asking for it
    then waits for that import's lock), nor before it is imported at all."""
    name = "ckpt_gui_test_module_being_imported"
    assert not deferred.ready(name)
    module = types.ModuleType(name)
    module.__spec__ = types.SimpleNamespace(_initializing=True)  # as importlib marks it while it runs
    monkeypatch.setitem(sys.modules, name, module)
    assert not deferred.ready(name)
    module.__spec__._initializing = False
    assert deferred.ready(name)
    import numpy  # noqa: F401 - imported, its import ended

    assert deferred.ready("numpy")


def test_the_first_selection_waits_for_numpy_being_imported_in_the_background(qtbot, window, monkeypatch):
    """While pyqtgraph's background import has numpy to load, the first selection (its
    Details, its values' and statistics' jobs, which need numpy on the GUI thread for a
    large tensor) is not told: the GUI thread would wait for that import's lock. It is
    once numpy is imported, and the checkpoint is loaded then."""
    importing = {"numpy": True}
    monkeypatch.setattr(plot_import, "numpy_pending", lambda: importing["numpy"], raising=False)
    loaded = []
    window.loaded.connect(lambda: loaded.append(True))
    with qtbot.waitSignal(window.browse.checkpoint_shown, timeout=WAIT_MS):
        window.browse.open_path(str(demo_path()))
    qtbot.wait(300)  # several of after_numpy's looks
    assert not loaded and window.browse.current is None, "the selection was told while numpy was imported"
    importing["numpy"] = False
    qtbot.waitUntil(lambda: bool(loaded), timeout=WAIT_MS)
    assert window.browse.current is not None and window.browse.current.variable is not None


def test_the_chunk_workers_wait_while_a_plot_piece_runs_and_is_painted(qtbot):
    """app/plot_turns.py: while a piece runs (and until the next turn, after its paint)
    the chunk workers start no new chunk; they are let go once the turns are done."""
    from PySide6.QtCore import QObject

    owner = QObject()
    during = []
    plot_turns.run(owner, lambda: during.append(parallel.held()))
    plot_turns.later(owner, lambda: during.append(parallel.held()))
    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=5000)
    assert during == [True, True]
    qtbot.waitUntil(lambda: not parallel.held(), timeout=1000)


@pytest.mark.parametrize("little", [True, False])
def test_the_scan_on_open_waits_only_when_much_is_left_to_scan(qtbot, scanning_window, monkeypatch, little):
    """The scan on open waits SETTLE_S after the first selection's statistics (its
    plots painted first) unless what is left besides that variable is small: then at
    once (the wait was a fifth of all a 512 MB vector's views took)."""
    settles = []
    real = nan_scan.NanScan.start

    def start(self, ckpt, known, settle=0.0):
        settles.append(settle)
        real(self, ckpt, known, settle)

    monkeypatch.setattr(nan_scan.NanScan, "start", start)
    monkeypatch.setattr(nan_scan, "SMALL_LEFT_VARIABLES", 1_000_000 if little else 0)
    monkeypatch.setattr(nan_scan, "SMALL_LEFT_BYTES", 1 << 40 if little else 0)
    window = scanning_window
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(demo_path()))
    qtbot.waitUntil(lambda: window.tree_panel.nonfinite is not None, timeout=WAIT_MS)
    assert settles == [0.0 if little else nan_scan.SETTLE_S]


def test_showing_a_checkpoint_writes_the_settings_once(qtbot, window, tmp_path, monkeypatch):
    """The turn showing a checkpoint remembers its path and folder in one write of the
    settings file (each QSettings written waits for the disk: three of them held that
    turn 24 ms); the recent paths and the next Open dialog's folder as before."""
    from ckpt_gui.app import settings
    from ckpt_gui.core.checkpoint import Checkpoint

    made, counting = [], []
    real = settings.settings
    monkeypatch.setattr(settings, "settings", lambda: (made.append(bool(counting)), real())[1])
    browse = window.browse
    browse.about_to_show.connect(lambda _ckpt: counting.append(True))
    browse.checkpoint_shown.connect(lambda _ckpt: counting.clear())
    prefix = str(Checkpoint.open(demo_path()).prefix)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        browse.open_path(prefix)
    assert made.count(True) == 1, made
    assert settings.recent_paths()[0] == prefix
    assert settings.last_folder() == Checkpoint.open(prefix).location.directory


def test_remembering_a_checkpoint_shown_keeps_the_recent_paths_and_a_real_folder(tmp_path, monkeypatch):
    from ckpt_gui.app import settings

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    settings.remember_opened(str(first / "ckpt-1"), str(first))
    settings.remember_opened(str(second / "ckpt-2"), "gs://bucket/run")  # no folder a dialog shows: the path's
    assert settings.recent_paths() == [str(second / "ckpt-2"), str(first / "ckpt-1")]
    assert settings.last_folder() == str(second)
    settings.remember_opened(None, str(first))  # a switch in the picker: the recent paths stay
    settings.remember_opened(str(first / "ckpt-1"), str(first))  # again: first once, not twice
    assert settings.recent_paths() == [str(first / "ckpt-1"), str(second / "ckpt-2")]
    assert settings.last_folder() == str(first)
    for n in range(settings.MAX_RECENT + 2):
        settings.remember_opened(str(first / f"ckpt-{n}"), str(first))
    assert len(settings.recent_paths()) == settings.MAX_RECENT


def test_the_scans_tip_lays_out_nothing(qtbot, scanning_window, checkpoints, monkeypatch):
    """The scan's result: the tree's badges and the tip to tick 'NaN/Inf only' in the
    status bar in the turn it lands, no banner: the banner, in a turn of its own, had
    re-laid out the window, its plots too (and pushed the tree down, review 19 F6)."""
    window = scanning_window
    at_landing = []
    real = nan_scan.NanScan._show

    def show(self, ckpt, known, result):
        real(self, ckpt, known, result)
        landed = window.tree_panel.nonfinite is not None, window.status_message().endswith(nan_scan.NAN_TIP)
        at_landing.append((*landed, window.banner.isVisible()))

    monkeypatch.setattr(nan_scan.NanScan, "_show", show)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "large"))
    qtbot.waitUntil(lambda: bool(at_landing), timeout=WAIT_MS)
    assert at_landing == [(True, True, False)]


def test_the_scans_badges_are_made_off_the_gui_thread(qtbot, scanning_window, checkpoints, monkeypatch):
    """Each variable's NaN/Inf badge is made by the scan's worker: the GUI thread looking
    through 200,000 results for them held the event loop 110 ms (gui_turns_bench)."""
    import threading

    on_gui_thread = []
    real = nan_scan.badge_text

    def badge_text(stats):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(stats)

    monkeypatch.setattr(nan_scan, "badge_text", badge_text)
    with qtbot.waitSignal(scanning_window.loaded, timeout=WAIT_MS):
        scanning_window.browse.open_path(str(checkpoints / "large"))
    qtbot.waitUntil(lambda: scanning_window.tree_panel.nonfinite is not None, timeout=WAIT_MS)
    assert on_gui_thread and not any(on_gui_thread)


def test_the_scans_statistics_join_the_known_ones_a_slice_per_turn(qtbot, scanning_window, checkpoints, monkeypatch):
    """The scan's statistics are added to those known (what a selection reads before it
    computes) a slice per event-loop turn: 200,000 at once held the loop 35 ms. They
    all arrive."""
    window = scanning_window
    monkeypatch.setattr(nan_scan, "MERGE_SLICE", 1)
    at_landing = []
    real = nan_scan.NanScan._show

    def show(self, ckpt, known, result):
        before = len(known)
        real(self, ckpt, known, result)
        at_landing.append((len(known) - before, len(result[0]), known))

    monkeypatch.setattr(nan_scan.NanScan, "_show", show)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "many"))
    qtbot.waitUntil(lambda: bool(at_landing), timeout=WAIT_MS)
    added, found, known = at_landing[0]
    assert found > 10 and added <= 2, at_landing[0][:2]  # one merged (and the first selection's, computed meanwhile)
    qtbot.waitUntil(lambda: len(known) >= found, timeout=WAIT_MS)


def test_a_wait_for_the_plot_import_is_dropped_with_its_owner(qtbot, monkeypatch):
    """The NaN/Inf scan of a window waits for pyqtgraph's import: a window closed
    meanwhile must start nothing when the import ends (its job runner's signals were
    gone: "Signal source has been deleted" in test_gui, under load); a living owner's
    callback still runs."""
    import shiboken6
    from PySide6.QtCore import QObject

    monkeypatch.setattr(plot_import, "_waiting", [])
    called: list[str] = []
    gone, alive = QObject(), QObject()
    plot_import.when_done(lambda: called.append("gone"), owner=gone)
    plot_import.when_done(lambda: called.append("alive"), owner=alive)
    shiboken6.delete(gone)  # the window closed
    plot_import._call_waiting()
    qtbot.waitUntil(lambda: called == ["alive"])
    qtbot.wait(50)
    assert called == ["alive"]


def test_the_scans_slices_are_merged_one_per_pass_of_the_event_loop(qtbot, monkeypatch):
    """merge_in_turns chains its slices on a real timer: a 0 ms single shot is a posted
    call, and Qt ran the first two slices back to back in one pass."""
    from PySide6.QtCore import QTimer

    monkeypatch.setattr(nan_scan, "MERGE_SLICE", 1)
    log: list[str] = []

    class Known(dict):
        def update(self, items):
            items = list(items)
            log.extend("*" for _ in items)
            super().update(items)

    known = Known()
    ticker = QTimer(interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: log.append("|"))
    ticker.start()
    qtbot.wait(5)
    nan_scan.merge_in_turns(known, iter([(f"v{i}", None) for i in range(6)]))
    qtbot.waitUntil(lambda: len(known) == 6, timeout=5000)
    ticker.stop()
    passes = "".join(log).split("|")
    assert all(part.count("*") <= 1 for part in passes), log
