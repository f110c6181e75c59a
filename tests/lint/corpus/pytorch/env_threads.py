import os

THREADS = 48
# must be set before torch is imported
os.environ["OMP_NUM_THREADS"] = "32"  # expect: parallelism
os.environ["MKL_NUM_THREADS"] = str(THREADS)  # expect: parallelism

import torch  # noqa: E402

print(torch.get_num_threads())
