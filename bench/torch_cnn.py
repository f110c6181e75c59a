#!/usr/bin/env python3
"""The reference CNN in PyTorch, for side-by-side runs with hmlcost's cuda
backend (bench/gpu-check.sh): the same model (Keras cifar10_cnn without
dropout), Glorot-uniform weights and zero biases, Adam (lr 1e-3, betas
0.9/0.999, eps 1e-7), the same CIFAR-10 binary files and normalisation.
The data set is put on the GPU once as uint8 and normalised there (the
strongest eager baseline: no host data loader in the loop); the loss is
summed on the device, read once per epoch.

  python3 bench/torch_cnn.py --data DIR [--epochs 2] [--batch 64]
        [--train-limit N] [--test-limit N] [--compile] [--device cuda]

Prints one JSON line: images_per_s (training phase), phase_s, accuracy."""
import argparse
import json
import os
import time

T0 = time.monotonic()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
RECORD = 3073


def load(paths, limit):
    chunks, have = [], 0
    for p in paths:
        if limit and have >= limit:
            break
        raw = np.fromfile(p, dtype=np.uint8)
        if raw.size % RECORD:
            raise SystemExit(f"{p}: not a whole number of {RECORD}-byte records")
        chunks.append(raw.reshape(-1, RECORD))
        have += chunks[-1].shape[0]
    records = np.concatenate(chunks)
    if limit:
        records = records[:limit]
    return records


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv4 = nn.Conv2d(64, 64, 3)
        self.dense1 = nn.Linear(2304, 512)
        self.dense2 = nn.Linear(512, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        x = F.max_pool2d(F.relu(self.conv4(x)), 2)
        x = F.relu(self.dense1(torch.flatten(x, 1)))
        return self.dense2(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--train-limit", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    dev = torch.device(a.device)
    t_data = time.monotonic()
    train = load([os.path.join(a.data, f"data_batch_{i}.bin") for i in range(1, 6)], a.train_limit)
    test = load([os.path.join(a.data, "test_batch.bin")], a.test_limit)

    def to_device(records):
        r = torch.from_numpy(records).to(dev)
        return r[:, 1:].reshape(-1, 3, 32, 32), r[:, 0].long()

    mean = torch.tensor(MEAN, device=dev).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=dev).view(1, 3, 1, 1)
    xtr, ytr = to_device(train)
    xte, yte = to_device(test)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t_build = time.monotonic()
    torch.manual_seed(a.seed)
    model = Net().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    if a.compile:
        step = torch.compile(step)
    n, b = xtr.shape[0], a.batch
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t_train = time.monotonic()
    losses = []
    for _ in range(a.epochs):
        perm = torch.randperm(n, device=dev, generator=gen)
        total = torch.zeros((), device=dev)
        for i in range(0, n, b):
            idx = perm[i:i + b]
            x = (xtr[idx].float() / 255.0 - mean) / std
            total += step(x, ytr[idx]) * idx.numel()
        losses.append(float(total) / n)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t_eval = time.monotonic()
    correct = 0
    model.eval()
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            x = (xte[i:i + 1000].float() / 255.0 - mean) / std
            correct += int((model(x).argmax(1) == yte[i:i + 1000]).sum())
    t_end = time.monotonic()
    print(json.dumps({
        "workload": "reference-cnn", "driver": "bench/torch_cnn.py",
        "backend": f"pytorch-{torch.__version__}" + ("+compile" if a.compile else "+eager"),
        "device_used": a.device, "batch": b, "epochs": a.epochs,
        "train_images": n, "test_images": int(xte.shape[0]),
        "accuracy": correct / xte.shape[0], "loss": losses,
        "images_per_s": n * a.epochs / (t_eval - t_train),
        "phase_s": {"start": t_data - T0, "data": t_build - t_data, "build": t_train - t_build,
                    "train": t_eval - t_train, "eval": t_end - t_eval, "main": t_end - T0},
        "cudnn": torch.backends.cudnn.version() if dev.type == "cuda" else None,
    }), flush=True)


if __name__ == "__main__":
    main()
