//! A deliberately broken JSON server for the kit's Part 8 checks: our real server's JSON front
//! end behind a proxy that gives its rooms one [`RoomDefect`] at a time (the seed's reference
//! server, which the other JSON checks are failed against, has no rooms at all).
//!
//! The proxy frames packets both ways (2 length bytes, then the payload) and lets the defect
//! act on whole packets, reading them with our codec and writing a changed one in our server's
//! own layout, so that only what the defect changes differs. What it knows (each connection's
//! nick and rooms) it learns from the traffic. Dropping the [`JsonBroken`] stops it all.

use super::rooms::mended;
use chat::front::ServerHandle;
use chat::wire::json::{encode, from_json, Packet};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// How long connecting to the real server may take.
const CONNECT_PATIENCE: Duration = Duration::from_secs(5);

/// One way for a JSON server's rooms to be broken; each doc says which real bug it imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomDefect {
    /// Nothing: the proxy passes every packet as it is.
    None,
    /// The joiner's own `join` comes without its room: a server that answers a room's join
    /// with the chat's.
    JoinEchoWithoutRoom,
    /// A room's `chat` comes without its room: a server that forwards it as a lobby chat.
    RoomChatWithoutRoom,
    /// A room's `chat` also reaches everyone who is not in the room: a broadcast to the chat
    /// where the room's members were meant.
    RoomChatToAll,
    /// `who` lists the nicks newest first: a list kept in reverse join order.
    WhoUnsorted,
    /// `rooms` lists the rooms in reverse, the lobby last: `ORDER BY name DESC`.
    RoomListReversed,
    /// The setter gets no `topic` packet: a server that tells the other members only.
    TopicNotEchoed,
    /// The error `not-operator` is `not-in-room`: one refusal for both.
    NotOperatorIsNotInRoom,
    /// No `leave` with reason `kicked` follows a room's `kick`: a server that takes the kick
    /// for the whole story.
    KickWithoutLeave,
    /// The one leaving a room gets no `leave`: a server that tells the others only.
    PartNotEchoed,
    /// The error `no-such-room` is `not-in-room`: membership checked before existence.
    NoSuchRoomIsNotInRoom,
    /// A malformed room name is mended and joined (`rust` is `#rust`, `#a.b` is `#ab`).
    LenientRoomNames,
    /// The error `lobby` is `not-in-room`: a server that takes the lobby for a room nobody
    /// is in.
    LobbyIsNotInRoom,
}

/// One client connection and the proxy's connection to the server for it.
struct Link {
    client: Mutex<TcpStream>,
    server: Mutex<TcpStream>,
    nick: Mutex<Option<String>>,
    /// The rooms its own `join` answered, and no `leave` or `kick` of its own since.
    rooms: Mutex<HashSet<String>>,
}

impl Link {
    fn to_client(&self, bytes: &[u8]) {
        let _ = self.client.lock().write_all(bytes);
    }

    /// Whether `nick` is this connection's own.
    fn is(&self, nick: Option<&str>) -> bool {
        nick.is_some() && self.nick.lock().as_deref() == nick
    }
}

struct Shared {
    defect: RoomDefect,
    links: Mutex<Vec<Arc<Link>>>,
    stopping: AtomicBool,
}

/// Our server's JSON front end behind a proxy with one defect; both stop when dropped.
pub struct JsonBroken {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: ServerHandle,
}

impl JsonBroken {
    /// Our server (JSON on, with a memory, so that empty rooms stay as Part 8 says) behind a
    /// proxy with `defect`.
    pub fn start(defect: RoomDefect) -> JsonBroken {
        let server = super::super::start_remembering(super::super::json_config());
        let upstream = server.json_addr().expect("the JSON front end is on");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared {
            defect,
            links: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        thread::spawn(move || accept_loop(&listener, upstream, &accepting));
        JsonBroken {
            addr,
            shared,
            _server: server,
        }
    }

    /// Where clients connect: the proxy.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for JsonBroken {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, CONNECT_PATIENCE);
        for link in self.shared.links.lock().iter() {
            let _ = link.client.lock().shutdown(Shutdown::Both);
            let _ = link.server.lock().shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, upstream: SocketAddr, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = incoming else { continue };
        if let Err(e) = open(client, upstream, shared) {
            eprintln!("json proxy: cannot proxy a connection: {e}");
        }
    }
}

fn open(client: TcpStream, upstream: SocketAddr, shared: &Arc<Shared>) -> io::Result<()> {
    let server = TcpStream::connect_timeout(&upstream, CONNECT_PATIENCE)?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let link = Arc::new(Link {
        client: Mutex::new(client.try_clone()?),
        server: Mutex::new(server.try_clone()?),
        nick: Mutex::new(None),
        rooms: Mutex::new(HashSet::new()),
    });
    shared.links.lock().push(link.clone());
    let (up, down) = (link.clone(), shared.clone());
    let up_shared = shared.clone();
    thread::spawn(move || pump(client, &up, |link, frame| upward(link, &up_shared, frame)));
    thread::spawn(move || pump(server, &link, |link, frame| downward(link, &down, frame)));
    Ok(())
}

/// Reads `from` until it ends, handing each whole frame to `each`; then ends both sides.
fn pump(mut from: TcpStream, link: &Link, each: impl Fn(&Link, &[u8])) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while buf.len() >= 2 {
            let len = 2 + usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            if buf.len() < len {
                break;
            }
            let frame: Vec<u8> = buf.drain(..len).collect();
            each(link, &frame);
        }
    }
    let _ = link.client.lock().shutdown(Shutdown::Write);
    let _ = link.server.lock().shutdown(Shutdown::Write);
}

