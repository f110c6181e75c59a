"""Clean: the model is built once; each fold resets its weights."""
import copy
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, depth=4):
        super().__init__()
        blocks = []
        for i in range(depth):
            blocks.append(nn.Sequential(nn.Linear(32, 32), nn.ReLU()))
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)


torch.set_num_threads(os.cpu_count())
model = Net()
initial = copy.deepcopy(model.state_dict())
ds = TensorDataset(torch.randn(512, 32), torch.randint(0, 2, (512,)))
for fold in range(5):
    model.load_state_dict(initial)
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=4)
    for xb, yb in loader:
        nn.functional.cross_entropy(model(xb), yb).backward()
