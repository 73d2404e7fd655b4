"""Times the upstream reference module itself: `utils.my_tokenizer.Tokenizer` of
DCDmllm/Heartcare-Suite (the code the reference vectors were made with), per 4-s v3 window, at
the thread count given. Not vendored here: point HEARTCARE_SUITE at a checkout of that repository
(its `utils/` package is imported from there); needs x-transformers 2.31.10, einops, einx.

It first proves it is the same model as ours: the weights are `beat_v3_weights.safetensors`
(upstream names, loaded strictly) and the codes of every v3 reference case must equal the vectors.
Then it times how upstream v3 code gets codes, `Tokenizer.forward(x, return_quant=True)` (the
whole forward: encoder, VQ, decoder reconstruction, prediction head, losses; the reference vectors
were made the same way), at batch 1 and 8. (v3's `Tokenizer.tokenize` passes an argument its
`forward` no longer has, so it cannot be called.)

Usage: HEARTCARE_SUITE=/path/to/Heartcare-Suite python bench_upstream.py <vectors/beat dir> [threads]
Prints CSV rows: impl,case,batch,ms_per_window,iterations.
"""
import os
import sys

import torch
from safetensors.torch import load_file

from timing import timeit

sys.path.insert(0, os.environ["HEARTCARE_SUITE"])
from utils.my_tokenizer import Tokenizer  # noqa: E402  (upstream, not vendored)

d = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads()
torch.set_num_threads(threads)

model = Tokenizer(
    dim=128,
    seq_length=1000,
    patch_size=25,
    channels=12,
    latent_ratio=0.5,
    codebook_size=512,
    max_length_for_pred=2000,
    vq_kwargs={"residual_levels": 2},
)
state = {k: v.float() for k, v in load_file(f"{d}/beat_v3_weights.safetensors").items()}
model.load_state_dict(state, strict=True)
model.eval()

vectors = load_file(f"{d}/beat_v3_vectors.safetensors")


def codes_of(x):
    return model(x, return_quant=True)[4]


with torch.inference_mode():
    for case in ["ptbxl_HR06000", "ludb_1", "ludb_38", "rand_a", "rand_b"]:
        codes = codes_of(vectors[f"{case}.input"][None])[0]
        want = vectors[f"{case}.indices"]
        if not torch.equal(codes.long(), want):
            sys.exit(f"upstream {case}: codes differ from the reference vectors")
print("# upstream Tokenizer reproduces the codes of all 5 v3 cases", file=sys.stderr)

x1 = vectors["ptbxl_HR06000.input"][None]
x8 = x1.repeat(8, 1, 1)


with torch.inference_mode():
    for case, x in [("upstream_forward_b1", x1), ("upstream_forward_b8", x8)]:
        s, n = timeit(codes_of, x, warmup=10)
        b = x.shape[0]
        print(f"upstream-torch-{torch.__version__}-threads{threads},{case},{b},{s * 1e3 / b:.4f},{n}")
