"""What keeps the event loop free while a large checkpoint opens and its first picture
is drawn (issue 11: never blocked over 100 ms). The speeds are benchmarks
(benchmarks/app_open_bench.py, worker_holds_bench.py, app_speed_bench.py); these tests
check the structure that gives them: work proportional to what is shown, done off the
GUI thread or in turns of its own, and long bulk work on a worker cut into slices."""

from __future__ import annotations

from ckpt_gui.app import browse_opening
from ckpt_gui.core.checkpoint import Checkpoint

WAIT_MS = 60_000


def test_the_key_view_kept_selects_the_object_views_choice_without_a_walk(
    qtbot, window, checkpoints, held_graph, monkeypatch
):
    """The user expanded a group of the key view while the object graph was decoded (so
    the key view stays) and selected nothing: the first selection is the variable the
    open job chose in the object view, found by its key, not worked out again over every
    variable of the key view on the GUI thread."""
    browse, panel, view = window.browse, window.tree_panel, window.tree_panel.view
    walked = []
    real = browse_opening.first_to_show
    monkeypatch.setattr(browse_opening, "first_to_show", lambda tree: walked.append(tree) or real(tree))
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "keras_seq"))
    keys = panel.tree
    assert panel.selected_node() is None
    group = next(n for n in keys.root.shown if n.variable is None and n.has_shown())
    view.collapse(panel.model.index_of(group))  # the user's own change (opened first or not): the key view stays
    view.expand(panel.model.index_of(group))
    assert panel.changes
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    objects = panel.trees["objects"]
    assert panel.current_view == "keys" and panel.tree is keys and objects is not keys
    chosen = objects.first_choice
    assert chosen is not None and chosen is not False, "the open job chose the first variable off the GUI thread"
    assert panel.selected_node() is keys.by_key[chosen.variable.key]
    assert keys not in walked, "the key view's variables were walked on the GUI thread"


def test_the_variable_list_and_a_trees_key_index_are_made_a_slice_at_a_time(checkpoints, monkeypatch):
    """The open job's bulk C calls over every variable (the variable list, the object
    view's index by key, each key's object paths) are cut into slices with the lock
    let go between two; what they make is the same as in one call."""
    from itertools import repeat

    from ckpt_gui.core.checkpoint import Variable
    from ckpt_gui.core.format import lock_slices as slices
    from ckpt_gui.core.views.tree import object_tree

    ckpt = Checkpoint.open(str(checkpoints / "keras_seq"))
    total = len(ckpt.index.entries)
    assert total > 6
    monkeypatch.setattr(slices, "SLICE", 3)
    let_go = []
    monkeypatch.setattr(slices, "between_slices", lambda: let_go.append(0))
    variables = ckpt.variables
    assert let_go and set(let_go) == {0}
    assert variables == list(map(tuple.__new__, repeat(Variable), zip(*ckpt.variable_columns)))
    assert [v.key for v in variables] == list(ckpt.index.entries)
    assert any(v.object_paths for v in variables)
    let_go.clear()
    tree = object_tree(ckpt)
    assert len(let_go) >= total // 3 - 1
    assert list(tree.by_key) == [node.variable.key for node in tree.by_key.values()]
    assert sorted(tree.by_key) == sorted(v.key for v in variables)


def _spy_plots(monkeypatch, events: list[str]) -> None:
    """Record when each plot is made and each picture drawn (into ``events``)."""
    from ckpt_gui.app.widgets import tensor_panel, tensor_plots

    for name in ("make_line", "make_heatmap"):
        real = getattr(tensor_plots, name)
        monkeypatch.setattr(tensor_plots, name, lambda *a, _real=real, _name=name: (events.append(_name), _real(*a)))
    for name in ("_wait_for_picture", "_show_plane", "_draw_line"):
        real = getattr(tensor_panel.TensorPanel, name)

        def spy(self, *args, _real=real, _name=name):
            events.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(tensor_panel.TensorPanel, name, spy)


