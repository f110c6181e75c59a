#!/usr/bin/python3
"""The reference CNN trained in PyTorch (Debian's python3-torch), for
bench/train_vs_pytorch.sh: the same layers, Glorot-uniform weights, Adam
(lr 1e-3, eps 1e-7), mean cross-entropy, on in-memory CIFAR-shaped data.

Prints one line: images/s over the timed steps (the first step, which pays
for lazy initialisation, is not timed).

usage: torch_reference_cnn.py --batch N --images N [--threads N] [--channels-last]
"""
import argparse
import time

import torch
import torch.nn as nn


def reference_cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(), nn.Linear(512, 10))
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = reference_cnn()
    x_all = torch.randn(a.images, 3, 32, 32)
    y_all = torch.randint(0, 10, (a.images,))
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x_all = x_all.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    steps = [(i, min(i + a.batch, a.images)) for i in range(0, a.images, a.batch)]

    def step(lo, hi):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x_all[lo:hi]), y_all[lo:hi])
        loss.backward()
        opt.step()

    step(*steps[0])
    t0 = time.perf_counter()
    for lo, hi in steps[1:]:
        step(lo, hi)
    took = time.perf_counter() - t0
    timed = a.images - (steps[0][1] - steps[0][0])
    print("%.1f" % (timed / took))


if __name__ == "__main__":
    main()
