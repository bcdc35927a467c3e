//! The client and Part 5 of the two-socket protocol (accounts, offline messages, history),
//! against scripted fake servers that check every byte it sends: a claimed name logging in
//! (its password given up front, or asked for, or wrong), `/register` and `/unregister`,
//! `STORED` then `EVENT DELIVERED`, a message that waited for us shown once however often it
//! comes, `/history`, and a server without these extensions. `TZ=UTC` makes dates exact.

use crate::support::client::*;
use std::path::PathBuf;

const UTC: (&str, &str) = ("TZ", "UTC");

/// The line the client prints once registered as `name` on the fake at `port`.
fn registered(name: &str, port: u16) -> String {
    format!(
        "registered as {name} on 127.0.0.1:{port}; type @name message, @ALL message, /help or /quit"
    )
}

/// Refuses the plain `REGISTER TOSEND` of `name` as taken (how a server of Part 5 answers
/// one of a claimed name), then expects it again asking for `auth` with `password`.
fn claimed(p: &mut Pair, name: &str, password: Option<&str>) {
    expect_bytes(&mut p.send, &register_tosend(name));
    put(&mut p.send, b"ERROR 104 Username taken\n\n");
    expect_bytes(&mut p.send, &register_tosend_auth(name, password));
}

/// Registers TOSEND and TORECV of the claimed `name` with `password`, granting `granted`.
fn logged_in(p: &mut Pair, name: &str, password: &str, granted: &str) {
    put(
        &mut p.send,
        format!("REGISTERED TOSEND {name}\nExtensions: auth\n\n").as_bytes(),
    );
    expect_bytes(&mut p.recv, &register_torecv_claimed(name, password));
    let reply = format!("REGISTERED TORECV {name}\nExtensions: {granted}\n\n");
    put(&mut p.recv, reply.as_bytes());
}

/// A file holding `content`, for `--password-file`; removed when dropped.
struct PasswordFile(PathBuf);

impl PasswordFile {
    fn new(tag: &str, content: &str) -> PasswordFile {
        let path = std::env::temp_dir().join(format!("chat-pw-{}-{tag}", std::process::id()));
        std::fs::write(&path, content).expect("write the password file");
        PasswordFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for PasswordFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_password_given_up_front_logs_in_in_one_go() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        claimed(&mut p, "alice", Some("s3cret pw"));
        logged_in(&mut p, "alice", "s3cret pw", "auth");
        p.hold();
    });
    let env = [("CHAT_PASSWORD", "s3cret pw")];
    let mut c = Client::start_env(port, "alice", &[], &env);
    c.next_is(&registered("alice", port));
    finish(c, fake);
}

#[test]
fn a_wrong_password_from_the_file_is_said_and_asked_again() {
    let file = PasswordFile::new("wrong", "wrong\n");
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        claimed(&mut p, "alice", Some("wrong"));
        put(&mut p.send, b"ERROR 109 Bad password\n\n");
        // The sockets now know the name is claimed: the password goes at once.
        expect_bytes(&mut p.send, &register_tosend_auth("alice", Some("right")));
        logged_in(&mut p, "alice", "right", "auth");
        p.hold();
    });
    let mut c = Client::start(port, "alice", &["--password-file", file.path()]);
    c.next_is("wrong password for \"alice\": type it again, or choose another name (ERROR 109)");
    c.next_is("Password:");
    c.send("right");
    c.next_is(&registered("alice", port));
    finish(c, fake);
}

