"""Values that come from outside the file are not guessed at."""
import json
import os

import torch
from torch.utils.data import DataLoader

with open("config.json") as f:
    config = json.load(f)

torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "64")))
loader = DataLoader(range(1000), batch_size=config["batch_size"], num_workers=config["workers"])
