//! `client --server a,b`: one chat on several servers. When its server goes away the client
//! registers its name on the next one by itself (with its password, so a claimed name keeps
//! its mailbox), in line mode, in both protocols, and in the full screen; what was typed
//! meanwhile goes there, what was awaiting a reply is said lost; no server at all retries
//! until `/quit`; a kick is not undone elsewhere. Real `server` processes, killed as a crash
//! would end them, and fake ones where the moment matters (`support::client::fake`).

use crate::support::client::*;
use std::net::TcpListener;
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

/// `127.0.0.1:A,127.0.0.1:B`.
fn list(ports: &[u16]) -> String {
    let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    addrs.join(",")
}

/// alice, `--server` listing `ports`, once registered on the first.
#[track_caller]
fn alice_on(ports: &[u16]) -> Client {
    let servers = list(ports);
    let mut alice = Client::spawn(&["--server", &servers, "--user", "alice"]);
    let registered = alice.expect("registered");
    let first = format!("registered as alice on 127.0.0.1:{};", ports[0]);
    assert!(registered.starts_with(&first), "{registered}");
    alice
}

/// The line saying the server went: killed, it closes or resets the connection.
#[track_caller]
fn expect_loss(client: &mut Client) {
    let line = client.next_line(WAIT).unwrap_or_default();
    let ok = line == "server closed the connection" || line.starts_with("lost the connection");
    assert!(ok, "{line:?}; saw {:#?}", client.seen);
}

fn leave(mut client: Client) {
    client.send("/quit");
    client.exits_ok();
}

/// Claims `name` with `password` on the server at `port`, in a client of its own.
fn claim(port: u16, name: &str, password: &str) {
    let mut owner = Client::registered(port, name, &[]);
    owner.send("/register");
    owner.expect(&format!("New password for {name}:"));
    owner.send(password);
    owner.expect("The same password again:");
    owner.send(password);
    owner.expect("password set");
    leave(owner);
}

#[test]
fn a_killed_server_is_left_for_the_next_one_under_the_same_name() {
    let mut a = Server::start();
    let b = Server::start();
    let mut alice = alice_on(&[a.port, b.port]);
    let mut bob = Client::registered(b.port, "bob", &[]);

    a.kill();
    expect_loss(&mut alice);
    let back = format!("*** reconnected to 127.0.0.1:{} as alice", b.port);
    alice.next_is(&back);
    assert_eq!(bob.expect("alice"), "*** alice joined");

    bob.send("@alice are you there?");
    let heard = alice.expect("are you there");
    assert_eq!(untimed(&heard), "bob (to you): are you there?");
    assert_eq!(bob.expect("deliver"), "delivered to alice");
    alice.send("@bob yes, on b now");
    assert_eq!(alice.expect("deliver"), "delivered to bob");
    assert_eq!(
        untimed(&bob.expect("on b now")),
        "alice (to you): yes, on b now"
    );
    leave(alice);
    leave(bob);
}

#[test]
fn a_json_client_moves_to_the_next_server_too() {
    let mut a = Server::start_json();
    let b = Server::start_json();
    let json = |s: &Server| s.json_port.expect("the JSON front end is on");
    let servers = list(&[json(&a), json(&b)]);
    let mut pat = Client::spawn(&["--server", &servers, "--user", "pat", "--protocol", "json"]);
    pat.expect("registered as pat");
    let mut chris = Client::registered(json(&b), "chris", &["--protocol", "json"]);

    a.kill();
    expect_loss(&mut pat);
    pat.next_is(&format!("*** reconnected to 127.0.0.1:{} as pat", json(&b)));
    chris.send("@pat still with us?");
    assert_eq!(pat.expect("still with us"), "chris -> pat: still with us?");
    assert_eq!(chris.expect("deliver"), "delivered to pat");
    leave(pat);
    leave(chris);
}

#[test]
fn a_claimed_name_logs_in_again_and_finds_its_mailbox() {
    let mut a = Server::start();
    let b = Server::start();
    claim(a.port, "alice", "pw of alice");
    claim(b.port, "alice", "pw of alice");
    // On b, a message waits for alice.
    let mut carol = Client::registered(b.port, "carol", &[]);
    carol.send("@alice while you were on a");
    assert_eq!(carol.expect("stored"), "stored for alice");

    let servers = list(&[a.port, b.port]);
    let args = ["--server", servers.as_str(), "--user", "alice"];
    let mut alice = Client::spawn_env(&args, &[("CHAT_PASSWORD", "pw of alice")]);
    alice.expect(&format!("registered as alice on 127.0.0.1:{}", a.port));
    a.kill();
    expect_loss(&mut alice);
    alice.next_is(&format!("*** reconnected to 127.0.0.1:{} as alice", b.port));
    let waited = alice.expect("while you were on a");
    assert!(
        waited.ends_with(", while you were away] carol (to you): while you were on a"),
        "{waited}"
    );
    assert_eq!(
        carol.expect("delivered"),
        "delivered to alice (stored): \"while you were on a\""
    );
    leave(alice);
    leave(carol);
}

