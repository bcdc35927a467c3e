//! Bad input: a storm of garbage connections while honest users chat, and the size bounds on
//! headers and bodies. (The codec itself is fuzzed in `fuzz/` and property-tested in
//! `src/wire_tests.rs`.)
//!
//! Run with `--nocapture` to see the numbers each test observed.

use crate::support::reliability::*;
use crate::support::{eventually, send_with_header_block, start};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const HONEST: usize = 4;
/// Each honest user sends at least this many messages, one in 11 to `ALL`, and goes on
/// sending for as long as the garbage lasts.
const MIN_SENDS: usize = 55;
const MAX_SENDS: usize = 3000;
const GARBAGE_THREADS: usize = 6;
const GARBAGE_PER_THREAD: usize = 100;
/// Garbage connections each thread keeps open at once.
const GARBAGE_OPEN: usize = 8;

fn honest_name(i: usize) -> String {
    format!("u{i}")
}

/// The body of honest message `id` from user `from`: an id prefix, then seeded random bytes
/// (any byte, blank lines included), so a receiver can check every byte.
fn honest_body(from: usize, id: usize) -> Vec<u8> {
    let mut rng = Rng::new(((from as u64) << 32) | id as u64);
    let mut body = format!("{from}#{id}|").into_bytes();
    let len = rng.below(2000);
    body.extend(rng.bytes(len));
    body
}

/// Who got what: (recipient, sender, message id) -> times forwarded.
type Tally = HashMap<(usize, usize, usize), u32>;

/// Sends until it has sent `MIN_SENDS` and the garbage is over; every reply must be the right
/// `SENT`. Returns the deliveries it expects and how many messages it sent.
fn honest_sender(
    me: usize,
    mut tx: Peer,
    garbage_running: Arc<AtomicBool>,
) -> (Peer, Tally, usize) {
    let mut expected = Tally::new();
    let mut id = 0;
    while id < MIN_SENDS || (garbage_running.load(Ordering::SeqCst) && id < MAX_SENDS) {
        let to = if id % 11 == 10 {
            None
        } else {
            Some((me + 1 + id % (HONEST - 1)) % HONEST)
        };
        let to_name = to.map_or("ALL".to_string(), honest_name);
        assert!(tx.send(&send_msg(&to_name, &honest_body(me, id))));
        let reply = tx
            .next(PATIENCE)
            .raw(&format!("{} reply to #{id}", honest_name(me)));
        assert_eq!(
            String::from_utf8_lossy(&reply),
            format!("SENT {to_name}\n\n"),
            "{} message #{id}",
            honest_name(me)
        );
        for r in (0..HONEST).filter(|&r| r != me && to.is_none_or(|t| t == r)) {
            *expected.entry((r, me, id)).or_default() += 1;
        }
        id += 1;
    }
    (tx, expected, id)
}

/// Acknowledges every forward, checks its bytes, and counts it, until `stop` and quiet.
fn honest_receiver(me: usize, mut rx: Peer, stop: Arc<AtomicBool>) -> (Peer, Tally) {
    let mut got = Tally::new();
    loop {
        match rx.next(Duration::from_millis(300)) {
            Got::Msg(
                chat::wire::Message {
                    command: chat::wire::Command::Forward { from },
                    body: Some(body),
                    ..
                },
                _,
            ) => {
                let bar = body.iter().position(|&b| b == b'|').expect("id in body");
                let tag = String::from_utf8_lossy(&body[..bar]).to_string();
                let (s, id) = tag.split_once('#').expect("sender#id");
                let (s, id): (usize, usize) = (s.parse().unwrap(), id.parse().unwrap());
                assert_eq!(from, honest_name(s), "FORWARD names the wrong sender");
                assert!(body == honest_body(s, id), "body of {tag} damaged");
                *got.entry((me, s, id)).or_default() += 1;
                assert!(rx.send(format!("RECEIVED {from}\n\n").as_bytes()));
            }
            Got::Msg(_, raw) => panic!("{}: unexpected {:?}", honest_name(me), raw),
            Got::Closed => panic!("{}: TORECV closed", honest_name(me)),
            Got::Silent if stop.load(Ordering::SeqCst) => return (rx, got),
            Got::Silent => {}
        }
    }
}

/// The kinds of garbage, and what the server must answer to each.
const KINDS: [&str; 10] = [
    "random bytes",
    "truncated SEND",
    "truncated REGISTER",
    "absurd Content-length",
    "unparsable Content-length",
    "endless header lines",
    "malformed names",
    "takeover attempts",
    "commands before registering",
    "half-registered garbage",
];

