import os

import numpy as np
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(os.cpu_count())
tf.config.threading.set_inter_op_parallelism_threads(2)

BASE_BATCH = 128
BASE_LR = 1e-3
SCALE = 4
batch = BASE_BATCH * SCALE
learning_rate = BASE_LR * SCALE

model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(1)])
model.compile(tf.keras.optimizers.Adam(learning_rate), "mse")
x, y = np.random.rand(4096, 16), np.random.rand(4096, 1)
for epoch in range(5):
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
preds = model.predict(x, batch_size=8192)
