//! `client`: the interactive chat client, of the two-socket protocol (docs/PROTOCOL.md Parts 1
//! to 3, 5 and 8) or, with `--protocol json`, of seed 003's JSON protocol (Parts 4, 5 and 8).
//!
//! When stdin and stdout are both a terminal (and `--plain` is not given) it is a full-screen
//! client ([`tui`]): messages above, the users online beside them, a status line and an input
//! line below. Otherwise, and with `--plain`, it is the line client scripts use: it asks for
//! the server and a username (unless given as flags), registers (two-socket: TOSEND plainly,
//! then TORECV asking for every extension of Parts 3, 5 and 8; JSON: a hello asking for the
//! JSON extensions; a claimed name with its password, from `--password-file`,
//! `CHAT_PASSWORD` or asked for), then reads lines `@name message` / `@ALL message` /
//! `#room message` and the slash commands (`/msg`, `/me`, `/users`, `/history`,
//! `/register`, `/unregister`, the rooms' `/join`, `/part`, `/rooms`, `/who`, `/topic`,
//! `/quit`, `/help`) and prints one outcome line per message and one line (or an indented
//! block) per message or event received. A server that grants nothing (of the original
//! protocol, or of the seed) is spoken to in its own protocol only.
//! Everything for the user goes to stdout, one flushed line at a time, so it can be driven
//! through pipes; logs go to stderr and are off unless `RUST_LOG` is set.
//!
//! With `--tls` (implied by `--ca FILE` and `--fingerprint HEX`) every socket speaks TLS to
//! the server's TLS ports (docs/PROTOCOL.md Part 7), through `chat::net::tls`; a certificate
//! it does not trust ends the attempt with its fingerprint and the flag that would trust it.
//!
//! # Layout
//! - [`addr`]: parsing `host[:port]`; [`servers`]: the list `a:4334,b:4334` of one chat's
//!   servers, the order they are tried in and the pause between rounds.
//! - [`command`]: what an input line means (messages, slash commands, hints).
//! - [`setup`]: prompting for the server and name, with retries, in either protocol.
//! - [`register`]: connecting and registering both sockets (extensions asked on TORECV).
//! - [`json`]: the JSON protocol's join, socket and reader thread.
//! - [`link`]: the registered connection, whichever protocol: its readers, and requests.
//! - [`net`]: the stdin thread, the two-socket reader threads, and the event channel.
//! - [`session`]: the loop that sends, matches replies and shows what arrives.
//! - [`failover`]: one run of sessions: registering, and after a lost server the next one of
//!   the chat (or, with one, the view's way: ending, or the Reconnect box).
//! - [`reply`]: what a server reply means for the request awaiting it.
//! - [`words`]: what a refusal means, in words, for every error code the client can get.
//! - [`secret`]: passwords, never shown: where one may come from, what one may be.
//! - [`echo`]: line mode's terminal echo, off while a password is typed.
//! - [`history`]: history entries of either protocol, pages, and the ids already shown.
//! - [`roster`]: who the session knows to be online.
//! - [`push`]: what the server says unasked about the room (joins, leaves, kicks, `BYE`).
//! - [`meta`]: the time, kind and emote of a message, as the views show them.
//! - [`view`]: what happened ([`view::SessionEvent`]), apart from how it is shown.
//! - [`output`]: the lines written to stdout: the line view.
//! - [`room_lines`]: the rooms' answers and events in words, for both views.
//! - [`tui`]: the full-screen view, its model, editor, rendering and terminal handling.
#![forbid(unsafe_code)]

mod addr;
mod command;
mod echo;
mod failover;
mod history;
mod json;
mod link;
mod meta;
mod net;
mod output;
mod push;
mod register;
mod reply;
mod room_lines;
mod roster;
mod secret;
mod servers;
mod session;
mod setup;
mod tui;
mod view;
mod words;

use chat::cli::parse_secs;
use chat::net::tls::{ClientTls, Fingerprint, FingerprintError};
use chat::wire::{Limits, DEFAULT_MAX_HEADER};
use clap::Parser;
use failover::AfterLoss;
use output::{LineView, Out};
use session::End;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