def test_a_large_vectors_first_picture_makes_its_plot_in_an_event_loop_pass_of_its_own(qtbot, monkeypatch):
    """Selecting a large tensor makes no plot in the selection's turn; the plot is made
    in a later one, and the waiting picture drawn in the pass after it (a timer gets
    its turn between the two), not all in one."""
    import numpy as np
    from PySide6.QtCore import QTimer

    from ckpt_gui.app.widgets.tensor_panel import TensorPanel

    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.show()
    events: list[str] = []
    _spy_plots(monkeypatch, events)
    panel.show_large(np.zeros(1000, dtype=np.float32), "vector", None)
    assert events == [] and "line" not in panel.__dict__, "a plot was made in the selection's turn"
    assert "Drawing" in panel.message.text()
    ticker = QTimer(panel, interval=0)  # fires once per pass of the event loop
    ticker.timeout.connect(lambda: events.append("tick"))
    ticker.start()
    qtbot.waitUntil(lambda: "_wait_for_picture" in events, timeout=5000)
    ticker.stop()
    made, drawn = events.index("make_line"), events.index("_wait_for_picture")
    assert made < drawn and "tick" in events[made:drawn]
    assert panel.picture.currentWidget() is panel.line


def test_a_newer_picture_drops_the_one_waiting_for_its_plot(qtbot, monkeypatch):
    import numpy as np

    from ckpt_gui.app.widgets.tensor_panel import TensorPanel
    from ckpt_gui.core.analysis.envelope import BlockEnvelope

    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.show()
    events: list[str] = []
    _spy_plots(monkeypatch, events)
    values = np.arange(1000, dtype=np.float32)
    panel.show_large(values, "vector", None)
    envelope = BlockEnvelope.for_region(1, values.size)
    envelope.add(values, 0)
    panel.show_envelope(envelope, None)  # before the plot's turn: drawn after it, instead of the waiting picture
    assert events == [], "a plot was made in the turn that asked for the drawing"
    qtbot.waitUntil(lambda: "_draw_line" in events, timeout=5000)
    qtbot.wait(50)
    assert events == ["make_line", "_draw_line"], "the waiting picture was drawn, or the envelope's twice"
    assert panel.envelope is envelope and panel.picture.currentWidget() is panel.line


def test_selecting_a_matrix_makes_its_heatmap_while_its_values_are_read(qtbot, window, checkpoints, monkeypatch):
    """The first selection's heatmap is made in a turn before the values arrive and are
    drawn, not in the turn that draws them."""
    events: list[str] = []
    _spy_plots(monkeypatch, events)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "keras_seq"))
    node = window.tree_panel.selected_node()
    assert node is not None and len(node.variable.shape) >= 2
    qtbot.waitUntil(lambda: "_show_plane" in events, timeout=WAIT_MS)
    assert events.index("make_heatmap") < events.index("_show_plane")
    assert events.count("make_heatmap") == 1


def test_the_tree_measures_a_sample_of_rows_when_columns_give_way(qtbot, monkeypatch):
    """Fitting the tree's columns after an expansion (a group of 20,000 rows shown 256
    at a time) measures the same sample of rows for which columns give way as for their
    widths, not 200 per column."""
    from ckpt_gui.app.widgets import column_widths, tree_columns, tree_panel

    asked = []
    real = column_widths.columns_giving_way

    def spy(view, limits, order, rows=column_widths.FIT_ROWS, measured=None):
        asked.append((rows, view.header().resizeContentsPrecision()))
        found = real(view, limits, order, rows, measured)
        asked.append((rows, view.header().resizeContentsPrecision()))
        return found

    monkeypatch.setattr(tree_columns, "columns_giving_way", spy)
    panel = tree_panel.TreePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.fit_columns()
    assert asked and asked[-1] == (tree_columns.FIT_SAMPLE, tree_columns.FIT_SAMPLE)
    assert tree_columns.FIT_SAMPLE < column_widths.FIT_ROWS


def test_fitting_the_tree_columns_measures_each_column_and_name_once(qtbot, window, checkpoints):
    """The fit after a new tree or an expansion (one event-loop turn) measures each
    column beside the name once and the sample of names once, for both what gives way
    and the widths (each measured twice took 80 to 100 ms of the GUI thread's CPU at
    200,000 variables); and what it measured is what Qt's own resizeColumnToContents
    gives each column."""
    from ckpt_gui.app.widgets import column_widths, tree_columns

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "keras_seq"))
    panel = window.tree_panel
    view = panel.view
    measured: dict[str, list] = {"column": [], "resize": [], "names": []}
    real_hint, real_names = view.sizeHintForColumn, column_widths._name_widths
    view.sizeHintForColumn = lambda column: measured["column"].append(column) or real_hint(column)
    view.resizeColumnToContents = lambda column: measured["resize"].append(column)
    try:
        column_widths._name_widths = lambda *args: measured["names"].append(args) or real_names(*args)
        panel.fit_columns()
    finally:
        column_widths._name_widths = real_names
        del view.sizeHintForColumn, view.resizeColumnToContents
    beside = [c for c in tree_columns.COLUMN_LIMITS if not view.isColumnHidden(c) or c in panel.columns.gave_way]
    assert beside and sorted(measured["column"]) == sorted(beside)
    assert measured["resize"] == [] and len(measured["names"]) == 1
    once = column_widths.measure_columns(view, beside, rows=tree_columns.FIT_SAMPLE)
    for column in (c for c in beside if not view.isColumnHidden(c)):  # one that gave way has no width
        view.resizeColumnToContents(column)
        assert once.contents[column] == view.columnWidth(column)


