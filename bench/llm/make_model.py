"""Writes a random-weight Phi-3 checkpoint (HF layout, F32 safetensors) of a chosen size.

Used by run.sh to get a realistic-shape model without downloading weights; the vocabulary size
(32016) matches the HeartcareGPT tokenizer carried over from the tiny test GGUF.
usage: make_model.py OUT_DIR HIDDEN LAYERS HEADS INTERMEDIATE
"""
import json, os, sys
import numpy as np
from safetensors.numpy import save_file

out, hidden, layers, heads, inter = sys.argv[1], *map(int, sys.argv[2:6])
vocab = 32016
rng = np.random.default_rng(2025)
os.makedirs(out, exist_ok=True)
def lin(o, i):
    return (rng.standard_normal((o, i), dtype=np.float32) / np.sqrt(i)).astype(np.float32)
t = {"model.embed_tokens.weight": rng.standard_normal((vocab, hidden), dtype=np.float32),
     "model.norm.weight": np.ones(hidden, np.float32),
     "lm_head.weight": lin(vocab, hidden)}
for l in range(layers):
    p = f"model.layers.{l}."
    t[p + "self_attn.qkv_proj.weight"] = lin(3 * hidden, hidden)
    t[p + "self_attn.o_proj.weight"] = lin(hidden, hidden)
    t[p + "mlp.gate_up_proj.weight"] = lin(2 * inter, hidden)
    t[p + "mlp.down_proj.weight"] = lin(hidden, inter)
    t[p + "input_layernorm.weight"] = np.ones(hidden, np.float32)
    t[p + "post_attention_layernorm.weight"] = np.ones(hidden, np.float32)
save_file(t, os.path.join(out, "model.safetensors"))
cfg = {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "hidden_size": hidden,
       "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": heads,
       "num_key_value_heads": heads, "vocab_size": vocab, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
       "rope_scaling": None, "max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
       "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 32000, "pad_token_id": 32000,
       "tie_word_embeddings": False, "attention_bias": False, "sliding_window": 2047,
       "torch_dtype": "float32"}
json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)
n = sum(v.size for v in t.values())
print(f"{out}: {n/1e6:.1f}M parameters")
