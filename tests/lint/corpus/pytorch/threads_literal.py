"""Train a small MLP on synthetic regression data (CPU)."""
import torch
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(64)  # expect: parallelism

x = torch.randn(2048, 32)
y = x.sum(dim=1, keepdim=True)
model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(100):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
print(f"loss: {loss.item():.4f}")
