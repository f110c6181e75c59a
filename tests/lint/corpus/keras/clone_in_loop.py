from tensorflow import keras

base = keras.Sequential([keras.layers.Dense(10, input_shape=(4,))])
members = []
for i in range(10):
    m = keras.models.clone_model(base)  # expect: model-reuse
    m.compile("adam", "mse")
    members.append(m)
