"""Decode tokens/s of the peers on the same model, same prompt ids, greedy, CPU.

llama.cpp (llama-cpp-python) runs the GGUF; HF transformers runs the safetensors folder in f32.
Prompt ids: 100 + (i * 7919) % 30000, as crates/ai/examples/decode.rs. Prints one JSON line each.
usage: peers.py GGUF [HF_DIR] [PROMPT] [DECODE] [THREADS]
"""
import json, sys, time

gguf = sys.argv[1]
hf_dir = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
n_prompt = int(sys.argv[3]) if len(sys.argv) > 3 else 128
n_decode = int(sys.argv[4]) if len(sys.argv) > 4 else 64
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 2
prompt = [100 + (i * 7919) % 30000 for i in range(n_prompt)]

def report(runtime, model, prefill_s, decode_s, ids):
    print(json.dumps({"runtime": runtime, "model": model, "prompt_tokens": n_prompt,
                      "decode_tokens": n_decode, "prefill_s": round(prefill_s, 4),
                      "decode_s": round(decode_s, 4), "tokens_per_s": round(n_decode / decode_s, 3),
                      "first_ids": ids[:8]}), flush=True)

try:
    import numpy as np
    from llama_cpp import Llama
    llm = Llama(model_path=gguf, n_ctx=max(512, n_prompt + n_decode + 8), n_threads=threads,
                n_threads_batch=threads, n_batch=512, verbose=False, logits_all=False)
    t0 = time.perf_counter(); llm.eval(prompt); t1 = time.perf_counter()
    ids = []
    for _ in range(n_decode):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        ids.append(nxt)
        llm.eval([nxt])
    report("llama.cpp", gguf, t1 - t0, time.perf_counter() - t1, ids)
except ImportError as e:
    print(json.dumps({"runtime": "llama.cpp", "error": str(e)}))

if hf_dir:
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(threads)
    m = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager").eval()
    with torch.inference_mode():
        x = torch.tensor([prompt])
        t0 = time.perf_counter(); out = m(x, use_cache=True); t1 = time.perf_counter()
        past, logits, ids = out.past_key_values, out.logits[0, -1], []
        for _ in range(n_decode):
            nxt = int(torch.argmax(logits)); ids.append(nxt)
            out = m(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1]
        report("hf-transformers-f32", hf_dir, t1 - t0, time.perf_counter() - t1, ids)
