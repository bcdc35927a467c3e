//! Part 3 extensions over real sockets: negotiation, events, users, quit, ping, meta, and
//! proof that a client that asked for nothing sees byte-exact Part 1 traffic meanwhile.

use crate::support::*;

use std::time::{Duration, Instant};

const ALL_EXT: &str = "events, users, quit, ping, meta";

/// Reads one `FORWARD` with `meta` headers and returns (its bytes with the time masked).
fn read_meta_forward(raw: &mut Raw, head_len_without_time: usize, body: &[u8]) -> String {
    // "Time: 2026-11-21T14:02:03Z\n" is 27 bytes.
    let got = raw.read_n(head_len_without_time + 27 + body.len(), PATIENCE);
    let text = String::from_utf8_lossy(&got).into_owned();
    let start = text.find("Time: ").expect("a Time header");
    let stamp = &text[start + 6..start + 26];
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "Time is RFC 3339: {stamp}"
    );
    format!("{}Time: T\n{}", &text[..start], &text[start + 27..])
}

#[test]
fn unknown_extensions_are_ignored_and_the_grant_is_in_our_order() {
    let server = start_default();
    let mut s = Raw::connect(server.local_addr());
    s.send(b"REGISTER TOSEND al\nextensions:  META, bogus,events\n\n");
    s.expect(b"REGISTERED TOSEND al\nExtensions: events, meta\n\n");
    let mut r = Raw::connect(server.local_addr());
    r.send(b"REGISTER TORECV al\nExtensions:\n\n");
    r.expect(b"REGISTERED TORECV al\nExtensions: \n\n");
}

#[test]
fn a_plain_client_sees_only_part_1_bytes_while_others_use_every_extension() {
    let server = start(crate::support::config());
    let addr = server.local_addr();
    let mut plain = User::join(addr, "plain");
    let mut fancy = User::join_with(addr, "fancy", ALL_EXT);
    // Events about others reach fancy only.
    let mut third = User::join(addr, "third");
    fancy.torecv.expect(b"EVENT JOIN third\n\n");
    // fancy uses users, ping, meta emotes; plain sees plain forwards.
    fancy.tosend.send(b"USERS\n\n");
    fancy
        .tosend
        .expect(b"USERS 3\nContent-length: 18\n\nfancy\nplain\nthird\n");
    fancy.tosend.send(b"PING abc\n\n");
    fancy.tosend.expect(b"PONG abc\n\n");
    fancy
        .tosend
        .send(b"SEND ALL\nContent-length: 5\nEmote: yes\n\nwaves");
    plain.receive("fancy", b"/me waves");
    third.receive("fancy", b"/me waves");
    fancy.tosend.expect(b"SENT ALL\n\n");
    // plain to fancy: fancy gets meta headers, plain gets exactly SENT.
    plain.send_to("fancy", b"hi");
    let got = read_meta_forward(&mut fancy.torecv, 46, b"hi");
    assert_eq!(
        got,
        "FORWARD plain\nContent-length: 2\nTime: T\nKind: direct\n\nhi"
    );
    fancy.torecv.send(b"RECEIVED plain\n\n");
    plain.tosend.expect(b"SENT fancy\n\n");
    // Extension commands are unknown to a client that did not ask for them.
    for cmd in ["USERS\n\n", "PING x\n\n", "QUIT\n\n"] {
        plain.tosend.send(cmd.as_bytes());
        plain.tosend.expect(b"ERROR 106 Unknown command\n\n");
    }
    // An Emote header from a plain client is just a header: the body goes through unchanged.
    plain
        .tosend
        .send(b"SEND third\nContent-length: 5\nEmote: yes\n\nwaves");
    third.receive("plain", b"waves");
    plain.tosend.expect(b"SENT third\n\n");
    // third leaves: fancy hears it, plain hears nothing at all.
    drop(third);
    fancy
        .torecv
        .expect(b"EVENT LEAVE third\nReason: disconnected\n\n");
    plain.torecv.expect_silence(Duration::from_millis(300));
    plain.tosend.expect_silence(Duration::from_millis(10));
}

#[test]
fn quit_says_bye_frees_the_name_at_once_and_tells_the_others() {
    let server = start_default();
    let addr = server.local_addr();
    let mut watcher = User::join_with(addr, "watcher", "events");
    let mut leaver = User::join_with(addr, "leaver", "quit");
    watcher.torecv.expect(b"EVENT JOIN leaver\n\n");
    leaver.tosend.send(b"QUIT\n\n");
    leaver.tosend.expect(b"BYE\n\n");
    leaver.tosend.expect_closed();
    leaver.torecv.expect_closed();
    watcher
        .torecv
        .expect(b"EVENT LEAVE leaver\nReason: quit\n\n");
    // The name is free: registering it again works straight away.
    User::join(addr, "leaver");
    watcher.torecv.expect(b"EVENT JOIN leaver\n\n");
}

