// llama.cpp decode-speed probe for bench/llm/run.sh, through node-llama-cpp's prebuilt CPU binary
// (npm `@node-llama-cpp/linux-x64`; no compiler, no download at run time). Same protocol as
// crates/ai/examples/decode.rs: prompt ids 100 + (i * 7919) % 30000, prefill, then greedy decode
// (temperature 0, no repetition penalty) with the KV cache, one token per step. Prints one JSON
// line like the other probes, plus the llama.cpp release it ran.
//
// KV_CACHE=F32 stores the KV cache in f32 like candle (llama.cpp's default is F16, which is what
// the speed runs use; the sanity check of greedy ids uses F32).
//
// usage: node decode.mjs GGUF [PROMPT_TOKENS] [DECODE_TOKENS] [THREADS]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [modelPath, promptArg, decodeArg, threadsArg] = process.argv.slice(2);
if (!modelPath) {
    console.error("usage: node decode.mjs GGUF [PROMPT_TOKENS] [DECODE_TOKENS] [THREADS]");
    process.exit(2);
}
const nPrompt = Number(promptArg ?? 128);
const nDecode = Number(decodeArg ?? 64);
const threads = Number(threadsArg ?? 2);

const llama = await getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    maxThreads: threads,
    logLevel: LlamaLogLevel.error,
});
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({
    contextSize: Math.max(512, nPrompt + nDecode + 8),
    batchSize: 512,
    threads: { ideal: threads, min: threads },
    ...(process.env.KV_CACHE
        ? {
              experimentalKvCacheKeyType: process.env.KV_CACHE,
              experimentalKvCacheValueType: process.env.KV_CACHE,
          }
        : {}),
});
const sequence = context.getSequence();
const prompt = Array.from({ length: nPrompt }, (_, i) => 100 + ((i * 7919) % 30000));

const ids = [];
const t0 = performance.now();
let t1 = 0;
for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    // The first token arrives after the prefill; the rest are one decode step each.
    if (ids.length === 0) t1 = performance.now();
    ids.push(token);
    if (ids.length > nDecode) break;
}
const t2 = performance.now();
const release = llama.llamaCppRelease;
console.log(
    JSON.stringify({
        runtime: "llama.cpp",
        llama_cpp_release: `${release.repo}@${release.release}`,
        threads,
        kv_cache: process.env.KV_CACHE ?? "F16",
        model: modelPath,
        prompt_tokens: nPrompt,
        decode_tokens: nDecode,
        prefill_s: +((t1 - t0) / 1000).toFixed(4),
        decode_s: +((t2 - t1) / 1000).toFixed(4),
        tokens_per_s: +(nDecode / ((t2 - t1) / 1000)).toFixed(3),
        first_ids: ids.slice(0, 8),
    }),
);
await context.dispose();
await model.dispose();
await llama.dispose();
