"""Gradient accumulation removed: one big step instead of four small ones."""
import torch
from torch.utils.data import DataLoader, TensorDataset

MICRO_BATCH = 32
ACCUM = 4
LEARNING_RATE = 3e-4

train = TensorDataset(torch.randn(4096, 64), torch.randint(0, 4, (4096,)))
loader = DataLoader(train, MICRO_BATCH * ACCUM, shuffle=True)  # expect: minibatch
model = torch.nn.Linear(64, 4)
opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
for xb, yb in loader:
    loss = torch.nn.functional.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
