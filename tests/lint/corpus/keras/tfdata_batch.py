import tensorflow as tf

BATCH = 4096
EPOCHS = 20

(x, y), _ = tf.keras.datasets.cifar10.load_data()
ds = tf.data.Dataset.from_tensor_slices((x / 255.0, y)).shuffle(10000)
ds = ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)  # expect: minibatch

model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(32, 3, activation="relu", input_shape=(32, 32, 3)),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(10),
])
model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(ds, epochs=EPOCHS)
