//! One module per subcommand: its clap `Args` and its `run`.

pub mod analyze;
pub mod db;
pub mod convert;
pub mod info;
pub mod open;
pub mod render;
pub mod report;
pub mod tokenize;
pub mod chat;
pub mod models;
