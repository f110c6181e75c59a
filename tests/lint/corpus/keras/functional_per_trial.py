import keras_tuner  # noqa: F401
import numpy as np
from tensorflow import keras


def build(units):
    inputs = keras.Input(shape=(8,))
    hidden = keras.layers.Dense(units, activation="relu")(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    return model


x, y = np.random.rand(256, 8), np.random.rand(256, 1)
for units in (16, 32, 64, 128):
    model = build(units)  # expect: model-reuse
    model.fit(x, y, epochs=2, verbose=0)
