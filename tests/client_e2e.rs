//! Real `client` processes talking through the real `server` binary, all driven by pipes,
//! the way a person or a script would use them.

mod client_support;

use client_support::{Client, WAIT};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

/// A `server --bind 127.0.0.1 --port 0` process; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts the server and reads its `listening on 127.0.0.1:PORT` line.
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {} // keep the pipe drained
        });
        let mut server = Server { child, port: 0 };
        let line = rx.recv_timeout(WAIT).expect("server says where it listens");
        server.port = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
        server
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn leave(mut client: Client) {
    client.close_stdin();
    let status = client.wait();
    assert!(status.success(), "exit {status}; saw {:#?}", client.seen);
}

#[test]
fn two_clients_chat_through_the_server() {
    let server = Server::start();
    let mut bob = Client::start(server.port, "bob", &[]);
    bob.expect("registered as bob");
    let mut alice = Client::start(server.port, "alice", &[]);
    alice.expect("registered as alice");

    alice.send("@bob hello bob");
    assert_eq!(bob.expect("alice:"), "alice: hello bob");
    assert_eq!(alice.expect("deliver"), "delivered to bob");

    alice.send("@ALL hi all");
    assert_eq!(bob.expect("alice:"), "alice: hi all");
    assert_eq!(alice.expect("deliver"), "delivered to ALL");

    alice.send("@nobody x");
    let line = alice.expect("deliver");
    assert!(line.starts_with("could not deliver to nobody"), "{line}");

    alice.send("hello?");
    assert!(alice.expect("not sent").contains("@name message"));

    bob.send("@alice hi alice");
    assert_eq!(alice.expect("bob:"), "bob: hi alice");
    assert_eq!(bob.expect("deliver"), "delivered to alice");

    leave(alice);
    leave(bob);
}

#[test]
fn a_taken_name_is_refused_and_another_is_asked_for() {
    let server = Server::start();
    let mut first = Client::start(server.port, "carol", &[]);
    first.expect("registered as carol");
    let mut second = Client::start(server.port, "carol", &[]);
    assert_eq!(
        second.expect("taken"),
        "the name \"carol\" is taken; choose another"
    );
    second.expect("Username:");
    second.send("carol2");
    second.expect("registered as carol2");
    second.send("@carol hi");
    assert_eq!(first.expect("carol2:"), "carol2: hi");
    assert_eq!(second.expect("deliver"), "delivered to carol");
    leave(second);
    leave(first);
}

#[test]
fn prompts_for_server_and_name_when_no_flags_are_given() {
    let server = Server::start();
    let mut dave = Client::spawn(&[]);
    dave.expect("Server address:");
    dave.send(&format!("127.0.0.1:{}", server.port));
    dave.expect("Username:");
    dave.send("dave");
    dave.expect("registered as dave");
    dave.send("@dave note to self");
    assert_eq!(dave.expect("dave:"), "dave: note to self");
    assert_eq!(dave.expect("deliver"), "delivered to dave");
    dave.send("/quit");
    let status = dave.wait();
    assert!(status.success(), "exit {status}");
}

#[test]
fn a_server_that_goes_away_is_reported_once_and_exit_is_nonzero() {
    let mut server = Server::start();
    let mut erin = Client::start(server.port, "erin", &[]);
    erin.expect("registered as erin");
    server.kill();
    let line = erin.expect("connection");
    let ok = line == "server closed the connection" || line.starts_with("lost the connection");
    assert!(ok, "{line}");
    let rest = erin.rest();
    assert!(rest.is_empty(), "more output after the close: {rest:?}");
    assert!(!erin.wait().success());
}
