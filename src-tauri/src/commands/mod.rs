//! Tauri commands, one module per domain. Each command deserialises, fetches state, calls one
//! crate function and maps the error; no SQL, DSP or prompt text lives here.

pub mod annotate;
pub mod chat;
pub mod compare;
pub mod holter;
pub mod models;
pub mod open;
pub mod report;
pub mod review;
pub mod settings;
pub mod view;
