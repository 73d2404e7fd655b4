//! scratch (never committed): each record on 12 leads and on lead subsets; rhythm/ectopy/conduction statements.
fn texts(a: &signal::Analysis) -> Vec<String> {
    a.statements.iter().map(|s| s.text.clone()).collect()
}
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let subsets: Vec<Vec<&str>> = vec![
        vec!["I"],
        vec!["II"],
        vec!["V1"],
        vec!["II", "V1"],
        vec!["II", "V5"],
        vec!["I", "II", "V1"],
    ];
    for p in &args {
        let rec = formats::open(std::path::Path::new(p)).unwrap();
        let full = signal::analyze(&rec, &signal::AnalysisOptions::default()).unwrap();
        let ft = texts(&full);
        println!("== {p}\n  12: {}", ft.join("; "));
        for sub in &subsets {
            let mut r = rec.clone();
            r.leads.retain(|l| {
                sub.iter()
                    .any(|s| l.label.to_string().eq_ignore_ascii_case(s))
            });
            if r.leads.len() != sub.len() {
                println!("  {sub:?}: missing");
                continue;
            }
            match signal::analyze(&r, &signal::AnalysisOptions::default()) {
                Ok(a) => {
                    if std::env::var("ZZ_DETAIL").is_ok_and(|v| v == format!("{sub:?}")) {
                        let l: Vec<String> = a
                            .beats
                            .iter()
                            .map(|b| format!("{}@{:.2}", b.class.code(), b.r_s))
                            .collect();
                        println!("    {}", l.join(" "));
                        for s in &a.statements {
                            println!("    {} [{}]", s.text, s.criterion.as_deref().unwrap_or(""));
                        }
                    }
                    let t = texts(&a);
                    let extra: Vec<&String> = t.iter().filter(|x| !ft.contains(x)).collect();
                    let miss: Vec<&String> = ft.iter().filter(|x| !t.contains(x)).collect();
                    println!("  {:?}: +{:?} -{:?}", sub, extra, miss);
                }
                Err(e) => println!("  {sub:?}: {e}"),
            }
        }
    }
}