/// Chat client for the two-socket chat protocol, or (`--protocol json`) seed 003's JSON one.
///
/// After registering, type `@name message` to send to one user, `@ALL message` to send to
/// everyone (with `--protocol json`, any other line too), `#room message` to a room,
/// `/me action`, `/users`, `/join #room`, `/part [#room]`, `/rooms`, `/who #room`,
/// `/topic #room text`, `/history [N]`, `/register` (claim your name with a password),
/// `/unregister`, `/help`, and `/quit` (or end the input) to leave.
///
/// A claimed name needs its password: from `--password-file`, else the environment variable
/// CHAT_PASSWORD, else it is asked for (never shown).
///
/// With several servers (`--server a,b`) a lost server is replaced by the next: line mode
/// prints `*** reconnected to b:4334 as alice`, the full screen's status line names the
/// server in use.
#[derive(Debug, Parser)]
#[command(name = "client", version)]
struct Args {
    /// Server to use, as HOST or HOST:PORT (port 4334 when omitted, 3490 with
    /// `--protocol json`); asked for when absent. Several, separated by commas
    /// (a:4334,b:4334), for one chat served by each: the first that answers is used, and
    /// when it goes away the client moves to the next (round-robin; the lost one last),
    /// under the same name and password; when none takes it back, it tries again after 1 s, 2 s,
    /// 4 s ... at most 30 s. Line mode sends what was typed meanwhile once it is back (the
    /// full screen keeps it in the input line); a message awaiting its reply when the
    /// server went is said lost, not sent again.
    #[arg(long, value_name = "HOST[:PORT][,...]")]
    server: Option<String>,
    /// Username to register (1 to 32 letters and digits); asked for when absent or refused.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Seconds to wait for the server's reply to a registration or a message.
    #[arg(long, value_name = "SECS", default_value = "15", value_parser = parse_secs)]
    reply_timeout: Duration,
    /// Largest body accepted in an incoming message; a larger one is answered ERROR 103.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_body: usize,
    /// The protocol to speak: `two-socket` (docs/PROTOCOL.md Parts 1 to 3), or `json`, seed
    /// 003's JSON protocol (Part 4), whose default port is 3490.
    #[arg(long, value_enum, default_value = "two-socket")]
    protocol: setup::Protocol,
    /// Line mode even on a terminal: one line per prompt, message and outcome (always so when
    /// stdin or stdout is not a terminal).
    #[arg(long)]
    plain: bool,
    /// The password of a claimed name: the first line of this file (for scripts; else
    /// CHAT_PASSWORD, else it is asked for when the server says the name is claimed).
    #[arg(long, value_name = "PATH")]
    password_file: Option<PathBuf>,
    /// Speak TLS to the server's TLS port (4335, or 3491 with `--protocol json`, when the
    /// address names none). Its certificate must chain to a root of the web (Mozilla's list),
    /// unless `--ca` or `--fingerprint` says what to trust. An untrusted certificate ends
    /// the connection, and its SHA-256 fingerprint is shown.
    #[arg(long)]
    tls: bool,
    /// TLS: trust servers whose certificate chains to one in this PEM file (a CA's, or the
    /// server's own); implies --tls.
    #[arg(long, value_name = "FILE", conflicts_with = "fingerprint")]
    ca: Option<PathBuf>,
    /// TLS: trust exactly the certificate with this SHA-256 fingerprint (as `server
    /// --tls-self-signed` prints it; colons optional, any case), whatever its names and
    /// issuer; implies --tls.
    #[arg(long, value_name = "HEX", value_parser = parse_fingerprint)]
    fingerprint: Option<Fingerprint>,
}

fn parse_fingerprint(text: &str) -> Result<Fingerprint, String> {
    text.parse().map_err(|e: FingerprintError| e.to_string())
}

