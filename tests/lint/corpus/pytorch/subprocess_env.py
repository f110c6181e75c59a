import os
import subprocess

env = {
    **os.environ,
    "LD_LIBRARY_PATH": "./vendor/lib:/opt/nccl/lib",  # expect: libpath
    "OMP_NUM_THREADS": "24",  # expect: parallelism
}
for seed in range(3):
    subprocess.run(["python3", "train.py", "--seed", str(seed)], env=env, check=True)
