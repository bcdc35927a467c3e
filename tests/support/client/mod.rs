//! Helpers for the client tests: the real `client` binary driven through pipes, the real
//! `server` binary, and [`poll`], the one wait-until-it-happens loop; [`fake`] has the pieces
//! of scripted fake servers (accept with a deadline, exact-bytes reads), [`json`] the same
//! for the JSON protocol, [`strict`] a strict server of the original protocol, [`tmux`] the
//! full-screen client in a real terminal.
//!
//! Used by every module of `tests/client/`.
#![allow(dead_code)]

mod fake;
mod json;
mod strict;
mod tmux;
// Not every test that includes this module runs a fake server.
#[allow(unused_imports)]
pub use fake::*;
#[allow(unused_imports)]
pub use json::*;
#[allow(unused_imports)]
pub use strict::Strict;
#[allow(unused_imports)]
pub use tmux::{Pane, Tmux};

use std::io::{BufRead, BufReader, Write};

use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for something that should happen (generous: loaded 2-core machines).
pub const WAIT: Duration = Duration::from_secs(10);

/// A running `client` process; killed when dropped, so no test leaves one behind.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every line read so far, for failure messages.
    pub seen: Vec<String>,
}

impl Client {
    /// Starts `client` with `args`, stdin and stdout piped.
    pub fn spawn(args: &[&str]) -> Client {
        Client::spawn_env(args, &[])
    }

    /// Starts `client` with `args` and the environment variables `env` (`CHAT_PASSWORD`;
    /// `TZ=UTC` for exact dates), stdin and stdout piped.
    pub fn spawn_env(args: &[&str], env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_client"))
            .args(args)
            .env_remove("CHAT_PASSWORD")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn client");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("client stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Starts `client --server 127.0.0.1:<port> --user <user>` plus `extra` flags.
    pub fn start(port: u16, user: &str, extra: &[&str]) -> Client {
        Client::start_env(port, user, extra, &[])
    }

    /// Like [`Client::start`], with the environment variables `env`.
    pub fn start_env(port: u16, user: &str, extra: &[&str], env: &[(&str, &str)]) -> Client {
        let server = format!("127.0.0.1:{port}");
        let mut args = vec!["--server", server.as_str(), "--user", user];
        args.extend_from_slice(extra);
        Client::spawn_env(&args, env)
    }

    /// Like [`Client::start`], then reads up to the client's `registered as <user>` line.
    pub fn registered(port: u16, user: &str, extra: &[&str]) -> Client {
        let mut client = Client::start(port, user, extra);
        client.expect(&format!("registered as {user}"));
        client
    }

    /// Writes `line` and a newline to the client's stdin.
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        write_line(stdin, line).expect("write to client stdin");
    }

    /// Closes the client's stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next stdout line, or `None` at end of output or after `timeout`.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Reads the next line, which must be exactly `expected`.
    #[track_caller]
    pub fn next_is(&mut self, expected: &str) {
        let line = self.next_line(WAIT);
        assert_eq!(line.as_deref(), Some(expected), "saw {:#?}", self.seen);
    }

