import tensorflow as tf


def build():
    return tf.keras.Sequential([tf.keras.layers.Dense(4)])


members = [build() for _ in range(3)]
teacher = build()
for epoch in range(3):
    for m in members:
        m.compile("adam", "mse")
