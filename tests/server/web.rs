//! The web front end (PROTOCOL.md Part 6) over real sockets: the page and the HTTP errors
//! byte for byte, the WebSocket's handshake and Origin rule, and web users chatting with
//! two-socket and JSON users in both directions, each in its own wire's exact bytes.

use crate::support::json::Peer;
use crate::support::web::{http, upgrade_request, web_config, WebPeer};
use crate::support::{start, User};
use chat::front::ServerHandle;
use std::net::SocketAddr;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' \
    data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const INDEX: &str = include_str!("../../src/front/web/page/index.html");
const APP: &str = include_str!("../../src/front/web/page/app.js");

struct Addrs {
    tcp: SocketAddr,
    json: SocketAddr,
    web: SocketAddr,
}

fn server() -> (ServerHandle, Addrs) {
    let server = start(web_config());
    let addrs = Addrs {
        tcp: server.local_addr(),
        json: server.json_addr().unwrap(),
        web: server.web_addr().unwrap(),
    };
    (server, addrs)
}

/// The head of a response of ours, `extra` header lines before `Connection: close`.
fn head(status: &str, content_type: &str, len: usize, extra: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCache-Control: no-cache\r\n{extra}Connection: close\r\n\r\n"
    )
}

fn text_error(status: &str, body: &str, extra: &str) -> String {
    let body = format!("{body}\n");
    head(status, "text/plain; charset=utf-8", body.len(), extra) + &body
}

#[test]
fn the_page_is_served_with_a_strict_content_security_policy() {
    let (_server, a) = server();
    let html = "text/html; charset=utf-8";
    let got = http(a.web, b"GET / HTTP/1.1\r\nHost: chat.test\r\n\r\n");
    assert_eq!(got, head("200 OK", html, INDEX.len(), "") + INDEX);
    let got = http(
        a.web,
        b"GET /app.js?v=1 HTTP/1.1\r\nHost: chat.test\r\n\r\n",
    );
    let js = "text/javascript; charset=utf-8";
    assert_eq!(got, head("200 OK", js, APP.len(), "") + APP);
    // HEAD: the same head, no body.
    let got = http(
        a.web,
        b"HEAD /index.html HTTP/1.1\r\nHost: chat.test\r\n\r\n",
    );
    assert_eq!(got, head("200 OK", html, INDEX.len(), ""));
    let got = http(a.web, b"GET /style.css HTTP/1.0\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/css; charset=utf-8\r\n"));
    let got = http(a.web, b"GET /favicon.ico HTTP/1.1\r\n\r\n");
    assert!(
        got.starts_with("HTTP/1.1 204 No Content\r\nContent-Security-Policy: "),
        "{got}"
    );
}

#[test]
fn what_the_server_does_not_serve_gets_a_clear_status() {
    let (_server, a) = server();
    let got = http(a.web, b"GET /secret HTTP/1.1\r\n\r\n");
    assert_eq!(
        got,
        text_error("404 Not Found", "nothing here at /secret", "")
    );
    let got = http(a.web, b"DELETE / HTTP/1.1\r\n\r\n");
    let why = "DELETE is not served here; use GET or HEAD";
    let allow = "Allow: GET, HEAD\r\n";
    assert_eq!(got, text_error("405 Method Not Allowed", why, allow));
    let got = http(
        a.web,
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
    );
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got}");
    assert!(
        got.ends_with("\r\n\r\nthis is not an HTTP request (invalid token)\n"),
        "{got}"
    );
    let mut big = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
    big.resize(9000, b'a');
    let got = http(a.web, &big);
    let why = "the request head is longer than 8192 bytes";
    assert_eq!(
        got,
        text_error("431 Request Header Fields Too Large", why, "")
    );
    let got = http(a.web, b"GET /ws HTTP/1.1\r\n\r\n");
    let why = "/ws is the chat's WebSocket: connect with a WebSocket";
    let upgrade = "Upgrade: websocket\r\n";
    assert_eq!(got, text_error("426 Upgrade Required", why, upgrade));
    let got = http(a.web, b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
    let why =
        "not a WebSocket handshake: WebSocket protocol error: No \"Connection: upgrade\" header";
    assert_eq!(got, text_error("400 Bad Request", why, ""));
}

