//! A page whose connection drops retries by itself, with a growing delay, until the server is
//! back; one whose user pressed Disconnect stays away.

use crate::browser::Chromium;
use crate::support::json::Peer;
use chat::core::Store;
use chat::front::{Server, ServerHandle};
use chat::store::Sqlite;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts the server again with its web front end on `web`, the address it had (the port may
/// take a moment to be free again), its memory in `store` (a new one when `None`).
pub(crate) fn restart_on(web: SocketAddr, store: Option<&Arc<Sqlite>>) -> ServerHandle {
    let deadline = Instant::now() + crate::browser::WAIT;
    loop {
        let config = crate::web_config(Some(web));
        let bound = match store {
            Some(store) => Server::bind_with(config, Some(store.clone() as Arc<dyn Store>)),
            None => crate::support::store::bind_with_store(
                config,
                &crate::support::store::store_config(100),
            ),
        };
        match bound {
            Ok(server) => return server.spawn().expect("spawn"),
            Err(e) if Instant::now() < deadline => {
                eprintln!("binding {web} again: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("could not bind {web} again: {e}"),
        }
    }
}

#[test]
fn a_page_reconnects_by_itself_when_the_server_comes_back() {
    let server = crate::start();
    let web = server.web_addr().unwrap();
    let url = crate::url(&server);
    let chromium = Chromium::start();
    let alice = chromium.page(&url);
    alice.connect("alice", "");
    let bob = chromium.page(&url);
    bob.connect("bob", "");
    alice.send("before the restart");
    bob.wait_line("alice: before the restart");

    server.shutdown(Duration::from_secs(5));
    for page in [&alice, &bob] {
        page.wait_text("#reconnect", "reconnecting in");
        page.wait_text("#status", "disconnected");
        page.wait_line("connection lost");
        page.wait_users(&[]);
    }
    let server = restart_on(web, None);
    for (page, nick) in [(&alice, "alice"), (&bob, "bob")] {
        page.wait_connected(nick);
        page.wait_line(&format!("reconnected to {web} as {nick}"));
        assert_eq!(
            page.eval("document.getElementById('reconnect').hidden"),
            true
        );
    }
    alice.wait_users(&["alice", "bob"]);
    alice.send("after the restart");
    bob.wait_line("alice: after the restart");
    alice.wait_mark("after the restart", "delivered");
    // Nothing shown twice across the reconnection.
    assert_eq!(bob.line("before the restart")["count"], 1);

    // Disconnect: the form comes back, and no reconnection is tried.
    alice.click("#disconnect");
    alice.wait_text("#status", "not connected");
    assert_eq!(
        alice.eval("document.getElementById('connect').hidden"),
        false
    );
    assert_eq!(
        alice.eval("document.getElementById('reconnect').hidden"),
        true
    );
    bob.wait_line("← alice left");
    bob.wait_users(&["bob"]);
    drop(server);
}

#[test]
fn retry_now_tries_at_once_the_delay_grows_and_what_was_said_meanwhile_comes() {
    let store = Arc::new(Sqlite::open(&crate::support::store::store_config(100)).unwrap());
    let server = Server::bind_with(
        crate::web_config(None),
        Some(store.clone() as Arc<dyn Store>),
    )
    .and_then(Server::spawn)
    .unwrap();
    let web = server.web_addr().unwrap();
    let chromium = Chromium::start();
    let alice = chromium.page(&crate::url(&server));
    alice.connect("alice", "");
    server.shutdown(Duration::from_secs(5));
    // 1 s, then each failed try doubles it, plus a tenth at most of jitter.
    let delay = |page: &crate::browser::Page| -> u64 {
        let value = page.eval("Number(document.getElementById('reconnect').dataset.delay)");
        value.as_u64().unwrap()
    };
    let first = alice.wait_text("#reconnect-text", "reconnecting in");
    assert!((1000..=1100).contains(&delay(&alice)), "{first}");
    for want in [2000, 4000] {
        alice.click("#retry");
        alice.wait(
            &format!("a wait of {want} ms"),
            &format!("Number(document.getElementById('reconnect').dataset.delay) >= {want}"),
        );
        // The page may have tried once more on its own meanwhile: a later step, never another.
        let got = delay(&alice);
        let step = [2000, 4000, 8000, 16000].map(|d| d..=d + d / 10);
        assert!(step.iter().any(|s| s.contains(&got)), "a wait of {got} ms");
    }
    alice.screenshot("reconnecting");

    // Back, with its memory; dan speaks before alice's next try (4 s away at least).
    let server = restart_on(web, Some(&store));
    let mut dan = Peer::join(server.json_addr().unwrap(), "dan");
    dan.send(r#"{"type":"chat","message":"said while alice was away"}"#);
    dan.next_payload();
    alice.click("#retry");
    alice.wait_connected("alice");
    alice.wait_line("dan: said while alice was away");
    let lines =
        alice.eval("[...document.querySelectorAll('#messages li')].map((li) => li.dataset.kind)");
    // ... shown above the note saying alice is back (from the history), not as live.
    assert_eq!(
        lines,
        serde_json::json!(["info", "info", "chat", "info"]),
        "{}",
        alice.dump()
    );
    assert!(alice.line("said while alice")["classes"]
        .as_str()
        .unwrap()
        .contains("past"));

    // A success starts the delays again from 1 s.
    server.shutdown(Duration::from_secs(5));
    alice.wait_text("#reconnect-text", "reconnecting in");
    assert!((1000..=1100).contains(&delay(&alice)));
}