#[test]
fn a_silent_ping_client_is_pinged_then_dropped_with_reason_timeout() {
    let mut config = crate::support::config();
    config.ping_interval = Duration::from_millis(300);
    let server = start(config);
    let addr = server.local_addr();
    let mut watcher = User::join_with(addr, "watcher", "events");
    let mut sleepy = User::join_with(addr, "sleepy", "ping");
    watcher.torecv.expect(b"EVENT JOIN sleepy\n\n");
    let started = Instant::now();
    let ping = sleepy.torecv.read_n(5, PATIENCE);
    assert_eq!(ping, b"PING ");
    // Answer nothing: the server drops sleepy after twice the interval of silence.
    watcher
        .torecv
        .expect(b"EVENT LEAVE sleepy\nReason: timeout\n\n");
    assert!(started.elapsed() < Duration::from_secs(5));
    sleepy.torecv.expect_closed();
}

#[test]
fn a_ping_client_that_answers_stays() {
    let mut config = crate::support::config();
    config.ping_interval = Duration::from_millis(200);
    let server = start(config);
    let addr = server.local_addr();
    let mut lively = User::join_with(addr, "lively", "ping");
    let until = Instant::now() + Duration::from_millis(1500);
    let mut answered = 0;
    while Instant::now() < until {
        let got = lively.torecv.read_n(5, Duration::from_millis(500));
        if got.is_empty() {
            continue;
        }
        assert_eq!(got, b"PING ");
        let mut token = Vec::new();
        loop {
            let b = lively.torecv.read_n(1, PATIENCE);
            if b == b"\n" {
                break;
            }
            token.extend_from_slice(&b);
        }
        assert_eq!(lively.torecv.read_n(1, PATIENCE), b"\n");
        let mut pong = b"PONG ".to_vec();
        pong.extend_from_slice(&token);
        pong.extend_from_slice(b"\n\n");
        lively.torecv.send(&pong);
        answered += 1;
    }
    // Pinged every 200 ms of silence: staying must be the answers' doing, not a ping never sent.
    assert!(answered >= 2, "only {answered} PING(s) in 1.5 s");
    assert!(
        server.chat().registry().get("lively").is_some(),
        "still online"
    );
}

#[test]
fn events_report_each_leave_reason() {
    let mut config = crate::support::config();
    config.ack_timeout = Duration::from_millis(300);
    let server = start(config);
    let addr = server.local_addr();
    let mut watcher = User::join_with(addr, "watcher", "events");
    let mut sender = User::join(addr, "sender");
    watcher.torecv.expect(b"EVENT JOIN sender\n\n");
    // timeout: a recipient that never acknowledges.
    let mut mute = User::join(addr, "mute");
    watcher.torecv.expect(b"EVENT JOIN mute\n\n");
    sender.send_to("mute", b"hello?");
    sender.tosend.expect(b"ERROR 102 Unable to send\n\n");
    watcher
        .torecv
        .expect(b"EVENT LEAVE mute\nReason: timeout\n\n");
    mute.torecv.expect_closed();
    // kicked: through the registry, as the console does.
    let kicked = User::join_with(addr, "kicked", "events");
    watcher.torecv.expect(b"EVENT JOIN kicked\n\n");
    let User {
        tosend: _kicked_tx,
        torecv: mut kicked_rx,
        ..
    } = kicked;
    assert!(server.chat().registry().kick("kicked", "flooding"));
    watcher
        .torecv
        .expect(b"EVENT KICK kicked\nReason: flooding\n\nEVENT LEAVE kicked\nReason: kicked\n\n");
    kicked_rx.expect(b"EVENT KICK kicked\nReason: flooding\n\n");
    kicked_rx.expect_closed();
    // disconnected: both sockets closed.
    drop(sender);
    watcher
        .torecv
        .expect(b"EVENT LEAVE sender\nReason: disconnected\n\n");
}

#[test]
fn a_command_pipelined_behind_the_torecv_registration_is_answered_at_once() {
    let server = start_default();
    let addr = server.local_addr();
    let mut tosend = Raw::connect(addr);
    tosend.send(b"REGISTER TOSEND quick\n\n");
    tosend.expect(b"REGISTERED TOSEND quick\n\n");
    let mut torecv = Raw::connect(addr);
    let started = Instant::now();
    torecv.send(b"REGISTER TORECV quick\nExtensions: ping\n\nPING 1\n\n");
    torecv.expect(b"REGISTERED TORECV quick\nExtensions: ping\n\nPONG 1\n\n");
    // The hub's periodic sweep is a second away: the answer must not wait for it.
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "PONG took {:?}",
        started.elapsed()
    );
}
