//! `heartlens`: the command line over the Heartlens crates.
//!
//! Each subcommand lives in `cmd/<name>.rs` with its clap `Args` struct and a `run` function;
//! this file only lists them. Errors are printed as one line per cause on stderr and map to
//! exit codes: 2 for bad input or usage (the file, the problem), 1 for anything else.

mod cmd;
mod exit;

use clap::{Parser, Subcommand};

/// Heartlens: read, measure, annotate and report ECGs, offline.
#[derive(Debug, Parser)]
#[command(name = "heartlens", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print what a recording contains (format, leads, rates, first samples, warnings).
    Info(cmd::info::Args),
    /// Draw a recording on calibrated ECG paper (GPU, lavapipe without one) and write a PNG.
    Render(cmd::render::Args),
    /// The store's database: path, check, backup, restore.
    Db(cmd::db::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Db(args) => cmd::db::run(args),
    };
    exit::report(result)
}
