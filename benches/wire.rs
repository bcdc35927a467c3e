//! Criterion benchmarks of the wire codec.

fn main() {}
