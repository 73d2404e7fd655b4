//! Exit codes and error printing for the CLI.
//!
//! Contract (tests and scripts rely on it): 0 success; 2 bad input or usage, i.e. the file is
//! missing, unreadable or not a valid ECG (also one the analysis cannot read as an ECG: no ECG
//! lead, or too short), with the message naming the file and the problem;
//! 1 any other failure; 130 (128 + SIGINT) when the user stopped a long job with Ctrl-C before
//! it wrote anything. A closed stdout pipe (`heartlens info x | head`) counts as success.

use std::process::ExitCode;

/// An error that should exit with code 2 (bad input); anything else exits with 1.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The user pressed Ctrl-C and the job stopped cleanly (exit code 130); the message says what
/// was stopped and that nothing was written.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Prints the error chain and chooses the exit code.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    if err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    if let Some(i) = err.downcast_ref::<Interrupted>() {
        eprintln!("heartlens: {i}");
        return ExitCode::from(130);
    }
    let bad_input = err.chain().any(|c| {
        c.downcast_ref::<BadInput>().is_some()
            || c.downcast_ref::<formats::Error>().is_some()
            || c.downcast_ref::<signal::Error>()
                .is_some_and(not_analysable)
    });
    eprintln!("heartlens: error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if bad_input {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// Whether an analysis error says the recording itself cannot be analysed (no ECG lead, too
/// short): bad input, as a file that is not a valid ECG is.
fn not_analysable(e: &signal::Error) -> bool {
    matches!(
        e,
        signal::Error::Unsupported(_) | signal::Error::TooShort { .. }
    )
}