def test_the_app_has_workers_hand_the_interpreter_lock_over_within_a_millisecond(tmp_path):
    """The app (``ckpt-gui PATH``) runs with a switch interval of at most 1 ms, not
    Python's 5: Qt calls the tree model's Python methods thousands of times per paint,
    each time taking the interpreter lock, and while a worker computes (an open) the GUI
    thread waited a whole interval each time the worker had taken it in between."""
    import os
    import subprocess
    import sys

    from ckpt_gui.app import launch
    from ckpt_gui.resources import demo_path

    child = (
        "import sys\n"
        "from ckpt_gui.app import launch\n"
        "real = launch.start_collector\n"  # called by run_gui just after the app is made
        "launch.start_collector = lambda app: (print('interval', sys.getswitchinterval(), flush=True), real(app))\n"
        "launch.run_gui(sys.argv[1:])\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_GUI_SETTINGS_DIR": str(tmp_path)}
    args = [sys.executable, "-c", child, str(demo_path()), "--screenshot", str(tmp_path / "shot.png")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env, check=False)
    said = [line for line in result.stdout.splitlines() if line.startswith("interval ")]
    assert said, result.stderr[-2000:]
    assert float(said[0].split()[1]) == launch.SWITCH_INTERVAL_S <= 0.001


def _pieces_per_turn(monkeypatch):
    """Record the plots' pieces of GUI work (each plot made, each drawing) and the
    plots' paints (each plot's watched from when it is made), with a mark at each pass
    of the event loop (a 0 ms timer fires once per pass): the list of what ran in each
    pass, filled in as the loop runs, and the timer (stop it to end the record)."""
    from PySide6.QtCore import QTimer

    from ckpt_gui.app.widgets import histogram_panel, histogram_plot, tensor_plots
    from ckpt_gui.app.widgets.tensor_panel import TensorPanel
    from tests.event_log import EventLog

    turns: list[list[str]] = [[]]

    paints = EventLog(lambda watched, _type: turns[-1].append(f"paint {watched.parent().objectName()}"))

    def watch(plot, name: str) -> None:
        plot.setObjectName(name)
        plot.viewport().installEventFilter(paints)

    def spy(owner, name, label, watched=None):
        real = getattr(owner, name)

        def recorded(*args, **kwargs):
            turns[-1].append(label)
            made = real(*args, **kwargs)
            if watched is not None:
                watch(*watched(args, made))
            return made

        monkeypatch.setattr(owner, name, recorded)

    spy(tensor_plots, "make_heatmap", "make_heatmap", lambda args, _made: (args[0].graphics, "heatmap"))
    spy(tensor_plots, "make_line", "make_line", lambda args, _made: (args[0].line, "line"))
    spy(tensor_plots, "make_colour_bar", "make_colour_bar")
    spy(histogram_plot, "make_plot", "make histogram plot", lambda _args, made: (made[0], "histogram"))
    spy(TensorPanel, "_show_plane", "draw heatmap")
    spy(TensorPanel, "_draw_line", "draw line")
    spy(histogram_panel.HistogramPanel, "_redraw", "draw histogram")
    ticker = QTimer(paints, interval=0)
    ticker.timeout.connect(lambda: turns.append([]))
    ticker.start()
    return turns, ticker


PIECES = ("make_heatmap", "make_colour_bar", "make_line", "make histogram plot", "draw heatmap", "draw line",
          "draw histogram")  # fmt: skip


