//! `conform json-server HOST:PORT`: the checks of `chat::conformance::json` against a running
//! server of the JSON protocol of seed 003, reported like `conform server`.

use crate::{finish, print_list, progress, refuse_unknown, server_addr, Common};
use chat::cli::parse_secs;
use chat::conformance::json::{self, Target};
use chat::conformance::Profile;
use std::process::ExitCode;
use std::time::Duration;

/// Checks a running server of the JSON protocol (PROTOCOL.md Part 4, and its rooms, Part 8).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server's JSON port, as HOST:PORT.
    #[arg(required_unless_present = "list")]
    server: Option<String>,
    #[command(flatten)]
    common: Common,
    /// Checks run at once (the flood check always runs alone). 1 for fragile servers.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Seconds any packet may take.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    reply_timeout: Duration,
    /// The server's timeout for a connection that never says hello, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    idle_timeout: Duration,
    /// The server's timeout for a packet begun but not finished, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    message_timeout: Duration,
    /// The largest payload the server takes, in bytes (65,535 at most: all two bytes say).
    #[arg(long, value_name = "BYTES", default_value_t = 65_535)]
    max_body: usize,
}

pub fn run(args: Args) -> ExitCode {
    let checks = json::checks();
    let infos: Vec<_> = checks.iter().map(|c| c.info).collect();
    if let Some(code) = refuse_unknown(&args.common, &infos) {
        return code;
    }
    let mut selection = args.common.selection();
    if args.common.list {
        // Our checks are listed under --profile original too: they are reported as skipped.
        selection.profile = Profile::Full;
        print_list(&selection, &infos);
        return ExitCode::SUCCESS;
    }
    let addr = match server_addr("json-server", args.server.as_deref()) {
        Ok(addr) => addr,
        Err(code) => return code,
    };
    let target = Target {
        reply_timeout: args.reply_timeout,
        idle_timeout: args.idle_timeout,
        message_timeout: args.message_timeout,
        max_body: args.max_body,
        profile: args.common.profile,
        ..Target::new(addr)
    };
    let json = args.common.json;
    let report = json::run(&target, &selection, args.jobs, progress(json));
    finish(&report, json)
}
