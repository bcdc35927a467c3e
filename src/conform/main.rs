//! `conform`: the conformance kit for the two-socket chat protocol, for anyone's server or
//! client.
//!
//! `conform server HOST:PORT` runs one check per rule of PROTOCOL.md Parts 1, 2, 5 and 8
//! against a running server; `conform client --listen PORT` plays a server for a client to
//! connect to; `conform json-server HOST:PORT` checks a server of the JSON protocol of seed 003
//! (Part 4, and its rooms, Part 8).
//! Both print `PASS`/`FAIL`/`SKIP` per check (a failure with the exact bytes expected and
//! received) and a summary line, or JSON with `--json`, and exit 0 only when nothing failed.
//! The checks themselves live in the library (`chat::conformance`), where the project's own
//! tests call them.
#![forbid(unsafe_code)]

mod client_cli;
mod json_cli;

use chat::cli::parse_secs;
use chat::conformance::report::{self, Entry, Report};
use chat::conformance::server::{self, Target};
use chat::conformance::{Profile, Selection};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// Conformance checks for the chat protocols: the two-socket protocol (docs/PROTOCOL.md Parts 1
/// and 2, Part 5's accounts, offline messages and history, and Part 8's rooms) and the JSON
/// protocol of seed 003 (Part 4, and Part 8's rooms).
#[derive(Debug, Parser)]
#[command(name = "conform", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a running server: one check per protocol rule.
    Server(ServerArgs),
    /// Check a client: play a server on a port and judge what the client that connects does.
    Client(client_cli::Args),
    /// Check a running server of the JSON protocol of seed 003: one check per rule.
    JsonServer(json_cli::Args),
}

/// What every run has: which checks, and how to report.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Run only the checks matching this id or prefix* (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Leave out the checks matching this id or prefix* (repeatable).
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// List the checks (id, part, what each does) and exit.
    #[arg(long)]
    pub list: bool,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// `original`: Part 1 only, for implementations that make no Part 2, 5 or 8 promises
    /// (json-server: seed 003 alone; our Part 4 and Part 8 checks are skipped and packets are
    /// judged as JSON).
    #[arg(long, value_enum, default_value = "full")]
    pub profile: Profile,
}

impl Common {
    pub fn selection(&self) -> Selection {
        Selection {
            profile: self.profile,
            only: self.only.clone(),
            skip: self.skip.clone(),
        }
    }
}

#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// The server, as HOST:PORT.
    #[arg(required_unless_present = "list")]
    server: Option<String>,
    #[command(flatten)]
    common: Common,
    /// Checks run at once (broadcast checks always run alone). 1 for fragile servers.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Seconds any reply may take.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    reply_timeout: Duration,
    /// The server's acknowledgement timeout, in seconds.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    ack_timeout: Duration,
    /// The server's timeout for connections that never register, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    idle_timeout: Duration,
    /// The server's timeout for a message begun but not finished, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    message_timeout: Duration,
    /// The server's header block limit, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = chat::wire::DEFAULT_MAX_HEADER)]
    max_header: usize,
    /// The server's body limit, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = chat::wire::DEFAULT_MAX_BODY)]
    max_body: usize,
    /// The server's success reply: SENT (Part 1) or SEND (the table's spelling).
    #[arg(long, value_name = "WORD", default_value = "SENT", value_parser = ["SENT", "SEND"])]
    success_reply: String,
    /// The most messages the server keeps for one offline user (Part 5, `--mailbox-size`).
    #[arg(long, value_name = "N", default_value_t = 100)]
    mailbox_size: usize,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off")).init();
    match Cli::parse().command {
        Command::Server(args) => run_server(args),
        Command::Client(args) => client_cli::run(args),
        Command::JsonServer(args) => json_cli::run(args),
    }
}

fn run_server(args: ServerArgs) -> ExitCode {
    let checks = server::checks();
    let infos: Vec<_> = checks.iter().map(|c| c.info).collect();
    if let Some(code) = refuse_unknown(&args.common, &infos) {
        return code;
    }
    if args.common.list {
        print_list(&args.common.selection(), &infos);
        return ExitCode::SUCCESS;
    }
    let addr = match server_addr("server", args.server.as_deref()) {
        Ok(addr) => addr,
        Err(code) => return code,
    };
    let target = Target {
        reply_timeout: args.reply_timeout,
        ack_timeout: args.ack_timeout,
        idle_timeout: args.idle_timeout,
        message_timeout: args.message_timeout,
        max_header: args.max_header,
        max_body: args.max_body,
        success: if args.success_reply == "SEND" {
            "SEND"
        } else {
            "SENT"
        },
        mailbox_size: args.mailbox_size,
        ..Target::new(addr)
    };
    let json = args.common.json;
    let report = server::run(&target, &args.common.selection(), args.jobs, progress(json));
    finish(&report, json)
}

/// Says which `--only`/`--skip` patterns name no check; a typo should not pass silently.
pub fn refuse_unknown(common: &Common, infos: &[chat::conformance::CheckInfo]) -> Option<ExitCode> {
    let ids: Vec<&str> = infos.iter().map(|i| i.id).collect();
    let selection = common.selection();
    let unknown = selection.unknown_patterns(&ids);
    if unknown.is_empty() {
        return None;
    }
    eprintln!(
        "conform: no check matches {} (see --list)",
        unknown.join(", ")
    );
    Some(ExitCode::from(2))
}

/// `--list`: the selected checks, one per line.
pub fn print_list(selection: &Selection, infos: &[chat::conformance::CheckInfo]) {
    for info in infos.iter().filter(|i| selection.includes(i)) {
        say(&report::list_line(info));
    }
}

/// The server to check, from its HOST:PORT; when it is missing or does not resolve, says so
/// as `conform COMMAND: …` and gives the exit status (2).
pub fn server_addr(command: &str, server: Option<&str>) -> Result<SocketAddr, ExitCode> {
    let Some(text) = server else {
        eprintln!("conform {command}: give the server as HOST:PORT");
        return Err(ExitCode::from(2));
    };
    resolve(text).map_err(|e| {
        eprintln!("conform {command}: {e}");
        ExitCode::from(2)
    })
}

/// What a text report shows while a run goes on: each entry as soon as it is known (nothing
/// for a JSON report, which is printed whole at the end).
pub fn progress(json: bool) -> impl FnMut(&Entry) {
    move |entry: &Entry| {
        if !json {
            let mut out = std::io::stdout().lock();
            let _ = report::write_entry(entry, &mut out);
            let _ = out.flush();
        }
    }
}

/// Prints the summary (text) or the whole report (JSON); exit 0 only when nothing failed.
pub fn finish(report: &Report, json: bool) -> ExitCode {
    say(&if json {
        report.to_json()
    } else {
        report.summary()
    });
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A line to stdout; a closed stdout (`| head`) is not an error worth a panic.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

pub fn resolve(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .map_err(|e| format!("cannot resolve {text}: {e}"))?
        .next()
        .ok_or_else(|| format!("{text} resolves to no address"))
}
