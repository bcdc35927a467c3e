//! The chat's memory survives: a restart with the same `--data` keeps accounts, messages that
//! wait, history and rooms; `kill -9` in the middle of a stream of kept messages loses none that was
//! answered `STORED`; a data file that is not ours, or corrupt, stops the server at start with
//! a clear message and is left as it was.

use crate::support::reliability::{Got, Peer, RealServer};
use crate::support::{send_msg, PATIENCE};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A fresh, empty data directory for one test.
fn data_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("data-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A server remembering in `data`, with room for every message a test keeps.
fn start(data: &Path) -> RealServer {
    RealServer::start_with_data("durability", data, &["--mailbox-size", "100000"])
}

/// SIGTERM, and the wait for an orderly end.
fn stop(mut node: RealServer) {
    node.signal("TERM");
    let status = node.wait_exit(PATIENCE).expect("the server ends");
    assert!(status.success(), "{status}");
}

/// Registers both sockets of `name` with `headers`, expecting `REGISTERED` on each.
fn join(addr: SocketAddr, name: &str, headers: &str) -> (Peer, Peer) {
    let mut tosend = Peer::connect(addr);
    let mut torecv = Peer::connect(addr);
    for (peer, role) in [(&mut tosend, "TOSEND"), (&mut torecv, "TORECV")] {
        peer.send(format!("REGISTER {role} {name}\n{headers}\n").as_bytes());
        match peer.next(PATIENCE) {
            Got::Msg(_, raw) if raw.starts_with(format!("REGISTERED {role} {name}").as_bytes()) => {
            }
            other => panic!("{name} {role}: {other:?}"),
        }
    }
    (tosend, torecv)
}

/// The raw bytes of the next message on `peer`.
fn next(peer: &mut Peer) -> Vec<u8> {
    match peer.next(PATIENCE) {
        Got::Msg(_, raw) => raw,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// Claims `name` with `password`, and leaves.
fn claim(addr: SocketAddr, name: &str, password: &str) {
    let (mut tosend, _torecv) = join(addr, name, "Extensions: auth, quit\n");
    tosend.send(format!("PASSWORD\nContent-length: {}\n\n{password}", password.len()).as_bytes());
    assert_eq!(next(&mut tosend), b"PASSWORD SET\n\n");
    tosend.send(b"QUIT\n\n");
    assert_eq!(next(&mut tosend), b"BYE\n\n");
}

/// The `Id:` of a `STORED` or `FORWARD`.
fn id_of(raw: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(raw);
    let line = text
        .lines()
        .find(|l| l.starts_with("Id: "))
        .unwrap_or_else(|| panic!("no Id in {text:?}"));
    line["Id: ".len()..].parse().unwrap()
}

#[test]
fn a_restart_with_the_same_data_keeps_accounts_mailboxes_and_history() {
    let data = data_dir("restart");
    let node = start(&data);
    claim(node.addr, "bob", "pw");
    let (mut alice, _alice_rx) = join(node.addr, "alice", "Extensions: offline, history\n");
    alice.send(&send_msg("ALL", b"before the restart"));
    assert_eq!(next(&mut alice), b"SENT ALL\n\n");
    alice.send(&send_msg("bob", b"kept for you"));
    let stored = next(&mut alice);
    assert!(stored.starts_with(b"STORED bob\nId: "), "{stored:?}");
    drop((alice, _alice_rx));
    stop(node);

    let node = start(&data);
    // The account: bob's name still needs bob's password.
    let mut plain = Peer::connect(node.addr);
    plain.send(b"REGISTER TOSEND bob\n\n");
    assert_eq!(next(&mut plain), b"ERROR 104 Username taken\n\n");
    // The mailbox: what waited comes first.
    let (_bob, mut bob_rx) = join(node.addr, "bob", "Extensions: offline\nPassword: pw\n");
    let got = next(&mut bob_rx);
    let want = format!(
        "FORWARD alice\nContent-length: 12\nId: {}\nStored: yes\n\nkept for you",
        id_of(&stored)
    );
    assert_eq!(String::from_utf8_lossy(&got), want);
    bob_rx.send(b"RECEIVED alice\n\n");
    // The history.
    let (mut carol, _carol_rx) = join(node.addr, "carol", "Extensions: history\n");
    carol.send(b"HISTORY\n\n");
    let page = String::from_utf8_lossy(&next(&mut carol)).into_owned();
    assert!(
        page.starts_with("HISTORY 1\n") && page.ends_with("before the restart"),
        "{page}"
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn kill_9_during_a_stream_of_kept_messages_loses_none_that_was_answered_stored() {
    let data = data_dir("kill9");
    let node = start(&data);
    claim(node.addr, "bob", "pw");
    // Senders stream messages to offline bob, each waiting for its STORED; the server is
    // killed while they do.
    let addr = node.addr;
    let senders: Vec<_> = (0..4)
        .map(|s| {
            std::thread::spawn(move || {
                let (mut tx, _rx) = join(addr, &format!("s{s}"), "Extensions: offline\n");
                let mut stored = BTreeMap::new();
                for i in 0.. {
                    let body = format!("s{s} m{i}");
                    tx.send(&send_msg("bob", body.as_bytes()));
                    match tx.next(PATIENCE) {
                        Got::Msg(_, raw) if raw.starts_with(b"STORED bob\n") => {
                            stored.insert(id_of(&raw), body);
                        }
                        _ => return stored, // the server is gone
                    }
                }
                stored
            })
        })
        .collect();
    let deadline = Instant::now() + PATIENCE;
    let pid = node.pid();
    // Let the stream run a while (the senders see their STOREDs), then kill -9.
    std::thread::sleep(Duration::from_millis(500));
    assert!(Instant::now() < deadline);
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    drop(node);
    let mut stored = BTreeMap::new();
    for s in senders {
        stored.extend(s.join().unwrap());
    }
    assert!(
        stored.len() >= 10,
        "only {} STORED before the kill",
        stored.len()
    );

    let node = start(&data);
    let (_bob, mut bob_rx) = join(node.addr, "bob", "Extensions: offline\nPassword: pw\n");
    let mut seen = BTreeSet::new();
    let take = |raw: Vec<u8>, seen: &mut BTreeSet<u64>, bob_rx: &mut Peer| {
        let id = id_of(&raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        assert!(seen.insert(id), "{id} came twice: {text}");
        if let Some(body) = stored.get(&id) {
            assert!(text.ends_with(body.as_str()), "{text}");
        }
        bob_rx.send(b"RECEIVED x\n\n");
    };
    // Every message answered STORED comes (and may be joined by ones committed whose STORED
    // never reached their sender), each once.
    while let Some(missing) = stored.keys().find(|id| !seen.contains(*id)).copied() {
        match bob_rx.next(PATIENCE) {
            Got::Msg(_, raw) => take(raw, &mut seen, &mut bob_rx),
            other => panic!(
                "{missing} never came ({} of {} did): {other:?}",
                seen.len(),
                stored.len()
            ),
        }
    }
    while let Got::Msg(_, raw) = bob_rx.next(Duration::from_millis(300)) {
        take(raw, &mut seen, &mut bob_rx);
    }
    eprintln!(
        "kill -9: {} answered STORED, all delivered after the restart ({} delivered)",
        stored.len(),
        seen.len()
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&data);
}

/// Starts the server on `data` expecting it to refuse at once; returns what it said.
fn refused(data: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(crate::support::LOOPBACK_ANY_PORT)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run server");
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the server") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started on {}", data.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(!status.success());
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
    }
    said
}

#[test]
fn a_data_file_not_ours_or_corrupt_stops_the_server_at_start_and_is_left_as_it_was() {
    let data = data_dir("bad");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("chat.db");
    std::fs::write(&db, "these are my notes, not a database\n").unwrap();
    let said = refused(&data);
    assert!(said.contains("is not a chat database"), "{said}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"these are my notes, not a database\n"
    );

    // A real database of ours, then bytes in its middle overwritten.
    std::fs::remove_file(&db).unwrap();
    let node = start(&data);
    for i in 0..50 {
        claim(node.addr, &format!("u{i}"), "pw");
    }
    stop(node);
    // Every page but the first (the header and the schema) overwritten.
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 4096 * 3, "{} bytes", bytes.len());
    for b in &mut bytes[4096..] {
        *b = 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    let said = refused(&data);
    assert!(
        said.contains("corrupt") || said.contains("malformed"),
        "{said}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "left as it was");

    // A data path that cannot be a directory.
    let file = data.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let said = refused(&file);
    assert!(said.starts_with("server: "), "{said}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn rooms_their_topics_and_their_history_survive_a_restart() {
    let data = data_dir("rooms");
    let node = start(&data);
    let (mut alice, _alice_rx) = join(node.addr, "alice", "Extensions: rooms\n");
    alice.send(b"JOIN #rust\n\n");
    assert_eq!(next(&mut alice), b"JOINED #rust\n\n");
    alice.send(b"TOPIC #rust\nTopic: Rust, mostly\n\n");
    assert_eq!(next(&mut alice), b"TOPIC SET #rust\n\n");
    alice.send(&send_msg("#rust", b"said in rust"));
    assert_eq!(next(&mut alice), b"SENT #rust\n\n");
    drop((alice, _alice_rx));
    stop(node);

    let node = start(&data);
    let (mut bob, _bob_rx) = join(node.addr, "bob", "Extensions: rooms, history\n");
    bob.send(b"ROOMS\n\n");
    let rooms = "ROOMS 2\nContent-length: 30\n\n#lobby 1\n#rust 0 Rust, mostly\n";
    assert_eq!(String::from_utf8_lossy(&next(&mut bob)), rooms);
    bob.send(b"JOIN #rust\n\n");
    assert_eq!(next(&mut bob), b"JOINED #rust\n\n");
    bob.send(b"WHO #rust\n\n");
    let who = "WHO #rust 1\nContent-length: 4\nOperator: alice\nTopic: Rust, mostly\n\nbob\n";
    assert_eq!(String::from_utf8_lossy(&next(&mut bob)), who);
    bob.send(b"HISTORY\nRoom: #rust\n\n");
    let page = String::from_utf8_lossy(&next(&mut bob)).into_owned();
    assert!(
        page.starts_with("HISTORY 1\nContent-length: ")
            && page.contains("\nRoom: #rust\n\n")
            && page.contains("ENTRY ")
            && page.contains(" alice #rust\n")
            && page.ends_with("said in rust"),
        "{page}"
    );
    // The lobby's history does not hold the room's message.
    bob.send(b"HISTORY\n\n");
    assert_eq!(next(&mut bob), b"HISTORY 0\nContent-length: 0\n\n");
    drop(node);
    let _ = std::fs::remove_dir_all(&data);
}
