//! One module per subcommand: its clap `Args` and its `run`.

pub mod analyze;
pub mod chat;
pub mod compare;
pub mod convert;
pub mod db;
pub mod info;
pub mod models;
pub mod open;
pub mod render;
pub mod report;
pub mod tokenize;
