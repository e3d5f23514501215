# Times torch.load for the bench: reads one path per line on stdin, loads it (torch imported
# once, before any timing), and answers each with one JSON line {"seconds": ...}.
#   /usr/bin/python3 bench/time-torch-load.py
import json
import sys
import time

import torch

print(json.dumps({"torch": torch.__version__}), flush=True)
for line in sys.stdin:
    path = line.strip()
    t0 = time.perf_counter()
    sd = torch.load(path, map_location="cpu")
    seconds = time.perf_counter() - t0
    del sd
    print(json.dumps({"seconds": seconds}), flush=True)
