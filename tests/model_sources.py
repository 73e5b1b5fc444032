"""Model definitions that the checkpoint factory saves from and that test scripts
define again, kept as source text so both use the very same code (the factory runs
it with TensorFlow in its child process; tests write it into model scripts)."""

# A subclassed model keeping two layers in a plain Python list: Keras 3 leaves them
# out of the checkpoint's object graph (only the optimizer's list reaches them).
LAYER_LIST_MODEL = """
import keras
import tensorflow as tf

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.stem = keras.layers.Dense(8)
        self.blocks = [keras.layers.Dense(6), keras.layers.Dense(6)]
        self.head = keras.layers.Dense(3)

    def call(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)
"""
