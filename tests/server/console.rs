//! The operator console, driven through the real server's stdin as an operator would.

use crate::support::*;

use crate::support::console::Proc;
use std::net::SocketAddr;
use std::process::Child;
use std::time::Duration;

fn join_events(addr: SocketAddr, name: &str) -> User {
    User::join_with(addr, name, "events")
}

#[test]
fn console_lists_says_kicks_and_quits() {
    let mut server = Proc::start();
    server.type_line("help");
    server.expect_line(
        "commands: help | users | rooms | who #ROOM | kick NAME [#ROOM] [reason] | \
         say [#ROOM] MESSAGE | topic #ROOM [text] | quit",
    );
    server.type_line("users");
    server.expect_line("no users online");

    let mut alice = join_events(server.addr, "alice");
    let mut bob = User::join(server.addr, "bob");
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    alice.send_to("bob", b"one");
    bob.receive("alice", b"one");
    alice.tosend.expect(b"SENT bob\n\n");

    server.type_line("users");
    let header = server.next_line();
    assert!(header.starts_with("NAME "), "{header}");
    assert!(header.contains("ADDRESS") && header.contains("CONNECTED SINCE"));
    let a = server.next_line();
    let b = server.next_line();
    assert!(
        a.starts_with("alice  127.0.0.1") && a.ends_with(" 1"),
        "{a}"
    );
    assert!(
        b.starts_with("bob    127.0.0.1") && b.ends_with(" 0"),
        "{b}"
    );
    server.expect_line("2 online");

    // say: from the server, never from a user; a plain client sees a Part 1 forward.
    server.type_line("say maintenance at noon");
    alice.receive("*server*", b"maintenance at noon");
    bob.receive("*server*", b"maintenance at noon");
    server.expect_line("said to 2 user(s)");

    server.type_line("kick nobody");
    server.expect_line("no user called nobody");
    server.type_line("kick bob spamming");
    server.expect_line("kicked bob (spamming)");
    alice
        .torecv
        .expect(b"EVENT KICK bob\nReason: spamming\n\nEVENT LEAVE bob\nReason: kicked\n\n");
    bob.torecv.expect_closed();
    bob.tosend.expect_closed();

    server.type_line("frobnicate");
    let hint = server.next_line();
    assert!(hint.starts_with("unknown command `frobnicate`"), "{hint}");

    server.type_line("quit");
    server.expect_line("shutting down");
    alice.torecv.expect_closed();
    let status = wait_exit(&mut server.child, Duration::from_secs(5));
    assert_eq!(status, Some(0));
}

#[test]
fn end_of_console_input_keeps_the_server_running() {
    let mut server = Proc::start();
    server.stdin = None; // closes the server's stdin
    let mut alice = User::join(server.addr, "alice");
    alice.send_to("alice", b"still here");
    alice.receive("alice", b"still here");
    alice.tosend.expect(b"SENT alice\n\n");
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<i32> {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn the_console_speaks_in_rooms_sets_topics_and_kicks_from_them() {
    let mut server = Proc::start();
    let mut alice = User::join_with(server.addr, "alice", "events, rooms");
    alice.tosend.send(b"JOIN #rust\n\n");
    alice.tosend.expect(b"JOINED #rust\n\n");
    let mut bob = User::join(server.addr, "bob");
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    server.type_line("rooms");
    server.expect_line("ROOM    MEMBERS  TOPIC");
    server.expect_line("#lobby        2");
    server.expect_line("#rust         1");
    server.expect_line("2 room(s)");
    server.type_line("topic #rust Rust, mostly");
    server.expect_line("topic of #rust: Rust, mostly");
    alice
        .torecv
        .expect(b"EVENT TOPIC #rust\nBy: *server*\nTopic: Rust, mostly\n\n");
    // A room's members hear the operator there; bob, in the lobby only, does not.
    server.type_line("say #rust to rust only");
    alice
        .torecv
        .expect(b"FORWARD *server*\nContent-length: 12\nRoom: #rust\n\nto rust only");
    alice.torecv.send(b"RECEIVED *server*\n\n");
    server.expect_line("said to 1 user(s)");
    bob.torecv.expect_silence(Duration::from_millis(100));
    server.type_line("kick alice #rust cool down");
    server.expect_line("kicked alice from #rust");
    alice
        .torecv
        .expect(b"EVENT KICK alice\nRoom: #rust\nBy: *server*\nReason: cool down\n\n");
    server.type_line("who #rust");
    server.expect_line("#rust (0):");
    server.expect_line("topic: Rust, mostly");
    server.type_line("say #nowhere hi");
    server.expect_line("no room called #nowhere");
}
