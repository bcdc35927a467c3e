//! Reliability and security of the server: recipients and connections that fail ([`faults`]),
//! bad and hostile input ([`input`]), and the limits on connections, names and rates
//! ([`limits`]). Run with `--nocapture` to see the numbers each test observed.

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod input;
mod limits;
