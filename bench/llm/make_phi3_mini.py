"""A Phi-3-mini-shaped GGUF with random weights, for bench/llm at the real size (issue 17).

Shape of microsoft/Phi-3-mini-4k-instruct (hidden 3072, 32 layers, 32 heads, FFN 8192,
context 4096; 3.8 B parameters) with the tokenizer of the tiny Phi-3 test file (vocabulary
32016), in llama.cpp's `phi3` layout (fused `attn_qkv` and gate/up `ffn_up`). Weights are
random ggml blocks of a Q4_K_M-like mix (llama.cpp's rule: `ffn_down` and `output` Q6_K, the
other matrices Q4_K); block scales are small positive halves so every value is finite. Speed
does not depend on the values; llama.cpp and Heartlens load the same file.

    python bench/llm/make_phi3_mini.py OUT.gguf [TEMPLATE.gguf]

TEMPLATE defaults to tests/data/vectors/phi3/gguf/tiny_phi3_q8_0.gguf. Needs numpy and the
`gguf` package (llama.cpp's gguf-py, from PyPI).
"""

import sys
from pathlib import Path

import numpy as np
import gguf

HIDDEN, LAYERS, HEADS, FFN, CONTEXT = 3072, 32, 32, 8192, 4096
Q = gguf.GGMLQuantizationType


def blocks(rng, rows, cols, qtype):
    """Random ggml blocks of `qtype` for a [rows, cols] matrix, as uint8 [rows, bytes per row]."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    nb = rows * cols // block_size
    raw = rng.integers(0, 256, size=(nb, type_size), dtype=np.uint8)
    # Small positive f16 scales (0.001-0.01): finite values, no NaN or infinity.
    d = (rng.random(nb, dtype=np.float32) * 0.009 + 0.001).astype(np.float16).view(np.uint8)
    d = d.reshape(nb, 2)
    if qtype == Q.Q4_K:  # d, dmin, scales[12], qs[128]
        raw[:, 0:2] = d
        raw[:, 2:4] = d
    elif qtype == Q.Q6_K:  # ql[128], qh[64], scales[16] (int8), d
        raw[:, 208:210] = d
    else:
        raise ValueError(qtype)
    return raw.reshape(rows, cols // block_size * type_size)


def main():
    out = Path(sys.argv[1])
    template = Path(
        sys.argv[2]
        if len(sys.argv) > 2
        else Path(__file__).resolve().parents[2] / "tests/data/vectors/phi3/gguf/tiny_phi3_q8_0.gguf"
    )
    r = gguf.GGUFReader(str(template))
    tokens = [bytes(r.fields["tokenizer.ggml.tokens"].parts[i]) for i in r.fields["tokenizer.ggml.tokens"].data]
    scores = [float(r.fields["tokenizer.ggml.scores"].parts[i][0]) for i in r.fields["tokenizer.ggml.scores"].data]
    types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
    vocab = len(tokens)

    w = gguf.GGUFWriter(str(out), "phi3")
    w.add_name("Phi-3-mini-shaped random (Heartlens bench)")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_block_count(LAYERS)
    w.add_head_count(HEADS)
    w.add_head_count_kv(HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(HIDDEN // HEADS)
    w.add_rope_freq_base(10000.0)
    w.add_uint32("phi3.rope.scaling.original_context_length", CONTEXT)
    w.add_uint32("phi3.attention.sliding_window", 2047)
    w.add_file_type(15)  # MOSTLY_Q4_K_M
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(32000)
    w.add_pad_token_id(32000)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    rng = np.random.default_rng(17)
    ones = np.ones(HIDDEN, dtype=np.float32)

    def mat(name, rows, cols, qtype):
        w.add_tensor(name, blocks(rng, rows, cols, qtype), raw_dtype=qtype)

    mat("token_embd.weight", vocab, HIDDEN, Q.Q4_K)
    for i in range(LAYERS):
        p = f"blk.{i}"
        w.add_tensor(f"{p}.attn_norm.weight", ones)
        mat(f"{p}.attn_qkv.weight", 3 * HIDDEN, HIDDEN, Q.Q4_K)
        mat(f"{p}.attn_output.weight", HIDDEN, HIDDEN, Q.Q4_K)
        w.add_tensor(f"{p}.ffn_norm.weight", ones)
        mat(f"{p}.ffn_up.weight", 2 * FFN, HIDDEN, Q.Q4_K)
        mat(f"{p}.ffn_down.weight", HIDDEN, FFN, Q.Q6_K)
    w.add_tensor("output_norm.weight", ones)
    mat("output.weight", vocab, HIDDEN, Q.Q6_K)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{out}: {out.stat().st_size / 1e9:.2f} GB, vocab {vocab}")


if __name__ == "__main__":
    main()
