//! `unicast` and `broadcast` over the JSON protocol (`--protocol json`, PROTOCOL.md Part 4):
//! one socket per user, a `hello` asking for `dm`, then each sender sends a `dm` to a random
//! peer (or a `chat` to everyone) and waits for its echo. A JSON user never acknowledges: the
//! server echoes a message once it is queued for every JSON recipient (and acknowledged by the
//! two-socket ones). Recipients that do not send are read by a few epoll threads that count
//! what arrives and drop it. The floors are the two-socket scenarios' own.

use crate::cli::{BroadcastArgs, UnicastArgs};
use crate::client::{pick_peer, Rng};
use crate::error::{BenchError, OpError};
use crate::fleet::{user_name, Dial};
use crate::net::{connect, for_each_name};
use crate::progress::Progress;
use crate::report::{BroadcastInfo, Details, UnicastInfo};
use crate::runner::{closed_loop, Plan, Probe};
use crate::scenarios::body;
use crate::stats::{ErrorCounts, Summary};
use chat::net::conn::{Conn, ConnError, Json};
use chat::wire::json::{self, JsonError, JsonLimits, Packet};
use rustix::buffer::spare_capacity;
use rustix::event::{epoll, Timespec};
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Default drain threads for broadcast (as `--recv-threads` for the two-socket one).
const DRAIN_THREADS: usize = 2;
const DRAIN_STACK: usize = 256 * 1024;
/// How often a drain thread looks at its stop flag while nothing happens.
const TICK: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 100_000_000,
};

type JsonConn = Conn<Json>;

fn limits() -> JsonLimits {
    JsonLimits {
        max_payload: json::MAX_PAYLOAD,
    }
}

fn op_error(e: ConnError<JsonError>) -> OpError {
    match e {
        ConnError::TimedOut | ConnError::Stalled(_) => OpError::Timeout,
        ConnError::ClosedMidMessage => OpError::Closed,
        ConnError::Wire(w) => OpError::Unexpected(format!("bad packet: {w}")),
        ConnError::Io(e) => OpError::Io(e),
    }
}

fn write_packet(conn: &JsonConn, packet: &Packet) -> Result<(), OpError> {
    let mut out = Vec::new();
    json::encode(packet, &mut out).map_err(|e| OpError::Unexpected(e.to_string()))?;
    Ok((&**conn.stream()).write_all(&out)?)
}

/// Reads packets until `done` accepts one; an `error` packet is a refusal, the rest (others'
/// joins and messages) is skipped.
fn read_until(conn: &mut JsonConn, done: impl Fn(&Packet) -> bool) -> Result<(), OpError> {
    loop {
        match conn.read_msg().map_err(op_error)? {
            Some(p) if done(&p) => return Ok(()),
            Some(Packet::Error { code, .. }) => return Err(OpError::Unexpected(code)),
            Some(_) => {}
            None => return Err(OpError::Closed),
        }
    }
}

