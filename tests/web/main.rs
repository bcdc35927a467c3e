//! The browser chat page (`src/front/web/page/`) in headless Chromium, through the real
//! server (in-process, its web front end on `127.0.0.1:0`, its memory in an in-memory store)
//! and beside the real line-mode `client`: two pages and a terminal chatting
//! ([`conversation`]), a page that reconnects by itself when the server comes back and one
//! that leaves ([`reconnect`]), history on connecting and older pages on scrolling up
//! ([`history`]), a claimed name and a taken one on the connect form ([`login`]), a message
//! that waits for its offline recipient ([`offline`]), rooms: talk, topic, members, unread
//! counts, history and rejoining ([`rooms`]). [`browser`] drives Chromium;
//! `CHAT_SCREENSHOTS=docs/screenshots` saves the screenshots of README.md.

#[path = "../support/mod.rs"]
mod support;

mod browser;
mod conversation;
mod history;
mod login;
mod offline;
mod reconnect;
mod rooms;

use chat::front::{Config, ServerHandle};
use std::net::SocketAddr;

/// A config with the JSON front end on a free port and the web one on `web` (else free too).
fn web_config(web: Option<SocketAddr>) -> Config {
    let config = support::web::web_config();
    Config {
        web: web.or(config.web),
        ..config
    }
}

/// A server whose chat remembers (accounts, history), the web front end on a free port.
fn start() -> ServerHandle {
    support::start_remembering(web_config(None))
}

/// The page's address on `server`.
fn url(server: &ServerHandle) -> String {
    format!(
        "http://{}/",
        server.web_addr().expect("the web front end is on")
    )
}

/// `nick` claims its name with `password` over the JSON protocol, then leaves.
fn claim(server: &ServerHandle, nick: &str, password: &str) {
    let mut peer = support::json::Peer::connect(server.json_addr().unwrap());
    peer.send(&format!(
        r#"{{"type":"hello","nick":"{nick}","extensions":["auth"]}}"#
    ));
    peer.expect(&format!(
        r#"{{"type":"welcome","nick":"{nick}","extensions":["auth"]}}"#
    ));
    peer.expect(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
    peer.send(&format!(r#"{{"type":"password","password":"{password}"}}"#));
    peer.expect(r#"{"type":"password","status":"set"}"#);
}
