//! Faults: recipients that die, stay silent or stop reading; connections that trickle or say
//! nothing; SIGINT/SIGTERM; and thousands of clients that come and go without leaving threads,
//! memory or names behind. Each test fails if the guarantee it names breaks.
//!
//! Run with `--nocapture` to see the numbers each test observed.

use crate::support::reliability::*;
use crate::support::start;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// Slack on top of a timeout, for a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(1500);
/// A bystander round trip slower than this means someone else's fault reached it.
const BYSTANDER_MAX: Duration = Duration::from_millis(400);

#[test]
fn recipient_closing_mid_forward_fails_the_send_at_once_and_frees_its_name() {
    // A long ack timeout: the ERROR 102 must come from noticing the close, not from the timer.
    let ack_timeout = Duration::from_secs(3);
    let server = start(chat::front::Config {
        ack_timeout,
        ..fast_config()
    });
    let addr = server.local_addr();
    let bystanders = Chatter::start(addr, "by", Duration::from_millis(10));
    let mut alice = Member::join(addr, "alice");
    let Member {
        tx: bob_tx,
        rx: mut bob_rx,
        ..
    } = Member::join(addr, "bob");

    let body = Rng::new(7).bytes(64 * 1024);
    let t0 = Instant::now();
    alice.send("bob", &body);
    let mut half = vec![0u8; 32 * 1024];
    bob_rx.stream.set_read_timeout(Some(PATIENCE)).unwrap();
    bob_rx.stream.read_exact(&mut half).expect("half a forward");
    assert!(half.starts_with(b"FORWARD alice\nContent-length: 65536\n\n"));
    drop(bob_rx);
    alice.tx.expect(ERR_UNABLE);
    let latency = t0.elapsed();
    eprintln!("closed mid-forward: ERROR 102 after {latency:?} (ack timeout {ack_timeout:?})");
    assert!(
        latency < Duration::from_secs(1),
        "ERROR 102 took {latency:?}"
    );

    // Half of bob is still there (its TOSEND); the name goes only with both sockets.
    eventually_counts(&server, 7, 4);
    drop(bob_tx);
    eventually_counts(&server, 6, 3);
    // And alice is unharmed: the name is free again and she can talk to a new bob.
    let mut bob = Member::join(addr, "bob");
    alice.chat_with(&mut bob, b"welcome back");
    eprintln!("{}", bystanders.stop().check(1, BYSTANDER_MAX));
}

#[test]
fn recipient_that_never_acknowledges_fails_the_send_at_the_ack_timeout_and_is_dropped() {
    let config = fast_config();
    let ack_timeout = config.ack_timeout;
    let server = start(config);
    let addr = server.local_addr();
    let bystanders = Chatter::start(addr, "by", Duration::from_millis(10));
    let mut alice = Member::join(addr, "alice");
    let mut bob = Member::join(addr, "bob");

    let t0 = Instant::now();
    alice.send("bob", b"are you there?");
    bob.rx
        .expect(b"FORWARD alice\nContent-length: 14\n\nare you there?");
    // bob reads it and says nothing.
    alice.tx.expect(ERR_UNABLE);
    let latency = t0.elapsed();
    eprintln!("silent recipient: ERROR 102 after {latency:?} (ack timeout {ack_timeout:?})");
    assert!(
        latency + Duration::from_millis(50) >= ack_timeout,
        "{latency:?}"
    );
    assert!(latency < ack_timeout + SLACK, "{latency:?}");

    // Its late acks could not be matched any more: both its sockets are closed.
    bob.rx.expect_closed();
    bob.tx.expect_closed();
    eventually_counts(&server, 6, 3);
    // alice's next message is not blocked by the old one.
    let mut carol = Member::join(addr, "carol");
    alice.chat_with(&mut carol, b"hello carol");
    eprintln!("{}", bystanders.stop().check(20, BYSTANDER_MAX));
}

/// Bytes the kernel may buffer between the server and a reader that stopped: the server's
/// send buffer can autotune up to `tcp_wmem`'s maximum, and the reader's receive buffer is
/// kept small by [`connect_small_rcvbuf`].
fn kernel_buffering() -> usize {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|s| s.split_whitespace().nth(2).and_then(|v| v.parse().ok()))
        .unwrap_or(4 << 20)
}

const BODY: usize = 64 * 1024;

type Flood = Vec<thread::JoinHandle<(Member, Vec<u8>, Duration)>>;

