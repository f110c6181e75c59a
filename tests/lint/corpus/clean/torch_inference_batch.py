import numpy as np
import torch
from tensorflow import keras  # noqa: F401  (mixed project)

model = torch.jit.load("model.pt")
model.eval()
data = np.load("test.npy")
with torch.no_grad():
    preds = [model(torch.as_tensor(chunk)) for chunk in np.array_split(data, 100)]
keras_model = keras.models.load_model("model.keras")
scores = keras_model.predict(data, batch_size=8192)
print(keras_model.evaluate(data, batch_size=4096))
