"""The statistics and histogram of what the browse workflow has selected: one variable
(a sampled preview first when it is large, then one exact pass for the statistics,
the first NaN/Inf and a large tensor's picture, and the histogram's pass), or a
group's variables together. What was computed is kept per checkpoint key."""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import attrgetter

from PySide6.QtCore import QTimer

from ckpt_gui.app.job import JobContext
from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.app.large_values import LargeValues
from ckpt_gui.app.widgets.banner import BannerVoice
from ckpt_gui.app.widgets.details_panel import DetailsPanel
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.core.analysis import pass_process
from ckpt_gui.core.analysis.overview import NonFinite
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.analysis.summaries import preview_summary
from ckpt_gui.core.checkpoint import Checkpoint, shown_name
from ckpt_gui.core.format.lock_slices import paced
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.views.group_plan import GroupPlan, plan_group
from ckpt_gui.core.views.large_values import streamed_envelope
from ckpt_gui.core.views.missing_data import missing_shard_said
from ckpt_gui.core.views.readable_stats import group_histogram_of_readable, stats_skipping_unreadable
from ckpt_gui.core.views.shown_names import named_message
from ckpt_gui.core.views.tree import TreeNode

# A group's variables' fields, read in C (a group of 200,000: 0.1 to 0.2 s each in Python).
_DTYPE_NAME = attrgetter("dtype.name")
_KEY, _SIZE = attrgetter("key"), attrgetter("size_bytes")

PREVIEW_ELEMENTS = 1 << 20  # larger tensors get a histogram from a sample first
AUTO_GROUP_BYTES = 1 << 30  # group histograms up to this size are computed on selection
GROUPS_KEPT = 4  # the last groups whose histograms are shown again without reading them again
PLANNED_AT_ONCE = 20_000  # variables of a group whose histogram's plan is made on the GUI thread (1.2 us each)
SPLIT_MS = 20  # between showing a large tensor's statistics and drawing its envelope
NEXT_TURN_MS = 1  # a timer's: the event loop's next turn (see _start_preview)
# A group's Details name its variables whose data fails their checksum under this label (the
# tree's badge of each): a group has no CRC32C of its own to say "MISMATCH" of (review 14).
CORRUPT_FACT = "CRC mismatch"
UNREADABLE_FACT = "Unreadable"  # a group's variables that cannot be read for another reason
NAMED_AT_MOST = 3  # variables named in such a fact; "and N more" after them


