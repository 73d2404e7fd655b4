//! One module per subcommand: its clap `Args` and its `run`.

pub mod info;
pub mod open;
