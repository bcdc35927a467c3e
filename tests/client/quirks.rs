//! The client against scripted fake servers, one per rule of PROTOCOL.md Part 2 ("Rules for
//! our client"): each fake behaves like some server in the wild, asserts the exact bytes the
//! real `client` binary sends, and the test checks what the client prints. How it registers
//! with them is in `registration`.

use crate::support::client::*;
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
    assert_eq!(
        line,
        "could not deliver to bob: bob is not online or did not receive it (ERROR 102)"
    );
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
    assert_eq!(
        line,
        "could not deliver to bob: bob is not online or did not receive it (ERROR 102)"
    );
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
