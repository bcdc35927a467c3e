//! Helpers for the reliability and security tests (`reliability_*.rs`): a seeded RNG, a
//! message-level test peer with deadlines, a chatting pair that measures its latency in the
//! background, the real `server` binary as a child process, and readings from `/proc`.
//!
//! Used by `tests/reliability/`; it shares `support`'s message builders and patience.
#![allow(dead_code)]

pub use crate::support::{forward_msg, send_msg, PATIENCE};

use chat::front::Config;
use chat::wire::{self, Limits, Message};
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The exact replies the tests look for.
pub const ERR_UNABLE: &[u8] = b"ERROR 102 Unable to send\n\n";
pub const ERR_MALFORMED: &[u8] = b"ERROR 100 Malformed username\n\n";
pub const ERR_NO_USER: &[u8] = b"ERROR 101 No user registered\n\n";
pub const ERR_HEADER: &[u8] = b"ERROR 103 Header incomplete\n\n";
pub const ERR_TAKEN: &[u8] = b"ERROR 104 Username taken\n\n";
pub const ERR_TOO_LONG: &[u8] = b"ERROR 105 Message too long\n\n";
pub const ERR_FULL: &[u8] = b"ERROR 107 Server full\n\n";
pub const ERR_RATE: &[u8] = b"ERROR 108 Rate limit exceeded\n\n";

/// A loopback config with short timeouts, so that faults resolve in well under a second.
pub fn fast_config() -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        ack_timeout: Duration::from_millis(500),
        ..Config::default()
    }
}

/// Raises this process's soft open-file limit to the hard one (tests that open many sockets).
pub fn raise_nofile() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if let (Some(soft), Some(hard)) = (lim.current, lim.maximum) {
        if soft < hard {
            lim.current = Some(hard);
            setrlimit(Resource::Nofile, lim).expect("raise RLIMIT_NOFILE");
        }
    }
}

/// xorshift64*: tiny, seeded, good enough to pick garbage.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a read with a deadline found.
#[derive(Debug)]
pub enum Got {
    /// A whole message and its exact bytes.
    Msg(Message, Vec<u8>),
    /// The peer closed (EOF or reset) before a whole message arrived.
    Closed,
    /// Nothing complete arrived in time.
    Silent,
}

impl Got {
    /// The exact bytes of the message; panics on anything else.
    pub fn raw(self, what: &str) -> Vec<u8> {
        match self {
            Got::Msg(_, raw) => raw,
            other => panic!("{what}: expected a message, got {other:?}"),
        }
    }
}

/// Limits that never reject what our own server writes.
const ROOMY: Limits = Limits {
    max_header: 1 << 20,
    max_body: 1 << 30,
};

/// One socket to the server, read as messages with deadlines (never hangs).
pub struct Peer {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Peer {
    pub fn new(stream: TcpStream) -> Peer {
        let _ = stream.set_nodelay(true);
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn connect(addr: SocketAddr) -> Peer {
        Peer::new(TcpStream::connect(addr).expect("connect"))
    }

    /// Writes all of `bytes`; false when the server has closed the socket.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// The next message, or why there is none, within `within`.
    pub fn next(&mut self, within: Duration) -> Got {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some((msg, used))) = wire::decode(&self.buf, &ROOMY) {
                let raw: Vec<u8> = self.buf.drain(..used).collect();
                let start = wire::junk_prefix(&raw);
                return Got::Msg(msg, raw[start..].to_vec());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Got::Silent;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Got::Closed,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Got::Closed,
            }
        }
    }

    /// Asserts the next message is exactly `want`, arriving within `PATIENCE`.
    pub fn expect(&mut self, want: &[u8]) {
        let got = self.next(PATIENCE);
        match &got {
            Got::Msg(_, raw) if raw == want => {}
            _ => panic!("expected {:?}, got {got:?}", String::from_utf8_lossy(want)),
        }
    }

    /// Asserts that nothing arrives, and the socket stays open, for `within`.
    pub fn expect_silence_for(&mut self, within: Duration) {
        match self.next(within) {
            Got::Silent => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    /// For a connection the server should refuse: true for `ERROR 107` then close, false for a
    /// close without it (the reply can be lost to a reset); panics if it is served or left open.
    pub fn refused(&mut self) -> bool {
        match self.next(PATIENCE) {
            Got::Msg(_, raw) if raw == ERR_FULL => {
                assert!(self.closed_within(PATIENCE), "refused but left open");
                true
            }
            Got::Closed => false,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// True when the server closes the socket within `within` (after any bytes it sends).
    pub fn closed_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return true,
            }
        }
    }

    /// Asserts the server closes the socket within `PATIENCE`.
    pub fn expect_closed(&mut self) {
        assert!(self.closed_within(PATIENCE), "socket still open");
    }

    /// Without waiting: true when the server has closed the socket (EOF or reset).
    /// Bytes that arrived meanwhile are dropped.
    pub fn poll_closed(&mut self) -> bool {
        self.stream.set_nonblocking(true).unwrap();
        let mut chunk = [0u8; 4096];
        let closed = loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break true,
            }
        };
        self.stream.set_nonblocking(false).unwrap();
        closed
    }
}

