"""The model the bundled demo checkpoint was saved from (see tools/make_demo.py).

An example of the model-script contract: `ckpt-gui diagnose ckpt_gui/resources/demo --model
ckpt_gui/resources/examples/demo_model.py` restores every model weight and the optimizer.
"""

import keras
import tensorflow as tf


def build_model():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(16, 3, activation="relu", name="conv2"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.GlobalAveragePooling2D(name="pool2"),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.Dense(10, name="logits"),
        ],
        name="digits",
    )


def build():
    model = build_model()
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)  # creates the slots the checkpoint holds
    return tf.train.Checkpoint(model=model, optimizer=optimizer)


if __name__ == "__main__":  # training code here does not run during a diagnosis
    print(build_model().summary())
