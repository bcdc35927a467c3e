//! The pieces of scripted fake servers: a listener, accept with a deadline, exact-bytes
//! reads, registration exchanges as the servers in the wild answer them, and the script's
//! thread.

use super::{poll, Client, WAIT};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// A listener on an ephemeral loopback port.
pub fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    (listener, port)
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