/// Fake servers, to hold the moment: a takes a message and closes before answering it; b
/// answers alice's registration only once a line has been typed during the switch.
#[test]
fn lines_typed_during_the_switch_go_to_the_next_server_and_the_one_in_flight_is_lost() {
    let (a_port, a_script) = fake(|listener| {
        let mut pair = register(&listener, "alice", "\n\n");
        expect_bytes(&mut pair.send, &send_bytes("bob", "in flight"));
    });
    let (typed, go) = mpsc::channel();
    let (b_port, b_script) = fake(move |listener| {
        let mut pair = accept_pair(&listener);
        expect_bytes(&mut pair.send, &register_tosend("alice"));
        go.recv_timeout(WAIT).expect("the test typed a line");
        put(&mut pair.send, b"REGISTERED TOSEND alice\n\n");
        expect_bytes(&mut pair.recv, &register_torecv_asking("alice"));
        put(&mut pair.recv, b"REGISTERED TORECV alice\n\n");
        pair.reply(&send_bytes("bob", "typed meanwhile"), b"SENT bob\n\n");
        pair.hold();
    });
    let mut alice = alice_on(&[a_port, b_port]);
    alice.send("@bob in flight");
    alice.next_is(
        "no reply for bob: the connection was lost; it may or may not have been delivered",
    );
    alice.next_is("server closed the connection");
    join(a_script);
    alice.send("@bob typed meanwhile");
    typed.send(()).expect("b's script waits");
    alice.next_is(&format!("*** reconnected to 127.0.0.1:{b_port} as alice"));
    alice.next_is("delivered to bob");
    quit(alice, b_script);
}

/// Refuses every registration on `listener` with `ERROR 107` until `stop` says so (or is
/// dropped), for at most [`WAIT`].
fn refuse_all(listener: &TcpListener, stop: &mpsc::Receiver<()>) {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + WAIT;
    while stop.try_recv() == Err(TryRecvError::Empty) && Instant::now() < deadline {
        let Ok((mut send, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let _recv = accept(listener); // the client connects both before it speaks
        send.set_nonblocking(false).expect("blocking");
        send.set_read_timeout(Some(WAIT)).expect("timeout");
        expect_bytes(&mut send, &register_tosend("alice"));
        put(&mut send, b"ERROR 107 Server full\n\n");
    }
}

/// The servers of the round after the loss are a port that refuses connections and the lost
/// one, a fake still listening that refuses alice as full: the client waits, and `/quit`
/// leaves during the wait.
#[test]
fn with_no_server_left_it_tries_again_later_until_quit() {
    let (_held, refusing) = refusing_port();
    let (stop, stopped) = mpsc::channel();
    let (a_port, a_script) = fake(move |listener| {
        drop(register(&listener, "alice", "\n\n"));
        refuse_all(&listener, &stopped);
    });
    let mut alice = alice_on(&[a_port, refusing]);
    alice.next_is("server closed the connection");
    alice.next_is(&format!(
        "cannot connect to 127.0.0.1:{refusing}: connection refused (is the server running?)"
    ));
    alice.next_is(
        "the server refused to register \"alice\": the server is full; try again later \
         (ERROR 107)",
    );
    alice.next_is("could not reconnect to any server; trying again in 1 s");
    alice.send("/quit");
    alice.exits_ok();
    stop.send(()).expect("the fake server runs");
    join(a_script);
}

#[test]
fn the_prompt_takes_a_list_and_skips_a_server_that_is_down() {
    let (_held, down) = refusing_port();
    let b = Server::start();
    let mut alice = Client::spawn(&[]);
    alice.next_is("Server address:");
    alice.send("127.0.0.1:1,127.0.0.1:http");
    alice.next_is(
        "server 2 of 2, \"127.0.0.1:http\": \"http\" is not a port number (1 to 65535); \
         type host or host:port, or several separated by commas",
    );
    alice.next_is("Server address:");
    alice.send(&list(&[down, b.port]));
    alice.next_is("Username:");
    alice.send("alice");
    alice.next_is(&format!(
        "cannot connect to 127.0.0.1:{down}: connection refused (is the server running?)"
    ));
    let registered = alice.expect("registered");
    let on_b = format!("registered as alice on 127.0.0.1:{};", b.port);
    assert!(registered.starts_with(&on_b), "{registered}");
    leave(alice);
}

#[test]
fn a_kicked_client_does_not_move_to_another_server() {
    let mut a = Server::start();
    let b = Server::start();
    let mut alice = alice_on(&[a.port, b.port]);
    a.console("kick alice spam");
    alice.next_is("*** you were kicked (spam)");
    alice.next_is("server closed the connection");
    let rest = alice.rest();
    assert!(rest.is_empty(), "more after the kick: {rest:?}");
    assert!(!alice.wait().success());
    drop(b);
}

#[test]
fn the_full_screen_moves_to_the_next_server_and_says_where_it_is() {
    let mut a = Server::start();
    let b = Server::start();
    let (on_a, on_b) = (list(&[a.port]), list(&[b.port]));
    let tmux = Tmux::start();
    let dave = tmux.client(
        "dave",
        &["--server", &list(&[a.port, b.port]), "--user", "dave"],
    );
    dave.expect(&[&format!("dave on {on_a} · connected")]);
    a.kill();
    dave.expect(&[
        &format!("reconnected to {on_b} as dave"),
        &format!("dave on {on_b} · connected"),
    ]);
    let mut erin = Client::registered(b.port, "erin", &[]);
    erin.send("@dave found you");
    dave.expect(&["erin → you: found you"]);
    assert_eq!(erin.expect("deliver"), "delivered to dave");
    dave.press("C-c");
    dave.expect(&["client exited 0", "terminal cooked"]);
}
