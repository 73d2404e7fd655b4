"""Checks beat_torch.py against the reference vectors (so the benchmark peer is the same model)."""
import sys
import torch
from safetensors.torch import load_file
import beat_torch

d = sys.argv[1] if len(sys.argv) > 1 else "../../tests/data/vectors/beat"
for ver, cases in [("v3", ["ptbxl_HR06000", "ludb_1", "ludb_38", "rand_a", "rand_b"]), ("v1", ["ptbxl_HR06000", "ludb_1", "rand_a", "rand_b"])]:
    m = beat_torch.load(ver, f"{d}/beat_v3_weights.safetensors", f"{d}/beat_v1_weights.safetensors")
    v = load_file(f"{d}/beat_{ver}_vectors.safetensors")
    with torch.no_grad():
        for c in cases:
            x = v[f"{c}.input"][None]
            q = m.encode(x)
            idx, quant = m.vq(q)
            diffs = {
                "tokens_embedded": (m.embed(x)[0] - v[f"{c}.tokens_embedded"]).abs().max().item(),
                "encoder_queries": (q[0] - v[f"{c}.encoder_queries"]).abs().max().item(),
                "quantized": (quant[0] - v[f"{c}.quantized"]).abs().max().item(),
                "recon": (m.decode(quant)[0] - v[f"{c}.recon"]).abs().max().item(),
                "pred": (m.predict(q)[0] - v[f"{c}.pred"]).abs().max().item(),
            }
            ok = torch.equal(idx[0], v[f"{c}.indices"])
            print(ver, c, "indices_equal", ok, {k: f"{x:.2e}" for k, x in diffs.items()})
            assert ok and max(diffs.values()) < 1e-5
print("torch peer OK")
