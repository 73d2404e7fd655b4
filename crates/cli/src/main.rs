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
    /// Analyse a recording: beats, waves, measurements (QTc by formula) and statements.
    Analyze(cmd::analyze::Args),
    /// Compare a recording with a prior one: measurement deltas, statements new and resolved.
    Compare(cmd::compare::Args),
    /// Print what a recording contains (format, leads, rates, first samples, warnings).
    Info(cmd::info::Args),
    /// Draw a recording on calibrated ECG paper (GPU, lavapipe without one) and write a PNG.
    Render(cmd::render::Args),
    /// The store's database: path, check, backup, restore.
    Db(cmd::db::Args),
    /// Rewrite a recording as WFDB, EDF+ or CSV.
    Convert(cmd::convert::Args),
    /// Turn a recording into Beat ECG codes (the HeartcareGPT tokenizer).
    Tokenize(cmd::tokenize::Args),
    /// Write the annotated report: vector PDF, and optionally a PNG of the tracing page and CSV.
    Report(cmd::report::Args),
    /// Ask a language model about a tracing (HeartcareGPT or grounded mode).
    Chat(cmd::chat::Args),
    /// Language models: import, list, remove, the catalogue, download (the only network use).
    Models(cmd::models::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Db(args) => cmd::db::run(args),
        Command::Convert(args) => cmd::convert::run(args),
        Command::Tokenize(args) => cmd::tokenize::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Chat(args) => cmd::chat::run(args),
        Command::Models(args) => cmd::models::run(args),
    };
    exit::report(result)
}
