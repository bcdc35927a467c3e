//! The pieces of scripted fake servers: a listener, accept with a deadline, exact-bytes
//! reads, registration exchanges as the servers in the wild answer them, and the script's
//! thread.

use super::{poll, Client, WAIT};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::thread;
use std::time::Duration;

/// A listener on an ephemeral loopback port.
pub fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    (listener, port)
}

/// A loopback port that refuses connections for as long as the returned socket lives: bound
/// (without `SO_REUSEADDR`), never listening, so nothing else can take it. A killed server's
/// port is no such thing: another test may listen on it the next moment.
pub fn refusing_port() -> (OwnedFd, u16) {
    use rustix::net::{bind, socket, AddressFamily, SocketType};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None).expect("socket");
    bind(&fd, &SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind");
    let socket = TcpStream::from(fd);
    let port = socket.local_addr().expect("local addr").port();
    (socket.into(), port)
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

/// The extensions our client asks for, in its order: Part 3's, then Part 5's.
pub const ASKED: &str = "events, users, quit, ping, meta, auth, offline, history, rooms";

/// The extensions of Part 3 alone, as a server without accounts, mailboxes or history
/// grants them.
pub const PART3: &str = "events, users, quit, ping, meta";

/// The exact `REGISTER TOSEND` our client sends: plain, so that a strict server never
/// refuses it for the header.
pub fn register_tosend(name: &str) -> Vec<u8> {
    format!("REGISTER TOSEND {name}\n\n").into_bytes()
}

/// The exact `REGISTER TORECV` our client sends once TOSEND is registered: it asks for every
/// extension.
pub fn register_torecv_asking(name: &str) -> Vec<u8> {
    format!("REGISTER TORECV {name}\nExtensions: {ASKED}\n\n").into_bytes()
}

/// The `REGISTER TORECV` our client sends for a claimed name: every extension asked for,
/// and the password.
pub fn register_torecv_claimed(name: &str, password: &str) -> Vec<u8> {
    format!(
        "REGISTER TORECV {name}
Extensions: {ASKED}
Password: {password}

"
    )
    .into_bytes()
}

/// The `REGISTER TOSEND` our client sends again on the same socket after a plain one was
/// refused `ERROR 104`: asking for `auth`, with the password when it has one, to tell a
/// claimed name from one in use.
pub fn register_tosend_auth(name: &str, password: Option<&str>) -> Vec<u8> {
    let password = password.map_or(String::new(), |p| {
        format!(
            "Password: {p}
"
        )
    });
    format!(
        "REGISTER TOSEND {name}
Extensions: auth
{password}
"
    )
    .into_bytes()
}

/// The `REGISTER TORECV` our client sends when asking was refused or not answered.
pub fn plain_register_torecv(name: &str) -> Vec<u8> {
    format!("REGISTER TORECV {name}\n\n").into_bytes()
}

/// Accepts both sockets of `name` (TOSEND is the first connected).
pub fn accept_pair(listener: &TcpListener) -> Pair {
    let send = accept(listener);
    let recv = accept(listener);
    Pair { send, recv }
}

/// Registers TOSEND of `name` on `pair` with exact-byte checks, its reply ending with
/// `terminator`.
pub fn registered_tosend(pair: &mut Pair, name: &str, terminator: &str) {
    expect_bytes(&mut pair.send, &register_tosend(name));
    let reply = format!("REGISTERED TOSEND {name}{terminator}");
    put(&mut pair.send, reply.as_bytes());
}

/// Accepts both sockets of `name` and registers them with exact-byte checks: TOSEND plain,
/// then TORECV asking for the extensions, whose `REGISTERED` carries `headers` (each line
/// starting with `\n`); both replies end with `terminator`.
fn register_with(listener: &TcpListener, name: &str, headers: &str, terminator: &str) -> Pair {
    let mut pair = accept_pair(listener);
    registered_tosend(&mut pair, name, terminator);
    expect_bytes(&mut pair.recv, &register_torecv_asking(name));
    let reply = format!("REGISTERED TORECV {name}{headers}{terminator}");
    put(&mut pair.recv, reply.as_bytes());
    pair
}

/// Accepts both sockets of `name` and registers them with exact-byte checks, replying with
/// `terminator` (`"\n\n"` or `"\n \n"`) the way a server of the original protocol does: it
/// ignores the `Extensions:` header and grants nothing.
pub fn register(listener: &TcpListener, name: &str, terminator: &str) -> Pair {
    register_with(listener, name, "", terminator)
}

/// Like [`register`], for a server that grants the extensions named in `granted`.
pub fn register_granting(listener: &TcpListener, name: &str, granted: &str) -> Pair {
    register_with(listener, name, &format!("\nExtensions: {granted}"), "\n\n")
}

/// Like [`register`], for a server that answers the asking TORECV registration with `reply`
/// (nothing at all when empty): the client registers TORECV again plainly, on the same socket.
pub fn register_after_asking_fails(listener: &TcpListener, name: &str, reply: &[u8]) -> Pair {
    let mut pair = accept_pair(listener);
    registered_tosend(&mut pair, name, "\n\n");
    expect_bytes(&mut pair.recv, &register_torecv_asking(name));
    put(&mut pair.recv, reply);
    expect_bytes(&mut pair.recv, &plain_register_torecv(name));
    put(
        &mut pair.recv,
        format!("REGISTERED TORECV {name}\n\n").as_bytes(),
    );
    pair
}

/// Accepts both sockets, expects `REGISTER TOSEND <name>` and answers it with `refusal`:
/// the client keeps both sockets for the next name, which the caller goes on with. A name
/// refused `ERROR 104` is asked again with `auth` (no password given), refused the same.
pub fn refuse_name(listener: &TcpListener, name: &str, refusal: &[u8]) -> Pair {
    let mut pair = accept_pair(listener);
    expect_bytes(&mut pair.send, &register_tosend(name));
    put(&mut pair.send, refusal);
    if refusal.starts_with(b"ERROR 104") {
        expect_bytes(&mut pair.send, &register_tosend_auth(name, None));
        put(&mut pair.send, refusal);
    }
    pair
}

/// Goes on with the sockets of [`refuse_name`]: the client registers `name` on them, TOSEND
/// plain then TORECV asking (granted nothing).
pub fn register_again(mut pair: Pair, name: &str) -> Pair {
    registered_tosend(&mut pair, name, "\n\n");
    expect_bytes(&mut pair.recv, &register_torecv_asking(name));
    put(
        &mut pair.recv,
        format!("REGISTERED TORECV {name}\n\n").as_bytes(),
    );
    pair
}

/// `ENTRY <id> <from> <to>` with its `Time:` (and `Emote: yes`) and `body`: one message of
/// a history page (`to` is a name or `ALL`).
pub fn history_entry(id: u64, from: &str, to: &str, time: &str, emote: bool, body: &str) -> String {
    let emote = if emote { "Emote: yes\n" } else { "" };
    format!(
        "ENTRY {id} {from} {to}\nContent-length: {}\nTime: {time}\n{emote}\n{body}",
        body.len()
    )
}

/// `HISTORY <count>` holding `entries`.
pub fn history_page(entries: &[String]) -> Vec<u8> {
    let body = entries.concat();
    format!(
        "HISTORY {}\nContent-length: {}\n\n{body}",
        entries.len(),
        body.len()
    )
    .into_bytes()
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
