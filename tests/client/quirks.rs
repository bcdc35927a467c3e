//! The client against scripted fake servers, one per rule of PROTOCOL.md Part 2 ("Rules for
//! our client"): each fake behaves like some server in the wild, asserts the exact bytes the
//! real `client` binary sends, and the test checks what the client prints.

use crate::support::client::*;
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn success_spelled_send_and_naming_the_sender_is_delivered() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        p.reply(b"SEND bob\nContent-length: 2\n\nhi", b"SEND bob\n\n");
        p.reply(&send_bytes("carol", "hello there"), b"SENT alice\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    c.send("@carol hello there");
    assert_eq!(c.expect("deliver"), "delivered to carol");
    finish(c, fake);
}

#[test]
fn space_line_terminators_and_trailing_spaces_are_accepted() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n \n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob  \n \n");
        p.reply(
            &send_bytes("bob", "again"),
            b"ERROR 102 Unable to send \n \n",
        );
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    c.send("@bob again");
    let line = c.expect("deliver");
    assert!(line.starts_with("could not deliver to bob"), "{line}");
    assert!(line.contains("ERROR 102"), "{line}");
    finish(c, fake);
}

#[test]
fn reply_on_the_torecv_socket_between_forwards_is_accepted() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        expect_bytes(&mut p.send, &send_bytes("bob", "hi"));
        put(
            &mut p.recv,
            b"FORWARD carol\nContent-length: 3\n\nyo!SENT bob\n\nFORWARD dave\nContent-length: 3\n\nhey",
        );
        expect_bytes(&mut p.recv, b"RECEIVED carol\n\nRECEIVED dave\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("carol:"), "carol: yo!");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    assert_eq!(c.expect("dave:"), "dave: hey");
    finish(c, fake);
}