#[test]
fn a_request_that_never_ends_gets_408_after_the_idle_timeout() {
    let server = start(chat::front::Config {
        idle_timeout: std::time::Duration::from_millis(300),
        ..web_config()
    });
    let got = http(server.web_addr().unwrap(), b"GET / HTTP/1.1\r\nHost: x\r\n");
    let why = "no complete request within 300ms";
    assert_eq!(got, text_error("408 Request Timeout", why, ""));
}

#[test]
fn a_page_of_another_origin_may_not_open_the_chat() {
    let server = start(chat::front::Config {
        web_origins: chat::front::web::origin::Origins::new(&["https://chat.example.org"]),
        ..web_config()
    });
    let web = server.web_addr().unwrap();
    let got = http(
        web,
        upgrade_request("Origin: https://evil.example\r\n").as_bytes(),
    );
    let why = "the origin https://evil.example may not open this chat (allowed: this page's \
               own origin, https://chat.example.org)";
    assert_eq!(got, text_error("403 Forbidden", why, ""));
    // The page's own origin, and a listed one, are let in.
    for origin in ["http://chat.test", "https://chat.example.org"] {
        let mut raw = crate::support::Raw::connect(web);
        raw.send(upgrade_request(&format!("Origin: {origin}\r\n")).as_bytes());
        raw.expect(b"HTTP/1.1 101 Switching Protocols\r\n");
    }
    // Nobody else noticed: a user joins and chats.
    let mut pat = WebPeer::join(web, "pat");
    pat.send(r#"{"type":"chat","message":"still here"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"still here"}"#);
}

#[test]
fn a_web_user_joins_chats_and_sees_its_echo() {
    let (_server, a) = server();
    let mut pat = WebPeer::join(a.web, "pat");
    pat.send(r#"{ "message": "hi \u00e9", "type" : "chat", "x": [1] }"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"hi é"}"#);
    pat.send(r#"{"type":"users"}"#);
    pat.expect(r#"{"type":"users","nicks":["pat"]}"#);
    pat.send(r#"{"type":"hello","nick":"pat"}"#);
    pat.expect_error("already-joined", "you already joined as pat");
    pat.send(r#"{"type":"chat"}"#);
    let why = "a chat packet is missing a field or has one of the wrong type";
    pat.expect_error("bad-packet", why);
    pat.send(r#"{"type":"dm","to":"nobody","message":"x"}"#);
    pat.expect_error("no-such-user", "nobody is not online");
}

#[test]
fn a_taken_nick_is_refused_with_an_error_and_a_close_that_says_why() {
    let (_server, a) = server();
    let _alice = User::join(a.tcp, "alice");
    let mut p = WebPeer::connect(a.web);
    p.send(r#"{"type":"chat","message":"early"}"#);
    p.expect_error("no-hello", "send hello first");
    p.send(r#"{"type":"hello","nick":"alice"}"#);
    p.expect_error("nick-taken", "alice is taken");
    p.expect_close(1008, "alice is taken");
}

#[test]
fn web_two_socket_and_json_users_share_one_chat_both_ways() {
    let (_server, a) = server();
    let ext = "events, users";
    let mut alice = User::join_with(a.tcp, "alice", ext);
    let mut pat = Peer::join_extended(a.json, "pat");
    alice.torecv.expect(b"EVENT JOIN pat\n\n");
    let mut web = WebPeer::join_extended(a.web, "wendy");
    alice.torecv.expect(b"EVENT JOIN wendy\n\n");
    pat.expect(r#"{"type":"join","nick":"wendy"}"#);
    web.send(r#"{"type":"users"}"#);
    web.expect(r#"{"type":"users","nicks":["alice","pat","wendy"]}"#);

    // The web user to all: a forward for alice, a chat for pat, its echo.
    web.send(r#"{"type":"chat","message":"hello all"}"#);
    web.expect(r#"{"type":"chat","nick":"wendy","message":"hello all"}"#);
    alice
        .torecv
        .expect(&crate::support::forward_msg("wendy", b"hello all"));
    alice.torecv.send(b"RECEIVED wendy\n\n");
    pat.expect(r#"{"type":"chat","nick":"wendy","message":"hello all"}"#);

    // Direct messages both ways, with each protocol.
    web.send(r#"{"type":"dm","to":"alice","message":"psst"}"#);
    alice
        .torecv
        .expect(&crate::support::forward_msg("wendy", b"psst"));
    alice.torecv.send(b"RECEIVED wendy\n\n");
    web.expect(r#"{"type":"dm","nick":"wendy","to":"alice","message":"psst"}"#);
    alice
        .tosend
        .send(&crate::support::send_msg("wendy", b"back"));
    web.expect(r#"{"type":"dm","nick":"alice","to":"wendy","message":"back"}"#);
    alice.tosend.expect(b"SENT wendy\n\n");
    pat.send(r#"{"type":"dm","to":"wendy","message":"from json"}"#);
    web.expect(r#"{"type":"dm","nick":"pat","to":"wendy","message":"from json"}"#);
    pat.expect(r#"{"type":"dm","nick":"pat","to":"wendy","message":"from json"}"#);
    web.send(r#"{"type":"emote","message":"waves"}"#);
    web.expect(r#"{"type":"emote","nick":"wendy","message":"waves"}"#);
    pat.expect(r#"{"type":"emote","nick":"wendy","message":"waves"}"#);
    alice
        .torecv
        .expect(&crate::support::forward_msg("wendy", b"/me waves"));
    alice.torecv.send(b"RECEIVED wendy\n\n");

    // Two-socket and JSON to all reach the web user.
    alice
        .tosend
        .send(&crate::support::send_msg("ALL", b"from tcp"));
    web.expect(r#"{"type":"chat","nick":"alice","message":"from tcp"}"#);
    pat.expect(r#"{"type":"chat","nick":"alice","message":"from tcp"}"#);
    alice.tosend.expect(b"SENT ALL\n\n");
    pat.send(r#"{"type":"chat","message":"from json"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"from json"}"#);
    web.expect(r#"{"type":"chat","nick":"pat","message":"from json"}"#);
    alice
        .torecv
        .expect(&crate::support::forward_msg("pat", b"from json"));
    alice.torecv.send(b"RECEIVED pat\n\n");

    // Leaves, both ways.
    drop(pat);
    web.expect(r#"{"type":"leave","nick":"pat","reason":"disconnected"}"#);
    alice
        .torecv
        .expect(b"EVENT LEAVE pat\nReason: disconnected\n\n");
    web.ws.close(None).unwrap();
    alice.torecv.expect(b"EVENT LEAVE wendy\nReason: quit\n\n");
}

#[test]
fn past_the_connection_cap_a_browser_is_told_503() {
    let server = start(chat::front::Config {
        max_connections: 1,
        ..web_config()
    });
    let web = server.web_addr().unwrap();
    let mut pat = WebPeer::join(web, "pat");
    let why = "the server is full; try again later";
    let got = http(web, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(got, text_error("503 Service Unavailable", why, ""));
    pat.send(r#"{"type":"chat","message":"unharmed"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"unharmed"}"#);
}

#[test]
fn the_binary_announces_the_web_port_and_serves_the_page_there() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    /// Kills the server however the test ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--json-port", "0"])
        .args(["--web-any-port", "--no-store", "--no-console"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Killed(child);
    // Two lines: the two-socket port, then the web one (JSON is off); read with a deadline.
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines.recv_timeout(crate::support::PATIENCE).unwrap();
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first}");
    let second = lines.recv_timeout(crate::support::PATIENCE).unwrap();
    let web: SocketAddr = second
        .strip_prefix("web listening on ")
        .unwrap_or_else(|| panic!("{second}"))
        .parse()
        .unwrap();
    let got = http(web, b"HEAD / HTTP/1.1\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
}

#[test]
fn a_kicked_web_user_hears_why_and_gets_a_close() {
    let (server, a) = server();
    let mut wendy = WebPeer::join_extended(a.web, "wendy");
    let mut spam = WebPeer::join_extended(a.web, "spam");
    wendy.expect(r#"{"type":"join","nick":"spam"}"#);
    assert!(server.chat().kick("spam", "too loud"));
    spam.expect(r#"{"type":"kick","nick":"spam","reason":"too loud"}"#);
    spam.expect_close(1008, "removed from the chat");
    wendy.expect(r#"{"type":"kick","nick":"spam","reason":"too loud"}"#);
    wendy.expect(r#"{"type":"leave","nick":"spam","reason":"kicked"}"#);
    wendy.send(r#"{"type":"users"}"#);
    wendy.expect(r#"{"type":"users","nicks":["wendy"]}"#);
}
