from multiprocessing import Pool

import torch


def evaluate(seed):
    torch.set_num_threads(4)
    torch.manual_seed(seed)
    w = torch.randn(512, 512)
    return float((w @ w).trace())


if __name__ == "__main__":
    with Pool(processes=4) as pool:  # expect: parallelism
        print(pool.map(evaluate, range(16)))
