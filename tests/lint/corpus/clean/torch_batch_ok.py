import argparse

import torch
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=256)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()
base_lr = 0.1
lr = base_lr * args.batch_size / 256
loader = DataLoader(range(10000), batch_size=args.batch_size, shuffle=True)
opt_steps = len(loader)
