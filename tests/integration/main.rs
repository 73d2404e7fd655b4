//! One integration binary (ripgrep's layout): modules by theme, each with its own doc.

mod app;
mod app_holter;
mod app_latency;
mod cli;
mod holter_gen;
mod postgres;
mod report;
mod util;
mod webdriver;