def test_the_first_selections_plots_are_made_and_drawn_one_piece_per_turn(qtbot, window, checkpoints, monkeypatch):
    """The first selection's heatmap, its colour bar and the histogram's plot are each
    made in an event-loop turn of their own, and each drawn in a later one than it was
    made in (all of it in one turn held the loop 100 to 140 ms of CPU); a plot drawn
    is painted before the next piece runs; what is shown is the selected variable's."""
    import numpy as np

    tensor, histogram = window.tensor, window.histogram
    turns, ticker = _pieces_per_turn(monkeypatch)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "keras_seq"))
    node = window.tree_panel.selected_node()
    assert node is not None and len(node.variable.shape) == 2

    def drawn():
        done = [event for turn in turns for event in turn]
        return {"paint heatmap", "paint histogram"} <= set(done) and "draw histogram" in done

    qtbot.waitUntil(drawn, timeout=WAIT_MS)
    qtbot.wait(50)  # what the last piece asked for
    ticker.stop()
    pieces = [[event for event in turn if event in PIECES] for turn in turns]
    assert all(len(turn) <= 1 for turn in pieces), [turn for turn in turns if turn]
    order = [turn[0] for turn in pieces if turn]
    for made, drawn_in in (("make_heatmap", "draw heatmap"), ("make_colour_bar", "draw heatmap"),
                           ("make histogram plot", "draw histogram")):  # fmt: skip
        assert order.count(made) == 1 and order.index(made) < order.index(drawn_in), order
    # Each plot drawn is painted before the next piece of work runs.
    events = [event for turn in turns for event in turn if event in PIECES or event.startswith("paint")]
    for drawing, paint in (("draw heatmap", "paint heatmap"), ("draw histogram", "paint histogram")):
        after = events[events.index(drawing) + 1 :]
        later_pieces = [i for i, event in enumerate(after) if event in PIECES]
        assert paint in after[: later_pieces[0] if later_pieces else None], events
    # What is shown: the selected variable's values and histogram.
    values = window.browse.ckpt.read(node.variable.key)
    np.testing.assert_array_equal(tensor.image.image, values)
    assert tensor.picture.currentWidget() is tensor.picture.widget(1)
    assert histogram.stack.currentWidget() is histogram.plot
    counts, edges = np.histogram(values, bins=histogram.histogram.edges)
    np.testing.assert_array_equal(histogram.curve.getData()[1], counts)
    np.testing.assert_allclose(histogram.curve.getData()[0], edges)


def test_plot_turns_run_one_piece_per_pass_and_wait_for_a_changed_plots_paint(qtbot):
    """app/plot_turns.py: the first piece asked for in a free turn runs at once, the
    others one per pass of the event loop, in order; a queued piece of the same owner
    and key is replaced by the newer one; a piece returning a shown widget has it
    painted before the next runs; a deleted owner's piece is dropped."""
    import shiboken6
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QLabel

    from ckpt_gui.app import plot_turns
    from tests.event_log import EventLog

    log: list[str] = []
    shown = QLabel("plot")
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    owner, gone = QObject(), QObject()

    paints = EventLog(lambda _watched, _type: log.append("paint"))
    shown.installEventFilter(paints)
    ticker = QTimer(paints, interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: log.append("|"))
    qtbot.wait(20)  # the label's first paint done
    log.clear()
    ticker.start()

    def changes_the_label():
        log.append("b")
        shown.setText("changed")
        return shown

    plot_turns.run(owner, lambda: log.append("a"))
    assert log == ["a"], "the first piece of a free turn runs at once"
    plot_turns.run(owner, changes_the_label, key="draw")
    plot_turns.run(gone, lambda: log.append("never"))
    plot_turns.later(owner, lambda: log.append("c"), key="make")
    plot_turns.run(owner, lambda: log.append("old d"), key="d")
    plot_turns.run(owner, lambda: log.append("d"), key="d")  # replaces "old d", in its place
    shiboken6.delete(gone)
    assert log == ["a"] and plot_turns.busy()
    qtbot.waitUntil(lambda: not plot_turns.busy(), timeout=5000)
    ticker.stop()
    pieces = [event for event in log if event not in ("|", "paint")]
    assert pieces == ["a", "b", "c", "d"], log
    passes = "".join(event if event in ("|",) else f"[{event}]" for event in log).split("|")
    assert all(sum(part.count(f"[{p}]") for p in pieces) <= 1 for part in passes), log
    between = log[log.index("b") : log.index("c")]
    assert "paint" in between, log


