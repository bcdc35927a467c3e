//! PROTOCOL.md Part 1, row by row: a real server on `127.0.0.1:0`, raw sockets, exact bytes.
//!
//! Sections follow the spec: registration, sending, forwarding, then the same rules under
//! concurrency (several senders, silent and vanishing recipients, a large broadcast).

use crate::support::protocol::*;
use crate::support::*;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const MALFORMED: &[u8] = b"ERROR 100 Malformed username\n\n";
const NO_USER: &[u8] = b"ERROR 101 No user registered\n\n";
const UNABLE: &[u8] = b"ERROR 102 Unable to send\n\n";
const INCOMPLETE: &[u8] = b"ERROR 103 Header incomplete\n\n";
/// How long to listen for a reply that must not come (only ever makes a test pass wrongly
/// when the machine is slow, never fail wrongly).
const QUIET: Duration = Duration::from_millis(200);

// ---- Registration ----

#[test]
fn register_tosend_and_torecv_in_either_order_gets_byte_exact_replies() {
    for tosend_first in [true, false] {
        let server = start_default();
        let addr = server.local_addr();
        let mut alice = join_in_order(addr, "alice", tosend_first);
        let mut bob = User::join(addr, "bob");
        assert_relays(&mut alice, &mut bob, b"to bob");
        assert_relays(&mut bob, &mut alice, b"to alice");
    }
}

/// Sends each bad `REGISTER` on one socket, expects `ERROR 100` for each, then shows the
/// socket is still usable by registering it properly.
fn assert_malformed(bad: &[&str]) {
    let server = start_default();
    let addr = server.local_addr();
    let mut tosend = Raw::connect(addr);
    for line in bad {
        tosend.send(line.as_bytes());
        tosend.expect(MALFORMED);
    }
    register(&mut tosend, "TOSEND", "alice");
    let mut torecv = Raw::connect(addr);
    for line in bad {
        torecv.send(line.replace("TOSEND", "TORECV").as_bytes());
        torecv.expect(MALFORMED);
    }
    register(&mut torecv, "TORECV", "alice");
    let mut alice = user("alice", tosend, torecv);
    alice.send_to("alice", b"me");
    alice.receive("alice", b"me");
    alice.tosend.expect(b"SENT alice\n\n");
}

#[test]
fn register_with_empty_or_missing_name_is_error_100() {
    assert_malformed(&[
        "REGISTER TOSEND\n\n",
        "REGISTER TOSEND \n\n",
        "REGISTER\n\n",
    ]);
}

#[test]
fn register_with_words_after_the_name_is_error_100() {
    assert_malformed(&[
        "REGISTER TOSEND alice bob\n\n",
        "REGISTER TOSEND alice x\n\n",
    ]);
}

#[test]
fn register_with_a_name_not_of_ascii_letters_and_digits_is_error_100() {
    assert_malformed(&[
        "REGISTER TOSEND al-ice\n\n",
        "REGISTER TOSEND al_ice\n\n",
        "REGISTER TOSEND alice!\n\n",
        "REGISTER TOSEND al.ice\n\n",
        "REGISTER TOSEND \u{e5}lice\n\n",
        "REGISTER TOSEND al:ice\n\n",
    ]);
}

#[test]
fn register_with_33_characters_is_error_100_and_32_is_accepted() {
    let long = "a".repeat(33);
    assert_malformed(&[&format!("REGISTER TOSEND {long}\n\n")]);
    let server = start_default();
    let name = "Az09".repeat(8);
    assert_eq!(name.len(), 32);
    let mut max = User::join(server.local_addr(), &name);
    let mut bob = User::join(server.local_addr(), "bob");
    assert_relays(&mut bob, &mut max, b"hi");
}

#[test]
fn register_as_all_in_any_letter_case_is_error_100() {
    assert_malformed(&[
        "REGISTER TOSEND ALL\n\n",
        "REGISTER TOSEND all\n\n",
        "REGISTER TOSEND All\n\n",
        "REGISTER TOSEND aLl\n\n",
    ]);
}

