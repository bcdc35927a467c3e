//! `conform`: the conformance kit (placeholder while it is being built).
fn main() {}
