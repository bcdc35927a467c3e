//! The WebSocket under bad input, frame by frame over raw sockets: oversized frames, text
//! that is not UTF-8, binary frames, unmasked frames, random bytes, a flood, a slow reader,
//! no hello, and a browser that stops answering pings. Each ends only the guilty connection,
//! with a close that says why, and a bystander keeps chatting undisturbed.

use crate::support::json::Peer;
use crate::support::reliability::{connect_small_rcvbuf, Rng};
use crate::support::start;
use crate::support::web::{frame, server_frame, text, web_config, RawWs, WebPeer};
use chat::front::{Config, ServerHandle};
use std::time::Duration;

/// Opcodes of RFC 6455.
const TEXT: u8 = 1;
const BINARY: u8 = 2;
const PING: u8 = 9;
const PONG: u8 = 10;

/// A server and a bystander who has joined on the web with the events extension.
fn with_bystander(config: Config) -> (ServerHandle, WebPeer) {
    let server = start(config);
    let bystander = WebPeer::join_extended(server.web_addr().unwrap(), "wendy");
    (server, bystander)
}

/// The bystander sends a message and gets exactly its echo: nothing else happened to it.
fn still_chatting(bystander: &mut WebPeer, n: u32) {
    bystander.send(&format!(r#"{{"type":"chat","message":"still here {n}"}}"#));
    bystander.expect(&format!(
        r#"{{"type":"chat","nick":"wendy","message":"still here {n}"}}"#
    ));
}

#[test]
fn an_oversized_frame_is_closed_with_1009_before_its_payload_is_read() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut bad = RawWs::join(server.web_addr().unwrap(), "big");
    wendy.expect(r#"{"type":"join","nick":"big"}"#);
    // A header announcing 70,000 bytes, and only a few of them.
    let mut head = frame(TEXT, &[b' '; 70_000], false);
    head.truncate(100);
    bad.send(&head);
    bad.expect_close(1009, "a message of 70000 bytes is longer than 65407");
    wendy.expect(r#"{"type":"leave","nick":"big","reason":"disconnected"}"#);
    still_chatting(&mut wendy, 1);
    // Fragments count together: two frames of 40,000 are a message of 80,000.
    let mut bad = RawWs::open(server.web_addr().unwrap());
    let part = "x".repeat(40_000);
    bad.send(&frame(TEXT, part.as_bytes(), true));
    bad.send(&frame(0, part.as_bytes(), false));
    bad.expect_close(1009, "a message of 80000 bytes is longer than 65407");
    still_chatting(&mut wendy, 2);
}

#[test]
fn text_that_is_not_utf8_is_closed_with_1007() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut bad = RawWs::join(server.web_addr().unwrap(), "bad");
    wendy.expect(r#"{"type":"join","nick":"bad"}"#);
    bad.send(&frame(
        TEXT,
        b"{\"type\":\"chat\",\"message\":\"\xff\xfe\"}",
        false,
    ));
    bad.expect_close(1007, "a text frame must be UTF-8");
    wendy.expect(r#"{"type":"leave","nick":"bad","reason":"disconnected"}"#);
    still_chatting(&mut wendy, 1);
}

#[test]
fn a_binary_frame_is_closed_with_1003_and_a_reason() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut bad = RawWs::join(server.web_addr().unwrap(), "bin");
    wendy.expect(r#"{"type":"join","nick":"bin"}"#);
    bad.send(&frame(BINARY, br#"{"type":"chat","message":"hi"}"#, false));
    bad.expect_close(1003, "binary frames are not accepted; send JSON text");
    wendy.expect(r#"{"type":"leave","nick":"bin","reason":"disconnected"}"#);
    still_chatting(&mut wendy, 1);
}

#[test]
fn an_unmasked_client_frame_is_a_protocol_error() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut bad = RawWs::open(server.web_addr().unwrap());
    bad.send(&server_frame(TEXT, br#"{"type":"hello","nick":"bare"}"#));
    let why = "not the WebSocket protocol: Received an unmasked frame from client";
    bad.expect_close(1002, why);
    still_chatting(&mut wendy, 1);
}

#[test]
fn text_that_is_not_a_packet_gets_the_part_4_error_then_a_close() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut bad = RawWs::join(server.web_addr().unwrap(), "typo");
    wendy.expect(r#"{"type":"join","nick":"typo"}"#);
    bad.send(&text(r#"{"type":"chat","message":"unfinished"#));
    bad.expect_text(r#"{"type":"error","code":"malformed","message":"payload is not JSON"}"#);
    bad.expect_close(1007, "payload is not JSON");
    wendy.expect(r#"{"type":"leave","nick":"typo","reason":"disconnected"}"#);
    still_chatting(&mut wendy, 1);
}

#[test]
fn random_bytes_after_the_handshake_end_only_that_connection() {
    let config = Config {
        idle_timeout: Duration::from_millis(500),
        ..web_config()
    };
    let (server, mut wendy) = with_bystander(config);
    let mut rng = Rng::new(6455);
    for round in 0..20 {
        let mut bad = RawWs::open(server.web_addr().unwrap());
        let len = 1 + rng.below(300);
        bad.send(&rng.bytes(len));
        // Whatever the bytes, the server closes: at once, or at the hello's deadline.
        bad.raw.expect_closed();
        still_chatting(&mut wendy, round);
    }
}

#[test]
fn a_flood_of_frames_is_closed_with_1008() {
    let config = Config {
        web_max_frames: 20,
        ..web_config()
    };
    let (server, mut wendy) = with_bystander(config);
    let mut bad = RawWs::join(server.web_addr().unwrap(), "flood");
    wendy.expect(r#"{"type":"join","nick":"flood"}"#);
    let pings: Vec<u8> = (0..100).flat_map(|_| frame(PING, b"", false)).collect();
    bad.send(&pings);
    let (code, reason, before) = bad.until_close();
    assert_eq!(
        (code, reason.as_str()),
        (1008, "more than 20 frames in a second")
    );
    assert!(
        before.iter().all(|f| *f == (0x80 | PONG, vec![])),
        "{before:?}"
    );
    assert!(before.len() <= 20, "{} pongs", before.len());
    wendy.expect(r#"{"type":"leave","nick":"flood","reason":"disconnected"}"#);
    still_chatting(&mut wendy, 1);
}

#[test]
fn a_reader_that_stops_reading_is_dropped_and_the_rest_chat_on() {
    let config = Config {
        max_queued: 64 * 1024,
        rate_limit: 0,
        ..web_config()
    };
    let (server, mut wendy) = with_bystander(config);
    let web = server.web_addr().unwrap();
    let stuck = connect_small_rcvbuf(web, 4096).unwrap();
    let mut stuck = RawWs::handshake(stuck);
    stuck.send(&text(r#"{"type":"hello","nick":"stuck"}"#));
    wendy.expect(r#"{"type":"join","nick":"stuck"}"#);
    let body = "z".repeat(4000);
    let echo = format!(r#"{{"type":"chat","nick":"wendy","message":"{body}"}}"#);
    // The chat drops a user whose queue is full as one that stopped answering.
    let leave = r#"{"type":"leave","nick":"stuck","reason":"timeout"}"#;
    for sent in 1.. {
        assert!(sent < 2000, "stuck was never dropped");
        wendy.send(&format!(r#"{{"type":"chat","message":"{body}"}}"#));
        match wendy.next() {
            tungstenite::Message::Text(t) if t.as_str() == echo => {}
            tungstenite::Message::Text(t) if t.as_str() == leave => break,
            m => panic!("unexpected {m:?}"),
        }
    }
    // The echo of the message that overflowed stuck's queue is still on its way.
    wendy.expect(&echo);
    still_chatting(&mut wendy, 1);
}

#[test]
fn no_hello_within_the_idle_timeout_gets_an_error_and_a_close() {
    let config = Config {
        idle_timeout: Duration::from_millis(300),
        ..web_config()
    };
    let (server, mut wendy) = with_bystander(config);
    let mut mute = RawWs::open(server.web_addr().unwrap());
    let why = "no hello within 0.3 s";
    mute.expect_text(&format!(
        r#"{{"type":"error","code":"timeout","message":"{why}"}}"#
    ));
    mute.expect_close(1008, why);
    still_chatting(&mut wendy, 1);
}

#[test]
fn the_server_pings_and_a_browser_that_stops_answering_leaves_in_bounded_time() {
    // Long enough for a loaded machine to answer each ping in time.
    let server = start(Config {
        ping_interval: Duration::from_millis(500),
        ..web_config()
    });
    // The bystander is a JSON user: it is never pinged, so it may read only when it wants.
    let mut pat = Peer::join_extended(server.json_addr().unwrap(), "pat");
    let mut alive = RawWs::join(server.web_addr().unwrap(), "alive");
    pat.expect(r#"{"type":"join","nick":"alive"}"#);
    // Three rounds of ping and pong; it stays.
    for _ in 0..3 {
        assert_eq!(alive.next_frame(), Some((0x80 | PING, vec![])));
        alive.send(&frame(PONG, b"", false));
    }
    pat.send(r#"{"type":"users"}"#);
    pat.expect(r#"{"type":"users","nicks":["alive","pat"]}"#);
    // Now it goes silent: after twice the interval it is closed, and the others see why.
    assert_eq!(alive.next_frame(), Some((0x80 | PING, vec![])));
    alive.expect_close(1001, "no answer to a ping within 1 s");
    pat.expect(r#"{"type":"leave","nick":"alive","reason":"timeout"}"#);
    pat.send(r#"{"type":"chat","message":"still here"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"still here"}"#);
}

#[test]
fn a_ping_from_the_browser_gets_its_pong_and_a_close_gets_its_reply() {
    let (server, mut wendy) = with_bystander(web_config());
    let mut raw = RawWs::join(server.web_addr().unwrap(), "polite");
    wendy.expect(r#"{"type":"join","nick":"polite"}"#);
    raw.send(&frame(PING, b"abc", false));
    assert_eq!(raw.next_frame(), Some((0x80 | PONG, b"abc".to_vec())));
    raw.send(&frame(8, &[0x03, 0xe8, b'b', b'y', b'e'], false));
    // tungstenite's reply echoes the code and the reason.
    assert_eq!(raw.next_frame(), Some((0x88, b"\x03\xe8bye".to_vec())));
    assert_eq!(raw.next_frame(), None, "a frame after the close");
    wendy.expect(r#"{"type":"leave","nick":"polite","reason":"quit"}"#);
    still_chatting(&mut wendy, 1);
}
