import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(64)  # expect: parallelism
tf.config.threading.set_inter_op_parallelism_threads(16)  # expect: parallelism

model = tf.keras.applications.MobileNetV2(weights=None, classes=10, input_shape=(32, 32, 3))
model.compile("sgd", "sparse_categorical_crossentropy")
