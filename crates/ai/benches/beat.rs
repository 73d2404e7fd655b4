//! Beat criterion bench (being written).
fn main() {}
