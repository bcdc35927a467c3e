//! PROTOCOL.md Part 2, rule by rule: each test is a client that behaves as the rule says
//! clients in the wild do, against a real server on `127.0.0.1:0`, with exact bytes.

use crate::support::protocol::*;
use crate::support::*;
use chat::front::SuccessReply;
use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const UNABLE: &[u8] = b"ERROR 102 Unable to send\n\n";
const TAKEN: &[u8] = b"ERROR 104 Username taken\n\n";
const TOO_LONG: &[u8] = b"ERROR 105 Message too long\n\n";
const UNKNOWN: &[u8] = b"ERROR 106 Unknown command\n\n";
/// How long to listen for a reply that must not come (only ever makes a test pass wrongly
/// when the machine is slow, never fail wrongly).
const QUIET: Duration = Duration::from_millis(200);
/// The short timeouts these tests configure, and what "promptly" means on a loaded machine.
const SHORT: Duration = Duration::from_millis(300);
const SLACK: Duration = Duration::from_secs(5);

/// Writes `bytes` one per segment, with a tiny pause between them.
fn trickle(raw: &mut Raw, bytes: &[u8]) {
    for b in bytes {
        raw.send(&[*b]);
        thread::sleep(Duration::from_millis(1));
    }
}

/// Two sockets registered as `name` with the given raw `REGISTER` messages, replies checked.
fn join_with(addr: std::net::SocketAddr, name: &str, tosend: &[u8], torecv: &[u8]) -> User {
    let mut s = Raw::connect(addr);
    s.send(tosend);
    s.expect(format!("REGISTERED TOSEND {name}\n\n").as_bytes());
    let mut r = Raw::connect(addr);
    r.send(torecv);
    r.expect(format!("REGISTERED TORECV {name}\n\n").as_bytes());
    user(name, s, r)
}

/// Waits until the server closes `raw` and returns how long that took from `since`.
fn closed_after(raw: &mut Raw, since: Instant) -> Duration {
    raw.expect_closed();
    since.elapsed()
}

// ---- Byte stream, not one read = one message ----

