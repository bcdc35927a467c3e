//! Limits and security: the connection cap and the file-descriptor limit, name takeover,
//! pending forwards per recipient, and flood control. Each test fails if the guarantee it
//! names breaks.
//!
//! Run with `--nocapture` to see the numbers each test observed.

use crate::support::reliability::*;
use crate::support::{eventually, start};
use chat::front::Config;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// A second loopback address: a different peer as far as the server can tell.
const OTHER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

#[test]
fn at_max_connections_a_newcomer_gets_107_and_existing_users_keep_chatting() {
    let server = start(Config {
        max_connections: 20,
        ..fast_config()
    });
    let addr = server.local_addr();
    let mut users: Vec<Member> = (0..4)
        .map(|i| Member::join(addr, &format!("a{i}")))
        .collect();
    let mut idle: Vec<Peer> = (0..12).map(|_| Peer::connect(addr)).collect();
    eventually("20 connections", || server.connections() == 20);

    for round in 0..5 {
        let t0 = Instant::now();
        let mut late = Peer::connect(addr);
        assert!(late.refused(), "refused without ERROR 107");
        eprintln!("server full: ERROR 107 and close after {:?}", t0.elapsed());
        let (a, b) = users.split_at_mut(2);
        a[round % 2].chat_with(&mut b[round % 2], format!("round {round}").as_bytes());
    }
    assert_eq!(server.connections(), 20);

    // A place frees up: the next newcomer is served.
    idle.pop();
    eventually("a free place", || server.connections() == 19);
    let mut newcomer = Peer::connect(addr);
    newcomer.send(b"REGISTER TOSEND newcomer\n\n");
    newcomer.expect(b"REGISTERED TOSEND newcomer\n\n");
}

#[test]
fn out_of_file_descriptors_refuses_without_hanging_or_spinning() {
    raise_nofile();
    let server = RealServer::start_with_nofile(
        "nofile",
        64,
        &["--max-connections", "100000", "--idle-timeout", "600"],
    );
    let addr = server.addr;
    let mut alice = Member::join(addr, "alice");
    let mut bob = Member::join(addr, "bob");

    // Fill up: each new connection is either served or refused, never left hanging.
    let mut fills = Vec::new();
    let (mut refused, mut with_107) = (0, 0);
    for i in 0..500 {
        let mut p = Peer::connect(addr);
        p.send(format!("REGISTER TOSEND fill{i}\n\n").as_bytes());
        match p.next(PATIENCE) {
            Got::Msg(_, raw) if raw == format!("REGISTERED TOSEND fill{i}\n\n").as_bytes() => {
                assert_eq!(
                    refused, 0,
                    "served again after a refusal, with nothing freed"
                );
                fills.push(p);
                continue;
            }
            Got::Msg(_, raw) if raw == ERR_FULL => {
                with_107 += 1;
                assert!(p.closed_within(PATIENCE), "refused but left open");
            }
            Got::Closed => {}
            Got::Msg(_, raw) => panic!("unexpected {:?}", String::from_utf8_lossy(&raw)),
            Got::Silent => panic!("connection {i} neither served nor refused"),
        }
        refused += 1;
        if refused == 5 {
            break;
        }
    }
    eprintln!(
        "ulimit -n 64: {} connections served (4 users' included), then {refused} refused \
         ({with_107} with ERROR 107, the rest closed)",
        fills.len() + 4
    );
    assert_eq!(refused, 5, "never ran out of descriptors");

    // Saturated: existing users are served, and the server idles even while refusing.
    alice.chat_with(&mut bob, b"we are still here");
    let cpu0 = server.cpu_time();
    let t0 = Instant::now();
    for _ in 0..5 {
        with_107 += usize::from(Peer::connect(addr).refused());
        thread::sleep(Duration::from_millis(200));
    }
    let (cpu, wall) = (server.cpu_time() - cpu0, t0.elapsed());
    eprintln!(
        "saturated: server used {cpu:?} of CPU in {wall:?} while refusing 5 more \
         ({with_107} refusals in all had ERROR 107)"
    );
    assert!(
        cpu.as_secs_f64() < 0.5 * wall.as_secs_f64(),
        "server spins: {cpu:?} of CPU in {wall:?}"
    );
    bob.chat_with(&mut alice, b"and still here");

    // Descriptors free up: newcomers get in again.
    fills.truncate(fills.len() - 4);
    let mut carol = None;
    let ok = within(PATIENCE, || {
        carol = Member::try_join(addr, "carol").ok();
        carol.is_some()
    });
    assert!(ok, "no newcomer served after descriptors were freed");
    carol.unwrap().chat_with(&mut alice, b"got in");
}

/// Registers `role name` on `p` and expects `reply`.
fn register(p: &mut Peer, role: &str, name: &str, reply: &[u8]) {
    assert!(p.send(format!("REGISTER {role} {name}\n\n").as_bytes()));
    p.expect(reply);
}