/// A registered user whose two sockets are [`Peer`]s.
pub struct Member {
    pub name: String,
    pub tx: Peer,
    pub rx: Peer,
}

impl Member {
    /// Registers both sockets of `name` from 127.0.0.1 and checks both replies.
    pub fn join(addr: SocketAddr, name: &str) -> Member {
        Member::try_join(addr, name).unwrap_or_else(|e| panic!("{name} cannot join: {e}"))
    }

    /// Like [`Member::join`], but says what went wrong instead of panicking.
    pub fn try_join(addr: SocketAddr, name: &str) -> Result<Member, String> {
        let connect = || {
            TcpStream::connect(addr)
                .map(Peer::new)
                .map_err(|e| e.to_string())
        };
        Member::try_register(name, connect()?, connect()?)
    }

    /// Registers `tx` as the TOSEND and `rx` as the TORECV socket of `name`.
    pub fn register(name: &str, tx: Peer, rx: Peer) -> Member {
        Member::try_register(name, tx, rx).unwrap_or_else(|e| panic!("{name} cannot join: {e}"))
    }

    fn try_register(name: &str, mut tx: Peer, mut rx: Peer) -> Result<Member, String> {
        for (peer, role) in [(&mut tx, "TOSEND"), (&mut rx, "TORECV")] {
            peer.send(format!("REGISTER {role} {name}\n\n").as_bytes());
            match peer.next(PATIENCE) {
                Got::Msg(_, raw) if raw == format!("REGISTERED {role} {name}\n\n").as_bytes() => {}
                other => return Err(format!("REGISTER {role}: {other:?}")),
            }
        }
        Ok(Member {
            name: name.to_string(),
            tx,
            rx,
        })
    }

    /// Sends `SEND to` with `body` without waiting for the reply.
    pub fn send(&mut self, to: &str, body: &[u8]) {
        assert!(
            self.tx.send(&send_msg(to, body)),
            "{}: socket closed",
            self.name
        );
    }

    /// Expects `FORWARD from` with exactly `body` on TORECV, and acknowledges it.
    pub fn receive(&mut self, from: &str, body: &[u8]) {
        self.rx.expect(&forward_msg(from, body));
        self.rx.send(format!("RECEIVED {from}\n\n").as_bytes());
    }

    /// One whole round trip to `other`: send, receive and ack there, `SENT` here.
    pub fn chat_with(&mut self, other: &mut Member, body: &[u8]) -> Duration {
        round_trip(self, other, body)
            .unwrap_or_else(|e| panic!("{} to {}: {e}", self.name, other.name))
    }
}

/// Latencies of a chatting pair, and anything that went wrong with it.
#[derive(Debug, Default)]
pub struct ChatStats {
    pub latencies: Vec<Duration>,
    pub failures: Vec<String>,
}

impl ChatStats {
    pub fn max(&self) -> Duration {
        self.latencies.iter().copied().max().unwrap_or_default()
    }

    pub fn median(&self) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(l.len() / 2).copied().unwrap_or_default()
    }

    /// Asserts the pair chatted at least `min_count` times, without a failure, each round trip
    /// under `max`; returns a line for the test output.
    pub fn check(&self, min_count: usize, max: Duration) -> String {
        assert!(
            self.failures.is_empty(),
            "the bystander pair failed: {:?}",
            self.failures
        );
        assert!(
            self.latencies.len() >= min_count,
            "the bystander pair chatted only {} times",
            self.latencies.len()
        );
        assert!(
            self.max() < max,
            "a bystander round trip took {:?}",
            self.max()
        );
        format!(
            "bystanders: {} round trips, median {:?}, max {:?}",
            self.latencies.len(),
            self.median(),
            self.max()
        )
    }
}

/// Two users chatting in the background (one sends, the other acks), timing each round trip:
/// the bystanders that must not notice whatever else a test does to the server.
pub struct Chatter {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<ChatStats>,
}

