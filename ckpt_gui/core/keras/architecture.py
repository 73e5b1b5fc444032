"""A model's architecture from its Keras config (``config.json`` of a ``.keras`` archive,
the ``model_config`` attribute of a Keras 2 ``.h5``), read as plain JSON data: layers
in order with their class and size arguments. Nothing is deserialized into objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ckpt_gui.core.keras.names import LayerInfo

# The arguments that say a layer's size and shape (the rest are initializers & co).
SHOWN_ARGUMENTS = (
    "units",
    "filters",
    "kernel_size",
    "strides",
    "pool_size",
    "batch_shape",
    "batch_input_shape",
    "shape",
    "input_dim",
    "output_dim",
    "num_heads",
    "key_dim",
    "target_shape",
    "rate",
    "activation",
)
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_MAX_LAYERS = 100_000


@dataclass(frozen=True, slots=True)
class ArchitectureLayer:
    """One layer as the config lists it (``depth`` > 0 inside a nested model)."""

    name: str
    class_name: str
    arguments: dict
    depth: int = 0
    weights: list[str] = field(default_factory=list)  # readable paths of its variables

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "class": self.class_name,
            "arguments": self.arguments,
            "depth": self.depth,
            "weights": self.weights,
        }


def architecture_of(config: dict | None) -> list[ArchitectureLayer]:
    """The layers of a model config, nested models' layers after them, in order."""
    layers: list[ArchitectureLayer] = []
    if isinstance(config, dict):
        _add_layers(config, 0, layers)
    return layers


def _add_layers(model: dict, depth: int, out: list[ArchitectureLayer]) -> None:
    inner = model.get("config")
    children = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(children, list):
        return
    for child in children:
        if len(out) >= _MAX_LAYERS or not isinstance(child, dict):
            return
        config = child.get("config") if isinstance(child.get("config"), dict) else {}
        class_name = str(child.get("class_name", "?"))
        arguments = {k: _plain(config[k]) for k in SHOWN_ARGUMENTS if config.get(k) is not None}
        out.append(ArchitectureLayer(str(config.get("name", "?")), class_name, arguments, depth))
        if class_name in _MODEL_CLASSES or isinstance(config.get("layers"), list):
            _add_layers(child, depth + 1, out)


def _plain(value):
    """An argument as shown: numbers, strings and lists of them; a nested config by its class."""
    if isinstance(value, dict):
        return str(value.get("class_name", "config"))
    if isinstance(value, list):
        return [_plain(v) for v in value[:16]]
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def layer_infos(config: dict | None) -> dict[str, LayerInfo]:
    """Layer name -> class and config, for naming variables (names.py)."""
    found: dict[str, LayerInfo] = {}

    def walk(model: dict) -> None:
        inner = model.get("config")
        for child in inner.get("layers", []) if isinstance(inner, dict) else []:
            if isinstance(child, dict) and isinstance(child.get("config"), dict):
                found.setdefault(
                    str(child["config"].get("name")), LayerInfo(str(child.get("class_name")), child["config"])
                )
                walk(child)

    if isinstance(config, dict):
        walk(config)
    return found


def attach_weights(layers: list[ArchitectureLayer], paths: list[tuple[str, ...]]) -> None:
    """Each model variable's readable path to the layer named last in it."""
    by_name = {layer.name: layer for layer in layers}
    for path in paths:
        owner = next((by_name[name] for name in reversed(path[:-1]) if name in by_name), None)
        if owner is not None:
            owner.weights.append("/".join(path))
