//! Several servers as one chat over NATS: three real `server` nodes on one real
//! `nats-server`, users of both protocols spread over them. Messages and their
//! acknowledgements across nodes ([`messaging`]), names held once in the whole cluster
//! ([`names`]), the console of one node over the others ([`console`]), accounts, mailboxes
//! and each user's history on every node ([`memory`]), and what a killed node or a
//! restarted NATS does to the others ([`failure`]).

#[path = "../support/mod.rs"]
mod support;

mod console;
mod failure;
mod memory;
mod messaging;
mod names;

use std::time::{Duration, Instant};
use support::json;
use support::{Raw, PATIENCE};

/// Reads one two-socket message (up to its blank line; no body) within `PATIENCE`.
pub fn next_message(raw: &mut Raw) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut got = Vec::new();
    while !got.ends_with(b"\n\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        let byte = raw.read_n(1, left);
        assert!(
            !byte.is_empty(),
            "no whole message came; got {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&byte);
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Expects each of `want` on `raw`, in any order, and nothing else meanwhile.
pub fn expect_any_order(raw: &mut Raw, want: &[&str]) {
    let mut left: Vec<&str> = want.to_vec();
    while !left.is_empty() {
        let got = next_message(raw);
        let at = left.iter().position(|w| *w == got);
        let at = at.unwrap_or_else(|| panic!("got {got:?}, wanted one of {left:?}"));
        left.remove(at);
    }
}

/// The next JSON packet that is not someone joining the chat (a join of a room is kept).
pub fn next_not_join(peer: &mut json::Peer) -> String {
    loop {
        let got = peer.next_payload();
        if !got.starts_with(r#"{"type":"join""#) || got.contains(r#""room""#) {
            return got;
        }
    }
}

/// The next `n` JSON packets that are not joins, in the order of `want`, whatever the
/// order they came in (from several nodes).
pub fn expect_json_any_order(peer: &mut json::Peer, want: &[&str]) {
    let mut got: Vec<String> = (0..want.len()).map(|_| next_not_join(peer)).collect();
    got.sort();
    let mut want: Vec<&str> = want.to_vec();
    want.sort();
    assert_eq!(got, want);
}

/// Three nodes that know each other: a JSON watcher on each (`w1`, `w2`, `w3`), each of
/// which sees all three. Users who join after this hear of each other in the order they
/// join, as on one server.
pub fn mesh(
    nats: &support::cluster::Nats,
    args: &[&str],
) -> ([support::cluster::Node; 3], [json::Peer; 3]) {
    let nodes = support::cluster::three(nats, args);
    let mut watchers =
        [0, 1, 2].map(|i| json::Peer::join_extended(nodes[i].json, &format!("w{}", i + 1)));
    for w in &mut watchers {
        wait_for_users(w, &["w1", "w2", "w3"]);
    }
    (nodes, watchers)
}

/// Asks `peer` for the user list until it is `names` (the nodes know each other); the
/// joins and leaves heard meanwhile are passed over.
pub fn wait_for_users(peer: &mut json::Peer, names: &[&str]) {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let want = format!(r#"{{"type":"users","nicks":[{}]}}"#, quoted.join(","));
    let deadline = Instant::now() + PATIENCE;
    loop {
        peer.send(r#"{"type":"users"}"#);
        let got = loop {
            let got = peer.next_payload();
            if got.starts_with(r#"{"type":"users""#) {
                break got;
            }
        };
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "users stayed {got}, not {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
