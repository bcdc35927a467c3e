//! `conform client`: plays a server on a port for one client to connect to, runs the scripted
//! session of `chat::conformance::client`, and reports.
//!
//! The first line on stdout is `listening on ADDR` (on stderr with `--json`, so that stdout is
//! the JSON document alone); what the person should do next goes to stderr as it happens; the
//! report follows on stdout.

use crate::{finish, print_list, refuse_unknown, Common};
use chat::cli::parse_secs;
use chat::conformance::client::{self, Settings};
use chat::conformance::report;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Duration;

/// Checks a client: plays a server on a port and judges what the client that connects does.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on; 0 picks a free one (the address is printed first).
    #[arg(long, value_name = "PORT", required_unless_present = "list")]
    listen: Option<u16>,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    #[command(flatten)]
    common: Common,
    /// Seconds the person has for each step: connecting and registering, each message.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    wait: Duration,
    /// Seconds the client has for what it does by itself: its second REGISTER, each
    /// acknowledgement, the rest of a message it began.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    reply_timeout: Duration,
    /// Seconds a reply is held back to see whether the client waits for it.
    #[arg(long, value_name = "SECS", default_value = "0.3", value_parser = parse_secs)]
    hold: Duration,
}

pub fn run(args: Args) -> ExitCode {
    let infos = client::checks();
    if let Some(code) = refuse_unknown(&args.common, infos) {
        return code;
    }
    let selection = args.common.selection();
    if args.common.list {
        print_list(&selection, infos);
        return ExitCode::SUCCESS;
    }
    let Some(port) = args.listen else {
        eprintln!("conform client: give the port to listen on with --listen PORT");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind(SocketAddr::new(args.bind, port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("conform client: cannot listen on {}:{port}: {e}", args.bind);
            return ExitCode::from(2);
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("conform client: cannot tell the address listened on: {e}");
            return ExitCode::from(2);
        }
    };
    let json = args.common.json;
    if json {
        eprintln!("listening on {addr}");
    } else {
        println!("listening on {addr}");
        let _ = std::io::stdout().flush();
    }
    let settings = Settings {
        wait: args.wait,
        reply_timeout: args.reply_timeout,
        hold: args.hold,
    };
    let mut notes = |note: &str| eprintln!("conform: {note}");
    let report = match client::run(listener, &settings, &selection, &mut notes) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("conform client: cannot use the listening socket: {e}");
            return ExitCode::from(2);
        }
    };
    if !json {
        let mut out = std::io::stdout().lock();
        for entry in &report.entries {
            let _ = report::write_entry(entry, &mut out);
        }
        let _ = out.flush();
    }
    finish(&report, json)
}
