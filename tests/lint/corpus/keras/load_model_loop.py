import glob

import numpy as np
import tensorflow as tf

x_val = np.load("x_val.npy")
for path in sorted(glob.glob("checkpoints/*.keras")):
    model = tf.keras.models.load_model(path)  # expect: model-reuse
    print(path, model.evaluate(x_val, verbose=0))
