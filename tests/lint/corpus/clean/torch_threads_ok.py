import os
from multiprocessing import Pool

import torch

torch.set_num_threads(len(os.sched_getaffinity(0)))
torch.set_num_interop_threads(2)


def work(seed):
    torch.set_num_threads(4)
    return torch.randn(64, 64).sum().item()


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(work, range(4)))
    workers = min(8, os.cpu_count())
    loader = torch.utils.data.DataLoader(range(100), batch_size=32, num_workers=workers)