#[test]
fn names_are_case_sensitive() {
    let server = start_default();
    let addr = server.local_addr();
    let mut lower = User::join(addr, "alice");
    let mut upper = User::join(addr, "Alice");
    let mut bob = User::join(addr, "bob");
    assert_relays(&mut bob, &mut upper, b"to Alice");
    assert_relays(&mut bob, &mut lower, b"to alice");
    lower.torecv.expect_silence(QUIET);
    bob.send_to("ALICE", b"nobody");
    bob.tosend.expect(UNABLE);
}

#[test]
fn commands_before_registration_get_error_101_and_the_socket_stays_usable() {
    let server = start_default();
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut raw = Raw::connect(addr);
    raw.send(&send_msg("bob", b"hi"));
    raw.expect(NO_USER);
    raw.send(b"RECEIVED bob\n\n");
    raw.expect(NO_USER);
    raw.send(b"HELLO there\n\n");
    raw.expect(NO_USER);
    raw.send(b"SENT bob\n\n");
    raw.expect(NO_USER);
    // Still usable: register it and send.
    register(&mut raw, "TOSEND", "alice");
    let mut torecv = Raw::connect(addr);
    torecv.send(b"RECEIVED bob\n\n");
    torecv.expect(NO_USER);
    register(&mut torecv, "TORECV", "alice");
    let mut alice = user("alice", raw, torecv);
    assert_relays(&mut alice, &mut bob, b"now it works");
    assert_relays(&mut bob, &mut alice, b"both ways");
}

#[test]
fn send_before_the_torecv_twin_registers_is_error_101_and_its_body_is_consumed() {
    let server = start_default();
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut tosend = Raw::connect(addr);
    register(&mut tosend, "TOSEND", "alice");
    // A body that would be a message of its own if the server did not skip it.
    tosend.send(&send_msg("bob", b"HELLO\n\nSEND bob\n\n"));
    tosend.expect(NO_USER);
    bob.torecv.expect_silence(QUIET);
    let mut torecv = Raw::connect(addr);
    register(&mut torecv, "TORECV", "alice");
    let mut alice = user("alice", tosend, torecv);
    assert_relays(&mut alice, &mut bob, b"after twin");
}

// ---- Sending and forwarding ----

#[test]
fn unicast_is_forward_then_received_then_sent() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice
        .tosend
        .send(b"SEND bob\nContent-length: 11\n\nhello there");
    bob.torecv
        .expect(b"FORWARD alice\nContent-length: 11\n\nhello there");
    // No reply before the recipient acknowledged.
    alice.tosend.expect_silence(QUIET);
    bob.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    alice.tosend.expect_silence(QUIET);
    alice.torecv.expect_silence(QUIET);
}

#[test]
fn body_is_opaque_and_forwarded_unchanged() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let bodies: &[&[u8]] = &[
        b"line one\nline two\n",
        b"\n\nstarts with a blank line",
        b"ends with a blank line\n\n",
        b"\n\n",
        b"\n\n \t\r\n",
        b"  \t leading blanks",
        b"\r\n\r\n",
        b"nul\0and\xff\xfe\x80bytes",
        b"SEND bob\nContent-length: 3\n\nabc",
        b"FORWARD mallory\nContent-length: 99\n\n",
        b"RECEIVED alice\n\n",
        b"ERROR 103 Header Incomplete\n\n",
        b"REGISTER TOSEND eve\n\n",
        &every_byte,
    ];
    for body in bodies {
        assert_relays(&mut alice, &mut bob, body);
    }
}

#[test]
fn empty_body_is_forwarded_with_content_length_zero() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.tosend.send(b"SEND bob\nContent-length: 0\n\n");
    bob.torecv.expect(b"FORWARD alice\nContent-length: 0\n\n");
    bob.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    assert_relays(&mut alice, &mut bob, b"next");
}