impl Args {
    /// What registration needs; `form` for the full-screen client's connect box.
    fn options(&self, form: bool) -> Result<setup::Options, String> {
        Ok(setup::Options {
            protocol: self.protocol,
            server: self.server.clone(),
            user: self.user.clone(),
            reply_timeout: self.reply_timeout,
            limits: Limits {
                max_header: DEFAULT_MAX_HEADER,
                max_body: self.max_body,
            },
            server_hint: None,
            form,
            password: secret::given(self.password_file.as_deref())?,
            tls: self.tls()?,
        })
    }

    /// What a TLS client trusts, if it is one.
    fn tls(&self) -> Result<Option<ClientTls>, String> {
        let trust = match (&self.ca, self.fingerprint) {
            (Some(ca), _) => ClientTls::with_ca_file(ca),
            (None, Some(fingerprint)) => Ok(ClientTls::pinned(fingerprint)),
            (None, None) if self.tls => ClientTls::web_roots(),
            (None, None) => return Ok(None),
        };
        trust.map(Some).map_err(|e| format!("--ca: {e}"))
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let full_screen =
        !args.plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    // Log lines written over the full screen would garble it: with the screen up, logs
    // (`RUST_LOG`) go only to a stderr that is not the terminal (`2>client.log`).
    if !(full_screen && std::io::stderr().is_terminal()) {
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off")).init();
    }
    if full_screen {
        return match args.options(true) {
            Ok(opts) => tui::run(opts),
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        };
    }
    let out = Out::new();
    let ran = run(args, out);
    echo::restore();
    match ran {
        Ok(End::Quit) => ExitCode::SUCCESS,
        Ok(End::ServerGone | End::Kicked) => ExitCode::FAILURE,
        Err(message) => {
            out.line(&message);
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args, out: Out) -> Result<End, String> {
    let opts = args.options(false)?;
    let (tx, rx) = mpsc::channel();
    net::spawn_stdin(tx.clone()).map_err(|e| format!("cannot start reading input: {e}"))?;
    let mut view = LineView::new(out);
    failover::run(opts, &mut view, &rx, &tx, AfterLoss::End)
}

#[cfg(test)]
mod tests {
    use super::*;
    use setup::Protocol;

    fn protocol(args: &[&str]) -> Option<Protocol> {
        let args = std::iter::once("client").chain(args.iter().copied());
        Args::try_parse_from(args).ok().map(|a| a.protocol)
    }

    #[test]
    fn the_protocol_flag_and_its_default_ports() {
        assert_eq!(protocol(&[]), Some(Protocol::TwoSocket));
        assert_eq!(
            protocol(&["--protocol", "two-socket"]),
            Some(Protocol::TwoSocket)
        );
        assert_eq!(protocol(&["--protocol", "json"]), Some(Protocol::Json));
        assert_eq!(protocol(&["--protocol", "xml"]), None);
        assert_eq!(Protocol::TwoSocket.default_port(), 4334);
        assert_eq!(Protocol::Json.default_port(), 3490);
        assert_eq!(Protocol::TwoSocket.tls_port(), 4335);
        assert_eq!(Protocol::Json.tls_port(), 3491);
    }

    fn tls(args: &[&str]) -> Result<Option<ClientTls>, String> {
        let args = std::iter::once("client").chain(args.iter().copied());
        Args::try_parse_from(args).map_err(|e| e.to_string())?.tls()
    }

    #[test]
    fn tls_flags_say_what_to_trust() {
        assert!(tls(&[]).unwrap().is_none());
        let web = tls(&["--tls"]).unwrap().unwrap();
        assert_eq!(web.pin(), None);
        let hex = "ab".repeat(32);
        let pinned = tls(&["--fingerprint", &hex]).unwrap().unwrap();
        assert_eq!(pinned.pin(), Some(hex.parse().unwrap()));
        let bad = tls(&["--tls", "--fingerprint", "AB:CD"]).unwrap_err();
        assert!(bad.contains("64 hex digits"), "{bad}");
        let missing = tls(&["--ca", "/nonexistent.pem"]).unwrap_err();
        assert!(
            missing.contains("cannot read /nonexistent.pem"),
            "{missing}"
        );
    }
}
