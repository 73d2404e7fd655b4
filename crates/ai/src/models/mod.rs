//! The models, one file per model (the candle-transformers layout).
//!
//! - ECG: [`beat`] (the Beat tokenizer, v3 and v1 configurations) and [`signal_proj`] (the
//!   HeartcareGPT-v3 projector from Beat's quantized vectors to language-model soft tokens).
//! - Language: [`phi3`] (safetensors, f32), [`quantized_phi3`] and [`quantized_llama`] (GGUF),
//!   sharing [`layers`];
//!   [`lora`] merges PEFT adapters.
//! - [`kernels`]: packed f32 CPU kernels for the small ECG models; [`quant`]: quantised kernels
//!   and the linear layer of the GGUF language models; [`attention`]: a decode step's attention
//!   over the KV cache.

pub mod attention;
pub mod beat;
pub mod kernels;
pub mod layers;
pub mod lora;
pub mod parallel;
pub mod phi3;
pub mod quant;
pub mod quantized_llama;
pub mod quantized_phi3;
pub mod rows;
pub mod signal_proj;