#[test]
fn extra_broadcast_replies_never_answer_the_next_message() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        // One reply per recipient, all at once.
        p.reply(
            &send_bytes("ALL", "hey"),
            b"SENT ALL\n\nSENT ALL\n\nSENT ALL\n\n",
        );
        // A straggler arrives while the next unicast waits; the real answer is a failure.
        p.reply(
            &send_bytes("bob", "x"),
            b"SENT ALL\n\nERROR 102 Unable to send\n\n",
        );
        // Per-recipient replies naming the recipients, one of them late.
        p.reply(&send_bytes("ALL", "again"), b"SENT carol\n\n");
        expect_bytes(&mut p.send, &send_bytes("bob", "y"));
        put(&mut p.recv, b"SENT dave\n\n");
        put(&mut p.send, b"ERROR 102 Unable to send\n\n");
        p.reply(&send_bytes("bob", "z"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@ALL hey");
    assert_eq!(c.expect("deliver"), "delivered to ALL");
    c.send("@bob x");
    assert!(c.expect("deliver").starts_with("could not deliver to bob"));
    c.send("@all again");
    assert_eq!(c.expect("deliver"), "delivered to ALL");
    c.send("@bob y");
    assert!(c.expect("deliver").starts_with("could not deliver to bob"));
    c.send("@bob z");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn broadcast_without_reply_times_out_and_the_next_message_waits_for_it() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        expect_bytes(&mut p.send, &send_bytes("ALL", "hey"));
        let sent_at = Instant::now();
        expect_bytes(&mut p.send, &send_bytes("bob", "hi"));
        let waited = sent_at.elapsed();
        assert!(
            waited >= Duration::from_millis(900),
            "sent after {waited:?}"
        );
        put(&mut p.send, b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    c.send("@ALL hey");
    c.send("@bob hi");
    let line = c.expect("ALL");
    assert!(line.starts_with("no reply for ALL within 1 s"), "{line}");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn a_late_reply_to_a_timed_out_message_is_not_taken_for_the_next_answer() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        expect_bytes(&mut p.send, &send_bytes("bob", "first"));
        expect_bytes(&mut p.send, &send_bytes("bob", "second"));
        // In order, as the protocol says: the late answer to "first", then "second"'s.
        put(&mut p.send, b"SENT bob\n\nERROR 102 Unable to send\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    c.send("@bob first");
    let line = c.expect("deliver");
    assert_eq!(
        line,
        "could not deliver to bob: no reply from the server within 1 s"
    );
    c.send("@bob second");
    let line = c.expect("deliver");
    assert!(
        line.starts_with("could not deliver to bob: ERROR 102"),
        "{line}"
    );
    finish(c, fake);
}

#[test]
fn tosend_is_registered_and_answered_before_torecv() {
    let (port, fake) = fake(|l| {
        let mut send = accept(&l);
        let mut recv = accept(&l);
        expect_bytes(&mut send, &register_tosend("alice"));
        // A server that needs TOSEND first: TORECV must not come before its reply.
        expect_silence(&mut recv, Duration::from_millis(500));
        put(&mut send, b"REGISTERED TOSEND alice\n\n");
        expect_bytes(&mut recv, b"REGISTER TORECV alice\n\n");
        put(&mut recv, b"REGISTERED TORECV alice\n\n");
        let mut p = Pair { send, recv };
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn server_close_is_reported_once_and_exit_is_nonzero() {
    let (port, fake) = fake(|l| {
        let p = register(&l, "alice", "\n\n");
        drop(p);
    });
    let mut c = Client::registered(port, "alice", &[]);
    assert_eq!(c.expect("closed"), "server closed the connection");
    let rest = c.rest();
    assert!(rest.is_empty(), "more output after the close: {rest:?}");
    assert!(!c.wait().success());
    join(fake);
}

#[test]
fn taken_name_closes_both_sockets_and_asks_again() {
    let (port, fake) = fake(|l| {
        refuse(
            &l,
            &register_tosend("alice"),
            b"ERROR 104 Username taken\n\n",
        );
        let mut p = register(&l, "alice2", "\n\n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::start(port, "alice", &[]);
    assert_eq!(
        c.expect("taken"),
        "the name \"alice\" is taken; choose another"
    );
    c.expect("Username:");
    c.send("alice2");
    c.expect("registered as alice2");
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn malformed_names_are_refused_locally_or_by_the_server_and_asked_again() {
    let (port, fake) = fake(|l| {
        // Refused with the Extensions header, then again without: it is the name.
        let malformed = b"ERROR 100 Malformed username\n\n";
        refuse(&l, &register_tosend("bob"), malformed);
        refuse(&l, &plain_register_tosend("bob"), malformed);
        register(&l, "carol", "\n\n").hold();
    });
    let mut c = Client::start(port, "bad_name", &[]);
    assert!(c.expect("valid username").contains("bad_name"));
    c.expect("Username:");
    c.send("bob");
    assert!(c.expect("valid username").contains("server says"));
    c.expect("Username:");
    c.send("carol");
    c.expect("registered as carol");
    finish(c, fake);
}

#[test]
fn forwards_are_acknowledged_on_their_socket_and_printed() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        put(
            &mut p.recv,
            b"FORWARD carol\nContent-length: 11\n\nhello\nworld",
        );
        expect_bytes(&mut p.recv, b"RECEIVED carol\n\n");
        put(&mut p.send, b"FORWARD bob\nContent-length: 2\n\nhi");
        expect_bytes(&mut p.send, b"RECEIVED bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    assert_eq!(c.expect("carol:"), "carol: hello");
    assert_eq!(c.next_line(WAIT).as_deref(), Some("       world"));
    assert_eq!(c.expect("bob:"), "bob: hi");
    finish(c, fake);
}

#[test]
fn malformed_forwards_are_answered_header_incomplete() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        put(&mut p.recv, b"FORWARD carol\n\n");
        expect_bytes(&mut p.recv, b"ERROR 103 Header Incomplete\n\n");
        put(&mut p.recv, b"FORWARD carol\nContent-length: abc\n\n");
        expect_bytes(&mut p.recv, b"ERROR 103 Header Incomplete\n\n");
        put(&mut p.recv, b"FORWARD carol\nContent-length: 5\n\n");
        expect_bytes(&mut p.recv, b"ERROR 103 Header Incomplete\n\n");
        put(&mut p.recv, b"FORWARD carol\nContent-length: 2\n\nok");
        expect_bytes(&mut p.recv, b"RECEIVED carol\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &["--max-body", "4"]);
    assert_eq!(
        c.expect("malformed"),
        "received a malformed message from carol (no Content-length); answered ERROR 103"
    );
    assert_eq!(
        c.expect("malformed"),
        "received a malformed message (Content-length is not a number); answered ERROR 103"
    );
    assert_eq!(
        c.expect("malformed"),
        "received a malformed message (body of 5 bytes is longer than 4); answered ERROR 103"
    );
    assert_eq!(c.expect("carol:"), "carol: ok");
    finish(c, fake);
}

#[test]
fn a_line_of_another_form_gets_a_hint_and_sends_nothing() {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    for bad in ["hello there", "@bob", "@no-such hi", "/nonsense"] {
        c.send(bad);
        let hint = c.next_line(WAIT).unwrap_or_default();
        let ok = hint.starts_with("not sent: ") || hint.starts_with("unknown command /");
        assert!(ok, "{bad:?} gave {hint:?}");
    }
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

fn leaving_waits_for_the_outstanding_reply(leave: fn(&mut Client)) {
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        expect_bytes(&mut p.send, &send_bytes("bob", "bye"));
        expect_silence(&mut p.send, Duration::from_millis(300));
        put(&mut p.send, b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob bye");
    leave(&mut c);
    assert_eq!(c.expect("deliver"), "delivered to bob");
    c.exits_ok();
    join(fake);
}

#[test]
fn end_of_input_waits_for_the_outstanding_reply_then_exits_zero() {
    leaving_waits_for_the_outstanding_reply(Client::close_stdin);
}

#[test]
fn quit_waits_for_the_outstanding_reply_then_exits_zero() {
    leaving_waits_for_the_outstanding_reply(|c| c.send("/quit"));
}

#[test]
fn a_server_that_ignores_the_extensions_header_is_spoken_to_in_the_original_protocol() {
    let (port, fake) = fake(|l| {
        // Plain REGISTERED replies: no extension granted.
        let mut p = register(&l, "alice", "\n\n");
        // An action from another client of ours arrives as a plain body.
        put(
            &mut p.recv,
            b"FORWARD bob\nContent-length: 10\n\n/me dances",
        );
        expect_bytes(&mut p.recv, b"RECEIVED bob\n\n");
        // /users sends nothing; /me is a plain broadcast whose body reads as an action.
        p.reply(&send_bytes("ALL", "/me waves"), b"SENT ALL\n\n");
        // /quit just closes: no QUIT, which this server would not know.
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    assert_eq!(c.expect("bob"), "* bob dances");
    c.send("/users");
    assert_eq!(c.expect("users"), "this server does not support /users");
    c.send("/me waves");
    assert_eq!(c.expect("deliver"), "delivered to ALL");
    quit(c, fake);
}

#[test]
fn an_extended_register_answered_error_100_is_tried_again_plain_on_fresh_sockets() {
    let (port, fake) = fake(|l| {
        // A server that takes everything after TOSEND as the name, header included.
        let malformed = b"ERROR 100 Malformed username\n\n";
        refuse(&l, &register_tosend("alice"), malformed);
        let mut p = register_plain(&l, "alice");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn an_extended_register_without_reply_is_tried_again_plain() {
    let (port, fake) = fake(|l| {
        // A server that waits for something the header made it miss.
        refuse(&l, &register_tosend("alice"), b""); // no reply at all
        register_plain(&l, "alice").hold();
    });
    let c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    finish(c, fake);
}

#[test]
fn a_server_trickling_blank_lines_instead_of_a_reply_is_given_up_on_in_time() {
    let (port, fake) = fake(|l| {
        let mut send = accept(&l);
        let recv = accept(&l);
        expect_bytes(&mut send, &register_tosend("alice"));
        // Bytes keep coming, never a message: only a deadline on the whole wait ends this.
        let asked = Instant::now();
        while send.write_all(b"\n").is_ok() {
            thread::sleep(Duration::from_millis(50));
        }
        // The reply timeout is 1 s; the first writes after the close may still succeed.
        let waited = asked.elapsed();
        assert!(waited < Duration::from_secs(4), "gave up after {waited:?}");
        drop(recv);
        register_plain(&l, "alice").hold();
    });
    let c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    finish(c, fake);
}

fn dead_port() -> u16 {
    listener().1 // the listener is dropped: nothing listens there any more
}

#[test]
fn unreachable_typed_address_is_explained_and_asked_again() {
    let dead = dead_port();
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::spawn(&[]);
    c.expect("Server address:");
    c.send("127.0.0.1:notaport");
    c.expect("not a port number");
    c.expect("Server address:");
    c.send(&format!("127.0.0.1:{dead}"));
    c.expect("Username:");
    c.send("alice");
    let line = c.expect("cannot connect");
    assert!(line.contains("connection refused"), "{line}");
    c.expect("Server address:");
    c.send(&format!("127.0.0.1:{port}"));
    c.expect("registered as alice");
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn unreachable_flag_address_exits_nonzero() {
    let dead = dead_port();
    let mut c = Client::start(dead, "alice", &[]);
    let line = c.expect("cannot connect");
    assert!(
        line.starts_with(&format!("cannot connect to 127.0.0.1:{dead}")),
        "{line}"
    );
    assert!(!c.wait().success());
}
