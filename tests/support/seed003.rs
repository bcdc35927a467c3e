//! A minimal server of seed 003's JSON chat protocol, written from the seed's text alone (not
//! from our PROTOCOL.md Part 4), for the JSON conformance checks to be run against: correct by
//! default, and with one [`JsonDefect`] it has a bug that real servers of the seed have.
//!
//! What the seed says, and this server does: a packet is a 2-byte big-endian length, then that
//! many bytes of UTF-8 JSON holding one object with a `"type"`; a packet buffer per client; the
//! first packet is `hello {nick}`, then `chat {message}`; `join` goes to everyone when someone
//! says hello (the joiner too), `chat` to everyone (the sender too), `leave` to the others
//! when a client goes. Packets of a type it does not know are ignored. It knows no extensions
//! and sends no error packets: a connection it cannot read is closed, silently.
//!
//! Each connection has a reader thread and a writer thread fed by a queue, so that a client
//! that stops reading holds up nobody (past [`MAX_QUEUED`] bytes it is dropped). Self-contained
//! on purpose: std and serde_json only. Everything stops when the [`Seed003`] is dropped.

use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// What a client may have queued and not read before it is dropped.
pub const MAX_QUEUED: usize = 64 << 20;
/// The payload limit of [`JsonDefect::LimitOffByOne`] (the correct server has none).
pub const LIMIT: usize = 16_384;
/// The pause between the two writes of [`JsonDefect::SplitWrites`].
const SPLIT_PAUSE: Duration = Duration::from_millis(50);

/// One bug at a time, each one real servers of the seed have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonDefect {
    /// Each `recv` is one packet: the first whole packet of a read is handled, the rest of
    /// the read (and any partial packet) is dropped. No buffer per client.
    OneReadOnePacket,
    /// What came in the same read after the hello is dropped: the hello is read in the
    /// accept path, and the rest of that read is lost.
    HelloDropsRest,
    /// A chat goes to everyone but its sender (the client is expected to echo locally).
    NoEcho,
    /// A chat goes back to its sender only: the reply is written to the socket read from.
    NoBroadcast,
    /// A join goes to everyone but the joiner.
    NoJoinToJoiner,
    /// A join goes to the joiner only.
    NoJoinToOthers,
    /// Nobody is told when a client leaves.
    NoLeave,
    /// A client whose connection ends in the middle of a packet is dropped without a leave
    /// (the leave is sent only on a clean close).
    NoLeaveOnCut,
    /// Packets are matched as strings: `{"type":"hello","nick":"` and `{"type":"chat",
    /// "message":"` at the start, the value up to the next quote, no unescaping.
    StringMatching,
    /// A packet of an unknown type closes the connection.
    CloseOnUnknownType,
    /// A payload that is not JSON crashes the server: every connection closes.
    GarbageKillsServer,
    /// A payload that is not JSON is skipped (`except ValueError: continue`): the connection
    /// stays open.
    IgnoresGarbage,
    /// Packets are written straight to each socket, one client after another, under the lock
    /// of the client list: one client that stops reading stops everyone.
    BlockingWrites,
    /// The length counts characters, not bytes (`len(json_text)` before encoding).
    LengthInChars,
    /// The length and the payload are written with two calls, 50 ms apart.
    SplitWrites,
    /// Packets are written as Python's `json.dumps` does: `{"type": "join", "nick": "pat"}`.
    PrettyJson,
    /// Payloads of [`LIMIT`] bytes or more close the connection (`>=` for `>`).
    LimitOffByOne,
}

