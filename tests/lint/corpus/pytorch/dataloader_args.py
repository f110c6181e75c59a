import argparse

import torch
from torch.utils.data import DataLoader, TensorDataset


def parse():
    p = argparse.ArgumentParser(description="CIFAR-like training")
    p.add_argument("--batch-size", type=int, default=2048)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=10)
    return p.parse_args()


def main():
    args = parse()
    ds = TensorDataset(torch.randn(10000, 3, 32, 32), torch.randint(0, 10, (10000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)  # expect: minibatch, parallelism
    for epoch in range(args.epochs):
        for xb, yb in loader:
            pass


if __name__ == "__main__":
    main()