fn framed(packet: &Packet) -> Vec<u8> {
    let mut out = Vec::new();
    // A packet the server wrote, changed a little, fits a frame as the original did.
    let _ = encode(packet, &mut out);
    out
}

/// Client to server: learns the nick; [`RoomDefect::LenientRoomNames`] mends a join.
fn upward(link: &Link, shared: &Shared, frame: &[u8]) {
    let packet = from_json(&frame[2..]).ok();
    let out = match packet {
        Some(Packet::Hello { nick, .. }) => {
            *link.nick.lock() = Some(nick);
            frame.to_vec()
        }
        Some(Packet::Join {
            nick: None,
            room: Some(room),
        }) if shared.defect == RoomDefect::LenientRoomNames => match mended(&room) {
            Some(room) => framed(&Packet::Join {
                nick: None,
                room: Some(room),
            }),
            None => frame.to_vec(),
        },
        _ => frame.to_vec(),
    };
    let _ = link.server.lock().write_all(&out);
}

/// Server to client: learns the link's rooms, then lets the defect act.
fn downward(link: &Link, shared: &Shared, frame: &[u8]) {
    let Ok(packet) = from_json(&frame[2..]) else {
        return link.to_client(frame);
    };
    learn(link, &packet);
    match judge(link, shared, packet) {
        Verdict::Pass => link.to_client(frame),
        Verdict::Replace(packet) => link.to_client(&framed(&packet)),
        Verdict::Drop => {}
    }
}

fn learn(link: &Link, packet: &Packet) {
    match packet {
        Packet::Join {
            nick,
            room: Some(room),
        } if link.is(nick.as_deref()) => {
            link.rooms.lock().insert(room.clone());
        }
        Packet::Leave {
            nick,
            room: Some(room),
            ..
        }
        | Packet::Kick {
            nick,
            room: Some(room),
            ..
        } if link.is(Some(nick)) => {
            link.rooms.lock().remove(room);
        }
        _ => {}
    }
}

enum Verdict {
    Pass,
    Replace(Packet),
    Drop,
}

fn judge(link: &Link, shared: &Shared, packet: Packet) -> Verdict {
    use RoomDefect as D;
    let recoded = |code: &str, message: String| {
        Verdict::Replace(Packet::Error {
            code: code.to_string(),
            message,
        })
    };
    match (shared.defect, packet) {
        (
            D::JoinEchoWithoutRoom,
            Packet::Join {
                nick,
                room: Some(_),
            },
        ) if link.is(nick.as_deref()) => Verdict::Replace(Packet::Join { nick, room: None }),
        (
            D::RoomChatWithoutRoom,
            Packet::Chat {
                nick,
                room: Some(_),
                message,
                id,
                time,
            },
        ) => Verdict::Replace(Packet::Chat {
            nick,
            room: None,
            message,
            id,
            time,
        }),
        (D::RoomChatToAll, chat @ Packet::Chat { room: Some(_), .. }) => {
            to_non_members(link, shared, &chat);
            Verdict::Pass
        }
        (
            D::WhoUnsorted,
            Packet::Who {
                room,
                operator,
                topic,
                nicks: Some(mut nicks),
            },
        ) => {
            nicks.reverse();
            Verdict::Replace(Packet::Who {
                room,
                operator,
                topic,
                nicks: Some(nicks),
            })
        }
        (
            D::RoomListReversed,
            Packet::Rooms {
                rooms: Some(mut rooms),
            },
        ) => {
            rooms.reverse();
            Verdict::Replace(Packet::Rooms { rooms: Some(rooms) })
        }
        (D::TopicNotEchoed, Packet::Topic { nick, .. }) if link.is(nick.as_deref()) => {
            Verdict::Drop
        }
        (
            D::KickWithoutLeave,
            Packet::Leave {
                room: Some(_),
                reason,
                ..
            },
        ) if reason.as_deref() == Some("kicked") => Verdict::Drop,
        (
            D::PartNotEchoed,
            Packet::Leave {
                nick,
                room: Some(_),
                reason,
            },
        ) if reason.as_deref() == Some("part") && link.is(Some(&nick)) => Verdict::Drop,
        (D::NotOperatorIsNotInRoom, Packet::Error { code, message }) if code == "not-operator" => {
            recoded("not-in-room", message)
        }
        (D::NoSuchRoomIsNotInRoom, Packet::Error { code, message }) if code == "no-such-room" => {
            recoded("not-in-room", message)
        }
        (D::LobbyIsNotInRoom, Packet::Error { code, message }) if code == "lobby" => {
            recoded("not-in-room", message)
        }
        _ => Verdict::Pass,
    }
}

/// [`RoomDefect::RoomChatToAll`]: the sender's echo of a room chat goes, as it is, to every
/// other connection that said hello and is not in the room.
fn to_non_members(link: &Link, shared: &Shared, chat: &Packet) {
    let Packet::Chat {
        nick,
        room: Some(room),
        ..
    } = chat
    else {
        return;
    };
    if !link.is(nick.as_deref()) {
        return;
    }
    let bytes = framed(chat);
    let links = shared.links.lock().clone();
    for other in links {
        let outside = other.nick.lock().is_some() && !other.rooms.lock().contains(room);
        if !std::ptr::eq(&*other, link) && outside {
            other.to_client(&bytes);
        }
    }
}
