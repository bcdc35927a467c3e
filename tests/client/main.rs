//! The real `client` binary: end to end through the real server ([`e2e`]), its use of the
//! extensions ([`ext`]), the servers of the original protocol it must cope with ([`quirks`],
//! and [`registration`] for how it registers with them), `--protocol json` against fake
//! servers of seed 003's protocol ([`json`]) and through the real server's JSON front end
//! ([`json_e2e`], which passes once that front end has landed), and the full-screen UI in
//! tmux ([`tui`]). Part 5 (accounts, offline messages, history): against fake servers of
//! each protocol ([`memory`], [`memory_json`]), in tmux ([`tui_memory`]), and through the
//! real server ([`memory_e2e`]). Rooms (Part 8): against fake servers of each protocol
//! ([`rooms`]), through the real server ([`rooms_e2e`]), and in tmux ([`tui_rooms`]).
//! Several servers for one chat (`--server a,b`), moving to the next when one goes:
//! [`failover`].

#[path = "../support/mod.rs"]
mod support;

mod e2e;
mod ext;
mod failover;
mod json;
mod json_e2e;
mod memory;
mod memory_e2e;
mod memory_json;
mod quirks;
mod registration;
mod rooms;
mod rooms_e2e;
mod tls;
mod tui;
mod tui_memory;
mod tui_rooms;
