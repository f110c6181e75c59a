import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BASE_BATCH = 128
GPUS = 8
batch_size = BASE_BATCH * GPUS
lr = 0.1

ds = TensorDataset(torch.randn(5000, 10), torch.randn(5000, 1))
loader = DataLoader(ds, batch_size=batch_size, shuffle=True)  # expect: minibatch
model = nn.Linear(10, 1)
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
