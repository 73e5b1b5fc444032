"""Typing in a large comparison's filter, off the GUI thread (issue 11: at 200,000
pairs each keystroke held the GUI thread 1 to 3 s, the filter box not redrawn): as
browse's tree does (widgets/tree_filtering.py, whose BackgroundFilter this reuses),
typing is debounced, the pairs matched (and the flat list ordered) on a worker, a
result for older text dropped, and the search texts made ahead once a large
comparison is shown. The GUI thread only shows what was chosen. A chip clicked or the
flat list's box toggled in a large comparison is matched on the worker too, without
the pause (one click; "same" at 200,000 pairs held the GUI thread ~150 ms, the flat
list's box with words typed its sort too). A small comparison (up to LARGE_TREE
pairs) and the filter emptied filter at once, on the GUI thread, as browse's do."""

from __future__ import annotations

import weakref

from ckpt_gui.app.widgets.tree_filtering import BackgroundFilter, is_large
from ckpt_gui.core.views.pair_shown import PairShown, chosen_mask, pair_shown

FILTERING = "filtering\u2026"  # said where the chips' filter is, while typing waits for its rows


class CompareMatching:
    """Mixed into CompareTrees: its ``search``, ``summary`` chips, ``by_change`` box,
    ``tree_model`` and ``_show_chosen`` (the rows a filter chose, shown) are its own."""

    def _start_matching(self) -> None:
        """In __init__: typing filters through ``typing`` (given its worker by the controller)."""
        self.typing = BackgroundFilter(self, self._filter_in_background)
        self.typing.matched.connect(self._on_matched)
        self.search.textChanged.connect(self._on_text)

    def apply_filter(self) -> int:
        """Filter now, on this thread (the filter emptied, the end of the comparison, a
        small comparison's chip or box); typing, a chip or the box in a large
        comparison filter on a worker instead (:meth:`_match_in_background`). How many
        pairs are shown."""
        self.typing.drop()  # a worker's result for older text is not shown after this
        tree = self.tree_model.tree
        words, statuses = self._filter_parts()
        return self._show_chosen(tree.search.matching(words, statuses) if tree is not None else None)

    def _filter_parts(self) -> tuple[list[str], set[str] | None]:
        """The words typed (lower case) and the chips' statuses (None: no chip)."""
        statuses = {status for status, button in self.summary.items() if button.isChecked()} or None
        return self.search.text().lower().split(), statuses

    def _on_text(self, text: str) -> None:
        # Emptied (Escape, a jump to a pair the filter hid): at once, every pair shown
        # cheaply, and the caller selects in the rows it expects.
        if is_large(self.tree_model.tree) and text.split():
            self.typing.typed()  # what a worker finds for the text before is not shown
            self.showing.setText(FILTERING)
        else:
            self.apply_filter()

    def _on_choice(self) -> None:
        """A chip clicked, the flat list's box toggled: in a large comparison matched on
        the worker at once (a click is no keystroke to wait out), else filtered here.
        Nothing selects right after these (unlike an emptied filter), so the rows may
        come a moment later; the chip's state and the box's are the filter's at once."""
        if is_large(self.tree_model.tree) and self._match_in_background():
            self.typing.debounce.stop()  # the text waiting for its pause is matched with the click
            self.showing.setText(FILTERING)
        else:
            self.apply_filter()

    def _filter_in_background(self) -> None:
        """The user paused: the words matched (and the flat list ordered) on a worker,
        shown when they come unless more was typed (or a chip clicked) meanwhile."""
        if not self._filter_parts()[0] or not self._match_in_background():
            self.apply_filter()

    def _match_in_background(self) -> bool:
        """The filter as it stands matched (and the flat list ordered) on a worker;
        False when there is nothing worth a worker (no tree, no worker, every pair in
        the tree: cheap here) and the caller filters at once."""
        tree = self.tree_model.tree
        words, statuses = self._filter_parts()
        flat = self.by_change.isChecked()
        if tree is None or not (words or statuses or flat):
            return False

        def match():
            chosen = tree.search.matching(words, statuses)
            if chosen is None:  # every pair: the flat list's order of them all (a sort of 200,000)
                return tree, flat, chosen, tree.search.flat_order(None) if flat else None, None
            if flat:
                mask = chosen_mask(chosen, len(tree.ordered))
                return tree, flat, chosen, tree.search.flat_order(chosen, mask), PairShown(mask, None)
            # The paths the tree keeps, worked out here: the GUI thread makes only the
            # levels on screen (20,000 matches made 20,000 levels in one of its turns).
            return tree, flat, chosen, None, pair_shown(chosen, len(tree.ordered))

        return self.typing.run(match)

    def order_ahead(self) -> None:
        """Every pair compared (the compare controller's end): a large comparison's flat
        list of every pair ordered on a worker, in the background extras' turn, and kept
        (core/views/pair_flat.py): the flat list's box, a filter in it and the filter
        emptied there then find the sort of 200,000 pairs made (80 to 170 ms of the
        GUI thread when the filter was emptied, issue 11)."""
        tree = self.tree_model.tree
        if tree is None or not is_large(tree) or self.typing.prepare_later is None:
            return
        held = weakref.ref(tree)  # not kept alive by the queue: a comparison replaced meanwhile is dropped

        def order(_give_way) -> None:
            later = held()
            if later is not None:
                later.search.flat_order(None)

        self.typing.prepare_later(order, lambda: held() is None)

    def _on_matched(self, generation: int, result) -> None:
        tree, flat, chosen, ordered, shown = result
        if generation == self.typing.generation and tree is self.tree_model.tree and flat == self.by_change.isChecked():
            self._show_chosen(chosen, ordered, shown)
