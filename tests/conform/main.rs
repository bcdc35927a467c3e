//! The conformance kit: every server check against our server ([`server`]), every check
//! failing against a server with its defect ([`broken`]), the client checks against our
//! client and against fake clients with one defect each ([`client`]), and the JSON checks
//! against the seed 003 reference server and ours ([`json`]) and failing against the
//! reference server with one defect each ([`json_broken`]); what the two tables of failing
//! cases share is in [`must_fail`].

#[path = "../support/mod.rs"]
mod support;

mod broken;
mod client;
mod json;
mod json_broken;
mod must_fail;
mod server;
