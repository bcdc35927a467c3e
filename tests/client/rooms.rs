//! Rooms (docs/PROTOCOL.md Part 8) in line mode against scripted fake servers of either
//! protocol, every message checked byte for byte: the client's `JOIN`, `PART`, `ROOMS`,
//! `WHO`, `TOPIC` and `SEND #room` (the JSON packets), each reply and refusal said in words,
//! a room's messages and events as lines; and a server that grants no rooms, where the
//! commands say so and nothing is sent.

use crate::support::client::*;

const JSON: [&str; 2] = ["--protocol", "json"];

#[test]
fn every_room_command_and_event_in_exact_bytes() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", ASKED);
        p.reply(b"JOIN #rust\n\n", b"JOINED #rust\n\n");
        p.reply(b"SEND #rust\nContent-length: 5\n\nhello", b"SENT #rust\n\n");
        expect_bytes(
            &mut p.send,
            b"SEND #rust\nContent-length: 5\nEmote: yes\n\nwaves",
        );
        put(&mut p.send, b"SENT #rust\n\n");
        p.reply(
            b"TOPIC #rust\nTopic: Rust, mostly\n\n",
            b"TOPIC SET #rust\n\n",
        );
        p.reply(
            b"WHO #rust\n\n",
            b"WHO #rust 2\nContent-length: 10\nOperator: alice\nTopic: Rust, mostly\n\nalice\nbob\n",
        );
        p.reply(
            b"ROOMS\n\n",
            b"ROOMS 2\nContent-length: 31\n\n#lobby 12\n#rust 3 Rust, mostly\n",
        );
        put(
            &mut p.recv,
            b"EVENT JOIN bob\nRoom: #rust\n\n\
              FORWARD bob\nContent-length: 2\nRoom: #rust\nTime: 2026-11-30T14:02:00Z\nKind: room\n\nhi",
        );
        expect_bytes(&mut p.recv, b"RECEIVED bob\n\n");
        put(
            &mut p.recv,
            b"EVENT TOPIC #rust\nBy: bob\n\n\
              EVENT KICK carol\nRoom: #rust\nBy: bob\nReason: spam\n\n\
              EVENT LEAVE carol\nRoom: #rust\nReason: kicked\n\n\
              EVENT LEAVE bob\nRoom: #rust\nReason: part\n\n",
        );
        p.reply(b"TOPIC #rust\n\n", b"ERROR 114 Not room operator\n\n");
        p.reply(b"PART #lobby\n\n", b"ERROR 120 Cannot leave the lobby\n\n");
        p.reply(b"PART #rust\n\n", b"PARTED #rust\n\n");
        p.reply(b"JOIN #full\n\n", b"ERROR 116 Room full\n\n");
        p.reply(
            b"SEND #rust\nContent-length: 3\n\nyou",
            b"ERROR 113 Not in room\n\n",
        );
        p.reply(b"QUIT\n\n", b"BYE\n\n");
    });
    let mut c = Client::start_env(port, "alice", &[], &[("TZ", "UTC")]);
    c.expect("registered as alice");
    c.send("/join #rust");
    c.next_is("joined #rust");
    c.send("#rust hello");
    c.next_is("delivered to #rust");
    c.send("#rust /me waves");
    c.next_is("delivered to #rust");
    c.send("/topic #rust  Rust, mostly ");
    c.next_is("topic of #rust set: Rust, mostly");
    c.send("/who #rust");
    c.next_is("in #rust (2): alice (operator), bob; topic: Rust, mostly");
    c.send("/rooms");
    // The reply (on TOSEND) and the events (on TORECV) come on two sockets: the block is
    // whole, and the events in their order, but the two may come either way round.
    let lines: Vec<String> = (0..8).filter_map(|_| c.next_line(WAIT)).collect();
    let block = ["rooms (2):", "  #lobby (12)", "  #rust (3): Rust, mostly"];
    let at = lines.iter().position(|l| l == block[0]).expect("the rooms");
    assert_eq!(lines[at..at + 3], block, "{lines:#?}");
    let events: Vec<&String> = (lines.iter().enumerate())
        .filter(|(i, _)| !(at..at + 3).contains(i))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(
        events,
        [
            "*** bob joined #rust",
            "[14:02] #rust bob: hi",
            "*** bob cleared the topic of #rust",
            // The kick's own LEAVE is not shown a second time.
            "*** carol was kicked from #rust by bob (spam)",
            "*** bob left #rust",
        ]
    );
    c.send("/topic #rust");
    c.next_is(
        "could not clear the topic of #rust: only the room's operator may do that (ERROR 114)",
    );
    c.send("/part #lobby");
    c.next_is("could not leave #lobby: nobody leaves the lobby (ERROR 120)");
    // /part alone leaves the last room joined.
    c.send("/part");
    c.next_is("left #rust");
    c.send("/part");
    c.next_is("not sent: you are in no room but the lobby; type /part #room");
    c.send("/join #full");
    c.next_is("could not join #full: the room is full (ERROR 116)");
    c.send("#rust you");
    c.next_is(
        "could not deliver to #rust: you are not in #rust; type /join #rust first (ERROR 113)",
    );
    c.send("/join rust");
    c.next_is("not sent: \"rust\" is not a room (# and 1 to 32 letters, digits, - or _)");
    quit(c, fake);
}

