//! The two halves of a bench user: a receiver thread that answers every `FORWARD` with
//! `RECEIVED <sender>`, and a [`Sender`] that sends one message and waits for its reply.

use crate::error::{BenchError, OpError};
use crate::runner::Probe;
use crate::stats::ErrorCounts;
use chat::net::conn::Conn;
use chat::wire::{Command, Message};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// Stack of every per-client thread: they hold a small read chunk and little else, and
/// thousands of them must fit next to the server's own threads.
pub const CLIENT_STACK: usize = 64 * 1024;

/// What a receiver saw over its life.
#[derive(Debug, Default)]
pub struct ReceiverStats {
    pub forwards: u64,
    /// `EVENT`s (only users that asked for an extension with events get them).
    pub events: u64,
    /// Messages other than FORWARD on the TORECV socket.
    pub unexpected: u64,
    /// Sockets the server closed while we still used them.
    pub closed: u64,
    pub errors: ErrorCounts,
}

impl ReceiverStats {
    /// Everything that went wrong, as error counters.
    pub fn all_errors(&self) -> ErrorCounts {
        let mut e = self.errors.clone();
        e.add("message other than FORWARD on TORECV", self.unexpected);
        e.add("socket closed by server", self.closed);
        e
    }

    /// Counts `msg` and, when it is a FORWARD, answers it on `conn` with `RECEIVED
    /// <sender>`, encoded into `out` (the caller's reused buffer: no allocation per ack)
    /// and written with one `write_all`.
    pub fn answer(&mut self, conn: &Conn, msg: Message, out: &mut Vec<u8>) -> io::Result<()> {
        let from = match msg.command {
            Command::Forward { from } => from,
            Command::Other { verb, .. } if verb == "EVENT" => {
                self.events += 1;
                return Ok(());
            }
            _ => {
                self.unexpected += 1;
                return Ok(());
            }
        };
        self.forwards += 1;
        out.clear();
        Message::new(Command::Received { from }).encode(out);
        (&**conn.stream()).write_all(out)
    }

    pub fn merge(&mut self, other: ReceiverStats) {
        self.forwards += other.forwards;
        self.events += other.events;
        self.unexpected += other.unexpected;
        self.closed += other.closed;
        self.errors.merge(&other.errors);
    }
}

