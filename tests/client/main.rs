//! The real `client` binary: end to end through the real server ([`e2e`]), its use of the
//! extensions ([`ext`]), the servers of the original protocol it must cope with ([`quirks`],
//! and [`registration`] for how it registers with them), and the full-screen UI in tmux
//! ([`tui`]).

#[path = "../support/mod.rs"]
mod support;

mod e2e;
mod ext;
mod quirks;
mod registration;
mod tui;
