"""A tiny PyTorch training job for trying `hmlcost measure` / `hmlcost run` on an
external workload: an MLP on synthetic data, a few epochs. It writes the
workload result line (docs/contracts.md) to $HMLCOST_RESULT_FD when set."""
import json
import os
import sys
import time

import torch

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
torch.manual_seed(0)
x = torch.randn(8192, 64)
w_true = torch.randn(64, 10)
y = (x @ w_true).argmax(dim=1)
model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
start = time.time()
for _ in range(epochs):
    total = 0.0
    for i in range(0, len(x), 64):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        loss.backward()
        opt.step()
        total += loss.item()
    losses.append(total / (len(x) // 64))
train_s = time.time() - start
with torch.no_grad():
    accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
line = json.dumps({"schema": 1, "workload": "tiny-mlp", "threads": torch.get_num_threads(),
                   "epochs": epochs, "accuracy": accuracy, "loss": losses,
                   "images_per_s": epochs * len(x) / train_s})
fd = os.environ.get("HMLCOST_RESULT_FD")
if fd:
    with os.fdopen(int(fd), "w") as out:
        out.write(line + "\n")
else:
    print(line)
