//! The full-screen client and Part 5 in a real terminal (tmux), against scripted fake
//! servers that check every byte: passwords typed in masked fields (the connect box's, and
//! `/register`'s box), never on the screen; the history shown on connect above the live
//! messages and older pages loaded by PageUp past the top; a message that waited for us
//! shown once; our own stored message turning from `⧗ stored` to `✓`.

use crate::support::client::*;
use std::sync::mpsc;

/// Asserts that `screen` shows none of `secrets`.
#[track_caller]
fn hides(screen: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !screen.contains(secret),
            "{secret:?} on the screen:\n{screen}"
        );
    }
}

/// A fake server on which "alice" is claimed with "hunter2": a plain REGISTER is taken, one
/// without a password is refused, the right one registers; then alice's new password is set.
fn claimed_alice(l: std::net::TcpListener) {
    let mut p = accept_pair(&l);
    expect_bytes(&mut p.send, &register_tosend("alice"));
    put(&mut p.send, b"ERROR 104 Username taken\n\n");
    expect_bytes(&mut p.send, &register_tosend_auth("alice", None));
    put(&mut p.send, b"ERROR 109 Bad password\n\n");
    expect_bytes(&mut p.send, &register_tosend_auth("alice", Some("hunter2")));
    put(
        &mut p.send,
        b"REGISTERED TOSEND alice\nExtensions: auth\n\n",
    );
    expect_bytes(&mut p.recv, &register_torecv_claimed("alice", "hunter2"));
    put(
        &mut p.recv,
        b"REGISTERED TORECV alice\nExtensions: auth\n\n",
    );
    p.reply(
        b"PASSWORD\nContent-length: 8\n\nn3wpass1",
        b"PASSWORD SET\n\n",
    );
    p.hold();
}

#[test]
fn passwords_are_typed_in_masked_fields_and_never_shown() {
    let (port, fake) = fake(claimed_alice);
    let addr = format!("127.0.0.1:{port}");
    let tmux = Tmux::start();
    let alice = tmux.client("alice", &["--server", &addr, "--user", "alice"]);
    // The server says the name is claimed: the cursor waits in the Password field.
    alice.expect(&[
        "the name \"alice\" is claimed: give its password",
        "Password only for a name claimed with one",
    ]);
    alice.type_text("hunter2");
    hides(&alice.expect(&["Password •••••••"]), &["hunter2"]);
    alice.press("Enter");
    hides(
        &alice.expect(&[&format!("alice on {addr} · connected")]),
        &["hunter2"],
    );

    // /register: a box of its own, two masked fields.
    alice.line("/register");
    alice.expect(&["A password for alice", "Esc: cancel"]);
    alice.type_text("n3wpass1");
    alice.press("Enter");
    alice.type_text("n3wpass1");
    hides(
        &alice.expect(&["Password  ••••••••", "Again     ••••••••"]),
        &["n3wpass1"],
    );
    alice.press("Enter");
    let screen = alice.expect(&["password set: the name alice is yours"]);
    hides(&screen, &["n3wpass1", "hunter2"]);
    // Nothing of it is in the input line's history either.
    alice.press("Up");
    hides(&alice.screen(), &["alice> /register"]);

    alice.press("C-c");
    alice.expect(&["client exited 0", "terminal cooked"]);
    join(fake);
}

/// `count` messages from bob to everyone, ids `first..`, reading `message <id>`.
fn bobs(first: u64, count: u64) -> Vec<String> {
    (first..first + count)
        .map(|id| {
            let text = format!("message {id:03}");
            history_entry(id, "bob", "ALL", "2026-01-15T10:00:00Z", false, &text)
        })
        .collect()
}

#[test]
fn history_on_connect_older_pages_past_the_top_and_stored_marks() {
    let (seen_stored, stored_seen) = mpsc::channel::<()>();
    let (port, fake) = fake(move |l| {
        let mut p = register_granting(&l, "alice", "offline, history");
        // What waited comes first, then the client asks for two screens of history (the
        // window has 28 rows of messages), which holds that message too.
        put(
            &mut p.recv,
            b"FORWARD carol\nContent-length: 18\nId: 101\nStored: yes\n\nwhile you were out",
        );
        expect_bytes(&mut p.recv, b"RECEIVED carol\n\n");
        let mut page = bobs(46, 55);
        page.push(history_entry(
            101,
            "carol",
            "alice",
            "2026-01-15T10:01:00Z",
            false,
            "while you were out",
        ));
        p.reply(b"HISTORY\nLimit: 56\n\n", &history_page(&page));
        // PageUp past the top: the page before the oldest shown; fewer than asked, the last.
        p.reply(
            b"HISTORY\nBefore: 46\nLimit: 56\n\n",
            &history_page(&bobs(1, 45)),
        );
        p.reply(&send_bytes("bob", "later"), b"STORED bob\nId: 200\n\n");
        stored_seen
            .recv_timeout(WAIT)
            .expect("the test saw the mark");
        put(&mut p.recv, b"EVENT DELIVERED bob\nId: 200\n\n");
        p.hold();
    });
    let addr = format!("127.0.0.1:{port}");
    let tmux = Tmux::start();
    let alice = tmux.signed_in(&addr, "alice");
    let screen = alice.expect(&["message 100", "(while you were away)"]);
    assert_eq!(
        screen.matches("while you were out").count(),
        1,
        "shown once:\n{screen}"
    );

    // Two screens and a bit: two PageUps reach the top, the third asks for more.
    for _ in 0..3 {
        alice.press("PageUp");
    }
    alice.expect(&["message 045", "lines up"]);
    alice.press("PageUp");
    alice.press("PageUp");
    alice.expect(&["message 001"]);
    alice.press("C-End");
    alice.expect(&["message 100"]);

    alice.line("@bob later");
    alice.expect(&["alice → bob: later ⧗ stored"]);
    seen_stored.send(()).expect("the fake waits");
    alice.expect(&["alice → bob: later ✓"]);
    alice.press("C-c");
    alice.expect(&["client exited 0", "terminal cooked"]);
    join(fake);
}

#[test]
fn line_mode_on_a_terminal_does_not_echo_a_password() {
    let (port, fake) = fake(claimed_alice);
    let addr = format!("127.0.0.1:{port}");
    let tmux = Tmux::start();
    let alice = tmux.client("alice", &["--plain", "--server", &addr, "--user", "alice"]);
    alice.expect(&["is claimed", "Password:"]);
    alice.line("hunter2");
    hides(&alice.expect(&["registered as alice"]), &["hunter2"]);
    // Typing shows again once the password is read.
    alice.line("/register");
    alice.expect(&["\n/register\n", "New password for alice:"]);
    alice.line("n3wpass1");
    alice.expect(&["The same password again:"]);
    alice.line("n3wpass1");
    hides(&alice.expect(&["password set"]), &["hunter2", "n3wpass1"]);
    alice.press("C-d");
    alice.expect(&["client exited 0", "terminal cooked"]);
    join(fake);
}