/// Opens `GARBAGE_PER_THREAD` garbage connections, `GARBAGE_OPEN` at a time; returns how many
/// of each kind it made.
fn garbage(addr: SocketAddr, seed: u64) -> [usize; KINDS.len()] {
    let mut rng = Rng::new(seed);
    let mut made = [0usize; KINDS.len()];
    let mut open: Vec<Peer> = Vec::new();
    for i in 0..GARBAGE_PER_THREAD {
        let kind = rng.below(KINDS.len());
        made[kind] += 1;
        let mut p = Peer::connect(addr);
        let me = format!("g{seed}x{i}");
        let victim = honest_name(rng.below(HONEST));
        match kind {
            0 => {
                let n = 1 + rng.below(3000);
                p.send(&rng.bytes(n));
            }
            1 => {
                let mut msg = format!("SEND {victim}\nContent-length: 500\n\n").into_bytes();
                let n = rng.below(500);
                msg.extend(rng.bytes(n));
                p.send(&msg);
            }
            2 => {
                let msg = format!("REGISTER TOSEND {me}\n\n");
                let cut = 1 + rng.below(msg.len() - 2);
                p.send(&msg.as_bytes()[..cut]);
            }
            3 => {
                let n = rng.pick(&[
                    "99999999999999999999999999999",
                    "18446744073709551616",
                    "18446744073709551615",
                    "4294967296",
                    "1000000000",
                    "65537",
                ]);
                p.send(format!("SEND {victim}\nContent-length: {n}\n\nxyz").as_bytes());
                p.expect(ERR_TOO_LONG);
                p.expect_closed();
            }
            4 => {
                let n = rng.pick(&["-1", "0x10", "", "1e3", "12 34", "+5", "\u{663}", "5\0"]);
                p.send(format!("SEND {victim}\ncontent-LENGTH: {n}\n\nxyz").as_bytes());
                p.expect(ERR_HEADER);
                p.expect_closed();
            }
            5 => {
                let mut msg = if rng.below(2) == 0 {
                    let mut m = format!("SEND {victim}\n").into_bytes();
                    let mut j = 0;
                    while m.len() < 16 * 1024 {
                        m.extend(format!("X-Pad-{j}: {}\n", "a".repeat(90)).bytes());
                        j += 1;
                    }
                    m
                } else {
                    vec![b'A'; 12 * 1024] // one first line that never ends
                };
                msg.extend(b"\n\n");
                p.send(&msg);
                p.expect(ERR_TOO_LONG);
                p.expect_closed();
            }
            6 => {
                let names: [&[u8]; 12] = [
                    b"al\0ice",
                    b"\xff\xfe\xfd",
                    b"u0\0",
                    b"u1\xc3",
                    b"ALL",
                    b"aLl",
                    b"abcdefghijklmnopqrstuvwxyz0123456",
                    b"u0 u1",
                    b"",
                    b"na\tme",
                    "\u{e9}t\u{e9}".as_bytes(),
                    b"u2\x7f",
                ];
                let role = if rng.below(2) == 0 {
                    "TOSEND"
                } else {
                    "TORECV"
                };
                let mut msg = Vec::new();
                for name in names {
                    msg.extend(format!("REGISTER {role} ").bytes());
                    msg.extend(name);
                    msg.extend(b"\n\n");
                }
                p.send(&msg);
                for _ in names {
                    p.expect(ERR_MALFORMED);
                }
            }
            7 => {
                p.send(
                    format!("REGISTER TOSEND {victim}\n\nREGISTER TORECV {victim}\n\n").as_bytes(),
                );
                p.expect(ERR_TAKEN);
                p.expect(ERR_TAKEN);
            }
            8 => {
                p.send(
                    format!(
                        "RECEIVED {victim}\n\nSENT {victim}\n\nFORWARD {victim}\n\
                         Content-length: 3\n\nabcERROR 102 x\n\nSEND {victim}\n\
                         Content-length: 2\n\nhi"
                    )
                    .as_bytes(),
                );
                for _ in 0..5 {
                    p.expect(ERR_NO_USER);
                }
            }
            _ => {
                p.send(format!("REGISTER TOSEND {me}\n\n").as_bytes());
                p.expect(format!("REGISTERED TOSEND {me}\n\n").as_bytes());
                p.send(&send_msg(&victim, b"hello"));
                p.expect(ERR_NO_USER);
                let n = rng.below(2000);
                p.send(&rng.bytes(n));
            }
        }
        open.push(p);
        if open.len() > GARBAGE_OPEN {
            let k = rng.below(open.len());
            drop(open.swap_remove(k));
        }
    }
    made
}