/// bob stops reading; `senders` users each send him one 64 KiB message at the same moment.
/// Returns bob and the senders' threads, which end with each sender, its reply, and how long
/// the reply took.
fn flood_a_stuck_reader(addr: std::net::SocketAddr, senders: usize) -> (Flood, Member) {
    // bob's receive window is small, so his socket fills up after a few KiB; what the
    // kernel does not take must wait in the server's outbox.
    let small = connect_small_rcvbuf(addr, 8 * 1024).unwrap();
    let bob = Member::register("bob", Peer::connect(addr), Peer::new(small));
    let members: Vec<Member> = (0..senders)
        .map(|i| Member::join(addr, &format!("s{i}")))
        .collect();
    let go = Arc::new(Barrier::new(senders));
    let threads = members
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            let go = go.clone();
            thread::spawn(move || {
                let body = vec![b'a' + (i % 26) as u8; BODY];
                go.wait();
                let t0 = Instant::now();
                s.send("bob", &body);
                let reply =
                    s.tx.next(PATIENCE)
                        .raw("reply to a sender of a stuck reader");
                (s, reply, t0.elapsed())
            })
        })
        .collect();
    (threads, bob)
}

/// Waits for every sender of the flood and asserts each was answered `ERROR 102`; returns
/// each sender with how long its reply took.
fn replies(flood: Flood) -> Vec<(Member, Duration)> {
    let results: Vec<_> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    for (s, reply, _) in &results {
        assert_eq!(
            String::from_utf8_lossy(reply),
            "ERROR 102 Unable to send\n\n",
            "{}",
            s.name
        );
    }
    results.into_iter().map(|(s, _, took)| (s, took)).collect()
}

/// Reads what bob's socket still holds until the server's close; returns the byte count.
fn drain(peer: &mut Peer) -> usize {
    let mut total = 0usize;
    peer.stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut chunk = vec![0u8; 1 << 16];
    while let Ok(n @ 1..) = peer.stream.read(&mut chunk) {
        total += n;
    }
    total
}

#[test]
fn recipient_that_stops_reading_blocks_no_sender_and_no_bystander() {
    raise_nofile();
    let config = fast_config();
    let ack_timeout = config.ack_timeout;
    let max_queued = config.max_queued;
    let server = start(config);
    let addr = server.local_addr();
    let bystanders = Chatter::start(addr, "by", Duration::from_millis(10));
    // 1 MiB more than the kernel can buffer, and well under the outbox cap.
    let senders = (kernel_buffering() + (1 << 20)) / BODY + 1;
    assert!(senders * BODY < max_queued);
    let (flood, mut bob) = flood_a_stuck_reader(addr, senders);
    let results = replies(flood);
    let worst = results.iter().map(|r| r.1).max().unwrap();
    eprintln!(
        "stuck reader: {senders} senders of {BODY} B all got ERROR 102, slowest after {worst:?}"
    );
    assert!(worst < ack_timeout + SLACK, "a sender waited {worst:?}");

    // The server dropped bob for his silence; his socket held only part of what was sent.
    let pending = drain(&mut bob.rx);
    eprintln!(
        "stuck reader: {} KiB reached his socket of {} KiB sent, the rest was queued",
        pending / 1024,
        senders * BODY / 1024
    );
    assert!(
        pending < senders * BODY,
        "the socket never filled up: the test proves nothing"
    );
    bob.tx.expect_closed();
    eventually_counts(&server, 4 + 2 * senders, 2 + senders);

    // Everyone who tried is still served.
    let mut members: Vec<Member> = results.into_iter().map(|r| r.0).collect();
    let (first, rest) = members.split_at_mut(1);
    first[0].chat_with(&mut rest[0], b"still here");
    eprintln!("{}", bystanders.stop().check(20, BYSTANDER_MAX));
}