class SelectionStats:
    def __init__(
        self,
        runner: JobRunner,
        histogram: HistogramPanel,
        details: DetailsPanel,
        large: LargeValues,
        banner: BannerVoice,
        done: Callable[[], None],
    ) -> None:
        """``done`` is called whenever the histogram lane has finished (or given up)."""
        self.runner, self.histogram, self.details, self.large, self.banner = runner, histogram, details, large, banner
        self.done = done
        self.node: TreeNode | None = None
        self.ckpt: Checkpoint | None = None
        self.stats_cache: dict[str, TensorStats] = {}
        self.positions: dict[str, tuple[NonFinite, ...]] = {}  # first NaN/Inf of each variable read
        self.shown_filter: Callable[[], Callable[[TreeNode], bool] | None] = lambda: None  # the tree's filter on
        self._preview: tuple[TreeNode, TensorStats, int] | None = None  # the sample's statistics shown, of a node
        # The last groups' histograms, by checkpoint (its id: held with it), bins, range and variables.
        self._groups_made: dict[tuple, tuple[Checkpoint, tuple]] = {}

    def start(self, node: TreeNode | None, ckpt: Checkpoint | None) -> None:
        """Compute (or show the known) statistics and histogram of ``node``."""
        self.node, self.ckpt = node, ckpt
        self.large.tensor.note_positions("", (), 0)  # the last selection's (a name in another checkpoint too)
        if node is None or ckpt is None:
            return
        bins, value_range = self.histogram.bins.value(), self.histogram.requested_range()
        if node.variable is None:
            self._start_group(node, bins, value_range)
        elif (missing := missing_shard_said(ckpt, node.variable.key)) is not None:
            self.histogram.clear(f"No histogram: its data file {missing}")
            self.details.show_stats(None, f"Statistics: none, its data file {missing}")
            self.done()
        elif not node.variable.dtype.is_numeric:
            variable = node.variable
            what = "the object graph (metadata)" if variable.is_object_graph else f"{variable.dtype.name} values"
            self.histogram.clear(f"No histogram for {what}")
            self.details.show_stats(None, "Statistics: not numeric")
        else:
            self._start_variable(node, ckpt, bins, value_range)

    def restart(self) -> None:
        """Again for the same selection (the histogram's bins or range changed)."""
        self.start(self.node, self.ckpt)

    def _start_variable(self, node: TreeNode, ckpt: Checkpoint, bins: int, value_range) -> None:
        variable = node.variable
        key, title = variable.key, shown_name(ckpt, variable)  # a slot under its variable, as the tree
        cached = self.stats_cache.get(key)
        wanted = self.large.wanted_for(key)
        self.histogram.computing(title)
        self.histogram.expect_plot()  # made in a turn of its own while the pass runs
        # One pass gives the statistics, the first NaN/Inf and the picture of a large
        # tensor; the histogram's pass follows. Without those to find, only the latter.
        first_needed = cached is None or wanted is not None or (cached.has_nonfinite and key not in self.positions)
        # A large tensor's passes run in the pass process (core/analysis/pass_process.py):
        # beside the GUI thread's Python, in this interpreter, they took 4 to 7 times as long.
        passes = pass_process.tensor_passes(ckpt, key)
        if isinstance(passes, pass_process.InChild):
            pass_process.warm_up()  # started while the preview's sample is read (0.2 to 0.45 s)
        if cached is not None:
            self._note_nonfinite(title, cached)
            self.details.show_stats(cached)
            self._show_positions(title, self.positions.get(key), cached)
        else:
            self.details.show_stats(None)
            if variable.num_elements > PREVIEW_ELEMENTS:
                self._start_preview(node, ckpt, bins)

        def compute(context: JobContext):
            stats = cached
            progress = context.passes(variable.num_elements, 2 if first_needed else 1)
            if first_needed:
                envelope = streamed_envelope(tuple(variable.shape), wanted[1]) if wanted else None
                first = passes.first(envelope, progress, context.cancelled)
                context.report(first)
                stats = first.stats
            return stats, passes.histogram(stats, bins, value_range, progress, context.cancelled)

        def first_done(first) -> None:
            self.stats_cache[key], self.positions[key] = first.stats, first.positions
            self._note_nonfinite(title, first.stats)
            with self.details.settled_once():
                self.details.show_stats(first.stats)
                self._show_positions(title, first.positions, first.stats)
                self.add_crc_fact(ckpt, key)
            if wanted is not None and first.envelope is not None:
                # Drawn a little later (a timer fires after the repaint queued now): the
                # statistics are painted first, the plot after, two short stalls, not one long.
                QTimer.singleShot(SPLIT_MS, lambda: self.large.built(wanted, first.envelope))

        def show(result) -> None:
            stats, histogram = result
            self.stats_cache[key] = stats
            self.histogram.show_histogram(histogram, title)
            if not first_needed:
                self.add_crc_fact(ckpt, key)
            self.done()

        self._submit(compute, show, title, first_done)

    def waiting_for(self, name: str) -> None:
        """The statistics' job waits for a read from ``name`` that does not return (a stuck
        mount): Details and the histogram say so, as the values pane does; they said
        "computing..." for good (review 15). A preview shown is kept."""
        waiting = f"waiting for a read from {name} that has not returned (a stuck network or FUSE mount?)"
        if not self.details.stats_shown:
            self.details.show_stats(None, f"Statistics: {waiting}")
        self.histogram.say_waiting(f"No histogram yet: {waiting}. Cancel, in the status bar, gives it up.")

    def _show_positions(self, title: str, positions: tuple[NonFinite, ...] | None, stats: TensorStats) -> None:
        """The first NaN/Inf in Details, and as links to their cells in the Values tab."""
        self.details.show_positions(positions, stats)
        if positions and stats.has_nonfinite:
            self.large.tensor.note_positions(title, positions, stats.nan + stats.posinf + stats.neginf)

    def _note_nonfinite(self, title: str, stats: TensorStats) -> None:
        """A large matrix's heatmap (min/max blocks) shows no NaN among finite values:
        its title names the counts of the statistics."""
        self.large.tensor.note_nonfinite(title, stats.nan, stats.posinf, stats.neginf)

    def add_crc_fact(self, ckpt, key: str) -> None:
        """A Keras file's datasets have no checksum: say so rather than "verified"."""
        stored = ckpt.keras is None or ckpt.entry(key).crc32c is not None
        verdict = "verified" if stored else "none stored (HDF5 keeps no checksum here)"
        self.details.add_fact("CRC32C", verdict, after="Bytes")

    def _submit(self, compute, show, title: str, on_partial=None) -> None:
        self.runner.submit(
            "histogram", compute, show, self._failed,
            label=f"Histogram of {title}", on_cancelled=self._cancelled, on_partial=on_partial,
        )  # fmt: skip

    def _cancelled(self) -> None:
        self.histogram.mark_cancelled()
        self.large.tensor.envelope_cancelled()  # the envelope comes with the first pass
        node = self.node
        if node is None or node.variable is None or node.variable.key not in self.stats_cache:
            preview = self._preview
            if preview is not None and preview[0] is node:  # kept, as the histogram keeps the sample's plot
                self.details.show_stats(preview[1], f"preview from {preview[2]:,} sampled values; exact numbers"
                                        " cancelled: select the variable again to compute them")  # fmt: skip
            else:
                self.details.show_stats(None, "Statistics: cancelled (select the variable again to compute them)")
        self.done()

    def _failed(self, message: str, details: str) -> None:
        self.done()
        message = named_message(self.ckpt, message)  # the tensor as the tree names it (review 21 #8)
        self.banner.show_message(message, "error", details)
        if "CRC32C" in message:  # the message once in full (the banner), short forms here
            self.histogram.clear("No histogram: CRC mismatch (see the message above)")
            self.details.show_stats(None, "Statistics: none, CRC mismatch (see the message above)")
            self.details.add_fact("CRC32C", "MISMATCH: the data is corrupt", after="Bytes")
            return
        # Each view says its own tensor's reason (the banner may since tell of another).
        self.histogram.clear(f"Could not compute the histogram: {message}")
        self.details.show_stats(None, f"Statistics: failed: {message}")

    def _show_group(
        self, ckpt, keys: list[str], summary, unreadable: dict[str, str], title_of, shown, slots_left_out, slots
    ):
        """A group's statistics and histogram, of the variables that could be read; those
        that could not are named in its Details, its optimizer slots that could not too
        (``slots``: the group's slots left out of its statistics, key -> name; the
        statistics of those read; those that could not be, key -> why)."""
        slot_names, read, bad_slots = slots
        if self.ckpt is ckpt:
            self.stats_cache.update(read)  # as the scan's: a slot selected next is not read again
        self._name_unreadable(ckpt, list(bad_slots), bad_slots, slot_names, slots=True)
        failed = list(filter(unreadable.__contains__, keys)) if unreadable else []  # (200,000 keys: in C)
        left_out = self._name_unreadable(ckpt, failed, unreadable)
        if summary is None:
            self.histogram.clear(f"No histogram: no variable of this group can be read, {left_out}")
            self.details.show_stats(None, f"Statistics: none, no variable can be read, {left_out}")
            return
        stats, histogram = summary
        read = len(keys) - len(unreadable)  # the title and the note count those read
        self.histogram.show_histogram(histogram, title_of(read))
        note = f"{counted(read, 'numeric variable')} together{shown}"
        note += ", optimizer slots not counted" if slots_left_out else ""
        if not unreadable:
            self.details.show_stats(stats, note)
            return
        # Short when some are left out (the facts name them): the whole had wrapped to 4
        # lines in the narrow Statistics column at 1024x640 (issue 11); its tooltip has it.
        whole = f"Statistics ({note}; {len(unreadable):,} left out, {left_out})"
        why = CORRUPT_FACT if left_out == CORRUPT_FACT else "unreadable"
        self.details.show_stats(stats, f"{counted(read, 'variable')}, {len(unreadable):,} left out: {why}", whole)

    def _name_unreadable(
        self,
        ckpt: Checkpoint,
        keys: list[str],
        why: dict[str, str],
        names: dict[str, str] | None = None,
        slots: bool = False,
    ) -> str:
        """The group's variables ``keys`` that could not be read, by name (``names``, else
        their display paths), in its Details: those failing their CRC32C under the tree's
        badge, the others as unreadable (``slots``: optimizer slots, under labels of their
        own); the whole message of the first once, in the banner. What the statistics
        then say."""
        if not keys:
            return ""
        corrupt = [key for key in keys if "CRC32C" in why[key]]
        other = [key for key in keys if key not in corrupt]
        for label, chosen in ((CORRUPT_FACT, corrupt), (UNREADABLE_FACT, other)):
            if chosen:
                named = chosen[:NAMED_AT_MOST]
                shown = [names[key] if names else shown_name(ckpt, ckpt.variable(key)) for key in named]
                more = f" and {len(chosen) - NAMED_AT_MOST:,} more" if len(chosen) > NAMED_AT_MOST else ""
                label = f"{label} (slot{'s' if len(chosen) > 1 else ''})" if slots else label
                self.details.add_fact(label, ", ".join(shown) + more, after="Bytes")
        if "CRC32C" not in self.banner.banner.text:  # the scan or a read said one in full already: not another
            self.banner.show_message(named_message(ckpt, why[keys[0]]), "error")
        return CORRUPT_FACT if not other else f"{counted(len(keys), 'variable')} unreadable"

    def _start_preview(self, node: TreeNode, ckpt: Checkpoint, bins: int) -> None:
        key = node.variable.key

        def sample(context: JobContext):
            return preview_summary(ckpt, key, bins)

        def still_wanted() -> bool:
            return self.runner.is_running("histogram") and self.node is node  # the exact one is not in yet

        def show(result) -> None:
            stats, histogram, size = result
            if still_wanted():
                self._preview = (node, stats, size)
                self.details.show_stats(stats, f"preview from {size:,} sampled values; exact numbers coming")
                # The plot on the next turn: two shorter stalls than both at once. A
                # timer's turn, not a posted call's (singleShot(0)): Qt's glib event loop
                # runs a posted call right after the one that posted it (plot_turns.py).
                QTimer.singleShot(NEXT_TURN_MS, self.histogram, lambda: show_histogram(histogram))

        def show_histogram(histogram) -> None:
            if still_wanted():
                self.histogram.show_histogram(histogram, shown_name(ckpt, node.variable), preview=True)

        self.runner.submit("preview", sample, show, lambda _m, _d: None)

    def _start_group(self, node: TreeNode, bins: int, value_range) -> None:
        """A group's histogram: its plan (core/views/group_plan.py) made here, or for a
        large group on the histogram's worker (130 to 250 ms of the GUI thread at
        200,000 variables); a histogram of the same variables made before is shown again,
        not read again (review 26 #4: 200,000 variables read for seconds at each
        Ctrl+1/Ctrl+2, or after a filter was lifted)."""
        ckpt = self.ckpt
        accept = self.shown_filter()
        # The variables read fine before are not read again when looking for unreadable ones.
        # The cache itself, not a copy made here (200,000 keys); the core copies it (one C call).
        known = self.stats_cache
        shown = ", those the filter shows" if accept is not None else ""
        title_of = functools.partial(_group_title, node.path or "all variables", shown=shown)  # of those read
        self.details.show_stats(None)

        def planned() -> GroupPlan:
            return plan_group(node, accept, ckpt, known, AUTO_GROUP_BYTES)

        def outcome(plan: GroupPlan, read: Callable | None):
            """(the plan, what its histogram found or None when it gets none, whether just read)"""
            if plan.why_none:
                return plan, None, False
            made = self._groups_made.get(plan.made_key(ckpt, bins, value_range))
            if made is not None and made[0] is ckpt:
                return plan, made[1], False
            return plan, read() if read is not None else None, True

        def show(found) -> None:
            plan, result, new = found
            if result is None:
                self.histogram.clear(plan.why_none)
            else:
                if new:
                    self._groups_made[plan.made_key(ckpt, bins, value_range)] = (ckpt, result)
                    while len(self._groups_made) > GROUPS_KEPT:
                        self._groups_made.pop(next(iter(self._groups_made)))
                summary, unreadable, read, bad_slots = result
                slots = (plan.slot_names, read, bad_slots)
                self._show_group(ckpt, plan.keys, summary, unreadable, title_of, shown, plan.slots_left_out, slots)
            self.done()

        plan = planned() if node.variable_count <= PLANNED_AT_ONCE else None
        if plan is not None and not outcome(plan, None)[2]:  # no histogram, or one made before
            show(outcome(plan, None))
            return
        self.histogram.expect_plot()
        passes = 1 if value_range is not None else 2
        # At once, not the text of what was selected before; then how far the reading is.
        count = len(plan.keys) if plan is not None else node.variable_count
        self.histogram.clear(f"Reading {count:,} variables for their histogram...")

        def compute(context: JobContext):
            now = plan or planned()
            return outcome(now, lambda: _read_group(context, ckpt, now, bins, value_range, passes, known))

        def reading(state) -> None:
            part, done, of = state
            which = f" (pass {part} of {passes})" if passes > 1 else ""
            self.histogram.clear(f"Reading {done:,} of {of:,} variables for their histogram{which}...")

        self._submit(compute, show, title_of(count), on_partial=reading)


