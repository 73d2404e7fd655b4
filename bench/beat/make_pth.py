"""Writes PyTorch checkpoints of the reference Beat weights, the way the upstream training saves
`tokenizer.pth` (`torch.save(model.state_dict(), path)`, a zip archive with a pickled OrderedDict).

usage: make_pth.py WEIGHTS_DIR OUT_DIR
  OUT_DIR/tokenizer_v3.pth              full v3 state dict, F32 (19.8 MB; not committed, used by run.sh)
  OUT_DIR/beat_v1_weights.pth           the 6 v1 tensors, F16 as in the safetensors (committed test data)
  OUT_DIR/signal_proj_h32_nested.pth    {"state_dict": {"module.0.weight": ...}, "epoch": 3} (committed test data)
"""
import sys
from collections import OrderedDict

import torch
from safetensors.torch import load_file

import beat_torch

src, out = sys.argv[1], sys.argv[2]
full = beat_torch.load("v3", f"{src}/beat_v3_weights.safetensors")
torch.save(full.state_dict(), f"{out}/tokenizer_v3.pth")
v1 = OrderedDict(load_file(f"{src}/beat_v1_weights.safetensors"))
torch.save(v1, f"{out}/beat_v1_weights.pth")
sp = load_file(f"{src}/signal_proj_h32.safetensors")
torch.save({"state_dict": OrderedDict(("module." + k, v) for k, v in sp.items()), "epoch": 3},
           f"{out}/signal_proj_h32_nested.pth")
print("written to", out)
