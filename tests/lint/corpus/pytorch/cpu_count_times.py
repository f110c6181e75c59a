import os

import torch

# "more threads hide I/O latency"
torch.set_num_threads(os.cpu_count() * 4)  # expect: parallelism
print(torch.get_num_threads())