#[test]
fn garbage_storm_leaves_honest_users_served_exactly_once() {
    raise_nofile();
    let config = chat::front::Config {
        ack_timeout: Duration::from_secs(5),
        // The honest users send as fast as they can; flood control has its own test.
        rate_limit: 0,
        ..fast_config()
    };
    let server = start(config);
    let addr = server.local_addr();
    let members: Vec<Member> = (0..HONEST)
        .map(|i| Member::join(addr, &honest_name(i)))
        .collect();

    let t0 = Instant::now();
    let garbage_running = Arc::new(AtomicBool::new(true));
    let stop_receivers = Arc::new(AtomicBool::new(false));
    let garbage_threads: Vec<_> = (0..GARBAGE_THREADS)
        .map(|t| thread::spawn(move || garbage(addr, 1000 + t as u64)))
        .collect();
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for (i, m) in members.into_iter().enumerate() {
        let running = garbage_running.clone();
        senders.push(thread::spawn(move || honest_sender(i, m.tx, running)));
        let stop = stop_receivers.clone();
        receivers.push(thread::spawn(move || honest_receiver(i, m.rx, stop)));
    }

    let mut made = [0usize; KINDS.len()];
    for t in garbage_threads {
        let m = t.join().expect("a garbage connection got the wrong answer");
        for (total, n) in made.iter_mut().zip(m) {
            *total += n;
        }
    }
    garbage_running.store(false, Ordering::SeqCst);
    let garbage_time = t0.elapsed();
    let mut expected = Tally::new();
    let mut txs = Vec::new();
    let mut sent = 0;
    for s in senders {
        let (tx, e, n) = s.join().expect("an honest sender got a wrong reply");
        expected.extend(e);
        txs.push(tx);
        sent += n;
    }
    // Every SEND was answered SENT, so every forward was acknowledged, hence counted;
    // the receivers now listen a little longer for duplicates.
    stop_receivers.store(true, Ordering::SeqCst);
    let mut got = Tally::new();
    let mut rxs = Vec::new();
    for r in receivers {
        let (rx, g) = r.join().expect("an honest receiver saw something wrong");
        got.extend(g);
        rxs.push(rx);
    }

    eprintln!(
        "garbage storm: {} garbage connections in {garbage_time:?}: {}",
        made.iter().sum::<usize>(),
        KINDS
            .iter()
            .zip(made)
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    eprintln!(
        "garbage storm: honest users sent {sent} messages meanwhile, {} forwards each \
         delivered exactly once",
        expected.len()
    );
    let wrong: Vec<_> = expected
        .iter()
        .filter(|(k, n)| got.get(k) != Some(n))
        .map(|(k, n)| format!("{k:?}: expected {n}, got {:?}", got.get(k)))
        .chain(
            got.iter()
                .filter(|(k, _)| !expected.contains_key(k))
                .map(|(k, n)| format!("{k:?}: not sent, got {n}")),
        )
        .take(10)
        .collect();
    assert!(wrong.is_empty(), "deliveries not exactly once: {wrong:?}");
    // Each thread makes GARBAGE_PER_THREAD whatever happens; what can fail is the mix.
    assert!(
        made.iter().all(|&n| n > 0),
        "some kinds of garbage never sent: {made:?}"
    );

    // The server is healthy: the garbage left nothing, newcomers get in and are served.
    eventually("garbage connections gone", || {
        server.connections() == 2 * HONEST && server.chat().registry().len() == HONEST
    });
    let mut u0 = Member {
        name: honest_name(0),
        tx: txs.swap_remove(0),
        rx: rxs.swap_remove(0),
    };
    let mut fresh = Member::join(addr, "fresh");
    fresh.chat_with(&mut u0, b"after the storm");
    u0.chat_with(&mut fresh, b"welcome");
}

#[test]
fn a_header_block_over_8_kib_gets_105_and_the_socket_is_closed() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let mut bob = Member::join(addr, "bob");

    // Exactly 8 KiB is still fine...
    let mut alice = Member::join(addr, "alice");
    assert!(alice
        .tx
        .send(&send_with_header_block("bob", 8192, b"hello")));
    bob.receive("alice", b"hello");
    alice.tx.expect(b"SENT bob\n\n");
    // ...one byte more is not, registered or not.
    assert!(alice
        .tx
        .send(&send_with_header_block("bob", 8193, b"hello")));
    alice.tx.expect(ERR_TOO_LONG);
    alice.tx.expect_closed();
    let mut stranger = Peer::connect(addr);
    assert!(stranger.send(&send_with_header_block("bob", 8193, b"hello")));
    stranger.expect(ERR_TOO_LONG);
    stranger.expect_closed();

    // Endless header lines, or a first line that never ends: the answer comes after 8 KiB,
    // without waiting for the rest.
    let mut lines = Peer::connect(addr);
    let mut endless = b"SEND bob\n".to_vec();
    while endless.len() <= 8192 {
        endless.extend(b"X-Again: and again and again\n");
    }
    assert!(lines.send(&endless));
    lines.expect(ERR_TOO_LONG);
    lines.expect_closed();
    let mut one_line = Peer::connect(addr);
    assert!(one_line.send(&vec![b'R'; 8193]));
    one_line.expect(ERR_TOO_LONG);
    one_line.expect_closed();

    // bob was never disturbed.
    let mut carol = Member::join(addr, "carol");
    carol.chat_with(&mut bob, b"still fine");
}

