//! Prints each beat's class and time, the global measurements and the statements with their
//! criteria for each file: `cargo run -p heartlens-signal --example beat_classes -- FILE...`.
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
        let m = &a.measurements;
        let v = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0}"));
        println!(
            "  measured: HR {} /min, PR {} ms, QRS {} ms, QT {} ms, QTc Bazett {} ms, axis P/QRS/T {}/{}/{}°",
            v(m.hr.map(|x| x.0)),
            v(m.pr.map(|x| x.0)),
            v(m.qrs.map(|x| x.0)),
            v(m.qt.map(|x| x.0)),
            v(m.qtc.bazett.map(|x| x.0)),
            v(m.axis.p.map(|x| x.0)),
            v(m.axis.qrs.map(|x| x.0)),
            v(m.axis.t.map(|x| x.0)),
        );
        for s in &a.statements {
            println!("  {} [{}]", s.text, s.criterion.as_deref().unwrap_or(""));
        }
    }
}
