import torch
from torch.utils.data import DataLoader, TensorDataset


def train(dataset, epochs=5, batch_size=2048, lr=1e-3):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)  # expect: minibatch
    model = torch.nn.Linear(16, 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
    return model


if __name__ == "__main__":
    train(TensorDataset(torch.randn(4096, 16), torch.randn(4096, 1)))