def test_the_object_views_swap_its_first_selection_and_details_come_in_passes_of_their_own(
    qtbot, window, checkpoints, held_graph, monkeypatch
):
    """The object view replacing the key view, the first selection in the tree (its
    groups opened, its columns fitted) and Details filled for it run in three passes
    of the event loop, in that order, the tree painted before Details fills: in one
    turn they held the loop 65 to 100 ms of the GUI thread's CPU at 200,000 variables."""
    from PySide6.QtCore import QEvent, QTimer

    from ckpt_gui.app.widgets import tree_columns
    from tests.event_log import EventLog

    browse, panel = window.browse, window.tree_panel
    turns: list[list[str]] = [[]]

    def spy(owner, name, label):
        real = getattr(owner, name)

        def recorded(*args, **kwargs):
            turns[-1].append(label)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, recorded)

    spy(type(panel), "set_trees", "swap")
    spy(type(panel), "select_node", "select")
    spy(tree_columns.TreeColumns, "fit", "fit")
    spy(type(browse), "_show_details", "details")

    paints = EventLog(
        lambda _watched, kind: turns[-1].append("paint tree" if kind == QEvent.Type.Paint else "focus"),
        (QEvent.Type.Paint, QEvent.Type.FocusIn),
    )
    panel.view.viewport().installEventFilter(paints)
    panel.view.installEventFilter(paints)
    ticker = QTimer(paints, interval=0)  # once per pass of the event loop
    ticker.timeout.connect(lambda: turns.append([]))
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "keras_seq"))
    qtbot.wait(20)
    turns[:] = [[]]
    ticker.start()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    ticker.stop()
    passes = [turn for turn in turns if turn]
    where = {}
    for number, turn in enumerate(passes):
        for event in turn:
            where.setdefault(event, number)  # each event's first pass
    assert {"swap", "select", "details"} <= set(where), passes
    assert where["swap"] < where["select"] < where["details"], passes
    assert "details" not in passes[where["select"]] and "select" not in passes[where["details"]], passes
    # The tree is painted with its selection before Details fills, given the focus with
    # it (the focus repaints the whole tree: not in Details' pass); the columns fitted
    # once for the rows the selection opened (not again a pass later).
    between = [event for turn in passes[where["select"] : where["details"] + 1] for event in turn]
    assert "paint tree" in between[: between.index("details")], passes
    assert "focus" in passes[where["select"]] and panel.view.hasFocus(), passes
    events = [event for turn in passes for event in turn]
    assert events[events.index("select") :].count("fit") == 1, passes
    node = panel.selected_node()
    chosen = panel.trees["objects"].first_choice
    assert panel.current_view == "objects" and node is chosen and browse.current is node
    assert window.details.title.text() == node.variable.display_path


def test_a_selection_not_told_yet_is_told_once_unless_the_user_selected_meanwhile(qtbot, window, checkpoints):
    """select_node(tell=False) selects in the tree but tells the panels only at
    tell_selection(); a selection the user makes in between is told at once, and the
    held one is then not told (it would replace the user's in Details)."""
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "keras_seq"))
    panel = window.tree_panel
    first = panel.selected_node()
    variables = [node for node in panel.tree.by_key.values() if node.variable.shape and node is not first][:2]
    assert len(variables) == 2
    told: list = []
    panel.node_selected.connect(told.append)
    assert panel.select_node(variables[0], tell=False)
    assert panel.selected_node() is variables[0] and told == []
    panel.tell_selection()
    panel.tell_selection()
    assert told == [variables[0]]
    told.clear()
    panel.select_node(variables[1], tell=False)
    panel.view.setCurrentIndex(panel.model.index_of(variables[0]))  # the user's click meanwhile
    panel.tell_selection()
    assert told == [variables[0]] and panel.selected_node() is variables[0]


def test_plot_turns_next_piece_waits_for_a_timer_that_fell_due_during_the_paint(qtbot):
    """The next turn's timer is started once a changed widget's paint is done, not when
    the paint begins: a 10 ms timer (the benchmarks' heartbeat, a key's auto-repeat)
    that falls due during a long paint fires before the next piece. Started at the
    paint's start, the 0 ms timer was due first and the paint and the next piece made
    one gap (the tree's paint and Details' piece at 200,000 variables: 45 ms)."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel

    from ckpt_gui.app import plot_turns

    log: list[str] = []

    class SlowPaint(QLabel):
        def paintEvent(self, event):  # noqa: N802 - Qt's API
            log.append("paint")
            until = time.perf_counter() + 0.03
            while time.perf_counter() < until:
                pass
            super().paintEvent(event)

    shown = SlowPaint("plot")
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.wait(50)  # the label's first paint done
    ticker = QTimer(shown, interval=10)
    ticker.timeout.connect(lambda: log.append("|"))
    log.clear()
    ticker.start()

    def changes_the_label():
        log.append("draw")
        shown.setText("changed")
        return shown

    plot_turns.later(shown, changes_the_label, key="draw")
    plot_turns.later(shown, lambda: log.append("next"), key="next")
    qtbot.waitUntil(lambda: "next" in log, timeout=5000)
    ticker.stop()
    after_draw = log[log.index("draw") :]
    between = after_draw[after_draw.index("paint") : after_draw.index("next")]
    assert "|" in between, log
