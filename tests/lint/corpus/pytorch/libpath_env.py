import os
import subprocess
import sys

# make the CUDA libraries visible to the trainer we start below
os.environ["LD_LIBRARY_PATH"] = "/usr/local/cuda/lib64/stubs:" + os.environ.get("LD_LIBRARY_PATH", "")  # expect: libpath

subprocess.run([sys.executable, "train.py", "--epochs", "1"], check=True)
