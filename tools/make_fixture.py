#!/usr/bin/python3
"""Writes tests/nn/fixtures/pytorch_reference.txt: the reference CNN in
PyTorch (Debian's python3-torch) on a fixed small batch, so that a C test
(tests/nn/test_pytorch_fixture.c) can check hmlcost's model without PyTorch.

The weights are not stored: they are hmlcost's own initial weights
(nn_init_glorot: xoshiro256** seeded by splitmix64, Glorot-uniform),
recomputed here bit for bit, with non-zero biases (0.01 * (k % 7 - 3)) so
that bias terms are tested too. Stored: the input batch, the labels, the
logits, the mean cross-entropy, every gradient (in full for tensors up to
FULL_LIMIT elements, else a strided sample with the tensor's sum and sum of
squares), and the parameters after one Adam step with Keras's formula.

Usage: /usr/bin/python3 tools/make_fixture.py [output]   (about 10 s)
"""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 7
BATCH = 4
FULL_LIMIT = 1024
SAMPLES = 1024
STREAM_INIT = 1
MASK = (1 << 64) - 1

# (name, shape) in hmlcost's canonical order (src/nn/model_spec.h)
TENSORS = [
    ("conv1.weight", (32, 3, 3, 3)), ("conv1.bias", (32,)),
    ("conv2.weight", (32, 32, 3, 3)), ("conv2.bias", (32,)),
    ("conv3.weight", (64, 32, 3, 3)), ("conv3.bias", (64,)),
    ("conv4.weight", (64, 64, 3, 3)), ("conv4.bias", (64,)),
    ("dense1.weight", (512, 2304)), ("dense1.bias", (512,)),
    ("dense2.weight", (10, 512)), ("dense2.bias", (10,)),
]


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rng_init(seed, stream):
    state, first = splitmix64(seed)
    state = first ^ ((stream * 0xD1B54A32D192ED03) & MASK)
    s = []
    for _ in range(4):
        state, value = splitmix64(state)
        s.append(value)
    return s


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def uniform_floats(s, count):
    """count draws of (next >> 40) * 2^-24, as hml_rng_uniform_float."""
    out = np.empty(count, dtype=np.float32)
    s0, s1, s2, s3 = s
    for i in range(count):
        result = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        out[i] = result >> 40
    s[:] = [s0, s1, s2, s3]
    return out * np.float32(2.0 ** -24)


def hmlcost_initial_params(seed):
    s = rng_init(seed, STREAM_INIT)
    params = {}
    for name, shape in TENSORS:
        count = int(np.prod(shape))
        if name.endswith(".bias"):
            k = np.arange(count)
            params[name] = np.array([0.01 * ((i % 7) - 3) for i in k], dtype=np.float64).astype(np.float32)
            continue
        out_c, in_c = shape[0], shape[1]
        ksize = shape[2] * shape[3] if len(shape) == 4 else 1
        limit = np.float32(math.sqrt(6.0 / (in_c * ksize + out_c * ksize)))
        u = uniform_floats(s, count)
        params[name] = ((np.float32(2.0) * u - np.float32(1.0)) * limit).astype(np.float32).reshape(shape)
    return params


def forward(p, x):
    h = F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], padding=1))
    h = F.relu(F.conv2d(h, p["conv2.weight"], p["conv2.bias"], padding=0))
    h = F.max_pool2d(h, 2, 2)
    h = F.relu(F.conv2d(h, p["conv3.weight"], p["conv3.bias"], padding=1))
    h = F.relu(F.conv2d(h, p["conv4.weight"], p["conv4.bias"], padding=0))
    h = F.max_pool2d(h, 2, 2)
    h = torch.flatten(h, 1)
    h = F.relu(F.linear(h, p["dense1.weight"], p["dense1.bias"]))
    return F.linear(h, p["dense2.weight"], p["dense2.bias"])


def keras_adam_first_step(param, grad, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """One step from zero moments, in float32 like src/nn/optimizer.c."""
    step = np.float32(lr * math.sqrt(1.0 - b2) / (1.0 - b1))
    m = np.float32(1.0 - b1) * grad
    v = np.float32(1.0 - b2) * grad * grad
    return param - step * m / (np.sqrt(v) + np.float32(eps))


def write_values(out, key, values):
    values = np.asarray(values, dtype=np.float32).ravel()
    out.write("%s %d\n" % (key, values.size))
    for i in range(0, values.size, 8):
        out.write(" ".join("%.9g" % v for v in values[i:i + 8]) + "\n")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/nn/fixtures/pytorch_reference.txt"
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    params = hmlcost_initial_params(SEED)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    # Inputs shaped like normalised CIFAR-10 pixels (about -2..2).
    x = torch.randn(BATCH, 3, 32, 32, dtype=torch.float32)
    labels = torch.tensor([3, 0, 9, 5][:BATCH], dtype=torch.int64)
    logits = forward(tp, x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()

    with open(path, "w") as out:
        out.write("# hmlcost PyTorch fixture v1: written by tools/make_fixture.py with torch %s\n"
                  % torch.__version__)
        out.write("seed %d\nbatch %d\n" % (SEED, BATCH))
        out.write("labels %d\n%s\n" % (BATCH, " ".join(str(int(v)) for v in labels)))
        write_values(out, "input", x.detach().numpy())
        write_values(out, "logits", logits.detach().numpy())
        write_values(out, "loss", [loss.item()])
        for name, _ in TENSORS:
            g = tp[name].grad.numpy().astype(np.float32).ravel()
            p0 = params[name].ravel()
            p1 = keras_adam_first_step(p0, g)
            stride = 1 if g.size <= FULL_LIMIT else int(math.ceil(g.size / SAMPLES))
            idx = np.arange(0, g.size, stride)
            out.write("tensor %s %d %d %.17g %.17g\n" % (name, g.size, stride,
                                                         float(np.sum(g, dtype=np.float64)),
                                                         float(np.sum(g.astype(np.float64) ** 2))))
            write_values(out, "initial", p0[idx])
            write_values(out, "grad", g[idx])
            write_values(out, "after_adam", p1[idx])
    print("wrote %s: loss %.6f" % (path, loss.item()))


if __name__ == "__main__":
    main()
