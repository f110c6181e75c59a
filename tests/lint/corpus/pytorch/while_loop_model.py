import torch
import torchvision

best, patience = 0.0, 3
while patience > 0:
    model = torchvision.models.resnet18(num_classes=10)  # expect: model-reuse
    acc = float(torch.rand(()))
    if acc > best:
        best = acc
    else:
        patience -= 1
print(best)