#[test]
fn a_claimed_name_without_a_password_asks_for_it_until_it_is_right() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        claimed(&mut p, "alice", None);
        put(&mut p.send, b"ERROR 109 Bad password\n\n");
        expect_bytes(&mut p.send, &register_tosend_auth("alice", Some("guess")));
        put(&mut p.send, b"ERROR 109 Bad password\n\n");
        expect_bytes(&mut p.send, &register_tosend_auth("alice", Some("hunter2")));
        logged_in(&mut p, "alice", "hunter2", "auth");
        p.hold();
    });
    let mut c = Client::start(port, "alice", &[]);
    c.next_is(
        "the name \"alice\" is claimed: give its password, or choose another name (ERROR 109)",
    );
    c.next_is("Password:");
    c.send("guess");
    c.next_is("wrong password for \"alice\": type it again, or choose another name (ERROR 109)");
    c.next_is("Password:");
    c.send("hunter2");
    c.next_is(&registered("alice", port));
    assert!(
        !c.seen
            .iter()
            .any(|l| l.contains("hunter2") || l.contains("guess")),
        "a password was printed: {:#?}",
        c.seen
    );
    finish(c, fake);
}

#[test]
fn an_empty_password_chooses_another_name_on_the_same_sockets() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        claimed(&mut p, "alice", None);
        put(&mut p.send, b"ERROR 109 Bad password\n\n");
        register_again(p, "alice2").hold();
    });
    let mut c = Client::start(port, "alice", &[]);
    c.expect("Password:");
    c.send("");
    c.next_is("Username:");
    c.send("alice2");
    c.next_is(&registered("alice2", port));
    finish(c, fake);
}

#[test]
fn a_name_in_use_is_taken_even_when_asked_with_auth() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        claimed(&mut p, "alice", Some("pw"));
        put(&mut p.send, b"ERROR 104 Username taken\n\n");
        register_again(p, "bob").hold();
    });
    let mut c = Client::start_env(port, "alice", &[], &[("CHAT_PASSWORD", "pw")]);
    c.next_is("the name \"alice\" is taken; choose another");
    c.next_is("Username:");
    c.send("bob");
    c.next_is(&registered("bob", port));
    finish(c, fake);
}

#[test]
fn register_and_unregister_send_exact_passwords() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", "auth");
        p.reply(
            b"PASSWORD\nContent-length: 8\n\nn3w pass",
            b"PASSWORD SET\n\n",
        );
        // The two differing answers sent nothing: the next request is /unregister's.
        p.reply(b"PASSWORD\nContent-length: 0\n\n", b"PASSWORD DROPPED\n\n");
        p.reply(
            b"PASSWORD\nContent-length: 2\n\npw",
            b"ERROR 111 Store failed\n\n",
        );
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("/register");
    c.next_is("New password for alice:");
    c.send("n3w pass");
    c.next_is("The same password again:");
    c.send("n3w pass");
    c.next_is("password set: the name alice is yours, and logging in as alice needs it");
    c.send("/register");
    c.next_is("New password for alice:");
    c.send("one");
    c.next_is("The same password again:");
    c.send("two");
    c.next_is("the two passwords differ; nothing was sent; type /register to try again");
    c.send("/register");
    c.next_is("New password for alice:");
    c.send(" padded");
    c.next_is(
        "a password cannot begin or end with a blank; nothing was sent; type /register to try again",
    );
    c.send("/unregister");
    c.next_is("claim dropped: the name alice is anyone's again");
    c.send("/register");
    c.next_is("New password for alice:");
    c.send("pw");
    c.next_is("The same password again:");
    c.send("pw");
    c.next_is(
        "could not set the password: the server could not keep the message; try again later \
         (ERROR 111)",
    );
    finish(c, fake);
}

