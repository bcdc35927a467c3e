//! The conformance kit: every server check against our server ([`server`]), every check
//! failing against a server with its defect ([`broken`]), and the client checks against our
//! client and against fake clients with one defect each ([`client`]).

#[path = "../support/mod.rs"]
mod support;

mod broken;
mod client;
mod server;