/// Starts the thread that reads `recv` until it is closed (or shut down by us) and acks
/// every forward. Errors seen after `stop` is set are teardown, not counted.
pub fn spawn_receiver(
    recv: Conn,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<ReceiverStats>, BenchError> {
    thread::Builder::new()
        .name("receiver".into())
        .stack_size(CLIENT_STACK)
        .spawn(move || receive(recv, &stop))
        .map_err(BenchError::Thread)
}

fn receive(mut recv: Conn, stop: &AtomicBool) -> ReceiverStats {
    let mut stats = ReceiverStats::default();
    if let Err(e) = recv.stream().set_read_timeout(None) {
        stats.errors.add(format!("receiver io: {:?}", e.kind()), 1);
        return stats;
    }
    let mut out = Vec::new();
    // What ended the loop: an error of that kind, or `None` for the server closing.
    let ended = loop {
        match recv.read_msg() {
            Ok(Some(msg)) => {
                if let Err(e) = stats.answer(&recv, msg, &mut out) {
                    break Some(format!("receiver io: {:?}", e.kind()));
                }
            }
            Ok(None) => break None,
            Err(e) => break Some(format!("receiver {}", OpError::from(e).kind())),
        }
    };
    if !stop.load(Ordering::Relaxed) {
        match ended {
            Some(kind) => stats.errors.add(kind, 1),
            None => stats.closed += 1,
        }
    }
    stats
}

/// Reads one reply: `Ok` when `success` accepts it; `ERROR <code>` is a refusal, anything
/// else unexpected.
pub fn expect_reply(conn: &mut Conn, success: impl Fn(&Message) -> bool) -> Result<(), OpError> {
    match conn.read_msg()? {
        Some(msg) if success(&msg) => Ok(()),
        Some(Message {
            command: Command::Error { code, .. },
            ..
        }) => Err(OpError::Refused(code)),
        Some(other) => Err(OpError::Unexpected(format!("{:?}", other.command))),
        None => Err(OpError::Closed),
    }
}

/// Waits for the one reply to a SEND: `SENT`/`SEND` with any name is success.
pub fn await_sent(conn: &mut Conn) -> Result<(), OpError> {
    expect_reply(conn, |m| {
        matches!(m.command, Command::Sent { .. } | Command::Send { .. }) && m.body.is_none()
    })
}

/// A small xorshift generator: enough to spread messages over peers, reproducible by seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Whom a sender sends to.
pub enum Target {
    /// A random peer other than `me` (or `me` itself when alone).
    Random { peers: Arc<Vec<String>>, me: usize },
    /// A random one of `peers` among those at the indices `others` (not empty): the users
    /// on servers other than the sender's.
    Across {
        peers: Arc<Vec<String>>,
        others: Arc<Vec<usize>>,
    },
    /// Always the same name, e.g. `ALL`.
    Fixed(String),
}

/// Picks a peer index uniformly among `0..n` except `me`; `me` when `n <= 1`.
pub fn pick_peer(rng: &mut Rng, n: usize, me: usize) -> usize {
    if n <= 1 {
        return me;
    }
    let i = rng.below(n - 1);
    if i >= me {
        i + 1
    } else {
        i
    }
}

/// One closed-loop protocol sender: a SEND, then its reply, then the next.
pub struct Sender {
    conn: Conn,
    target: Target,
    /// The SEND with its body, built once; only its recipient changes.
    msg: Message,
    /// `msg` encoded: once for a fixed target, before every message for a random one.
    frame: Vec<u8>,
    rng: Rng,
}

impl Sender {
    pub fn new(conn: Conn, target: Target, body: &[u8], seed: u64) -> Sender {
        let to = match &target {
            Target::Fixed(name) => name.clone(),
            Target::Random { .. } | Target::Across { .. } => String::new(),
        };
        let msg = Message::with_body(Command::Send { to }, body.to_vec());
        Sender {
            conn,
            target,
            frame: msg.to_bytes(),
            msg,
            rng: Rng::new(seed),
        }
    }

    /// Writes the encoded SEND and waits for its reply.
    fn send_frame(&mut self) -> Result<(), OpError> {
        (&**self.conn.stream()).write_all(&self.frame)?;
        await_sent(&mut self.conn)
    }
}

impl Probe for Sender {
    fn once(&mut self) -> Result<(), OpError> {
        let (peers, i) = match &self.target {
            Target::Random { peers, me } => (peers, pick_peer(&mut self.rng, peers.len(), *me)),
            Target::Across { peers, others } => {
                let at = self.rng.below(others.len());
                (peers, others.get(at).copied().unwrap_or(0))
            }
            Target::Fixed(_) => return self.send_frame(),
        };
        if let Command::Send { to } = &mut self.msg.command {
            to.clear();
            to.push_str(peers.get(i).map_or("", String::as_str));
            self.frame.clear();
            self.msg.encode(&mut self.frame);
        }
        self.send_frame()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_peer_never_picks_self_and_covers_everyone() {
        let mut rng = Rng::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..1000 {
            let p = pick_peer(&mut rng, 5, 2);
            assert_ne!(p, 2);
            seen[p] += 1;
        }
        assert!(
            seen.iter().enumerate().all(|(i, &n)| i == 2 || n > 100),
            "{seen:?}"
        );
        assert_eq!(pick_peer(&mut rng, 1, 0), 0);
    }

    #[test]
    fn rng_is_reproducible_by_seed() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..10).map(|_| rng.below(100)).collect::<Vec<usize>>()
        };
        let xs = draw(3);
        assert_eq!(xs, draw(3));
        // The seed must matter (else "reproducible" holds trivially) and bound the draws.
        assert_ne!(xs, draw(4));
        assert!(xs.iter().all(|&x| x < 100), "{xs:?}");
        assert_eq!(Rng::new(0).below(0), 0);
    }
}