#[test]
fn messages_arriving_one_byte_at_a_time_are_understood() {
    let server = start_default();
    let addr = server.local_addr();
    let mut tosend = Raw::connect(addr);
    let mut torecv = Raw::connect(addr);
    trickle(&mut tosend, b"REGISTER TOSEND alice\n\n");
    tosend.expect(b"REGISTERED TOSEND alice\n\n");
    trickle(&mut torecv, b"REGISTER TORECV alice\n\n");
    torecv.expect(b"REGISTERED TORECV alice\n\n");
    let mut alice = user("alice", tosend, torecv);
    let mut bob = User::join(addr, "bob");
    trickle(&mut alice.tosend, &send_msg("bob", b"slow\n\nbody"));
    bob.torecv.expect(&forward_msg("alice", b"slow\n\nbody"));
    trickle(&mut bob.torecv, b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    bob.send_to("alice", b"back");
    alice.torecv.expect(&forward_msg("bob", b"back"));
    trickle(&mut alice.torecv, b"RECEIVED bob\n\n");
    bob.tosend.expect(b"SENT alice\n\n");
}

#[test]
fn several_messages_in_one_segment_are_each_handled() {
    let server = start_default();
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut senders = join_all(addr, &["alice", "carol", "dave"]);
    for s in &mut senders {
        s.send_to("bob", s.name.clone().as_bytes());
    }
    let mut acks = Vec::new();
    for _ in 0..senders.len() {
        let msg = read_message(&mut bob.torecv);
        assert_eq!(msg.body, msg.arg().as_bytes(), "{msg:?}");
        acks.extend(format!("RECEIVED {}\n\n", msg.arg()).as_bytes());
    }
    bob.torecv.send(&acks); // three acks, one segment
    for s in &mut senders {
        s.tosend.expect(b"SENT bob\n\n");
    }
    // An unknown command and a SEND in one segment: two replies, in order.
    let mut two = b"HELLO\n\n".to_vec();
    two.extend(send_msg("bob", b"second"));
    senders[0].tosend.send(&two);
    senders[0].tosend.expect(UNKNOWN);
    bob.receive("alice", b"second");
    senders[0].tosend.expect(b"SENT bob\n\n");
}

#[test]
fn both_registers_may_be_sent_before_reading_either_reply() {
    let server = start_default();
    let addr = server.local_addr();
    let mut users = Vec::new();
    for (name, tosend_first) in [("alice", true), ("bob", false)] {
        let mut tosend = Raw::connect(addr);
        let mut torecv = Raw::connect(addr);
        let s = format!("REGISTER TOSEND {name}\n\n");
        let r = format!("REGISTER TORECV {name}\n\n");
        if tosend_first {
            tosend.send(s.as_bytes());
            torecv.send(r.as_bytes());
        } else {
            torecv.send(r.as_bytes());
            tosend.send(s.as_bytes());
        }
        torecv.expect(format!("REGISTERED TORECV {name}\n\n").as_bytes());
        tosend.expect(format!("REGISTERED TOSEND {name}\n\n").as_bytes());
        users.push(user(name, tosend, torecv));
    }
    let (a, b) = users.split_at_mut(1);
    assert_relays(&mut a[0], &mut b[0], b"one");
    assert_relays(&mut b[0], &mut a[0], b"two");
}

#[test]
fn register_and_send_pipelined_in_one_write_once_torecv_is_registered() {
    let server = start_default();
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut torecv = Raw::connect(addr);
    register(&mut torecv, "TORECV", "alice");
    let mut tosend = Raw::connect(addr);
    let mut both = b"REGISTER TOSEND alice\n\n".to_vec();
    both.extend(send_msg("bob", b"right away"));
    tosend.send(&both);
    tosend.expect(b"REGISTERED TOSEND alice\n\n");
    bob.receive("alice", b"right away");
    tosend.expect(b"SENT bob\n\n");
}

// ---- Line endings, blank lines, whitespace, letter case ----

#[test]
fn crlf_line_endings_are_accepted_and_replies_use_lf() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = join_with(
        addr,
        "alice",
        b"REGISTER TOSEND alice\r\n\r\n",
        b"REGISTER TORECV alice\r\n\r\n",
    );
    let mut bob = User::join(addr, "bob");
    alice
        .tosend
        .send(b"SEND bob\r\nContent-length: 7\r\n\r\nhi\r\nyou");
    bob.torecv.expect(&forward_msg("alice", b"hi\r\nyou"));
    bob.torecv.send(b"RECEIVED alice\r\n\r\n");
    alice.tosend.expect(b"SENT bob\n\n");
    bob.send_to("alice", b"back");
    alice.torecv.expect(&forward_msg("bob", b"back"));
    alice.torecv.send(b"RECEIVED bob\r\n\r\n");
    bob.tosend.expect(b"SENT alice\n\n");
}

#[test]
fn a_line_of_only_spaces_or_tabs_ends_a_header_block() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = join_with(
        addr,
        "alice",
        b"REGISTER TOSEND alice\n \n",
        b"REGISTER TORECV alice\n\t\n",
    );
    let mut bob = User::join(addr, "bob");
    for blank in ["\n \n", "\n\t\n", "\n \t  \n", "\r\n \r\n"] {
        let msg = format!("SEND bob\nContent-length: 2{blank}hi");
        alice.tosend.send(msg.as_bytes());
        bob.torecv.expect(&forward_msg("alice", b"hi"));
        bob.torecv.send(format!("RECEIVED alice{blank}").as_bytes());
        alice.tosend.expect(b"SENT bob\n\n");
    }
}

#[test]
fn leading_and_trailing_spaces_and_tabs_on_header_lines_are_ignored() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = join_with(
        addr,
        "alice",
        b" \tREGISTER TOSEND alice \t\n\n",
        b"REGISTER TORECV alice  \n\n",
    );
    let mut bob = User::join(addr, "bob");
    alice
        .tosend
        .send(b"  SEND bob\t\n\t Content-length: 3 \t\n\nabc");
    bob.torecv.expect(&forward_msg("alice", b"abc"));
    bob.torecv.send(b"\t RECEIVED alice \n\n");
    alice.tosend.expect(b"SENT bob\n\n");
}