    /// Reads lines until one contains `needle`; panics with everything seen after [`WAIT`].
    pub fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line containing {needle:?}; saw {:#?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output ended before {needle:?}; saw {:#?}", self.seen)
                }
            }
        }
    }

    /// All remaining stdout lines until the client closes its stdout.
    pub fn rest(&mut self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut rest = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    rest.push(line);
                }
                Err(RecvTimeoutError::Disconnected) => return rest,
                Err(RecvTimeoutError::Timeout) => panic!("output never ended; saw {rest:#?}"),
            }
        }
    }

    /// Kills the process at once, as a crash or a closed terminal would end it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit.
    #[track_caller]
    pub fn wait(&mut self) -> ExitStatus {
        let (child, seen) = (&mut self.child, &self.seen);
        poll(
            Duration::from_millis(20),
            || child.try_wait().expect("try_wait"),
            || format!("client did not exit; saw {seen:#?}"),
        )
    }

    /// Waits for the process to exit and asserts that it exited with success.
    pub fn exits_ok(&mut self) {
        let status = self.wait();
        assert!(
            status.success(),
            "client exit {status}; saw {:#?}",
            self.seen
        );
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `server --bind 127.0.0.1 --port 0` process, its stdin (the operator's console) piped;
/// killed when dropped.
pub struct Server {
    child: Child,
    console: Option<ChildStdin>,
    /// The two-socket port.
    pub port: u16,
    /// The JSON port, when the JSON front end is on ([`Server::start_json`]).
    pub json_port: Option<u16>,
    /// With a certificate (`--tls-self-signed`, `--tls-cert`): the two-socket TLS port, the
    /// JSON one (when JSON is on) and the certificate's fingerprint as printed.
    pub tls_port: Option<u16>,
    pub json_tls_port: Option<u16>,
    pub fingerprint: Option<String>,
}

impl Server {
    /// Starts the server (two-socket only) and reads its `listening on 127.0.0.1:PORT` line.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with the JSON front end on a free port too.
    pub fn start_json() -> Server {
        Server::start_with(&["--json-any-port"])
    }

    /// Starts the server with `extra` flags (the JSON front end off unless they turn it on;
    /// its memory in memory only unless they give it `--data`).
    pub fn start_with(extra: &[&str]) -> Server {
        let json = extra.contains(&"--json-any-port");
        let store: &[&str] = if extra.contains(&"--data") {
            &[]
        } else {
            &["--no-store"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(crate::support::LOOPBACK_ANY_PORT)
            .args(["--tls-port", "0", "--json-tls-port", "0"])
            .args(store)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        let tls = extra.contains(&"--tls-self-signed") || extra.contains(&"--tls-cert");
        let announced = 1 + usize::from(json) + if tls { 2 + usize::from(json) } else { 0 };
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for _ in 0..announced {
                if let Some(Ok(line)) = lines.next() {
                    let _ = tx.send(line);
                }
            }
            for _ in lines {} // keep the pipe drained
        });
        let console = child.stdin.take();
        let mut server = Server {
            child,
            console,
            port: 0,
            json_port: None,
            tls_port: None,
            json_tls_port: None,
            fingerprint: None,
        };
        let port_after = |prefix: &str| -> u16 {
            let line = rx.recv_timeout(WAIT).expect("server says where it listens");
            line.strip_prefix(prefix)
                .and_then(|addr| addr.rsplit(':').next())
                .and_then(|port| port.trim().parse().ok())
                .unwrap_or_else(|| panic!("expected {prefix:?} from the server, got {line:?}"))
        };
        server.port = port_after("listening on ");
        if json {
            server.json_port = Some(port_after("json listening on "));
        }
        if tls {
            server.tls_port = Some(port_after("tls listening on "));
            if json {
                server.json_tls_port = Some(port_after("json tls listening on "));
            }
            let line = rx.recv_timeout(WAIT).expect("server names its certificate");
            let fingerprint = line.strip_prefix("tls fingerprint SHA256 ");
            server.fingerprint = Some(fingerprint.expect("a fingerprint line").to_string());
        }
        server
    }

    /// Types `line` at the server's console (`say hello`, `kick bob spam`).
    pub fn console(&mut self, line: &str) {
        let stdin = self.console.as_mut().expect("console open");
        write_line(stdin, line).expect("write to the server's console");
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Writes `line` and a newline to a child's stdin, flushed.
fn write_line(stdin: &mut ChildStdin, line: &str) -> std::io::Result<()> {
    stdin.write_all(format!("{line}\n").as_bytes())?;
    stdin.flush()
}

/// `line` without its `[HH:MM] ` time prefix, which it must have.
pub fn untimed(line: &str) -> String {
    static STAMP: OnceLock<regex::Regex> = OnceLock::new();
    let stamp = STAMP.get_or_init(|| regex::Regex::new(r"^\[[0-2][0-9]:[0-5][0-9]\] ").unwrap());
    match stamp.find(line) {
        Some(m) => line[m.end()..].to_string(),
        None => panic!("no [HH:MM] time at the start of {line:?}"),
    }
}

/// Calls `check` until it gives something, pausing `pause` between calls, and returns that;
/// after [`WAIT`] panics with `stuck()`, which says what never happened.
#[track_caller]
pub fn poll<T>(
    pause: Duration,
    mut check: impl FnMut() -> Option<T>,
    stuck: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(done) = check() {
            return done;
        }
        if Instant::now() >= deadline {
            panic!("{}", stuck());
        }
        thread::sleep(pause);
    }
}
