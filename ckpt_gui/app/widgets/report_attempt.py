"""The restore report panel while an attempt runs and when one ends without a report:
its phase and seconds counted live; the report shown until then kept, dimmed and
named ("the previous attempt (SCRIPT, HH:MM)"); a cancelled re-run shows it again and
says whose it is (review findings 28, 35). A part of ReportPanel (its widgets)."""

from __future__ import annotations

import html
import os
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ckpt_gui.app.widgets.report_texts import bullets, headline_html, ordered_notes, provenance, provenance_parts
from ckpt_gui.diagnosis.attempt_watch import UNTIMED_PHASES


class AttemptStates:
    """ReportPanel's running and ended-without-a-report states (a mixin: it uses the
    panel's headline, phase, previous, panes, legend, buttons and tick timer)."""

    def show_running(self, script: str, limit_s: float | None = None) -> None:
        """The attempt's phase and elapsed seconds (of its time limit ``limit_s``); the
        report shown until then, if any, stays dimmed under a line that says whose it is
        (it is not this attempt's)."""
        self._running_script = script
        self._running_limit = limit_s
        self.headline.setText(f"Trying the restore with <b>{html.escape(script)}</b>...")
        self._park_focus()
        self.rerun_button.setEnabled(False)
        if self.report is not None:
            self.previous.setText(f"Below: the previous attempt ({self._made_by()}), until this one reports.")
            self._dim(True)
        else:
            self._hide_report()
        self.start_button.hide()
        self.button_row.hide()
        self._running_since = time.monotonic()
        self._limit_since = None  # when the script started: the time limit counts from there
        self._running_phase = "starting"
        self._show_running_phase()
        self._tick.start()

    def show_phase(self, phase: str) -> None:
        if phase not in UNTIMED_PHASES and getattr(self, "_limit_since", None) is None:
            self._limit_since = time.monotonic()
        self._running_phase = phase
        self._show_running_phase()

    def show_cancelled(self, why: str = "cancelled") -> None:
        """The attempt ended without a report (``why``: "cancelled", "stopped"):
        the previous report, if one was shown, shown again and said to be that one."""
        self._tick.stop()
        self.rerun_button.setEnabled(True)
        if self.report is None:
            self.headline.setText(f"The restore attempt was {why}.")
            self.phase.setText("")
            self._show_buttons(report=False)
            self._focus_after_attempt()
            return
        self._dim(False)
        # Said by what was cancelled: a re-run of the shown report's script, or an attempt
        # with another one (Choose script...), which "Re-run cancelled" misnamed (review 7).
        running = getattr(self, "_running_script", None)
        if running is None or running == os.path.basename(self.report.script):
            what = f"Re-run {html.escape(why)}"
        else:
            what = f"The attempt with {html.escape(running)} was {html.escape(why)}"
        self.headline.setText(f"<b>{what}; showing the report of {self._made_by(time_first=True)}."
                              f"</b><br>{headline_html(self.report)}")  # fmt: skip
        self.phase.set_path_line(provenance(self.report), provenance_parts(self.report))
        self._show_buttons(report=True)
        self._focus_after_attempt()

    def _park_focus(self) -> None:
        """The focus on a button this attempt hides (Choose script... after its file
        dialog, Re-run) held by the panel while it runs: hidden, the button handed it to
        the next widget in the window, the Bins box, where Down changed 100 to 99."""
        # The window's focus child, not the application's focus widget: just after the
        # file dialog the window may not be active again yet (X11 activates it later).
        focused = self.window().focusWidget() or QApplication.focusWidget()
        row = (self.start_button, self.button_row)
        if focused is not None and any(w is focused or w.isAncestorOf(focused) for w in row):
            self._focus_back = focused
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_after_attempt(self) -> None:
        """The focus the panel held while the attempt ran: on the problem table when the
        report has one, else back on the button that started the attempt."""
        back, self._focus_back = self._focus_back, None
        if back is None or self.window().focusWidget() is not self:  # the user put it elsewhere meanwhile
            return
        table = self.problems
        if table.isVisibleTo(self) and table.isEnabled() and table.topLevelItemCount():
            table.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        shown = [w for w in (back, self.rerun_button, self.script_button, self.start_button)
                 if w.isVisibleTo(self) and w.isEnabled()]  # fmt: skip
        if shown:
            shown[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _made_by(self, time_first: bool = False) -> str:
        """The shown report's script and when it came: "my_model.py, 03:39" or "03:39 (my_model.py)"."""
        script = os.path.basename(self.report.script)
        return f"{self._made_at} ({script})" if time_first else f"{script}, {self._made_at}"

    def _dim(self, dimmed: bool) -> None:
        """The shown report greyed (and its controls off) while another attempt runs."""
        self.previous.setVisible(dimmed)
        if self.report is not None:  # dimmed, the routine lines' own grey would stand out
            notes, routine = ordered_notes(self.report)
            self.notes.setText(bullets(notes, 0 if dimmed else routine, self.palette()))
        panes = (self.notes_area, self.problems, self.detail_area, self.error, self.other_series)
        for pane in (*panes, *self.legend.values()):
            pane.setEnabled(not dimmed)

    @property
    def running(self) -> bool:
        return self._tick.isActive()

    def _show_running_phase(self) -> None:
        """The phase and its seconds, against the time limit (Restore > Time limit...) once
        it counts: from the script's start. Before it, importing TensorFlow is said not to
        count: "13 s of 8 s" had run past its own limit with no timeout (review 21, 4)."""
        now, phase = time.monotonic(), self._running_phase
        limit, since = getattr(self, "_running_limit", None), getattr(self, "_limit_since", None)
        if not limit:
            counted = f"{int(now - self._running_since)} s"
        elif since is None:
            counted = f"{int(now - self._running_since)} s (not counted in the {limit:g} s limit)"
        else:
            counted = f"{int(now - since)} s of {limit:g} s"
        self.phase.setText(f"{phase[:1].upper()}{phase[1:]}... {counted}")