#[test]
fn content_length_counts_bytes_not_characters() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let body = "h\u{e9}llo w\u{f6}rld \u{20ac} \u{1f600}".as_bytes();
    assert_eq!(body.len(), 22);
    alice.tosend.send(
        b"SEND bob\nContent-length: 22\n\nh\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80",
    );
    bob.torecv.expect(&forward_msg("alice", body));
    bob.torecv.expect_silence(QUIET);
    bob.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT bob\n\n");
    // The stream is still in step: the next message is read from the right place.
    assert_relays(&mut alice, &mut bob, "\u{1f600}".as_bytes());
}

#[test]
fn send_to_self_is_forwarded_to_own_torecv() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    alice.send_to("alice", b"note to self");
    alice.receive("alice", b"note to self");
    alice.tosend.expect(b"SENT alice\n\n");
}

#[test]
fn send_to_unknown_recipient_is_error_102() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    alice.send_to("nobody", b"hello?");
    alice.tosend.expect(UNABLE);
    alice.tosend.expect_silence(QUIET);
    // The socket goes on.
    let mut bob = User::join(addr, "bob");
    assert_relays(&mut alice, &mut bob, b"hi");
}

#[test]
fn send_to_a_user_who_has_gone_is_error_102() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let bob = User::join(addr, "bob");
    drop(bob);
    eventually("bob is gone", || {
        server.chat().registry().get("bob").is_none()
    });
    alice.send_to("bob", b"hello?");
    alice.tosend.expect(UNABLE);
}

#[test]
fn send_to_a_user_with_only_tosend_registered_is_error_102() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let (_half, reply) = try_register(addr, "TOSEND", "bob");
    assert_eq!(reply, "REGISTERED TOSEND bob");
    alice.send_to("bob", b"hello?");
    alice.tosend.expect(UNABLE);
}

#[test]
fn broadcast_reaches_every_other_user_and_sent_all_waits_for_every_ack() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut others = join_all(addr, &["bob", "carol", "dave"]);
    alice.send_to("ALL", b"hello all");
    for user in &mut others {
        user.torecv.expect(&forward_msg("alice", b"hello all"));
    }
    alice.torecv.expect_silence(QUIET);
    let (last, first) = others.split_last_mut().unwrap();
    for user in first {
        user.torecv.send(b"RECEIVED alice\n\n");
    }
    alice.tosend.expect_silence(QUIET);
    last.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT ALL\n\n");
    alice.tosend.expect_silence(QUIET);
    for user in &mut others {
        user.torecv.expect_silence(QUIET);
    }
}

#[test]
fn broadcast_with_nobody_else_is_sent_all() {
    let server = start_default();
    let mut alice = User::join(server.local_addr(), "alice");
    alice.send_to("ALL", b"anyone?");
    alice.tosend.expect(b"SENT ALL\n\n");
    alice.torecv.expect_silence(QUIET);
}

#[test]
fn broadcast_skips_users_whose_registration_is_incomplete() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let (_half, reply) = try_register(addr, "TOSEND", "carol");
    assert_eq!(reply, "REGISTERED TOSEND carol");
    alice.send_to("ALL", b"hi");
    bob.receive("alice", b"hi");
    alice.tosend.expect(b"SENT ALL\n\n");
}

#[test]
fn broadcast_with_one_recipient_answering_error_is_error_102() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut others = join_all(addr, &["bob", "carol", "dave"]);
    alice.send_to("ALL", b"hello all");
    for user in &mut others {
        user.torecv.expect(&forward_msg("alice", b"hello all"));
    }
    others[0].torecv.send(b"RECEIVED alice\n\n");
    others[1].torecv.send(b"ERROR 103 Header Incomplete\n\n");
    others[2].torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(UNABLE);
    alice.tosend.expect_silence(QUIET);
    // Everyone is still in business.
    let mut carol = others.remove(1);
    assert_relays(&mut alice, &mut carol, b"again");
}

