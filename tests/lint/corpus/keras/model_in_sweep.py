import numpy as np
import tensorflow as tf

x = np.random.rand(1000, 20).astype("float32")
y = np.random.randint(0, 2, 1000)

results = {}
for lr in [1e-2, 1e-3, 1e-4]:
    model = tf.keras.Sequential([  # expect: model-reuse
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy")
    hist = model.fit(x, y, epochs=3, verbose=0)
    results[lr] = hist.history["loss"][-1]
print(results)