#[test]
fn whitespace_and_stray_newlines_between_messages_are_skipped() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = join_with(
        addr,
        "alice",
        b"\n \t\r\nREGISTER TOSEND alice\n\n",
        b"\nREGISTER TORECV alice\n\n\n",
    );
    let mut bob = User::join(addr, "bob");
    // An uncounted `\n` after each body, as some clients send.
    let mut one = send_msg("bob", b"one");
    one.push(b'\n');
    alice.tosend.send(&one);
    bob.torecv.expect(&forward_msg("alice", b"one"));
    bob.torecv.send(b"\n\nRECEIVED alice\n\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    // Two messages with junk between them, in one write.
    let mut two = send_msg("bob", b"two");
    two.extend_from_slice(b"\n \t\r\n\n");
    two.extend(send_msg("bob", b" three "));
    two.extend_from_slice(b"\n");
    alice.tosend.send(&two);
    bob.receive("alice", b"two");
    bob.receive("alice", b" three ");
    alice.tosend.expect(b"SENT bob\n\nSENT bob\n\n");
    alice.tosend.expect_silence(QUIET);
}

#[test]
fn header_names_are_case_insensitive() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    for name in [
        "content-length",
        "CONTENT-LENGTH",
        "Content-Length",
        "cOnTeNt-LeNgTh",
    ] {
        let body = name.as_bytes();
        let msg = format!("SEND bob\n{name}: {}\n\n{name}", body.len());
        alice.tosend.send(msg.as_bytes());
        bob.receive("alice", body);
        alice.tosend.expect(b"SENT bob\n\n");
    }
}

#[test]
fn broadcast_keyword_matches_in_any_letter_case() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    for all in ["all", "All", "aLL"] {
        alice.send_to(all, all.as_bytes());
        bob.receive("alice", all.as_bytes());
        // `SENT <recipient>`: the keyword as sent or as spelled in the table both do.
        let reply = read_message(&mut alice.tosend);
        assert!(reply.first.eq_ignore_ascii_case("SENT all"), "{reply:?}");
        assert!(reply.body.is_empty());
        alice.torecv.expect_silence(QUIET);
    }
}

// ---- Acknowledgements ----

#[test]
fn misspelled_recieved_acknowledges() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.send_to("bob", b"spell it");
    bob.torecv.expect(&forward_msg("alice", b"spell it"));
    bob.torecv.send(b"RECIEVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
}

#[test]
fn ack_on_the_recipients_tosend_socket_acknowledges() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.send_to("bob", b"ack elsewhere");
    bob.torecv.expect(&forward_msg("alice", b"ack elsewhere"));
    bob.tosend.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    bob.tosend.expect_silence(QUIET);
    // And bob's TOSEND still sends.
    assert_relays(&mut bob, &mut alice, b"still mine");
}

/// Two such clients chatting: each is waiting for its own `SENT` when the other's forward
/// arrives, and acknowledges it on its TOSEND socket.
#[test]
fn ack_on_tosend_is_taken_while_that_user_waits_for_its_own_send() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let ((), took) = timed(|| {
        alice.send_to("bob", b"from alice");
        bob.send_to("alice", b"from bob");
        alice.torecv.expect(&forward_msg("bob", b"from bob"));
        bob.torecv.expect(&forward_msg("alice", b"from alice"));
        alice.tosend.send(b"RECEIVED bob\n\n");
        bob.tosend.send(b"RECEIVED alice\n\n");
        alice.tosend.expect(b"SENT bob\n\n");
        bob.tosend.expect(b"SENT alice\n\n");
    });
    assert!(took < SLACK, "acks waited {took:?}");
}

#[test]
fn ack_on_tosend_of_a_message_to_oneself_is_taken() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let mut alice = User::join(server.local_addr(), "alice");
    let ((), took) = timed(|| {
        alice.send_to("alice", b"me");
        alice.torecv.expect(&forward_msg("alice", b"me"));
        alice.tosend.send(b"RECEIVED alice\n\n");
        alice.tosend.expect(b"SENT alice\n\n");
    });
    assert!(took < SLACK, "ack waited {took:?}");
}