/// Each of `sends`, from a sender of its own, gets `ERROR 103` and the sender's socket is
/// closed; bob, the recipient named, hears nothing.
fn assert_header_incomplete(sends: &[String]) {
    let server = start_default();
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    for (i, send) in sends.iter().enumerate() {
        let mut alice = User::join(addr, &format!("alice{i}"));
        alice.tosend.send(send.as_bytes());
        alice.tosend.expect(INCOMPLETE);
        alice.tosend.expect_closed();
        bob.torecv.expect_silence(QUIET);
    }
}

#[test]
fn send_without_content_length_is_error_103_and_the_socket_closes() {
    assert_header_incomplete(&["SEND bob\n\n".into(), "SEND bob\nX-Note: hi\n\n".into()]);
}

#[test]
fn unparsable_content_length_is_error_103_and_the_socket_closes() {
    let values = ["abc", "-1", "", "12abc", "1.5", "0x10", "2 3"];
    assert_header_incomplete(&values.map(|v| format!("SEND bob\nContent-length: {v}\n\nhi")));
}

#[test]
fn pipelined_sends_are_answered_once_each_in_order() {
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let mut carol = User::join(addr, "carol");
    let mut three = send_msg("bob", b"one");
    three.extend(send_msg("nobody", b"two"));
    three.extend(send_msg("carol", b"three"));
    alice.tosend.send(&three);
    bob.receive("alice", b"one");
    carol.receive("alice", b"three");
    alice
        .tosend
        .expect(b"SENT bob\n\nERROR 102 Unable to send\n\nSENT carol\n\n");
    alice.tosend.expect_silence(QUIET);

    let mut same = Vec::new();
    for body in ["1", "22", "333"] {
        same.extend(send_msg("bob", body.as_bytes()));
    }
    alice.tosend.send(&same);
    for body in ["1", "22", "333"] {
        bob.receive("alice", body.as_bytes());
    }
    alice.tosend.expect(b"SENT bob\n\nSENT bob\n\nSENT bob\n\n");
    alice.tosend.expect_silence(QUIET);
}

// ---- Concurrency ----

/// Six senders, each sending five messages one at a time to bob; bob reads a forward from
/// each of them before acknowledging all six at once, in order, refusing the ones whose body
/// says so. FIFO acks must match each reply to the right sender and message.
#[test]
fn concurrent_senders_to_one_recipient_each_get_the_reply_to_their_own_message() {
    const SENDERS: usize = 6;
    const EACH: usize = 5;
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let mut user = User::join(addr, &format!("s{s}"));
            thread::spawn(move || {
                for i in 0..EACH {
                    let verdict = if (s + i) % 3 == 0 { "refuse" } else { "accept" };
                    let body = format!("{} {i} {verdict}", user.name);
                    user.send_to("bob", body.as_bytes());
                    let want: &[u8] = if verdict == "accept" {
                        b"SENT bob\n\n"
                    } else {
                        UNABLE
                    };
                    user.tosend.expect(want);
                }
                user.tosend.expect_silence(QUIET);
            })
        })
        .collect();
    for _round in 0..EACH {
        let mut acks = Vec::new();
        let mut from = Vec::new();
        for _ in 0..SENDERS {
            let msg = read_message(&mut bob.torecv);
            assert!(msg.first.starts_with("FORWARD "), "{msg:?}");
            let body = String::from_utf8(msg.body.clone()).unwrap();
            assert!(body.starts_with(&format!("{} ", msg.arg())), "{msg:?}");
            from.push(msg.arg().to_string());
            if body.ends_with("refuse") {
                acks.extend_from_slice(b"ERROR 103 Header Incomplete\n\n");
            } else {
                acks.extend_from_slice(format!("RECEIVED {}\n\n", msg.arg()).as_bytes());
            }
        }
        from.sort();
        from.dedup();
        assert_eq!(
            from.len(),
            SENDERS,
            "one forward from each sender per round"
        );
        bob.torecv.send(&acks);
    }
    for s in senders {
        s.join().unwrap();
    }
    bob.torecv.expect_silence(QUIET);
}