/// Connects and says hello as `name` (asking for `dm`), until its own `join` comes back.
fn hello(addr: SocketAddr, name: &str, timeout: Duration) -> Result<JsonConn, OpError> {
    let stream = connect(addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    let mut conn = Conn::with_codec(Arc::new(stream), limits());
    let hello = Packet::Hello {
        nick: name.to_string(),
        extensions: Some(vec!["dm".into()]),
        password: None,
    };
    write_packet(&conn, &hello)?;
    read_until(
        &mut conn,
        |p| matches!(p, Packet::Join { nick: Some(n), room: None } if n == name),
    )?;
    Ok(conn)
}

/// Registered JSON users: their names and connections, in order.
struct Crowd {
    names: Vec<String>,
    conns: Vec<JsonConn>,
    errors: ErrorCounts,
    seconds: f64,
}

fn register(dial: &Dial, prefix: &str, count: usize) -> Result<Crowd, BenchError> {
    let names: Vec<String> = (0..count).map(|i| user_name(prefix, i)).collect();
    let progress = Progress::new(dial.progress && count >= 200, "hello", count as u64);
    let done = for_each_name(&names, dial.workers, &progress, "hello", |_, name| {
        hello(dial.addr(0), name, dial.timeout).map(|c| (name.to_string(), c))
    })?;
    progress.finish();
    if done.ok.is_empty() && count > 0 {
        let why = done.errors.0.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(BenchError::NobodyRegistered(why));
    }
    let (names, conns) = done.ok.into_iter().unzip();
    Ok(Crowd {
        names,
        conns,
        errors: done.errors,
        seconds: done.seconds,
    })
}

/// What a JSON sender sends.
enum Aim {
    /// A `dm` to a random peer other than `me`.
    Random { peers: Arc<Vec<String>>, me: usize },
    /// A `chat` to everyone.
    All,
}

/// One closed-loop JSON sender: a `dm` or `chat`, then its echo, then the next.
struct JsonSender {
    conn: JsonConn,
    name: String,
    aim: Aim,
    message: String,
    rng: Rng,
    out: Vec<u8>,
}

impl Probe for JsonSender {
    fn once(&mut self) -> Result<(), OpError> {
        let packet = match &self.aim {
            Aim::Random { peers, me } => Packet::Dm {
                nick: None,
                to: peers[pick_peer(&mut self.rng, peers.len(), *me)].clone(),
                message: self.message.clone(),
                id: None,
                time: None,
                stored: None,
            },
            Aim::All => Packet::Chat {
                nick: None,
                room: None,
                message: self.message.clone(),
                id: None,
                time: None,
            },
        };
        self.out.clear();
        json::encode(&packet, &mut self.out).map_err(|e| OpError::Unexpected(e.to_string()))?;
        (&**self.conn.stream()).write_all(&self.out)?;
        let me = self.name.as_str();
        read_until(&mut self.conn, |p| match p {
            Packet::Dm { nick: Some(n), .. } | Packet::Chat { nick: Some(n), .. } => n == me,
            _ => false,
        })
    }
}

/// Threads that read the recipients' sockets and drop what arrives, counting packets.
struct Drains {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<(u64, u64)>>,
}

impl Drains {
    fn start(conns: Vec<JsonConn>, threads: usize) -> Result<Drains, BenchError> {
        if conns.is_empty() {
            return Ok(Drains {
                stop: Arc::new(AtomicBool::new(false)),
                handles: Vec::new(),
            });
        }
        let threads = threads.clamp(1, conns.len());
        let mut shares: Vec<Vec<JsonConn>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, c) in conns.into_iter().enumerate() {
            shares[i % threads].push(c);
        }
        let mut drains = Drains {
            stop: Arc::new(AtomicBool::new(false)),
            handles: Vec::new(),
        };
        for share in shares {
            if let Err(e) = drains.spawn(share) {
                drains.finish();
                return Err(e);
            }
        }
        Ok(drains)
    }

    fn spawn(&mut self, share: Vec<JsonConn>) -> Result<(), BenchError> {
        let ep = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(std::io::Error::from)?;
        for (i, c) in share.iter().enumerate() {
            let flags = epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
            let data = epoll::EventData::new_u64(i as u64);
            epoll::add(&ep, &**c.stream(), data, flags).map_err(std::io::Error::from)?;
        }
        let stop = self.stop.clone();
        let spawned = thread::Builder::new()
            .name("json-drain".into())
            .stack_size(DRAIN_STACK)
            .spawn(move || drain(&ep, share, &stop));
        self.handles.push(spawned.map_err(BenchError::Thread)?);
        Ok(())
    }

    /// Stops the threads; returns the packets they read and the sockets the server closed.
    fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let joined = self.handles.into_iter().map(|h| h.join().unwrap_or((0, 1)));
        joined.fold((0, 0), |(p, c), (p2, c2)| (p + p2, c + c2))
    }
}

fn drain(ep: &rustix::fd::OwnedFd, mut conns: Vec<JsonConn>, stop: &AtomicBool) -> (u64, u64) {
    let (mut packets, mut closed) = (0, 0);
    let mut events = Vec::with_capacity(1024);
    let mut scratch = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        events.clear();
        if epoll::wait(ep, spare_capacity(&mut events), Some(&TICK)).is_err() {
            continue;
        }
        for ev in &events {
            let Some(conn) = conns.get_mut(ev.data.u64() as usize) else {
                continue;
            };
            let open = conn.read_available(&mut scratch);
            while let Ok(Some(_)) = conn.try_decode() {
                packets += 1;
            }
            if !matches!(open, Ok(true)) {
                let _ = epoll::delete(ep, &**conn.stream());
                conn.discard_buffered();
                closed += u64::from(!stop.load(Ordering::Relaxed));
            }
        }
    }
    for c in &conns {
        let _ = c.stream().shutdown(Shutdown::Both);
    }
    (packets, closed)
}

