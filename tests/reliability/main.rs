//! Reliability and security of the server: recipients and connections that fail ([`faults`]),
//! bad and hostile input ([`input`]), the limits on connections, names and rates
//! ([`limits`]), the chat's memory surviving restarts and `kill -9` ([`durability`]), and the
//! WebSocket's frame-level garbage and limits ([`web`]). Run with `--nocapture` to see the numbers each test observed.

#[path = "../support/mod.rs"]
mod support;

mod durability;
mod faults;
mod input;
mod limits;
mod web;
