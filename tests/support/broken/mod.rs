//! A deliberately broken server for the conformance kit to fail: our real server behind a
//! fault-injecting proxy that gives it one [`Defect`] at a time. One mode is no defect at all
//! ([`Defect::SlowClose`]: a correct server slow to see a close), which every check must pass.
//!
//! # Layout
//! - [`defect`]: the defects, each documented with the real-world bug it imitates.
//! - [`proxy`]: the proxy itself (listener, one connection to the server per client, pumps).
//! - [`state`]: what the proxy learns from the traffic (who is online, what awaits a reply).
//! - [`raw`]: the line-edge defects on raw bytes, and raw header helpers.
//! - [`upstream`]: the client's stream framed into messages; [`commands`]: the defects that
//!   judge them.
//! - [`downstream`]: the server's messages, and the defects that change them.
//! - [`memory`]: the defects of Part 5 (accounts, offline messages, history), both ways.
//! - [`rooms`]: the defects of Part 8 (rooms), both ways.
//! - [`json_rooms`]: our server's JSON front end behind a proxy with one defect of its rooms.
//! - [`cases`]: which defect fails which check, and running one case.

pub mod cases;
pub mod commands;
pub mod defect;
pub mod downstream;
pub mod json_rooms;
pub mod memory;
pub mod proxy;
pub mod raw;
pub mod rooms;
pub mod state;
pub mod upstream;

pub use defect::Defect;