#[test]
fn a_body_over_the_limit_gets_105_before_it_is_sent() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let mut bob = Member::join(addr, "bob");
    let mut alice = Member::join(addr, "alice");

    // The largest body goes through whole.
    let body = Rng::new(3).bytes(chat::wire::DEFAULT_MAX_BODY);
    alice.send("bob", &body);
    bob.receive("alice", &body);
    alice.tx.expect(b"SENT bob\n\n");

    // One byte more: refused on the header alone, before a byte of the body is sent.
    assert!(alice.tx.send(b"SEND bob\nContent-length: 65537\n\n"));
    alice.tx.expect(ERR_TOO_LONG);
    alice.tx.expect_closed();
    for claim in [
        "60000000",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let mut m = Member::join(addr, "mallory");
        let t0 = Instant::now();
        assert!(m
            .tx
            .send(format!("SEND bob\nContent-length: {claim}\n\n").as_bytes()));
        m.tx.expect(ERR_TOO_LONG);
        m.tx.expect_closed();
        eprintln!("claimed {claim} bytes: ERROR 105 after {:?}", t0.elapsed());
        drop(m);
        // bob, and alice's TORECV still holding her name.
        eventually("mallory gone", || server.chat().registry().len() == 2);
    }
    let mut carol = Member::join(addr, "carol");
    carol.chat_with(&mut bob, b"bob is fine");
}

#[test]
fn a_huge_claimed_body_is_not_allocated_before_it_arrives() {
    raise_nofile();
    // The real binary with a 100 MB body cap: 4 clients claim 60 MB each and send 1 MiB.
    let server = RealServer::start("huge-claims", &["--max-body", "100000000"]);
    let mut bob = Member::join(server.addr, "bob");
    let mut alice = Member::join(server.addr, "alice");
    alice.chat_with(&mut bob, b"warm up");
    let rss0 = server.rss_kib();
    let mut claimants: Vec<Peer> = (0..4)
        .map(|i| {
            let mut p = Peer::connect(server.addr);
            p.send(format!("REGISTER TOSEND claim{i}\n\n").as_bytes());
            p.expect(format!("REGISTERED TOSEND claim{i}\n\n").as_bytes());
            assert!(p.send(b"SEND bob\nContent-length: 60000000\n\n"));
            assert!(p.send(&vec![b'x'; 1 << 20]));
            p
        })
        .collect();
    // Nothing answers a half-sent message: watch the RSS for a while instead.
    let mut peak = rss0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(500) {
        peak = peak.max(server.rss_kib());
        thread::sleep(Duration::from_millis(20));
    }
    eprintln!("4 claims of 60 MB with 1 MiB sent each: RSS {rss0} KiB -> peak {peak} KiB");
    assert!(
        peak < rss0 + 30 * 1024,
        "RSS grew from {rss0} KiB to {peak} KiB"
    );
    alice.chat_with(&mut bob, b"still serving");
    claimants.clear();
}

#[test]
fn null_bytes_and_invalid_utf8_never_make_a_name() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let mut p = Peer::connect(addr);
    for name in [
        &b"bob\0"[..],
        b"\0bob",
        b"b\xffob",
        b"bob\xc3",
        b"\xed\xa0\x80",
    ] {
        let mut msg = b"REGISTER TOSEND ".to_vec();
        msg.extend(name);
        msg.extend(b"\n\n");
        assert!(p.send(&msg));
        p.expect(ERR_MALFORMED);
    }
    assert_eq!(server.chat().registry().len(), 0);
    // The same socket may still register properly, and the real bob is unaffected by lookalikes.
    let mut bob = Member::register("bob", p, Peer::connect(addr));
    let mut alice = Member::join(addr, "alice");
    alice.send("bob\u{fffd}", b"lookalike");
    alice.tx.expect(ERR_UNABLE);
    bob.rx.expect_silence_for(Duration::from_millis(200));
    // bob is complete, so the refusal above was the lookalike's, not his.
    alice.chat_with(&mut bob, b"the real one");
}