#[test]
fn an_ack_completes_the_oldest_forward_whatever_name_it_carries() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut alice = User::join(addr, "alice");
    let mut carol = User::join(addr, "carol");
    alice.send_to("bob", b"alice");
    carol.send_to("bob", b"carol");
    let first = read_message(&mut bob.torecv);
    let second = read_message(&mut bob.torecv);
    assert_ne!(first.arg(), second.arg());
    // Names the second sender, but completes the first forward; the error fails the second.
    bob.torecv.send(
        format!(
            "RECEIVED {}\n\nERROR 103 Header Incomplete\n\n",
            second.arg()
        )
        .as_bytes(),
    );
    for user in [&mut alice, &mut carol] {
        let want: &[u8] = if user.name == first.arg() {
            b"SENT bob\n\n"
        } else {
            UNABLE
        };
        user.tosend.expect(want);
    }
}

#[test]
fn any_error_from_the_recipient_is_a_failed_delivery() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let answers = [
        "ERROR 103 Header Incomplete\n\n",
        "ERROR 103 Header incomplete\n\n",
        "ERROR 102 Unable to send\n\n",
        "ERROR 999 whatever you like\n\n",
        "ERROR 1\n\n",
        "ERROR 103 Header Incomplete\n \n",
    ];
    for answer in answers {
        alice.send_to("bob", answer.as_bytes());
        bob.torecv.expect(&forward_msg("alice", answer.as_bytes()));
        bob.torecv.send(answer.as_bytes());
        alice.tosend.expect(UNABLE);
        bob.torecv.expect_silence(QUIET);
    }
    assert_relays(&mut alice, &mut bob, b"fine now");
}

// ---- Registration timing ----

/// Bob completes his registration with `first` then `second`; alice sends the instant bob's
/// thread reads the reply that completes it.
fn message_sent_the_instant_registration_completes_is_delivered(
    first: &'static str,
    second: &'static str,
) {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let (tx, rx) = mpsc::channel();
    let bob = thread::spawn(move || {
        let mut socks = Vec::new();
        for role in [first, second] {
            let mut raw = Raw::connect(addr);
            register(&mut raw, role, "bob");
            socks.push((role, raw));
        }
        tx.send(()).unwrap();
        let (_, torecv) = socks.iter_mut().find(|(r, _)| *r == "TORECV").unwrap();
        torecv.expect(&forward_msg("alice", b"welcome"));
        torecv.send(b"RECEIVED alice\n\n");
        socks
    });
    rx.recv_timeout(PATIENCE).expect("bob registered");
    alice.send_to("bob", b"welcome");
    alice.tosend.expect(b"SENT bob\n\n");
    bob.join().unwrap();
}

#[test]
fn message_sent_the_instant_torecv_registration_is_answered_is_delivered() {
    message_sent_the_instant_registration_completes_is_delivered("TOSEND", "TORECV");
}

#[test]
fn message_sent_the_instant_tosend_registration_is_answered_is_delivered() {
    message_sent_the_instant_registration_completes_is_delivered("TORECV", "TOSEND");
}

// ---- What the server writes ----

/// Sends `request` and asserts that one `read` returns exactly `reply`.
fn assert_one_segment(raw: &mut Raw, request: &[u8], reply: &[u8]) {
    raw.send(request);
    let got = one_read(raw, PATIENCE);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(reply),
        "one read did not return the whole reply"
    );
}

