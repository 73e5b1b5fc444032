"""The real cause behind many findings, said once: a layer inserted or removed, a
model built on another input shape, another optimizer, a Keras 2 checkpoint read by
a Keras 3 model. Each detector looks at all the findings together (and at what the
child saw of the user's optimizers) and returns the causes it recognises; the
findings a cause explains get its one suggestion instead of their own, which would
each tell a part of the story, often wrongly ("the layer went from 8 to 16 units").

Pure Python, from the findings alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import Cause, layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.layer_count import changed_layer_count
from ckpt_gui.diagnosis.layer_shift import layer_shifts, shifted_layers
from ckpt_gui.diagnosis.optimizer_causes import optimizer_causes

# Keras 2 (tf_keras) names a model's layers by position among those with weights; Keras 3
# functional and Sequential models by position among all their operations.
_KERAS2_LAYER = re.compile(r"(^|/)layer_with_weights-\d+(/|$)")
_KERAS3_LAYER = re.compile(r"(^|/)_functional/_operations/\d+(/|$)|(^|/)_layers/\d+(/|$)")


def with_causes(findings: list[RestoreFinding], optimizers: list[dict]) -> tuple[list[RestoreFinding], list[str]]:
    """The findings, the ones a cause explains with its suggestion, and the causes' notes."""
    shifts = layer_shifts(findings)
    causes = [
        *shifted_layers(findings),
        *changed_layer_count(findings, {shift.layers for shift in shifts}),
        *other_input_shape(findings),
        *keras2_read_by_keras3(findings),
        *optimizer_causes(findings, optimizers),
    ]
    explained: dict[int, str] = {}
    for cause in causes:
        for index, suggestion in cause.explains.items():
            explained.setdefault(index, suggestion)  # the first cause to explain a finding names it
    return (
        [replace(f, suggestions=(explained[i],)) if i in explained else f for i, f in enumerate(findings)],
        [cause.note for cause in causes],
    )


# -- a model built on another input shape ---------------------------------------------------


def other_input_shape(findings: list[RestoreFinding]) -> list[Cause]:
    """The first layer's kernel differs from the checkpoint's in its input size only:
    the model was built on inputs of another shape."""
    first: dict[str, int] = {}
    for finding in findings:
        position = layer_position(model_side(finding) or "")
        if position is not None:
            first[position[0]] = min(first.get(position[0], position[1]), position[1])
    causes = []
    for index, finding in enumerate(findings):
        position = layer_position(model_side(finding) or "")
        if finding.status != RestoreStatus.SHAPE_CONFLICT or position is None or position[1] != first[position[0]]:
            continue
        was, now = finding.checkpoint_shape or (), finding.model_shape or ()
        if len(was) < 2 or len(was) != len(now):
            continue
        axis = 0 if len(was) == 2 else len(was) - 2  # a dense kernel [inputs, units]; a kernel [..., in, out]
        if [i for i, (a, b) in enumerate(zip(was, now)) if a != b] != [axis]:
            continue
        what = "features" if len(was) == 2 else "channels"
        note = (
            f"the model was built on another input shape: its first layer ({finding.model_path}) takes "
            f"{now[axis]} input {what}, the checkpoint's took {was[axis]}; build the model on the input shape it "
            f"was trained on (e.g. keras.Input with {was[axis]} {what} last), and the rest of it follows"
        )
        causes.append(Cause(note, {index: f"built for {now[axis]} input {what}, saved for {was[axis]}: see the notes"}))
    return causes


# -- a Keras 2 checkpoint read by a Keras 3 model ------------------------------------------------


def keras2_read_by_keras3(findings: list[RestoreFinding]) -> list[Cause]:
    """Keras 2 (tf_keras) saves a model's layers as ``layer_with_weights-N``; a Keras 3
    model has ``_functional/_operations/N`` (or ``_layers/N``) instead: no path meets,
    TensorFlow restores nothing of the model and raises nothing."""
    unused = {
        i: f
        for i, f in enumerate(findings)
        if f.status == RestoreStatus.UNMATCHED and _KERAS2_LAYER.search(saved_path(f) or "")
    }
    missing = {
        i: f for i, f in enumerate(findings) if f.status == RestoreStatus.MISSING and _KERAS3_LAYER.search(f.label)
    }
    if not unused or not missing:
        return []
    note = (
        f"a Keras 2 checkpoint read by a Keras 3 model: the checkpoint's layers are saved as "
        f"layer_with_weights-N (tf_keras, or TensorFlow before 2.16), the model's are _operations/N (Keras 3); "
        f"the two layouts never meet, so TensorFlow restores none of the {len(missing)} model weights and raises "
        "nothing. Ways out: build the model with Keras 2 (pip install tf_keras; import tf_keras as keras, or set "
        "TF_USE_LEGACY_KERAS=1 before importing TensorFlow), or copy the values across: "
        "reader = tf.train.load_checkpoint(PATH) and layer.set_weights([reader.get_tensor(KEY), ...]) per layer"
    )
    explains = {i: "saved by Keras 2 (layer_with_weights-N): a Keras 3 model cannot reach it; see the notes"
                for i in unused}  # fmt: skip
    explains |= {i: "a Keras 3 weight: the Keras 2 checkpoint has it under layer_with_weights-N; see the notes"
                 for i in missing}  # fmt: skip
    return [Cause(note, explains)]
