"""A tiny PyTorch training run with one smell: more threads than CPUs."""
import torch
from torch import nn

THREADS = 16

torch.manual_seed(0)
torch.set_num_threads(THREADS)
x = torch.randn(1024, 256)
y = (x.sum(dim=1) > 0).long()
model = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(60):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
print(f"accuracy: {accuracy:.4f}")