fn registered(role: &str, name: &str) -> Vec<u8> {
    format!("REGISTERED {role} {name}\n\n").into_bytes()
}

#[test]
fn neither_socket_of_a_registered_name_can_be_taken_over() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let mut alice = Member::join(addr, "alice");
    let mut bob = Member::join(addr, "bob");

    // From the same address and from another one, on fresh connections...
    let mut same = Peer::connect(addr);
    let mut other = Peer::new(connect_from(OTHER_IP, addr).expect("bind 127.0.0.2"));
    for p in [&mut same, &mut other] {
        register(p, "TOSEND", "alice", ERR_TAKEN);
        register(p, "TORECV", "alice", ERR_TAKEN);
    }
    // ...and from bob's own registered sockets.
    register(&mut bob.tx, "TOSEND", "alice", ERR_TAKEN);
    register(&mut bob.rx, "TORECV", "alice", ERR_TAKEN);
    register(&mut bob.tx, "TORECV", "bob", ERR_TAKEN);

    // alice is unaffected: her messages still reach her own sockets, nobody else's.
    bob.chat_with(&mut alice, b"for alice only");
    alice.chat_with(&mut bob, b"and back");
    same.send(b"SEND bob\nContent-length: 1\n\nx");
    same.expect(ERR_NO_USER);
    other.send(b"RECEIVED bob\n\n");
    other.expect(ERR_NO_USER);
    assert_eq!(server.chat().registry().len(), 2);
}

#[test]
fn a_half_registered_name_is_completed_only_from_its_own_address() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let mut bob = Member::join(addr, "bob");

    for (first, second) in [("TOSEND", "TORECV"), ("TORECV", "TOSEND")] {
        let name = format!("eve{}", first.to_lowercase());
        let mut half = Peer::connect(addr);
        register(&mut half, first, &name, &registered(first, &name));
        // The free side from another address is refused, and so is the held side.
        let mut attacker = Peer::new(connect_from(OTHER_IP, addr).expect("bind 127.0.0.2"));
        register(&mut attacker, second, &name, ERR_TAKEN);
        register(&mut attacker, first, &name, ERR_TAKEN);
        let mut same_ip = Peer::connect(addr);
        register(&mut same_ip, first, &name, ERR_TAKEN);
        // Not complete yet: nobody can send to it.
        bob.send(&name, b"too early");
        bob.tx.expect(ERR_UNABLE);
        // The twin from the owner's address completes it.
        let mut twin = Peer::connect(addr);
        register(&mut twin, second, &name, &registered(second, &name));
        let (tx, rx) = if first == "TOSEND" {
            (half, twin)
        } else {
            (twin, half)
        };
        let mut eve = Member { name, tx, rx };
        bob.chat_with(&mut eve, b"now you are complete");
        eve.chat_with(&mut bob, b"thanks");
        // The attacker's socket got nothing of it.
        attacker.send(b"RECEIVED bob\n\n");
        attacker.expect(ERR_NO_USER);
    }
}

#[test]
fn a_name_is_freed_only_when_both_its_sockets_are_gone() {
    let server = start(fast_config());
    let addr = server.local_addr();
    let Member { tx, rx, .. } = Member::join(addr, "alice");
    let mut attacker = Peer::new(connect_from(OTHER_IP, addr).expect("bind 127.0.0.2"));

    drop(tx);
    eventually("alice half gone", || {
        server.chat().registry().get("alice").is_none()
    });
    assert_eq!(
        server.chat().registry().len(),
        1,
        "the name went with one socket"
    );
    register(&mut attacker, "TOSEND", "alice", ERR_TAKEN);
    register(&mut attacker, "TORECV", "alice", ERR_TAKEN);

    drop(rx);
    eventually("alice gone", || server.chat().registry().is_empty());
    register(
        &mut attacker,
        "TOSEND",
        "alice",
        &registered("TOSEND", "alice"),
    );
    let mut twin = Peer::new(connect_from(OTHER_IP, addr).expect("bind 127.0.0.2"));
    register(&mut twin, "TORECV", "alice", &registered("TORECV", "alice"));
}