def _read_group(context: JobContext, ckpt: Checkpoint, plan: GroupPlan, bins: int, value_range, passes: int, known):
    """A worker's: the histogram and statistics of ``plan``'s variables together (those
    that cannot be read left out, why) and its slots' statistics (read only to name
    those that cannot be read), telling ``context`` how far it is: (pass, variables
    read, of how many)."""
    numeric, keys = plan.numeric, plan.keys
    step = max(1, len(keys) // 100)
    elements = sum(v.num_elements for v in paced(numeric))  # here: 200,000 of them took 60 ms
    progress = context.passes(elements, passes)
    now = {"pass": 1, "last": 0, "said": -step}  # tensors read in this pass; when last said

    def tensors(done: int) -> None:
        if done < now["last"]:  # the count starts again: the next pass
            now["pass"], now["said"] = now["pass"] + 1, -step
        now["last"] = done
        if done - now["said"] >= step or done == len(keys):
            now["said"] = done
            context.report((now["pass"], done, len(keys)))

    summary, unreadable = group_histogram_of_readable(
        ckpt, keys, bins, value_range, progress, context.cancelled, tensors, known
    )  # fmt: skip
    read, bad_slots = stats_skipping_unreadable(ckpt, list(plan.slot_names), known, None, context.cancelled)
    return summary, unreadable, read, bad_slots


def _group_title(path: str, count: int, shown: str) -> str:
    """The histogram's title of a group's ``count`` variables together."""
    return f"{path} ({counted(count, 'variable')} together{shown})"