impl Chatter {
    /// Registers `{prefix}a` and `{prefix}b` and starts them chatting every `pace`.
    pub fn start(addr: SocketAddr, prefix: &str, pace: Duration) -> Chatter {
        let mut a = Member::join(addr, &format!("{prefix}a"));
        let mut b = Member::join(addr, &format!("{prefix}b"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::spawn(move || {
            let mut stats = ChatStats::default();
            let mut n = 0u64;
            // A round trip before each look at the flag: even a thread scheduled late has
            // chatted at least once, and its last chat is no earlier than the stop request.
            loop {
                n += 1;
                let body = format!("bystander message {n}");
                match round_trip(&mut a, &mut b, body.as_bytes()) {
                    Ok(d) => stats.latencies.push(d),
                    Err(e) => {
                        stats.failures.push(e);
                        break;
                    }
                }
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                thread::sleep(pace);
            }
            stats
        });
        Chatter { stop, thread }
    }

    pub fn stop(self) -> ChatStats {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("bystander thread panicked")
    }
}

/// [`Member::chat_with`], reporting failures instead of panicking.
fn round_trip(a: &mut Member, b: &mut Member, body: &[u8]) -> Result<Duration, String> {
    let t0 = Instant::now();
    a.tx.send(&send_msg(&b.name, body));
    let want = forward_msg(&a.name, body);
    match b.rx.next(PATIENCE) {
        Got::Msg(_, raw) if raw == want => {}
        other => return Err(format!("forward: {other:?}")),
    }
    b.rx.send(format!("RECEIVED {}\n\n", a.name).as_bytes());
    match a.tx.next(PATIENCE) {
        Got::Msg(_, raw) if raw == format!("SENT {}\n\n", b.name).as_bytes() => Ok(t0.elapsed()),
        other => Err(format!("reply: {other:?}")),
    }
}

/// Connects to `addr` from a socket bound to `from` (another loopback address, say), with the
/// syscalls std lacks.
pub fn connect_from(from: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    use rustix::net::{bind, connect, socket, AddressFamily, SocketType};
    let family = if from.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let fd = socket(family, SocketType::STREAM, None)?;
    bind(&fd, &SocketAddr::new(from, 0))?;
    connect(&fd, &addr)?;
    Ok(TcpStream::from(fd))
}

/// Connects to `addr` with a receive buffer of about `bytes` (set before the handshake, so the
/// window stays that small): a reader whose kernel buffer fills up quickly.
pub fn connect_small_rcvbuf(addr: SocketAddr, bytes: usize) -> std::io::Result<TcpStream> {
    use rustix::net::{connect, socket, sockopt, AddressFamily, SocketType};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None)?;
    sockopt::set_socket_recv_buffer_size(&fd, bytes)?;
    connect(&fd, &addr)?;
    Ok(TcpStream::from(fd))
}

/// The real `server` binary, killed when dropped.
pub struct RealServer {
    pub child: Child,
    pub addr: SocketAddr,
    stdout: BufReader<ChildStdout>,
}

impl RealServer {
    /// Starts `server --bind 127.0.0.1 --port 0 ARGS`, logging to `<tmp>/<log>.log`.
    pub fn start(log: &str, args: &[&str]) -> RealServer {
        let mut cmd = Process::new(env!("CARGO_BIN_EXE_server"));
        cmd.args(super::LOOPBACK_ANY_PORT)
            .arg("--no-store")
            .args(args);
        RealServer::spawn(cmd, log)
    }

    /// Starts `server --bind 127.0.0.1 --port 0 --json-port 0 --data DATA ARGS`: a server
    /// whose memory is the database in `data`.
    pub fn start_with_data(log: &str, data: &std::path::Path, args: &[&str]) -> RealServer {
        let mut cmd = Process::new(env!("CARGO_BIN_EXE_server"));
        cmd.args(super::LOOPBACK_ANY_PORT)
            .arg("--data")
            .arg(data)
            .args(args);
        RealServer::spawn(cmd, log)
    }

    /// Starts it as above under `ulimit -n nofile` (through `sh`, which `exec`s it: same pid).
    pub fn start_with_nofile(log: &str, nofile: u64, args: &[&str]) -> RealServer {
        let script = format!(
            "ulimit -n {nofile} && exec \"$0\" --bind 127.0.0.1 --port 0 --json-port 0 --web-port 0 --no-store {}",
            args.join(" ")
        );
        let mut cmd = Process::new("sh");
        cmd.args(["-c", &script, env!("CARGO_BIN_EXE_server")]);
        RealServer::spawn(cmd, log)
    }

    fn spawn(mut cmd: Process, log: &str) -> RealServer {
        let log_path = format!("{}/{log}.log", env!("CARGO_TARGET_TMPDIR"));
        let log_file = File::create(&log_path).expect("create server log");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("spawn server");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("server stdout");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("server said {line:?}; log in {log_path}"))
            .parse()
            .expect("server address");
        RealServer {
            child,
            addr,
            stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The address on the next line of the server's stdout, which must start `prefix`.
    pub fn next_addr(&mut self, prefix: &str) -> SocketAddr {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("server stdout");
        let addr = line.trim().strip_prefix(prefix);
        let addr = addr.unwrap_or_else(|| panic!("server said {line:?}, not {prefix:?}"));
        addr.parse().expect("server address")
    }

    /// Sends `signal` (`TERM`, `INT`, ...) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let status = Process::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits at most `within` for the process to exit; its exit code, or None if it did not.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for server") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Threads of the process now.
    pub fn threads(&self) -> u64 {
        proc_status_field(self.pid(), "Threads:")
    }

    /// Resident set size in KiB.
    pub fn rss_kib(&self) -> u64 {
        proc_status_field(self.pid(), "VmRSS:")
    }

    /// CPU time used so far (user + system), from `/proc/PID/stat`.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        // Fields after the command name (which may hold spaces) start at field 3 (state);
        // utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 10)
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A number from `/proc/PID/status`, such as `Threads:` or `VmRSS:` (in KiB).
pub fn proc_status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// Polls `cond` every 10 ms until it holds or `within` passes; true when it held.
pub fn within(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}