/// A stuck reader flooded past a small outbox cap (256 KiB) with a long ack timeout (3 s):
/// returns how many senders got their ERROR 102 within 1 s, out of how many, and whether the
/// reader was cut off (lost his name) within half the ack timeout.
fn flood_over_the_queue_cap() -> (usize, usize, bool) {
    raise_nofile();
    let ack_timeout = Duration::from_secs(3);
    let max_queued = 256 * 1024;
    let server = start(chat::front::Config {
        ack_timeout,
        max_queued,
        ..fast_config()
    });
    let addr = server.local_addr();
    // 32 messages more than the kernel and the outbox can take.
    let senders = (kernel_buffering() + max_queued) / BODY + 32;
    let t0 = Instant::now();
    let (flood, _bob) = flood_a_stuck_reader(addr, senders);
    // Reading his socket to see it closed would unstick him: watch his name instead.
    let cut_off = within(ack_timeout / 2, || {
        server.chat().registry().get("bob").is_none()
    });
    let when = t0.elapsed();
    let results = replies(flood);
    let fast = results
        .iter()
        .filter(|r| r.1 < Duration::from_secs(1))
        .count();
    eprintln!(
        "queue cap {max_queued} B: {fast} of {senders} senders got ERROR 102 within 1 s \
         (ack timeout {ack_timeout:?}); reader cut off: {cut_off} ({when:?} after the flood)"
    );
    (fast, senders, cut_off)
}

#[test]
fn sends_past_a_stuck_readers_queue_cap_fail_at_once() {
    let (fast, senders, _) = flood_over_the_queue_cap();
    // At least what did not fit under the cap failed without waiting for the ack timeout.
    assert!(
        fast >= senders / 4,
        "only {fast} of {senders} failed at once"
    );
}

#[test]
fn a_reader_past_the_queue_cap_is_cut_off() {
    let (_, _, cut_off) = flood_over_the_queue_cap();
    assert!(cut_off, "a reader over the queue cap is still connected");
}

/// How an attacking connection behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Attack {
    /// Opens and sends nothing.
    Silent,
    /// Sends a `REGISTER` one byte every 100 ms, never finishing in time.
    TrickleRegister,
    /// Sends one space every 100 ms: whitespace between messages, forever.
    TrickleWhitespace,
    /// Sends a complete unknown command every 300 ms (one byte every 100 ms), never registering.
    TrickleCommands,
    /// Registers TOSEND only, then sends a complete unknown command every 300 ms.
    HalfRegisteredChatter,
}

