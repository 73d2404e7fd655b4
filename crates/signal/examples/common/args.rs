//! Command-line flags of the examples: `--name` switches and `--name VALUE` options, taken out
//! of the argument list so what is left is the inputs.

/// Whether `--flag` is among `args` (removed).
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    match args.iter().position(|a| a == flag) {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    }
}

/// The value after `--option` (both removed), if the option is given; exits with a usage
/// message when the value is missing.
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn take_value(args: &mut Vec<String>, option: &str, value: &str) -> Option<String> {
    let i = args.iter().position(|a| a == option)?;
    let Some(v) = args.get(i + 1).cloned() else {
        eprintln!("{option} needs a {value}");
        std::process::exit(2);
    };
    args.drain(i..=i + 1);
    Some(v)
}

/// The files named on the command line; exits with `usage: NAME FILE...` when there are none.
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn files_or_usage(name: &str) -> Vec<String> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: {name} FILE...");
        std::process::exit(2);
    }
    files
}

/// The recording in file `f` (any format the readers open), or `None` after printing
/// "`f`: why" so the example goes on with the next file.
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn open_or_say(f: &str) -> Option<ecg::Recording> {
    formats::open(std::path::Path::new(f))
        .inspect_err(|e| println!("{f}: {e}"))
        .ok()
}
