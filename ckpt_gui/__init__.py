"""ckpt-gui: look inside TensorFlow checkpoints without TensorFlow."""

# The one place for the version: pyproject.toml reads it from here, `ckpt-gui --version`
# and Help > About show it.
__version__ = "0.1.0"