/// Opens `per_kind` connections of each kind, drives them, and returns for each how long the
/// server took to close it (None: still open at the deadline). Meanwhile `during` runs.
fn attack(
    addr: SocketAddr,
    kinds: &[Attack],
    per_kind: usize,
    deadline: Duration,
    during: impl FnOnce(),
) -> Vec<(Attack, Option<Duration>)> {
    const THREADS: usize = 4;
    // Each worker reports once its connections are open (a channel, not a barrier: a worker
    // that panics must fail the test, not hang it).
    let (opened, all_open) = std::sync::mpsc::channel();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let kinds = kinds.to_vec();
            let opened = opened.clone();
            thread::spawn(move || {
                let mut conns = Vec::new();
                for (k, kind) in kinds.iter().enumerate() {
                    for i in (t..per_kind).step_by(THREADS) {
                        let name = format!("slow{k}x{i}");
                        let mut peer = Peer::connect(addr);
                        let script = match kind {
                            Attack::Silent => Vec::new(),
                            Attack::TrickleRegister => {
                                format!("REGISTER TOSEND {name}\n\n").into_bytes()
                            }
                            Attack::TrickleWhitespace => b" ".to_vec(),
                            Attack::TrickleCommands => b"X\n\n".to_vec(),
                            Attack::HalfRegisteredChatter => {
                                peer.send(format!("REGISTER TOSEND {name}\n\n").as_bytes());
                                b"X\n\n".to_vec()
                            }
                        };
                        conns.push((*kind, peer, script, 0usize, Instant::now(), None));
                    }
                }
                opened.send(()).unwrap();
                let t0 = Instant::now();
                while t0.elapsed() < deadline {
                    let mut open = 0;
                    for (kind, peer, script, at, since, closed) in conns.iter_mut() {
                        if closed.is_some() {
                            continue;
                        }
                        let repeats = *kind != Attack::TrickleRegister;
                        if !script.is_empty() && (repeats || *at < script.len()) {
                            let byte = script[*at % script.len()];
                            *at += 1;
                            if !peer.send(&[byte]) {
                                *closed = Some(since.elapsed());
                                continue;
                            }
                        }
                        if peer.poll_closed() {
                            *closed = Some(since.elapsed());
                        } else {
                            open += 1;
                        }
                    }
                    if open == 0 {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
                conns
                    .into_iter()
                    .map(|(kind, .., closed)| (kind, closed))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for _ in 0..THREADS {
        all_open
            .recv_timeout(PATIENCE)
            .expect("an attacker could not open its connections");
    }
    during();
    workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect()
}

/// Checks that every attacking connection was closed between `at_least` and `at_most`.
fn report_closes(results: &[(Attack, Option<Duration>)], at_least: Duration, at_most: Duration) {
    let mut kinds: Vec<Attack> = Vec::new();
    for (kind, _) in results {
        if !kinds.contains(kind) {
            kinds.push(*kind);
        }
    }
    let mut wrong = Vec::new();
    for kind in kinds {
        let of_kind: Vec<Option<Duration>> = results
            .iter()
            .filter(|r| r.0 == kind)
            .map(|r| r.1)
            .collect();
        let open = of_kind.iter().filter(|c| c.is_none()).count();
        let closed: Vec<Duration> = of_kind.iter().flatten().copied().collect();
        let (first, last) = (closed.iter().min(), closed.iter().max());
        eprintln!(
            "{kind:?}: {} connections, {} closed by the server (first after {first:?}, \
             last after {last:?}), {open} still open",
            of_kind.len(),
            closed.len(),
        );
        if open > 0 {
            wrong.push(format!("{kind:?}: {open} connections never closed"));
        }
        if first.is_some_and(|&c| c < at_least) || last.is_some_and(|&c| c > at_most) {
            wrong.push(format!("{kind:?}: closed after {first:?} to {last:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

fn slow_config() -> chat::front::Config {
    chat::front::Config {
        idle_timeout: Duration::from_secs(1),
        message_timeout: Duration::from_secs(1),
        ..fast_config()
    }
}

#[test]
fn trickling_and_silent_connections_are_timed_out_while_others_register_and_chat() {
    raise_nofile();
    let server = start(slow_config());
    let addr = server.local_addr();
    let bystanders = Chatter::start(addr, "by", Duration::from_millis(10));
    let mut newcomers = Vec::new();
    let results = attack(
        addr,
        &[Attack::Silent, Attack::TrickleRegister],
        100,
        Duration::from_secs(8),
        || {
            // While 200 attackers are connected: new users register and talk.
            for i in 0..10 {
                let t0 = Instant::now();
                let mut a = Member::join(addr, &format!("new{i}a"));
                let mut b = Member::join(addr, &format!("new{i}b"));
                a.chat_with(&mut b, b"made it");
                newcomers.push(t0.elapsed());
            }
        },
    );
    eprintln!(
        "newcomers during the attack: join + round trip, slowest {:?}",
        newcomers.iter().max().unwrap()
    );
    report_closes(
        &results,
        Duration::from_millis(900),
        Duration::from_secs(1) + SLACK,
    );
    eventually_counts(&server, 4, 2);
    eprintln!("{}", bystanders.stop().check(20, BYSTANDER_MAX));
}

#[test]
fn connections_that_never_register_are_timed_out_however_busy_they_keep() {
    raise_nofile();
    let server = start(slow_config());
    let addr = server.local_addr();
    let results = attack(
        addr,
        &[
            Attack::TrickleWhitespace,
            Attack::TrickleCommands,
            Attack::HalfRegisteredChatter,
        ],
        20,
        Duration::from_secs(6),
        || {},
    );
    report_closes(
        &results,
        Duration::from_millis(900),
        Duration::from_secs(1) + SLACK,
    );
    eventually_counts(&server, 0, 0);
}

/// Waits until the server has `connections` sockets and `names` names.
fn eventually_counts(server: &chat::front::ServerHandle, connections: usize, names: usize) {
    let ok = within(PATIENCE, || {
        server.connections() == connections && server.chat().registry().len() == names
    });
    assert!(
        ok,
        "expected {connections} connections and {names} names, have {} and {}",
        server.connections(),
        server.chat().registry().len()
    );
}

/// Users mid-conversation on the real binary, then `signal`: it must exit 0 within 2 s and
/// every socket must be closed.
fn stops_on(signal: &str) {
    let mut server = RealServer::start(&format!("signal-{signal}"), &["--ack-timeout", "10"]);
    let addr = server.addr;
    let mut alice = Member::join(addr, "alice");
    let mut bob = Member::join(addr, "bob");
    let mut carol = Member::join(addr, "carol");
    alice.chat_with(&mut bob, b"before");
    // alice waits for bob's ack, which bob holds back.
    alice.send("bob", b"waiting for you");
    bob.rx
        .expect(b"FORWARD alice\nContent-length: 15\n\nwaiting for you");
    // carol is half-way through a message.
    assert!(carol
        .tx
        .send(b"SEND alice\nContent-length: 100\n\nonly a part"));
    // Someone is still registering.
    let mut newcomer = Peer::connect(addr);
    assert!(newcomer.send(b"REGISTER TOSEND dave\n\n"));
    newcomer.expect(b"REGISTERED TOSEND dave\n\n");
    let mut lurker = Peer::connect(addr);

    let t0 = Instant::now();
    server.signal(signal);
    let status = server.wait_exit(Duration::from_secs(2));
    let took = t0.elapsed();
    eprintln!("SIG{signal}: exit {status:?} after {took:?}");
    let status = status.unwrap_or_else(|| panic!("still running 2 s after SIG{signal}"));
    assert!(status.success(), "exit status {status} after SIG{signal}");
    for (name, peer) in [
        ("alice tosend", &mut alice.tx),
        ("alice torecv", &mut alice.rx),
        ("bob tosend", &mut bob.tx),
        ("bob torecv", &mut bob.rx),
        ("carol tosend", &mut carol.tx),
        ("carol torecv", &mut carol.rx),
        ("newcomer", &mut newcomer),
        ("lurker", &mut lurker),
    ] {
        assert!(
            peer.closed_within(Duration::from_secs(1)),
            "{name}: socket still open after SIG{signal}"
        );
    }
}

#[test]
fn sigterm_stops_the_server_cleanly_with_users_mid_conversation() {
    stops_on("TERM");
}

#[test]
fn sigint_stops_the_server_cleanly_with_users_mid_conversation() {
    stops_on("INT");
}

/// `users` users, `workers` at a time: each registers, sends itself a message, and leaves.
fn come_and_go(addr: SocketAddr, tag: &str, users: usize, workers: usize) {
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let tag = tag.to_string();
            thread::spawn(move || {
                for i in (w..users).step_by(workers) {
                    let name = format!("{tag}{i}");
                    let mut m = Member::join(addr, &name);
                    let body = format!("note to self {i}");
                    m.send(&name, body.as_bytes());
                    m.receive(&name, body.as_bytes());
                    m.tx.expect(format!("SENT {name}\n\n").as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a coming-and-going user failed");
    }
}

/// The thread count once it has stayed the same for half a second (at most 5 s).
fn settled_threads(server: &RealServer) -> u64 {
    let t0 = Instant::now();
    let (mut last, mut since) = (server.threads(), Instant::now());
    while since.elapsed() < Duration::from_millis(500) && t0.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(20));
        let now = server.threads();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

#[test]
fn thousands_of_users_coming_and_going_leave_no_threads_or_memory_behind() {
    raise_nofile();
    let server = RealServer::start("leaks", &["--ack-timeout", "5"]);
    let addr = server.addr;
    // Warm up (allocator arenas, thread stacks), then take the baseline.
    come_and_go(addr, "warm", 200, 10);
    let threads0 = settled_threads(&server);
    let rss0 = server.rss_kib();

    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), server.pid());
        thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(proc_status_field(pid, "Threads:"), Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let t0 = Instant::now();
    come_and_go(addr, "u", 2000, 10);
    let busy = t0.elapsed();
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();

    let t1 = Instant::now();
    // The server keeps up to 32 ready threads for the next connections (front::workers):
    // bounded, and nothing like the 2,000 a leak would leave.
    let settled = within(Duration::from_secs(5), || {
        server.threads() <= threads0 + 2 + 32
    });
    let settle_time = t1.elapsed();
    let (threads1, rss1) = (server.threads(), server.rss_kib());
    eprintln!(
        "leaks: baseline {threads0} threads, {rss0} KiB RSS; 2000 users came and went in \
         {busy:?} (up to {} threads at once); {settle_time:?} later: {threads1} threads, \
         {rss1} KiB RSS",
        peak.load(Ordering::SeqCst)
    );
    assert!(settled, "threads: baseline {threads0}, now {threads1}");
    assert!(
        threads1 + 2 >= threads0,
        "threads: baseline {threads0}, now {threads1}"
    );
    assert!(rss1 <= rss0 + 20 * 1024, "RSS {rss0} KiB -> {rss1} KiB");
    // And it still works.
    let mut a = Member::join(addr, "after1");
    let mut b = Member::join(addr, "after2");
    a.chat_with(&mut b, b"still serving");
}

#[test]
fn thousands_of_users_coming_and_going_leave_no_names_or_connections_behind() {
    raise_nofile();
    let server = start(fast_config());
    come_and_go(server.local_addr(), "u", 2000, 10);
    eventually_counts(&server, 0, 0);
}