#[test]
fn recipient_acking_the_first_forward_and_refusing_the_second_fails_only_the_second_sender() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut bob = User::join(addr, "bob");
    let mut users = join_all(addr, &["alice", "carol"]);
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = users
        .drain(..)
        .map(|mut user| {
            let tx = tx.clone();
            thread::spawn(move || {
                user.send_to("bob", user.name.clone().as_bytes());
                let reply = read_message(&mut user.tosend).first;
                tx.send((user.name.clone(), reply)).unwrap();
            })
        })
        .collect();
    let first = read_message(&mut bob.torecv);
    let second = read_message(&mut bob.torecv);
    assert_eq!(first.body, first.arg().as_bytes());
    assert_eq!(second.body, second.arg().as_bytes());
    assert_ne!(first.arg(), second.arg());
    bob.torecv.send(
        format!(
            "RECEIVED {}\n\nERROR 103 Header Incomplete\n\n",
            first.arg()
        )
        .as_bytes(),
    );
    for t in threads {
        t.join().unwrap();
    }
    drop(tx);
    let mut replies: Vec<(String, String)> = rx.iter().collect();
    replies.sort();
    let mut want = vec![
        (first.arg().to_string(), "SENT bob".to_string()),
        (
            second.arg().to_string(),
            "ERROR 102 Unable to send".to_string(),
        ),
    ];
    want.sort();
    assert_eq!(replies, want);
}

#[test]
fn silent_recipient_makes_error_102_after_the_ack_timeout_and_is_disconnected() {
    let ack_timeout = Duration::from_millis(300);
    let server = start(config_with(|c| c.ack_timeout = ack_timeout));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    let ((), took) = timed(|| {
        alice.send_to("bob", b"are you there?");
        bob.torecv.expect(&forward_msg("alice", b"are you there?"));
        alice.tosend.expect(UNABLE);
    });
    assert!(took >= ack_timeout, "replied after {took:?}");
    assert!(took < ack_timeout + Duration::from_secs(5), "{took:?}");
    bob.torecv.expect_closed();
    bob.tosend.expect_closed();
    let mut bob = join_when_free(addr, "bob");
    assert_relays(&mut alice, &mut bob, b"welcome back");
}

#[test]
fn recipient_disconnecting_with_a_forward_outstanding_fails_the_sender_promptly() {
    let server = start(config_with(|c| c.ack_timeout = LONG_ACK));
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let mut bob = User::join(addr, "bob");
    alice.send_to("bob", b"bye?");
    bob.torecv.expect(&forward_msg("alice", b"bye?"));
    let ((), took) = timed(|| {
        drop(bob);
        alice.tosend.expect(UNABLE);
    });
    assert!(took < Duration::from_secs(5), "replied after {took:?}");
    let mut bob = join_when_free(addr, "bob");
    assert_relays(&mut alice, &mut bob, b"hello again");
}

#[test]
fn broadcast_to_two_hundred_users_reaches_each_exactly_once() {
    const USERS: usize = 200;
    let server = start_default();
    let addr = server.local_addr();
    let mut alice = User::join(addr, "alice");
    let body = b"to everyone, once";
    let mut go = Vec::new();
    let threads: Vec<_> = (0..USERS)
        .map(|i| {
            let mut user = User::join(addr, &format!("u{i}"));
            let (tx, rx) = mpsc::channel::<()>();
            go.push(tx);
            thread::spawn(move || {
                user.receive("alice", body);
                // Once the sender has its SENT ALL, nothing more may come.
                let _ = rx.recv();
                user.torecv.expect_silence(QUIET);
            })
        })
        .collect();
    alice.send_to("ALL", body);
    alice.tosend.expect(b"SENT ALL\n\n");
    for tx in go {
        let _ = tx.send(());
    }
    for t in threads {
        t.join().unwrap();
    }
    alice.tosend.expect_silence(QUIET);
    alice.torecv.expect_silence(QUIET);
}
