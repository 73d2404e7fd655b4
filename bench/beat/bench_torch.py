"""Times the PyTorch peer (beat_torch.py, checked equal to the reference vectors by
check_torch.py) per 4-s v3 window on CPU, the same three cases as crates/ai/benches/beat.rs.
Prints CSV rows: impl,case,batch,ms_per_window,iterations."""
import sys

import torch
from safetensors.torch import load_file

from timing import timeit

import beat_torch

d = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads()
torch.set_num_threads(threads)
m = beat_torch.load("v3", f"{d}/beat_v3_weights.safetensors")
x1 = load_file(f"{d}/beat_v3_vectors.safetensors")["ptbxl_HR06000.input"][None]
x8 = x1.repeat(8, 1, 1)


def full(x):
    h = m.encode(x)
    idx, q = m.vq(h)
    return idx, m.decode(q), m.predict(h)


with torch.inference_mode():
    for case, fn, x in [("tokenize_b1", m.tokenize, x1), ("full_b1", full, x1), ("tokenize_b8", m.tokenize, x8)]:
        s, n = timeit(fn, x)
        b = x.shape[0]
        print(f"pytorch-{torch.__version__}-threads{threads},{case},{b},{s * 1e3 / b:.4f},{n}")