#[test]
fn pending_forwards_per_recipient_are_capped_and_the_excess_fails_at_once() {
    let ack_timeout = Duration::from_secs(5);
    let server = start(Config {
        max_pending: 4,
        ack_timeout,
        ..fast_config()
    });
    let addr = server.local_addr();
    let mut bob = Member::join(addr, "bob");
    let mut senders: Vec<Member> = (0..5)
        .map(|i| Member::join(addr, &format!("s{i}")))
        .collect();

    // Four forwards outstanding: bob reads them and acknowledges none yet.
    for s in &mut senders[..4] {
        s.send("bob", format!("from {}", s.name).as_bytes());
        bob.rx
            .expect(format!("FORWARD {0}\nContent-length: 7\n\nfrom {0}", s.name).as_bytes());
    }
    let t0 = Instant::now();
    senders[4].send("bob", b"one too many");
    senders[4].tx.expect(ERR_UNABLE);
    let latency = t0.elapsed();
    eprintln!("5th pending forward: ERROR 102 after {latency:?} (ack timeout {ack_timeout:?})");
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    bob.rx.expect_silence_for(Duration::from_millis(100));

    // The four are still delivered once bob catches up, and then there is room again.
    for s in &mut senders[..4] {
        bob.rx.send(format!("RECEIVED {}\n\n", s.name).as_bytes());
        s.tx.expect(b"SENT bob\n\n");
    }
    let (rest, last) = senders.split_at_mut(4);
    last[0].chat_with(&mut bob, b"room again");
    rest[0].chat_with(&mut bob, b"and for me");
}

/// alice pipelines `n` SENDs to bob, who acknowledges everything; returns which were `SENT`
/// (the others must be `ERROR 108`) and how long the whole exchange took.
fn flood(rate_limit: u32, n: usize) -> (Vec<bool>, Duration) {
    let server = start(Config {
        rate_limit,
        ack_timeout: Duration::from_secs(5),
        ..fast_config()
    });
    let addr = server.local_addr();
    let mut alice = Member::join(addr, "alice");
    let Member {
        rx: mut bob_rx,
        tx: bob_tx,
        ..
    } = Member::join(addr, "bob");
    let stop = Arc::new(AtomicBool::new(false));
    let acker = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                match bob_rx.next(Duration::from_millis(200)) {
                    Got::Msg(msg, _) => {
                        got.push(String::from_utf8(msg.body.unwrap()).unwrap());
                        bob_rx.send(b"RECEIVED alice\n\n");
                    }
                    Got::Silent if stop.load(Ordering::SeqCst) => return got,
                    Got::Silent => {}
                    Got::Closed => panic!("bob's TORECV closed"),
                }
            }
        })
    };
    let mut all = Vec::new();
    for i in 0..n {
        all.extend(send_msg("bob", format!("m{i}").as_bytes()));
    }
    let t0 = Instant::now();
    assert!(alice.tx.send(&all));
    let mut sent = Vec::new();
    for i in 0..n {
        match alice.tx.next(PATIENCE) {
            Got::Msg(_, raw) if raw == b"SENT bob\n\n" => sent.push(true),
            Got::Msg(_, raw) if raw == ERR_RATE => sent.push(false),
            other => panic!("reply to SEND #{i}: {other:?}"),
        }
    }
    let took = t0.elapsed();
    // Exactly one reply each: nothing more comes.
    alice.tx.expect_silence_for(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let got = acker.join().unwrap();
    let want: Vec<String> = (0..n)
        .filter(|&i| sent[i])
        .map(|i| format!("m{i}"))
        .collect();
    assert_eq!(got, want, "bob must get exactly the messages answered SENT");
    drop(bob_tx);
    (sent, took)
}

#[test]
fn a_flood_is_answered_108_beyond_the_rate_and_every_send_exactly_once() {
    let (sent, took) = flood(10, 100);
    let allowed = sent.iter().filter(|&&s| s).count();
    eprintln!(
        "rate limit 10/s: {allowed} of 100 back-to-back SENDs allowed, {} refused with \
         ERROR 108, in {took:?}",
        100 - allowed
    );
    // A burst of 20, then 10 per second for as long as the flood lasted.
    let most = 20 + (10.0 * took.as_secs_f64()).ceil() as usize + 1;
    assert!(
        (20..=most).contains(&allowed),
        "{allowed} allowed in {took:?}"
    );
    assert!(
        sent[..20].iter().all(|&s| s),
        "the burst was not allowed: {sent:?}"
    );
}

#[test]
fn a_sender_within_the_rate_is_never_refused() {
    let (sent, took) = flood(0, 100);
    eprintln!("rate limit off: 100 back-to-back SENDs in {took:?}");
    assert!(
        sent.iter().all(|&s| s),
        "refused with the limit off: {sent:?}"
    );

    // At 10 per second, a user sending one message every 150 ms is never refused,
    // even right after using up the burst.
    let server = start(Config {
        rate_limit: 10,
        ..fast_config()
    });
    let addr = server.local_addr();
    let mut alice = Member::join(addr, "alice");
    let mut bob = Member::join(addr, "bob");
    for i in 0..20 {
        alice.chat_with(&mut bob, format!("burst {i}").as_bytes());
    }
    for i in 0..8 {
        thread::sleep(Duration::from_millis(150));
        alice.chat_with(&mut bob, format!("paced {i}").as_bytes());
    }
}