#[test]
fn a_server_without_rooms_is_sent_none_of_it() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", PART3);
        // Nothing of the rooms reaches the server: the next bytes are the QUIT.
        p.reply(b"QUIT\n\n", b"BYE\n\n");
    });
    let mut c = Client::registered(port, "alice", &[]);
    let none = "this server has no rooms (/join, /part, /rooms, /who, /topic, #room)";
    for line in [
        "/join #rust",
        "/part #rust",
        "/rooms",
        "/who #rust",
        "/topic #r x",
        "#rust hi",
    ] {
        c.send(line);
        c.next_is(none);
    }
    quit(c, fake);
}

#[test]
fn every_room_packet_in_exact_bytes_with_the_json_protocol() {
    let (port, fake) = fake(|l| {
        let granted = format!("{ALL_JSON},\"rooms\"");
        let mut s = join_ours(&l, "pat", &granted);
        expect_packet(&mut s, r##"{"type":"join","room":"#rust"}"##);
        put_packet(&mut s, r##"{"type":"join","nick":"pat","room":"#rust"}"##);
        expect_packet(&mut s, r##"{"type":"chat","room":"#rust","message":"hi"}"##);
        put_packet(
            &mut s,
            r##"{"type":"chat","nick":"pat","room":"#rust","message":"hi"}"##,
        );
        expect_packet(
            &mut s,
            r##"{"type":"emote","room":"#rust","message":"waves"}"##,
        );
        put_packet(
            &mut s,
            r##"{"type":"emote","nick":"pat","room":"#rust","message":"waves"}"##,
        );
        expect_packet(&mut s, r##"{"type":"topic","room":"#rust","topic":"fun"}"##);
        put_packet(
            &mut s,
            r##"{"type":"topic","room":"#rust","nick":"pat","topic":"fun"}"##,
        );
        expect_packet(&mut s, r##"{"type":"who","room":"#rust"}"##);
        put_packet(
            &mut s,
            r##"{"type":"who","room":"#rust","operator":"pat","topic":"fun","nicks":["chris","pat"]}"##,
        );
        expect_packet(&mut s, r#"{"type":"rooms"}"#);
        put_packet(
            &mut s,
            r##"{"type":"rooms","rooms":[{"room":"#lobby","members":2},{"room":"#rust","members":2,"topic":"fun"}]}"##,
        );
        put_packet(&mut s, r##"{"type":"join","nick":"chris","room":"#rust"}"##);
        put_packet(
            &mut s,
            r##"{"type":"chat","nick":"chris","room":"#rust","message":"yo"}"##,
        );
        put_packet(
            &mut s,
            r##"{"type":"topic","room":"#rust","nick":"chris","topic":"more fun"}"##,
        );
        put_packet(
            &mut s,
            r##"{"type":"kick","nick":"pat","room":"#rust","by":"chris","reason":"bye"}"##,
        );
        put_packet(
            &mut s,
            r##"{"type":"leave","nick":"pat","room":"#rust","reason":"kicked"}"##,
        );
        expect_packet(&mut s, r##"{"type":"part","room":"#go"}"##);
        put_packet(
            &mut s,
            r#"{"type":"error","code":"not-in-room","message":"not in #go"}"#,
        );
        expect_closed(&mut s);
    });
    let mut c = Client::start(port, "pat", &JSON);
    c.expect("registered as pat");
    c.send("/join #rust");
    c.next_is("joined #rust");
    c.send("#rust hi");
    c.next_is("delivered to #rust");
    c.send("#rust /me waves");
    c.next_is("delivered to #rust");
    c.send("/topic #rust fun");
    c.next_is("topic of #rust set: fun");
    c.send("/who #rust");
    c.next_is("in #rust (2): chris, pat (operator); topic: fun");
    c.send("/rooms");
    c.next_is("rooms (2):");
    c.next_is("  #lobby (2)");
    c.next_is("  #rust (2): fun");
    c.next_is("*** chris joined #rust");
    c.next_is("#rust chris: yo");
    c.next_is("*** chris set the topic of #rust: more fun");
    c.next_is("*** you were kicked from #rust by chris (bye)");
    // Kicked, the room is no longer ours: /part alone has nothing to leave.
    c.send("/part");
    c.next_is("not sent: you are in no room but the lobby; type /part #room");
    c.send("/part #go");
    c.next_is("could not leave #go: not in that room (not-in-room)");
    c.send("/quit");
    c.exits_ok();
    join(fake);
}