#[test]
fn every_reply_arrives_in_one_segment() {
    let server = start_default();
    let addr = server.local_addr();
    let mut s = Raw::connect(addr);
    let mut r = Raw::connect(addr);
    assert_one_segment(&mut s, b"HELLO\n\n", b"ERROR 101 No user registered\n\n");
    assert_one_segment(
        &mut s,
        b"REGISTER TOSEND a-b\n\n",
        b"ERROR 100 Malformed username\n\n",
    );
    assert_one_segment(
        &mut s,
        b"REGISTER TOSEND alice\n\n",
        b"REGISTERED TOSEND alice\n\n",
    );
    assert_one_segment(
        &mut r,
        b"REGISTER TORECV alice\n\n",
        b"REGISTERED TORECV alice\n\n",
    );
    let mut alice = user("alice", s, r);
    let mut bob = User::join(addr, "bob");
    assert_one_segment(&mut alice.tosend, b"HELLO\n\n", UNKNOWN);
    let mut other = Raw::connect(addr);
    assert_one_segment(&mut other, b"REGISTER TOSEND bob\n\n", TAKEN);
    let body: Vec<u8> = (0..1000).map(|i| b'a' + (i % 26) as u8).collect();
    alice.send_to("bob", &body);
    let got = one_read(&mut bob.torecv, PATIENCE);
    assert_eq!(got, forward_msg("alice", &body), "FORWARD not in one read");
    bob.torecv.send(b"RECEIVED alice\n\n");
    let got = one_read(&mut alice.tosend, PATIENCE);
    assert_eq!(got, b"SENT bob\n\n");
    assert_one_segment(&mut alice.tosend, &send_msg("nobody", b"x"), UNABLE);
    drop(bob);
    eventually("bob is gone", || {
        server.chat().registry().get("bob").is_none()
    });
    assert_one_segment(&mut alice.tosend, &send_msg("ALL", b"x"), b"SENT ALL\n\n");
    assert_one_segment(
        &mut alice.tosend,
        b"SEND bob\n\n",
        b"ERROR 103 Header incomplete\n\n",
    );
}

#[test]
fn success_reply_is_send_when_configured_for_old_clients() {
    let server = start(config_with(|c| c.success_reply = SuccessReply::Send));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.send_to("bob", b"old style");
    bob.receive("alice", b"old style");
    alice.tosend.expect(b"SEND bob\n\n");
    alice.send_to("ALL", b"everyone");
    bob.receive("alice", b"everyone");
    alice.tosend.expect(b"SEND ALL\n\n");
    alice.send_to("nobody", b"x");
    alice.tosend.expect(UNABLE);
}

// ---- Limits ----

#[test]
fn header_block_over_8_kib_is_error_105_and_closes() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice
        .tosend
        .send(&send_with_header_block("bob", 8192, b"fits"));
    bob.receive("alice", b"fits");
    alice.tosend.expect(b"SENT bob\n\n");
    alice
        .tosend
        .send(&send_with_header_block("bob", 8193, b"too big"));
    alice.tosend.expect(TOO_LONG);
    alice.tosend.expect_closed();
    bob.torecv.expect_silence(QUIET);
    // A first line that never ends, on a socket not yet registered.
    let mut raw = Raw::connect(addr);
    let mut line = b"REGISTER TOSEND ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 9000));
    raw.send(&line);
    raw.expect(TOO_LONG);
    raw.expect_closed();
}

#[test]
fn body_over_the_configured_limit_is_error_105_and_closes() {
    let server = start(config_with(|c| c.limits.max_body = 16));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    assert_relays(&mut alice, &mut bob, b"exactly 16 bytes");
    alice.send_to("bob", b"seventeen bytes!!");
    alice.tosend.expect(TOO_LONG);
    alice.tosend.expect_closed();
    bob.torecv.expect_silence(QUIET);
}

#[test]
fn default_body_limit_is_64_kib() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let at: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
    assert_relays(&mut alice, &mut bob, &at);
    let mut over = at.clone();
    over.push(b'!');
    alice.send_to("bob", &over);
    alice.tosend.expect(TOO_LONG);
    alice.tosend.expect_closed();
    bob.torecv.expect_silence(QUIET);
}

// ---- Names in use ----

