//! Prints each beat's class and RR for a file: `cargo run -p heartlens-signal --example beat_classes -- FILE`.
fn main() {
    for p in std::env::args().skip(1) {
        let rec = match formats::open(std::path::Path::new(&p)) {
            Ok(r) => r,
            Err(e) => {
                println!("{p}: {e}");
                continue;
            }
        };
        let a = match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
            Ok(a) => a,
            Err(e) => {
                println!("{p}: analysis: {e}");
                continue;
            }
        };
        let line: Vec<String> = a
            .beats
            .iter()
            .map(|b| format!("{}@{:.2}", b.class.code(), b.r_s))
            .collect();
        println!("{p}: {}", line.join(" "));
        for s in &a.statements {
            println!("  {} [{}]", s.text, s.criterion.as_deref().unwrap_or(""));
        }
    }
}
