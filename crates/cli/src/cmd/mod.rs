//! One module per subcommand: its clap `Args` and its `run`.

pub mod db;
pub mod info;
pub mod open;
pub mod render;
