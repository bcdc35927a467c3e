//! The JSON protocol (docs/PROTOCOL.md Part 4) over real sockets, exact bytes: the seed's
//! packets, the extensions, and every error, each ending only its own connection.

use crate::support::json::{frame, Peer};
use crate::support::{json_config, start};
use chat::front::{Config, ServerHandle};
use std::net::SocketAddr;
use std::time::Duration;

/// How long to listen for a packet that must not come.
const QUIET: Duration = Duration::from_millis(200);

fn server() -> (ServerHandle, SocketAddr) {
    server_with(|_| {})
}

fn server_with(f: impl FnOnce(&mut Config)) -> (ServerHandle, SocketAddr) {
    let mut config = json_config();
    f(&mut config);
    let server = start(config);
    let addr = server.json_addr().expect("json on");
    (server, addr)
}

#[test]
fn the_seeds_packets_byte_for_byte_join_chat_echo_and_leave() {
    let (_server, addr) = server();
    let mut pat = Peer::connect(addr);
    pat.send(r#"{"type":"hello","nick":"pat"}"#);
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    assert_eq!(frame(r#"{"type":"join","nick":"pat"}"#)[..2], [0, 28]);
    let mut leslie = Peer::join(addr, "leslie");
    pat.expect(r#"{"type":"join","nick":"leslie"}"#);
    leslie.send(r#"{"type":"chat","message":"hi everyone!"}"#);
    for p in [&mut leslie, &mut pat] {
        p.expect(r#"{"type":"chat","nick":"leslie","message":"hi everyone!"}"#);
    }
    pat.send(r#"{"type":"chat","message":"hows it going"}"#);
    for p in [&mut pat, &mut leslie] {
        p.expect(r#"{"type":"chat","nick":"pat","message":"hows it going"}"#);
    }
    drop(leslie);
    pat.expect(r#"{"type":"leave","nick":"leslie"}"#);
    pat.expect_silence(QUIET);
}

#[test]
fn json_is_parsed_not_matched_and_unknown_things_are_ignored() {
    let (_server, addr) = server();
    let mut pat = Peer::connect(addr);
    // Indented, escaped, keys in another order, a field we do not know.
    pat.send("{\n  \"nick\" : \"\\u0070at\",\n  \"colour\": [1, {\"x\": null}],\n  \"type\": \"hello\"\n}");
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    pat.send(r#"{"type":"dance","style":"waltz"}"#);
    pat.send(r#"{"type":"chat","message":"caf\u00e9 \"quoted\"\nline 食堂 🎉","mood":1e400}"#);
    pat.expect(
        "{\"type\":\"chat\",\"nick\":\"pat\",\"message\":\"café \\\"quoted\\\"\\nline 食堂 🎉\"}",
    );
    // Packets only a server sends are ignored too.
    pat.send(r#"{"type":"join","nick":"mallory"}"#);
    pat.expect_silence(QUIET);
}

#[test]
fn packets_split_byte_by_byte_or_coalesced_are_read_whole() {
    let (_server, addr) = server();
    let mut pat = Peer::connect(addr);
    let mut bytes = frame(r#"{"type":"hello","nick":"pat"}"#);
    bytes.extend(frame(r#"{"type":"chat","message":"one"}"#));
    bytes.extend(frame(r#"{"type":"chat","message":"two"}"#));
    for b in &bytes[..bytes.len() / 2] {
        pat.send_raw(&[*b]);
    }
    pat.send_raw(&bytes[bytes.len() / 2..]);
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"one"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"two"}"#);
}

#[test]
fn extensions_are_granted_in_a_welcome_and_used_only_when_asked_for() {
    let (_server, addr) = server();
    let mut chris = Peer::join_extended(addr, "chris");
    let mut seed = Peer::join(addr, "seed");
    chris.expect(r#"{"type":"join","nick":"seed"}"#);
    let mut pat = Peer::connect(addr);
    pat.send(r#"{"type":"hello","nick":"pat","extensions":["EMOTE","teleport","dm"]}"#);
    pat.expect(r#"{"type":"welcome","nick":"pat","extensions":["dm","emote"]}"#);
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    for p in [&mut chris, &mut seed] {
        p.expect(r#"{"type":"join","nick":"pat"}"#);
    }
    // A direct message: to the recipient, and the echo to its sender once delivered.
    pat.send(r#"{"type":"dm","to":"chris","message":"how's it going?"}"#);
    chris.expect(r#"{"type":"dm","nick":"pat","to":"chris","message":"how's it going?"}"#);
    pat.expect(r#"{"type":"dm","nick":"pat","to":"chris","message":"how's it going?"}"#);
    // To a client of the seed, it reads as the seed shows one.
    chris.send(r#"{"type":"dm","to":"seed","message":"psst"}"#);
    seed.expect(r#"{"type":"chat","nick":"chris -> seed","message":"psst"}"#);
    chris.expect(r#"{"type":"dm","nick":"chris","to":"seed","message":"psst"}"#);
    pat.send(r#"{"type":"dm","to":"nobody","message":"hello?"}"#);
    pat.expect_error("no-such-user", "nobody is not online");
    // An emote: as an emote to those who asked, as "/me" to the others, the sender included.
    pat.send(r#"{"type":"emote","message":"waves"}"#);
    pat.expect(r#"{"type":"emote","nick":"pat","message":"waves"}"#);
    chris.expect(r#"{"type":"emote","nick":"pat","message":"waves"}"#);
    seed.expect(r#"{"type":"chat","nick":"pat","message":"/me waves"}"#);
    chris.send(r#"{"type":"users"}"#);
    chris.expect(r#"{"type":"users","nicks":["chris","pat","seed"]}"#);
    // events: a leave with its reason for chris, the seed's leave for the others.
    drop(seed);
    chris.expect(r#"{"type":"leave","nick":"seed","reason":"disconnected"}"#);
    pat.expect(r#"{"type":"leave","nick":"seed"}"#);
    pat.expect_silence(QUIET);
}

#[test]
fn a_direct_message_to_oneself_arrives_once() {
    let (_server, addr) = server();
    let mut pat = Peer::join_extended(addr, "pat");
    pat.send(r#"{"type":"dm","to":"pat","message":"note to self"}"#);
    pat.expect(r#"{"type":"dm","nick":"pat","to":"pat","message":"note to self"}"#);
    pat.expect_silence(QUIET);
}

#[test]
fn a_bad_or_taken_nick_gets_an_error_and_the_close() {
    let (_server, addr) = server();
    let _pat = Peer::join(addr, "pat");
    let nick_rule = "a nick is 1 to 32 letters and digits, and not ALL";
    let long = "x".repeat(33);
    for bad in ["", "al ice", "ALL", "all", "pat!", &long] {
        let mut p = Peer::connect(addr);
        p.send(&format!(r#"{{"type":"hello","nick":"{bad}"}}"#));
        p.expect_error("bad-nick", nick_rule);
        p.expect_closed();
    }
    let mut p = Peer::connect(addr);
    p.send(r#"{"type":"hello","nick":42}"#);
    p.expect_error("bad-nick", "a hello needs a nick that is a string");
    p.expect_closed();
    let mut p = Peer::connect(addr);
    p.send(r#"{"type":"hello","nick":"pat"}"#);
    p.expect_error("nick-taken", "pat is taken");
    p.expect_closed();
}

#[test]
fn mistakes_in_order_or_fields_get_an_error_and_the_connection_stays() {
    let (_server, addr) = server();
    let mut p = Peer::connect(addr);
    p.send(r#"{"type":"chat","message":"too soon"}"#);
    p.expect_error("no-hello", "send hello first");
    p.send(r#"{"type":"hello","nick":"pat"}"#);
    p.expect(r#"{"type":"join","nick":"pat"}"#);
    p.send(r#"{"type":"hello","nick":"pat2"}"#);
    p.expect_error("already-joined", "you already joined as pat");
    p.send(r#"{"type":"chat"}"#);
    p.expect_error(
        "bad-packet",
        "a chat packet is missing a field or has one of the wrong type",
    );
    p.send(r#"{"type":"dm","to":7,"message":"x"}"#);
    p.expect_error(
        "bad-packet",
        "a dm packet is missing a field or has one of the wrong type",
    );
    p.send(r#"{"type":"chat","message":"still here"}"#);
    p.expect(r#"{"type":"chat","nick":"pat","message":"still here"}"#);
}

#[test]
fn bytes_that_are_not_packets_end_only_their_own_connection() {
    let (_server, addr) = server();
    let mut pat = Peer::join(addr, "pat");
    let cases: [(&[u8], &str, &str); 5] = [
        (
            b"\x00\x05hello",
            "malformed",
            "payload is not a JSON object",
        ),
        (b"\x00\x05{\"a\":", "malformed", "payload is not JSON"),
        (
            b"\x00\x0d{\"type\":true}",
            "malformed",
            "payload has no string \\\"type\\\"",
        ),
        (b"\x00\x03{\xff}", "malformed", "payload is not UTF-8"),
        // Unframed JSON: `{"` reads as a length of 31,522; the `t` gives it away.
        (
            b"{\"type\":\"hello\",\"nick\":\"raw\"}",
            "malformed",
            "payload is not a JSON object",
        ),
    ];
    for (i, (bytes, code, message)) in cases.into_iter().enumerate() {
        let mut m = Peer::join(addr, &format!("m{i}"));
        pat.expect(&format!(r#"{{"type":"join","nick":"m{i}"}}"#));
        m.send_raw(bytes);
        m.expect_error(code, message);
        m.expect_closed();
        pat.expect(&format!(r#"{{"type":"leave","nick":"m{i}"}}"#));
    }
    pat.send(r#"{"type":"chat","message":"still fine"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"still fine"}"#);
}

#[test]
fn a_packet_over_the_limit_is_refused_at_its_length() {
    let (_server, addr) = server_with(|c| c.limits.max_body = 100);
    let mut pat = Peer::join(addr, "pat");
    let mut big = Peer::join(addr, "big");
    pat.expect(r#"{"type":"join","nick":"big"}"#);
    // Only the two length bytes: the refusal does not wait for the payload.
    big.send_raw(&[0, 101]);
    big.expect_error("too-long", "payload of 101 bytes is longer than 100");
    big.expect_closed();
    pat.expect(r#"{"type":"leave","nick":"big"}"#);
    let fits = format!(r#"{{"type":"chat","message":"{}"}}"#, "x".repeat(100 - 28));
    assert_eq!(fits.len(), 100);
    pat.send(&fits);
    assert!(pat.next_payload().contains(r#""nick":"pat""#));
}

#[test]
fn a_cut_packet_or_a_plain_close_is_a_leave_for_the_others() {
    let (_server, addr) = server();
    let mut pat = Peer::join_extended(addr, "pat");
    let mut cut = Peer::join(addr, "cut");
    pat.expect(r#"{"type":"join","nick":"cut"}"#);
    cut.send_raw(&frame(r#"{"type":"chat","message":"half"}"#)[..10]);
    drop(cut);
    pat.expect(r#"{"type":"leave","nick":"cut","reason":"disconnected"}"#);
    let quitter = Peer::join(addr, "quitter");
    pat.expect(r#"{"type":"join","nick":"quitter"}"#);
    drop(quitter);
    pat.expect(r#"{"type":"leave","nick":"quitter","reason":"disconnected"}"#);
    // The names are free again.
    Peer::join(addr, "cut");
}

#[test]
fn a_hello_that_never_comes_and_a_packet_never_finished_time_out() {
    let (_server, addr) = server_with(|c| {
        c.idle_timeout = Duration::from_millis(300);
        c.message_timeout = Duration::from_millis(300);
    });
    let mut silent = Peer::connect(addr);
    silent.expect_error("timeout", "no hello within 0.3 s");
    silent.expect_closed();
    let mut slow = Peer::join(addr, "slow");
    slow.send_raw(&[0, 40, b'{']);
    slow.expect_error("timeout", "a packet took longer than 0.3 s to arrive");
    slow.expect_closed();
}

#[test]
fn a_flood_beyond_the_rate_is_answered_rate_limited_and_not_delivered() {
    let (_server, addr) = server_with(|c| c.rate_limit = 5);
    let mut pat = Peer::join(addr, "pat");
    let mut watcher = Peer::join(addr, "watcher");
    pat.expect(r#"{"type":"join","nick":"watcher"}"#);
    // A burst of twice the rate passes; then each message is refused, in order.
    let mut bytes = Vec::new();
    for i in 0..14 {
        bytes.extend(frame(&format!(r#"{{"type":"chat","message":"m{i}"}}"#)));
    }
    pat.send_raw(&bytes);
    let (mut echoed, mut refused) = (Vec::new(), 0);
    for i in 0..14 {
        let got = pat.next_payload();
        if got == format!(r#"{{"type":"chat","nick":"pat","message":"m{i}"}}"#) {
            echoed.push(got);
        } else {
            assert_eq!(
                got,
                r#"{"type":"error","code":"rate-limited","message":"too many messages; slow down"}"#
            );
            refused += 1;
        }
    }
    // The burst, and on a slow machine a token or two refilled meanwhile.
    assert!(
        echoed.len() >= 10 && refused >= 1,
        "{echoed:?}, {refused} refused"
    );
    for chat in &echoed {
        watcher.expect(chat);
    }
    watcher.expect_silence(QUIET);
}

#[test]
fn the_operator_speaks_and_kicks_on_the_json_port_too() {
    let (server, addr) = server();
    let mut pat = Peer::join_extended(addr, "pat");
    let mut seed = Peer::join(addr, "seed");
    pat.expect(r#"{"type":"join","nick":"seed"}"#);
    let outcome = server.chat().say("restart at five");
    assert_eq!(outcome.result, Ok(()));
    for p in [&mut pat, &mut seed] {
        p.expect(r#"{"type":"chat","nick":"*server*","message":"restart at five"}"#);
    }
    assert!(server.chat().kick("seed", "spam"));
    pat.expect(r#"{"type":"kick","nick":"seed","reason":"spam"}"#);
    pat.expect(r#"{"type":"leave","nick":"seed","reason":"kicked"}"#);
    seed.expect_closed();
    assert!(server.chat().kick("pat", "bye"));
    pat.expect(r#"{"type":"kick","nick":"pat","reason":"bye"}"#);
    pat.expect_closed();
}
