//! Heartlens model layer (candle): the Beat ECG tokenizer, HeartcareGPT (Phi-3 plus projectors)
//! and the chat engine.
//!
//! Model code lives in [`models`], one file per model. [`tokenize`] turns a
//! [`ecg::Recording`] into Beat codes (12 leads at 500 Hz -> v3 preprocessing -> 4-s windows ->
//! codes).

pub mod models;
pub mod tokenize;

mod error;
pub use error::{LlmError, Result as LlmResult};