#[test]
fn registering_a_name_in_use_is_error_104_and_the_holder_is_unaffected() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    for role in ["TOSEND", "TORECV"] {
        let (_raw, reply) = try_register(addr, role, "alice");
        assert_eq!(reply, "ERROR 104 Username taken", "{role}");
    }
    // From a socket already registered as someone else.
    bob.tosend.send(b"REGISTER TOSEND alice\n\n");
    bob.tosend.expect(TAKEN);
    bob.torecv.send(b"REGISTER TORECV alice\n\n");
    bob.torecv.expect(TAKEN);
    assert_relays(&mut alice, &mut bob, b"still alice");
    assert_relays(&mut bob, &mut alice, b"still bob");
    alice.send_to("ALL", b"all");
    bob.receive("alice", b"all");
    alice.tosend.expect(b"SENT ALL\n\n");
}

#[test]
fn repeating_ones_own_registration_is_answered_registered_again() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    alice.tosend.send(b"REGISTER TOSEND alice\n\n");
    alice.tosend.expect(b"REGISTERED TOSEND alice\n\n");
    alice.torecv.send(b"REGISTER TORECV alice\n\n");
    alice.torecv.expect(b"REGISTERED TORECV alice\n\n");
    // The other role on the same socket is someone else's registration: refused.
    alice.tosend.send(b"REGISTER TORECV alice\n\n");
    alice.tosend.expect(TAKEN);
    alice.send_to("alice", b"still registered");
    alice.receive("alice", b"still registered");
    alice.tosend.expect(b"SENT alice\n\n");
}

#[test]
fn a_name_is_free_only_once_both_sockets_are_gone() {
    let server = start_default();
    let addr = server.local_addr();
    let alice = User::join(addr, "alice");
    let bob = User::join(addr, "bob");
    // alice keeps her TORECV, bob his TOSEND.
    let User {
        tosend: alice_tosend,
        torecv: alice_torecv,
        ..
    } = alice;
    let User {
        tosend: bob_tosend,
        torecv: bob_torecv,
        ..
    } = bob;
    drop(alice_tosend);
    drop(bob_torecv);
    // Only once the server has seen the closes does a refusal below say anything.
    eventually("alice and bob are each down to one socket", || {
        let chat = server.chat();
        let registry = chat.registry();
        registry.get("alice").is_none() && registry.get("bob").is_none()
    });
    let (_raw, reply) = try_register(addr, "TORECV", "alice");
    assert_eq!(reply, "ERROR 104 Username taken");
    let (_raw, reply) = try_register(addr, "TOSEND", "bob");
    assert_eq!(reply, "ERROR 104 Username taken");
    drop(alice_torecv);
    drop(bob_tosend);
    let mut alice = join_when_free(addr, "alice");
    let mut bob = join_when_free(addr, "bob");
    assert_relays(&mut alice, &mut bob, b"new alice");
    assert_relays(&mut bob, &mut alice, b"new bob");
}

// ---- Unknown commands ----

#[test]
fn unknown_command_on_a_registered_socket_is_error_106_and_the_socket_stays_usable() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.tosend.send(b"HELLO\n\n");
    alice.tosend.expect(UNKNOWN);
    alice.tosend.send(b"WHO are you\n\n");
    alice.tosend.expect(UNKNOWN);
    // With a body, which is skipped with the message.
    alice
        .tosend
        .send(b"NOTE bob\nContent-length: 9\n\nHELLO\n\n\n\n");
    alice.tosend.expect(UNKNOWN);
    assert_relays(&mut alice, &mut bob, b"still here");
    bob.torecv.send(b"HELLO\n\n");
    bob.torecv.expect(UNKNOWN);
    assert_relays(&mut alice, &mut bob, b"still receiving");
    alice.tosend.expect_silence(QUIET);
}

// ---- Timeouts ----

#[test]
fn idle_unregistered_connection_is_closed_after_the_idle_timeout() {
    let server = start(config_with(|c| c.idle_timeout = SHORT));
    let addr = server.local_addr();
    let start = Instant::now();
    let mut raw = Raw::connect(addr);
    let took = closed_after(&mut raw, start);
    assert!(
        took >= SHORT && took < SHORT + SLACK,
        "closed after {took:?}"
    );
}