/// Runs `senders` in the closed loop, then closes every socket; the errors of all phases.
fn measure(
    dial: &Dial,
    senders: Vec<JsonSender>,
    drains: Drains,
    plan: Plan,
    label: &str,
    mut errors: ErrorCounts,
) -> Result<(crate::runner::Outcome, ErrorCounts, u64), BenchError> {
    let streams: Vec<Arc<TcpStream>> = senders.iter().map(|s| s.conn.stream().clone()).collect();
    let progress = Progress::new(dial.progress, label, plan.messages * senders.len() as u64);
    let outcome = closed_loop(senders, plan, &progress);
    progress.finish();
    for s in &streams {
        let _ = s.shutdown(Shutdown::Both);
    }
    let (packets, closed) = drains.finish();
    let out = outcome?;
    errors.merge(&out.errors);
    errors.add("socket closed by server", closed);
    Ok((out, errors, packets))
}

fn sender(conn: JsonConn, name: String, aim: Aim, size: usize, seed: u64) -> JsonSender {
    JsonSender {
        conn,
        name,
        aim,
        message: String::from_utf8_lossy(&body(size)).into_owned(),
        rng: Rng::new(seed),
        out: Vec::new(),
    }
}

/// Unicast over JSON: every client sends `dm`s to random others, one at a time.
pub fn unicast(
    dial: &Dial,
    args: &UnicastArgs,
    run: u32,
    seed: u64,
) -> Result<(Summary, Details), BenchError> {
    let crowd = register(dial, &format!("ju{run}"), args.clients)?;
    let clients = crowd.names.len();
    let peers = Arc::new(crowd.names.clone());
    let senders = crowd
        .conns
        .into_iter()
        .zip(crowd.names)
        .enumerate()
        .map(|(me, (conn, name))| {
            let aim = Aim::Random {
                peers: peers.clone(),
                me,
            };
            sender(conn, name, aim, args.size, seed ^ (me as u64 + 1))
        })
        .collect();
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let drains = Drains::start(Vec::new(), 0)?;
    let (out, errors, _) = measure(dial, senders, drains, plan, "unicast", crowd.errors)?;
    let planned = args.messages * args.clients as u64;
    let summary = Summary::new(&out.rec, planned, errors, out.elapsed);
    let info = UnicastInfo {
        clients,
        servers: 1,
        cross_server: false,
        forwards_received: 0,
        register_seconds: crowd.seconds,
    };
    Ok((summary, Details::Unicast(info)))
}

/// Broadcast over JSON: `senders` clients send `chat`s to everyone, timed until the echo.
pub fn broadcast(
    dial: &Dial,
    args: &BroadcastArgs,
    run: u32,
) -> Result<(Summary, Details), BenchError> {
    let wanted = args.senders.max(1);
    let mut crowd = register(dial, &format!("jb{run}"), wanted + args.recipients)?;
    let registered = crowd.names.len();
    let k = wanted.min(registered);
    let rest = crowd.conns.split_off(k);
    let drains = Drains::start(rest, dial.recv_threads.unwrap_or(DRAIN_THREADS))?;
    let senders: Vec<JsonSender> = crowd
        .conns
        .into_iter()
        .zip(crowd.names)
        .map(|(conn, name)| sender(conn, name, Aim::All, args.size, 0))
        .collect();
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let (out, errors, packets) = measure(dial, senders, drains, plan, "broadcast", crowd.errors)?;
    let planned = args.messages * wanted as u64;
    let summary = Summary::new(&out.rec, planned, errors, out.elapsed);
    let fanout = registered.saturating_sub(1);
    let info = BroadcastInfo {
        senders: k,
        fanout,
        deliveries_per_sec: summary.msgs_per_sec * fanout as f64,
        forwards_received: packets,
        register_seconds: crowd.seconds,
    };
    Ok((summary, Details::Broadcast(info)))
}