/// A running server; it stops when dropped.
pub struct Seed003 {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Seed003 {
    /// Starts a server on `127.0.0.1:0`, correct or with `defect`.
    pub fn start(defect: Option<JsonDefect>) -> Seed003 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the seed 003 server");
        let addr = listener
            .local_addr()
            .expect("the seed 003 server's address");
        let shared = Arc::new(Shared {
            defect,
            addr,
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            clients: Mutex::new(HashMap::new()),
        });
        let accept = {
            let shared = shared.clone();
            thread::spawn(move || accept_loop(&listener, &shared))
        };
        Seed003 {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Seed003 {
    fn drop(&mut self) {
        self.shared.stop();
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// One client: its nick once it said hello, and where its packets go.
struct Client {
    nick: Option<String>,
    stream: TcpStream,
    queue: Sender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

struct Shared {
    defect: Option<JsonDefect>,
    addr: SocketAddr,
    stopping: AtomicBool,
    next_id: AtomicU64,
    clients: Mutex<HashMap<u64, Client>>,
}

impl Shared {
    fn is(&self, defect: JsonDefect) -> bool {
        self.defect == Some(defect)
    }

    fn clients(&self) -> MutexGuard<'_, HashMap<u64, Client>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the listener (by waking it) and every connection.
    fn stop(&self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = TcpStream::connect(self.addr);
        for client in self.clients().values() {
            let _ = client.stream.shutdown(Shutdown::Both);
        }
    }

    /// Sends `payload` to the clients `to` picks (by id), in the order of their ids.
    fn send(&self, payload: &str, to: impl Fn(u64) -> bool) {
        let frame = self.frame(payload);
        let clients = self.clients();
        let mut ids: Vec<u64> = clients.keys().copied().filter(|id| to(*id)).collect();
        ids.sort_unstable();
        for id in ids {
            let Some(client) = clients.get(&id) else {
                continue;
            };
            if client.nick.is_none() {
                continue;
            }
            if self.is(JsonDefect::BlockingWrites) {
                let _ = (&client.stream).write_all(&frame);
            } else if client.queued.fetch_add(frame.len(), Ordering::SeqCst) > MAX_QUEUED {
                let _ = client.stream.shutdown(Shutdown::Both);
            } else {
                let _ = client.queue.send(frame.clone());
            }
        }
    }

    fn frame(&self, payload: &str) -> Vec<u8> {
        let n = if self.is(JsonDefect::LengthInChars) {
            payload.chars().count()
        } else {
            payload.len()
        };
        let mut frame = (n.min(0xffff) as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(payload.as_bytes());
        frame
    }

    /// A packet with `type` first, then the fields, as the seed prints them (compact).
    fn packet(&self, kind: &str, fields: &[(&str, &str)]) -> String {
        let (colon, comma) = if self.is(JsonDefect::PrettyJson) {
            (": ", ", ")
        } else {
            (":", ",")
        };
        let mut out = format!("{{\"type\"{colon}\"{kind}\"");
        for (key, value) in fields {
            let quoted = serde_json::to_string(value).unwrap_or_default();
            out.push_str(&format!("{comma}\"{key}\"{colon}{quoted}"));
        }
        out.push('}');
        out
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = shared.clone();
        thread::spawn(move || serve(&shared, stream));
    }
}

/// What to do after a packet.
enum Then {
    Go,
    Close,
}

fn serve(shared: &Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let (Ok(mut reader), Ok(writer), Ok(kept)) =
        (stream.try_clone(), stream.try_clone(), stream.try_clone())
    else {
        return;
    };
    let (queue, packets) = mpsc::channel::<Vec<u8>>();
    let queued = Arc::new(AtomicUsize::new(0));
    {
        let (queued, split) = (queued.clone(), shared.is(JsonDefect::SplitWrites));
        thread::spawn(move || write_loop(writer, &packets, &queued, split));
    }
    let client = Client {
        nick: None,
        stream: kept,
        queue,
        queued,
    };
    shared.clients().insert(id, client);
    if shared.stopping.load(Ordering::SeqCst) {
        let _ = stream.shutdown(Shutdown::Both);
    }
    let cut = read_loop(shared, id, &mut reader);
    let gone = shared.clients().remove(&id);
    let _ = stream.shutdown(Shutdown::Both);
    let quiet = shared.is(JsonDefect::NoLeave) || (cut && shared.is(JsonDefect::NoLeaveOnCut));
    if let (Some(nick), false) = (gone.and_then(|c| c.nick), quiet) {
        shared.send(&shared.packet("leave", &[("nick", &nick)]), |other| {
            other != id
        });
    }
}

fn write_loop(
    mut stream: TcpStream,
    packets: &mpsc::Receiver<Vec<u8>>,
    queued: &AtomicUsize,
    split: bool,
) {
    for frame in packets {
        queued.fetch_sub(frame.len(), Ordering::SeqCst);
        let written = if split && frame.len() > 2 {
            let head = stream.write_all(&frame[..2]);
            thread::sleep(SPLIT_PAUSE);
            head.and_then(|()| stream.write_all(&frame[2..]))
        } else {
            stream.write_all(&frame)
        };
        if written.is_err() {
            return;
        }
    }
}

/// Reads packets until the connection ends or must close; returns whether it ended with part
/// of a packet buffered.
fn read_loop(shared: &Arc<Shared>, id: u64, stream: &mut TcpStream) -> bool {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return !buf.is_empty(),
            Ok(n) => n,
        };
        if shared.is(JsonDefect::OneReadOnePacket) {
            buf.clear();
        }
        buf.extend_from_slice(&chunk[..n]);
        while buf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            if shared.is(JsonDefect::LimitOffByOne) && len >= LIMIT {
                return true;
            }
            if buf.len() < 2 + len {
                break;
            }
            let payload: Vec<u8> = buf.drain(..2 + len).skip(2).collect();
            let was_hello = !joined(shared, id);
            if let Then::Close = handle(shared, id, &payload) {
                return false;
            }
            let hello_now = was_hello && joined(shared, id);
            let drop_rest = shared.is(JsonDefect::OneReadOnePacket)
                || (hello_now && shared.is(JsonDefect::HelloDropsRest));
            if drop_rest {
                buf.clear();
            }
        }
    }
}

fn joined(shared: &Shared, id: u64) -> bool {
    shared.clients().get(&id).is_some_and(|c| c.nick.is_some())
}

/// One packet from client `id`.
fn handle(shared: &Arc<Shared>, id: u64, payload: &[u8]) -> Then {
    let Some((kind, text)) = read_packet(shared, payload) else {
        if shared.is(JsonDefect::GarbageKillsServer) {
            shared.stop();
            return Then::Close;
        }
        if shared.is(JsonDefect::IgnoresGarbage) {
            return Then::Go;
        }
        return Then::Close;
    };
    let nick = shared.clients().get(&id).and_then(|c| c.nick.clone());
    match (kind.as_str(), nick, text) {
        ("hello", None, Some(nick)) => {
            if let Some(client) = shared.clients().get_mut(&id) {
                client.nick = Some(nick.clone());
            }
            let join = shared.packet("join", &[("nick", &nick)]);
            match shared.defect {
                Some(JsonDefect::NoJoinToJoiner) => shared.send(&join, |other| other != id),
                Some(JsonDefect::NoJoinToOthers) => shared.send(&join, |other| other == id),
                _ => shared.send(&join, |_| true),
            }
        }
        ("chat", Some(nick), Some(message)) => {
            let chat = shared.packet("chat", &[("nick", &nick), ("message", &message)]);
            match shared.defect {
                Some(JsonDefect::NoEcho) => shared.send(&chat, |other| other != id),
                Some(JsonDefect::NoBroadcast) => shared.send(&chat, |other| other == id),
                _ => shared.send(&chat, |_| true),
            }
        }
        ("hello" | "chat", _, _) => {}
        _ if shared.is(JsonDefect::CloseOnUnknownType) => return Then::Close,
        _ => {}
    }
    Then::Go
}

/// The packet's type and its text field (`nick` of a hello, `message` of a chat); `None` when
/// it is not a JSON object with a string type.
fn read_packet(shared: &Shared, payload: &[u8]) -> Option<(String, Option<String>)> {
    if shared.is(JsonDefect::StringMatching) {
        let text = std::str::from_utf8(payload).ok()?;
        for (kind, prefix) in [
            ("hello", "{\"type\":\"hello\",\"nick\":\""),
            ("chat", "{\"type\":\"chat\",\"message\":\""),
        ] {
            if let Some(rest) = text.strip_prefix(prefix) {
                let value = rest.split('"').next().unwrap_or_default();
                return Some((kind.into(), Some(value.into())));
            }
        }
        return Some(("unknown".into(), None));
    }
    let value: Value = serde_json::from_slice(payload).ok()?;
    let kind = value.get("type")?.as_str()?.to_string();
    let field = if kind == "hello" { "nick" } else { "message" };
    let text = value.get(field).and_then(Value::as_str).map(str::to_string);
    Some((kind, text))
}
