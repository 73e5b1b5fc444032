"""What the browse controller shows of a tensor too large to read whole (issue 11).

Its table reads the rows shown through a read-only memory map; its first picture, a
min/max envelope of the vector or of the plane over the last two axes, is built by
the statistics pass the controller runs anyway (``wanted`` says which); any other
plane is read on its own, in the "values" lane. The last few envelopes are kept, so
selecting a large tensor again draws it at once.
"""

from __future__ import annotations

from collections import OrderedDict

from ckpt_gui.app.job import JobContext
from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.app.widgets.banner import Banner
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.checkpoint import Checkpoint, Variable, shown_name
from ckpt_gui.core.format.storage import is_url
from ckpt_gui.core.formatting import format_bytes
from ckpt_gui.core.values.mapped import mapped_entry
from ckpt_gui.core.views.large_values import large_choice, plane_envelope
from ckpt_gui.core.views.planes import PlaneChoice

KEPT_ENVELOPES = 4

Wanted = tuple[str, PlaneChoice | None]  # a variable's key and the plane drawn (None: a vector)


class LargeValues:
    def __init__(self, runner: JobRunner, tensor: TensorPanel, banner: Banner) -> None:
        self.runner, self.tensor, self.banner = runner, tensor, banner
        self.wanted: Wanted | None = None  # the envelope the next statistics pass should build
        self._key: str | None = None
        self._envelopes: OrderedDict[Wanted, BlockEnvelope] = OrderedDict()
        tensor.plane_requested.connect(self.start_plane)

    def forget(self) -> None:
        """Another checkpoint: its envelopes are not these."""
        self._envelopes.clear()
        self.wanted = None

    def show(self, ckpt: Checkpoint, variable: Variable) -> None:
        """Show ``variable`` (larger than LARGE_VIEW_BYTES) without reading it."""
        values = mapped_entry(ckpt.reader, ckpt.entry(variable.key)) if variable.dtype.is_numeric else None
        if values is None:
            size = format_bytes(variable.size_bytes)
            if is_url(ckpt.prefix):  # no memory map of an object in a bucket
                why = "in object storage; its statistics and histogram are computed from ranged reads"
            elif variable.dtype.is_numeric:
                why = "stored in pieces (partitioned or packed); its statistics and histogram are computed in chunks"
            else:
                why = f"{variable.dtype.name} values"
            self.tensor.show_message(f"{size}, {why}: too large to read whole for a view.")
            return
        self._key = variable.key
        choice = large_choice(values.shape)
        self.tensor.show_large(values, shown_name(ckpt, variable), choice)
        known = self._envelopes.get((variable.key, choice))
        if known is not None:
            self.tensor.show_envelope(known, choice)
        else:
            self.wanted = (variable.key, choice)

    def wanted_for(self, key: str) -> Wanted | None:
        return self.wanted if self.wanted is not None and self.wanted[0] == key else None

    def built(self, wanted: Wanted, envelope: BlockEnvelope) -> None:
        """The statistics pass built the envelope ``wanted``: draw it."""
        if self.wanted == wanted:
            self.wanted = None
        self._keep(wanted, envelope)
        if self._key == wanted[0]:  # still the tensor shown (not another with the same plane)
            self.tensor.show_envelope(envelope, wanted[1])

    def start_plane(self, choice: PlaneChoice) -> None:
        """The envelope of another plane of the large tensor shown (read on its own)."""
        values, key = self.tensor.value, self._key
        if values is None or key is None:
            return
        wanted = (key, choice)
        known = self._envelopes.get(wanted)
        if known is not None:
            self.tensor.show_envelope(known, choice)
            return

        def compute(context: JobContext):
            return plane_envelope(values, choice, context.cancelled, context.progress)

        def show(envelope: BlockEnvelope) -> None:
            self._keep(wanted, envelope)
            self.tensor.show_envelope(envelope, choice)

        def failed(message: str, details: str) -> None:
            self.banner.show_message(message, "error", details)

        self.runner.submit("values", compute, show, failed, label="Drawing the plane")

    def _keep(self, wanted: Wanted, envelope: BlockEnvelope) -> None:
        self._envelopes[wanted] = envelope
        self._envelopes.move_to_end(wanted)
        while len(self._envelopes) > KEPT_ENVELOPES:
            self._envelopes.popitem(last=False)