#[test]
fn a_stored_message_is_shown_stored_then_delivered() {
    let (go, ready) = std::sync::mpsc::channel::<()>();
    let (port, fake) = fake(move |l| {
        let mut p = register_granting(&l, "alice", "offline");
        p.reply(
            &send_bytes("bob", "see you at 5"),
            b"STORED bob\nId: 42\n\n",
        );
        put(&mut p.recv, b"EVENT DELIVERED bob\nId: 42\n\n");
        p.reply(&send_bytes("carol", "x"), b"ERROR 110 Mailbox full\n\n");
        p.reply(&send_bytes("dave", "y"), b"ERROR 111 Store failed\n\n");
        // A delivery of a message this session did not send still reads (once the
        // client has said what came on the other socket).
        ready.recv_timeout(WAIT).expect("the test's go");
        put(&mut p.recv, b"EVENT DELIVERED erin\nId: 7\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob see you at 5");
    c.next_is("stored for bob");
    c.next_is("delivered to bob (stored): \"see you at 5\"");
    c.send("@carol x");
    c.next_is(
        "could not deliver to carol: carol's mailbox is full; try again once carol is back \
         (ERROR 110)",
    );
    c.send("@dave y");
    c.next_is(
        "could not deliver to dave: the server could not keep it for dave; try again later \
         (ERROR 111)",
    );
    go.send(()).expect("the fake waits");
    c.next_is("delivered to erin (a message stored earlier)");
    finish(c, fake);
}

#[test]
fn a_message_that_waited_is_dated_marked_and_shown_once() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", "meta, offline");
        let stored = b"FORWARD carol\nContent-length: 2\nTime: 2026-01-15T10:00:00Z\n\
                       Kind: direct\nId: 7\nStored: yes\n\nhi";
        // It comes twice (an acknowledgement was lost): both are acknowledged, one shown.
        for _ in 0..2 {
            put(&mut p.recv, stored);
            expect_bytes(&mut p.recv, b"RECEIVED carol\n\n");
        }
        put(
            &mut p.recv,
            b"FORWARD carol\nContent-length: 4\nTime: 2026-01-15T10:05:00Z\nKind: direct\nId: 8\n\nlive",
        );
        expect_bytes(&mut p.recv, b"RECEIVED carol\n\n");
        p.hold();
    });
    let mut c = Client::start_env(port, "alice", &[], &[UTC]);
    c.next_is(&registered("alice", port));
    c.next_is("[2026-01-15 10:00, while you were away] carol (to you): hi");
    c.next_is("[10:05] carol (to you): live");
    finish(c, fake);
}

#[test]
fn history_is_asked_for_and_printed_oldest_first_with_dates() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", "history");
        let entries = [
            history_entry(41, "alice", "ALL", "2026-01-15T10:00:00Z", false, "hi all"),
            history_entry(42, "alice", "bob", "2026-01-15T10:01:00Z", false, "psst"),
            history_entry(43, "bob", "ALL", "2026-01-15T10:02:00Z", true, "waves"),
            history_entry(
                44,
                "bob",
                "ALL",
                "2026-01-15T10:03:00Z",
                false,
                "two\nlines",
            ),
        ];
        p.reply(b"HISTORY\nLimit: 20\n\n", &history_page(&entries));
        p.reply(b"HISTORY\nLimit: 1000\n\n", &history_page(&[]));
        p.hold();
    });
    let mut c = Client::start_env(port, "alice", &[], &[UTC]);
    c.next_is(&registered("alice", port));
    c.send("/history");
    c.next_is("history (4 messages, oldest first):");
    c.next_is("  [2026-01-15 10:00] alice: hi all");
    c.next_is("  [2026-01-15 10:01] alice -> bob: psst");
    c.next_is("  [2026-01-15 10:02] * bob waves");
    c.next_is("  [2026-01-15 10:03] bob: two");
    c.next_is("                          lines");
    c.send("/history 1001");
    c.next_is("not sent: type /history, or /history N for the last N messages (1 to 1000)");
    c.send("/history 1000");
    c.next_is("history: no messages");
    finish(c, fake);
}

#[test]
fn a_server_without_part_5_is_told_apart_and_nothing_is_sent() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", "events, users");
        // The first request the client sends is the message after the three commands.
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("/register");
    c.next_is("this server does not support accounts (/register, /unregister)");
    c.send("/unregister");
    c.next_is("this server does not support accounts (/register, /unregister)");
    c.send("/history 5");
    c.next_is("this server does not support /history");
    c.send("@bob hi");
    c.next_is("delivered to bob");
    finish(c, fake);
}
