import os
import subprocess

print("LD_LIBRARY_PATH is", os.environ.get("LD_LIBRARY_PATH"))
if "OMP_NUM_THREADS" in os.environ:
    print("OMP threads:", os.environ["OMP_NUM_THREADS"])
os.environ["PYTHONPATH"] = os.pathsep.join(["src", os.environ.get("PYTHONPATH", "")])
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["CUDA_VISIBLE_DEVICES"] = "0"
subprocess.run(["python3", "train.py"], env={**os.environ, "MKL_NUM_THREADS": "2"}, check=True)
