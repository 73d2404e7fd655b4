//! Heartlens model layer (candle): the Beat ECG tokenizer, HeartcareGPT (Phi-3 plus projectors)
//! and the chat engine.
//!
//! Model code lives in [`models`], one file per model. [`tokenize`] turns a
//! [`ecg::Recording`] into Beat codes (12 leads at 500 Hz -> v3 preprocessing -> 4-s windows ->
//! codes).
//!
//! The language side: [`model::ChatModel`] opens HeartcareGPT (GGUF or safetensors Phi-3 plus
//! `signal_proj`) or any chat GGUF (grounded mode); [`engine`] streams answers on its own thread;
//! [`prompt`] builds both prompt recipes; [`import`] merges LoRA and writes a quantized GGUF with
//! a manifest; [`registry`] lists installed models; [`download`] is the catalogue of
//! recommended models and their download (the only network use, on request); [`threads`] is the
//! app's CPU thread policy.

pub mod models;
pub mod tokenize;

pub mod download;
pub mod engine;
mod error;
pub mod import;
pub mod jinja;
pub mod model;
pub mod prompt;
pub mod registry;
pub mod threads;
pub mod tokenizer;

pub use engine::{Answer, ChatRequest, Engine, Event, SamplingSettings, StopReason};
pub use error::{LlmError, Result as LlmResult};
pub use model::{ChatModel, Mode, OpenOptions};
pub use registry::{Registry, default_models_dir, resolve_model};