#[test]
fn complete_users_are_not_closed_by_the_idle_timeout() {
    let server = start(config_with(|c| c.idle_timeout = SHORT));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.tosend.expect_silence(SHORT * 3);
    bob.torecv.expect_silence(SHORT);
    assert_relays(&mut alice, &mut bob, b"still here");
    assert_relays(&mut bob, &mut alice, b"me too");
}

/// Keeps writing `bytes` every 50 ms; returns how long the server took to close the socket.
fn closed_while_trickling(raw: &mut Raw, bytes: &[u8]) -> Duration {
    let start = Instant::now();
    raw.stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = [0u8; 4096];
    loop {
        assert!(
            start.elapsed() < SLACK,
            "still open after {:?}",
            start.elapsed()
        );
        if raw.stream.write_all(bytes).is_err() {
            return start.elapsed();
        }
        match raw.stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return start.elapsed(),
        }
    }
}

#[test]
fn unregistered_connection_sending_only_blank_lines_is_closed_after_the_idle_timeout() {
    let server = start(config_with(|c| c.idle_timeout = SHORT));
    let mut raw = Raw::connect(server.local_addr());
    let took = closed_while_trickling(&mut raw, b"\n");
    assert!(took >= SHORT, "closed after {took:?}");
}

#[test]
fn unregistered_connection_sending_only_unknown_commands_is_closed_after_the_idle_timeout() {
    let server = start(config_with(|c| c.idle_timeout = SHORT));
    let mut raw = Raw::connect(server.local_addr());
    let took = closed_while_trickling(&mut raw, b"HELLO\n\n");
    assert!(took >= SHORT, "closed after {took:?}");
}

#[test]
fn half_sent_message_is_closed_after_the_message_timeout() {
    let server = start(config_with(|c| c.message_timeout = SHORT));
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let halves: [&[u8]; 3] = [
        b"SEND bob\nContent-len",
        b"SEND bob\nContent-length: 10\n\nabc",
        b"REGISTER TOSEND al",
    ];
    for (i, half) in halves.iter().enumerate() {
        let mut alice = User::join(addr, &format!("alice{i}"));
        let start = Instant::now();
        alice.tosend.send(half);
        let took = closed_after(&mut alice.tosend, start);
        assert!(
            took >= SHORT && took < SHORT + SLACK,
            "closed after {took:?}"
        );
    }
    bob.torecv.expect_silence(QUIET);
}

#[test]
fn message_trickled_slower_than_the_message_timeout_is_closed() {
    let server = start(config_with(|c| c.message_timeout = SHORT));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let _bob = User::join(addr, "bob");
    // One byte every 50 ms of a first line that never ends: the socket is never silent for
    // long, but the message is never done either.
    let took = closed_while_trickling(&mut alice.tosend, b"S");
    assert!(took >= SHORT, "closed after {took:?}");
}

// ---- Isolation ----

#[test]
fn a_silent_recipient_does_not_delay_anyone_else() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut users = join_all(addr, &["alice", "bob", "carol", "dave"]);
    let [alice, bob, carol, dave] = &mut users[..] else {
        unreachable!()
    };
    alice.send_to("bob", b"bob never answers");
    bob.torecv
        .expect(&forward_msg("alice", b"bob never answers"));
    let ((), took) = timed(|| {
        assert_relays(carol, dave, b"unaffected");
        assert_relays(dave, carol, b"unaffected");
        // alice is waiting on bob, but still receives.
        assert_relays(carol, alice, b"you too");
    });
    assert!(took < SLACK, "took {took:?}");
    alice.tosend.expect_silence(QUIET);
}

#[test]
fn a_half_registered_user_is_closed_after_the_idle_timeout_and_its_name_freed() {
    let server = start(config_with(|c| c.idle_timeout = SHORT));
    let addr = server.local_addr();
    // Either half alone: TORECV (served by the hub) or TOSEND (its own thread).
    for (half, role) in [("TORECV", "recvonly"), ("TOSEND", "sendonly")] {
        let mut lone = Raw::connect(addr);
        register(&mut lone, half, role);
        lone.expect_closed();
        eventually("the name is free again", || {
            server.chat().registry().is_empty()
        });
        User::join(addr, role);
    }
}
