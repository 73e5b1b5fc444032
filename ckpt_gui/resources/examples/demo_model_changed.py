"""The demo model after an architecture change: conv2 widened to 32 filters, the
optimizer left out (an inference restore), a new output head added.

`ckpt-gui diagnose ckpt_gui/resources/demo --model ckpt_gui/resources/examples/demo_model_changed.py`
shows every conflict at once, where TensorFlow stops at the first.
"""

import keras
import tensorflow as tf


def build():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(32, 3, activation="relu", name="conv2"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.GlobalAveragePooling2D(name="pool2"),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.Dense(10, name="logits"),
            keras.layers.Dense(5, name="new_head"),
        ],
        name="digits",
    )
    return tf.train.Checkpoint(model=model)
