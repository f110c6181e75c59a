import time

import torch
import torch.nn as nn

# Tuned on the 64-core training box.
NUM_THREADS = 32
INTEROP = NUM_THREADS // 2


def main():
    torch.set_num_threads(NUM_THREADS)  # expect: parallelism
    torch.set_num_interop_threads(INTEROP)  # expect: parallelism
    net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    x = torch.randn(64, 3, 32, 32)
    t0 = time.time()
    for _ in range(20):
        net(x).sum().backward()
    print("s/step", (time.time() - t0) / 20)


if __name__ == "__main__":
    main()
