import os

os.environ.update(TF_NUM_INTRAOP_THREADS="48", TF_CPP_MIN_LOG_LEVEL="2")  # expect: parallelism
os.environ.setdefault("LD_LIBRARY_PATH", "/opt/cuda-11.2/lib64")  # expect: libpath

import tensorflow as tf  # noqa: E402

print(tf.config.list_physical_devices())
