//! Helpers for the client tests: the real `client` binary driven through pipes, the real
//! `server` binary, the pieces of scripted fake servers (accept with a deadline, exact-bytes
//! reads), and [`poll`], the one wait-until-it-happens loop.
//!
//! Included with `mod client_support;` by `client_e2e.rs`, `client_ext.rs`,
//! `client_quirks.rs` and `client_tui.rs`; cargo also builds it as a test crate of its own,
//! which has no tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_client"))
            .args(args)
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
        let server = format!("127.0.0.1:{port}");
        let mut args = vec!["--server", server.as_str(), "--user", user];
        args.extend_from_slice(extra);
        Client::spawn(&args)
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
    pub port: u16,
}

impl Server {
    /// Starts the server and reads its `listening on 127.0.0.1:PORT` line.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with `extra` flags.
    pub fn start_with(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {} // keep the pipe drained
        });
        let console = child.stdin.take();
        let mut server = Server {
            child,
            console,
            port: 0,
        };
        let line = rx.recv_timeout(WAIT).expect("server says where it listens");
        server.port = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
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

/// A listener on an ephemeral loopback port.
pub fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    (listener, port)
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

/// Accepts one connection within [`WAIT`], with read and write timeouts set.
pub fn accept(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).expect("nonblocking");
    let stream = poll(
        Duration::from_millis(10),
        || match listener.accept() {
            Ok((stream, _)) => Some(stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            Err(e) => panic!("accept: {e}"),
        },
        || format!("no connection within {WAIT:?}"),
    );
    stream.set_nonblocking(false).expect("blocking");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream.set_write_timeout(Some(WAIT)).expect("timeout");
    stream
}

/// Reads exactly `expected.len()` bytes and asserts they are `expected`.
pub fn expect_bytes(stream: &mut TcpStream, expected: &[u8]) {
    let mut got = vec![0u8; expected.len()];
    if let Err(e) = stream.read_exact(&mut got) {
        panic!("expected {:?}: {e}", String::from_utf8_lossy(expected));
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected),
        "bytes from the client"
    );
}

/// Asserts that nothing arrives on `stream` within `quiet` (and puts the timeout back).
pub fn expect_silence(stream: &mut TcpStream, quiet: Duration) {
    stream.set_read_timeout(Some(quiet)).expect("timeout");
    let mut byte = [0u8; 1];
    match stream.peek(&mut byte) {
        Ok(0) => panic!("connection closed instead of staying silent"),
        Ok(_) => panic!("unexpected byte {:?}", byte[0] as char),
        Err(e) if is_timeout(&e) => {}
        Err(e) => panic!("socket failed instead of staying silent: {e}"),
    }
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Asserts that the client closes `stream` (reads reach end of stream).
pub fn expect_closed(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(
            rest.is_empty(),
            "unexpected bytes before close: {:?}",
            String::from_utf8_lossy(&rest)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("socket not closed: {e}"),
    }
}

/// Writes `bytes` in one call.
pub fn put(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).expect("write to client");
}

/// The two sockets of one registered fake-server user.
pub struct Pair {
    pub send: TcpStream,
    pub recv: TcpStream,
}

impl Pair {
    /// Expects `request` on TOSEND and answers it there with `reply`.
    pub fn reply(&mut self, request: &[u8], reply: &[u8]) {
        expect_bytes(&mut self.send, request);
        put(&mut self.send, reply);
    }

    /// Keeps both sockets open until the client closes them (so the end of a script is
    /// never mistaken for the server going away).
    pub fn hold(mut self) {
        expect_closed(&mut self.send);
        expect_closed(&mut self.recv);
    }
}

/// The extensions our client asks for, in its order.
pub const ASKED: &str = "events, users, quit, ping, meta";

/// The exact `REGISTER TOSEND` our client sends first: it asks for every extension.
pub fn register_tosend(name: &str) -> Vec<u8> {
    format!("REGISTER TOSEND {name}\nExtensions: {ASKED}\n\n").into_bytes()
}

/// The `REGISTER TOSEND` our client sends when it tries again without the header.
pub fn plain_register_tosend(name: &str) -> Vec<u8> {
    format!("REGISTER TOSEND {name}\n\n").into_bytes()
}

/// Accepts both sockets of `name` (TOSEND is the first connected) and registers them with
/// exact-byte checks: TOSEND must send `request`; its `REGISTERED` carries `headers` (each
/// line starting with `\n`) and both replies end with `terminator`.
fn register_with(
    listener: &TcpListener,
    name: &str,
    request: &[u8],
    headers: &str,
    terminator: &str,
) -> Pair {
    let mut send = accept(listener);
    let mut recv = accept(listener);
    expect_bytes(&mut send, request);
    let reply = format!("REGISTERED TOSEND {name}{headers}{terminator}");
    put(&mut send, reply.as_bytes());
    expect_bytes(&mut recv, format!("REGISTER TORECV {name}\n\n").as_bytes());
    put(
        &mut recv,
        format!("REGISTERED TORECV {name}{terminator}").as_bytes(),
    );
    Pair { send, recv }
}

/// Accepts both sockets of `name` and registers them with exact-byte checks, replying with
/// `terminator` (`"\n\n"` or `"\n \n"`) the way a server of the original protocol does: it
/// ignores the `Extensions:` header and grants nothing.
pub fn register(listener: &TcpListener, name: &str, terminator: &str) -> Pair {
    register_with(listener, name, &register_tosend(name), "", terminator)
}

/// Like [`register`], for a server that grants the extensions named in `granted`.
pub fn register_granting(listener: &TcpListener, name: &str, granted: &str) -> Pair {
    let headers = format!("\nExtensions: {granted}");
    register_with(listener, name, &register_tosend(name), &headers, "\n\n")
}

/// Like [`register`], for the client's second try, without the `Extensions:` header.
pub fn register_plain(listener: &TcpListener, name: &str) -> Pair {
    register_with(listener, name, &plain_register_tosend(name), "", "\n\n")
}

/// Accepts both sockets of an attempt whose TOSEND must send `request`, answers it with
/// `reply` (nothing at all when empty) and asserts that the client then closes both.
pub fn refuse(listener: &TcpListener, request: &[u8], reply: &[u8]) {
    let mut send = accept(listener);
    let recv = accept(listener);
    expect_bytes(&mut send, request);
    put(&mut send, reply);
    Pair { send, recv }.hold();
}

/// The exact bytes our client sends for `text` to `to`.
pub fn send_bytes(to: &str, text: &str) -> Vec<u8> {
    format!("SEND {to}\nContent-length: {}\n\n{text}", text.len()).into_bytes()
}

/// Runs a fake server script on its own thread; join the handle to surface its panics.
pub fn fake<F>(script: F) -> (u16, thread::JoinHandle<()>)
where
    F: FnOnce(TcpListener) + Send + 'static,
{
    let (listener, port) = listener();
    (port, thread::spawn(move || script(listener)))
}

/// Ends the client's input, expects a clean exit, then joins the fake server.
pub fn finish(mut client: Client, handle: thread::JoinHandle<()>) {
    client.close_stdin();
    client.exits_ok();
    join(handle);
}

/// Types `/quit`, expects a clean exit, then joins the fake server.
pub fn quit(mut client: Client, handle: thread::JoinHandle<()>) {
    client.send("/quit");
    client.exits_ok();
    join(handle);
}

/// Joins a fake server thread, failing the test if its script panicked.
pub fn join(handle: thread::JoinHandle<()>) {
    if handle.join().is_err() {
        panic!("the fake server's script failed (see its panic above)");
    }
}
