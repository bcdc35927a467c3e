//! `client --protocol json` in line mode against scripted fake servers of seed 003's JSON
//! protocol: one of the seed (no `welcome`, echoes our own chat, knows no direct message) and
//! one like ours (a `welcome` granting the extensions). Each fake asserts the exact bytes the
//! real `client` binary sends; the tests check what it prints, line by line.

use crate::support::client::*;

const JSON: [&str; 2] = ["--protocol", "json"];

/// The next line the client prints, which must be `expected`.
#[track_caller]
fn next_is(c: &mut Client, expected: &str) {
    let line = c.next_line(WAIT);
    assert_eq!(line.as_deref(), Some(expected), "saw {:#?}", c.seen);
}

#[test]
fn a_seed_server_gets_the_seeds_packets_and_its_shapes_are_shown() {
    let (port, fake) = fake(|l| {
        let mut s = join_seed(&l, "pat");
        put_packet(&mut s, r#"{"type":"join","nick":"chris"}"#);
        // A bare line is a chat, echoed back to its sender by the server.
        expect_packet(&mut s, r#"{"type":"chat","message":"hello all"}"#);
        put_packet(&mut s, &chat("pat", "hello all"));
        // No emote packet here: /me goes as the chat a seed client shows as typed.
        expect_packet(&mut s, r#"{"type":"chat","message":"/me waves"}"#);
        put_packet(&mut s, &chat("pat", "/me waves"));
        // Indented JSON with escapes, a type nobody knows, two packets in one write.
        let mut burst = frame("{\n  \"type\" : \"chat\",\n  \"nick\":\"chris\", \"message\":\"caf\\u00e9 \\\"ok\\\"\"\n}");
        burst.extend(frame(r#"{"type":"rooms","list":[1,2]}"#));
        burst.extend(frame(&chat("chris", "/me bows")));
        burst.extend(frame(r#"{"type":"leave","nick":"chris"}"#));
        put(&mut s, &burst);
        // /users and @name send nothing to this server, and /quit just closes.
        expect_closed(&mut s);
    });
    let mut c = Client::start(port, "pat", &JSON);
    next_is(
        &mut c,
        &format!(
            "registered as pat on 127.0.0.1:{port}; type a message for everyone, /help or /quit"
        ),
    );
    next_is(&mut c, "*** chris has joined the chat");
    c.send("hello all");
    next_is(&mut c, "delivered to ALL");
    c.send("/me waves");
    next_is(&mut c, "delivered to ALL");
    next_is(&mut c, "chris: café \"ok\"");
    next_is(&mut c, "[chris bows]");
    next_is(&mut c, "*** chris has left the chat");
    c.send("/users");
    next_is(&mut c, "this server does not support /users");
    c.send("@chris hi");
    next_is(
        &mut c,
        "this server does not support direct messages (@name, /msg)",
    );
    quit(c, fake);
}

#[test]
fn our_servers_extensions_in_exact_bytes() {
    let (port, fake) = fake(|l| {
        let mut s = join_ours(&l, "pat", ALL_JSON);
        expect_packet(&mut s, r#"{"type":"dm","to":"chris","message":"psst"}"#);
        put_packet(
            &mut s,
            r#"{"type":"dm","nick":"pat","to":"chris","message":"psst"}"#,
        );
        expect_packet(&mut s, r#"{"type":"dm","to":"nobody","message":"x"}"#);
        put_packet(
            &mut s,
            r#"{"type":"error","code":"no-such-user","message":"nobody is online as nobody"}"#,
        );
        expect_packet(&mut s, r#"{"type":"emote","message":"waves"}"#);
        put_packet(&mut s, r#"{"type":"emote","nick":"pat","message":"waves"}"#);
        expect_packet(&mut s, r#"{"type":"users"}"#);
        put_packet(&mut s, r#"{"type":"users","nicks":["chris","pat"]}"#);
        put_packet(
            &mut s,
            r#"{"type":"dm","nick":"chris","to":"pat","message":"hi pat"}"#,
        );
        put_packet(
            &mut s,
            r#"{"type":"emote","nick":"chris","message":"bows"}"#,
        );
        put_packet(&mut s, r#"{"type":"kick","nick":"chris","reason":"spam"}"#);
        put_packet(
            &mut s,
            r#"{"type":"leave","nick":"chris","reason":"kicked"}"#,
        );
        put_packet(
            &mut s,
            r#"{"type":"error","code":"rate-limited","message":"slow down"}"#,
        );
        expect_closed(&mut s);
    });
    let mut c = Client::start(port, "pat", &JSON);
    next_is(
        &mut c,
        &format!(
            "registered as pat on 127.0.0.1:{port}; type a message for everyone, \
             @name message for one, /help or /quit"
        ),
    );
    c.send("@chris psst");
    next_is(&mut c, "delivered to chris");
    c.send("/msg nobody x");
    next_is(
        &mut c,
        "could not deliver to nobody: nobody is not online (no-such-user)",
    );
    c.send("/me waves");
    next_is(&mut c, "delivered to ALL");
    c.send("/users");
    next_is(&mut c, "online (2): chris, pat");
    next_is(&mut c, "chris -> pat: hi pat");
    next_is(&mut c, "[chris bows]");
    next_is(&mut c, "*** chris was kicked (spam)");
    // The kick's leave is not said twice; an error nobody asked for is said as it comes.
    next_is(
        &mut c,
        "you are sending too fast; wait a moment and try again (rate-limited)",
    );
    quit(c, fake);
}

#[test]
fn a_taken_nick_is_asked_again_on_a_new_connection() {
    let (port, fake) = fake(|l| {
        let mut s = accept(&l);
        expect_packet(&mut s, &hello("pat"));
        put_packet(
            &mut s,
            r#"{"type":"error","code":"nick-taken","message":"pat is taken"}"#,
        );
        drop(s);
        // "pat!" is refused by the client itself: no connection for it.
        let s = join_ours(&l, "pat2", ALL_JSON);
        drop(s);
    });
    let mut c = Client::start(port, "pat", &JSON);
    next_is(&mut c, "the name \"pat\" is taken; choose another");
    next_is(&mut c, "Username:");
    c.send("pat!");
    next_is(
        &mut c,
        "\"pat!\" is not a valid username: use 1 to 32 letters and digits (not ALL)",
    );
    next_is(&mut c, "Username:");
    c.send("pat2");
    c.expect("registered as pat2");
    next_is(&mut c, "server closed the connection");
    assert!(!c.wait().success());
    join(fake);
}

#[test]
fn a_missing_echo_times_out_and_comes_late_without_being_shown() {
    let (port, fake) = fake(|l| {
        let mut s = join_seed(&l, "pat");
        expect_packet(&mut s, r#"{"type":"chat","message":"one"}"#);
        // No echo in time; the next chat comes after the client gave up waiting.
        expect_packet(&mut s, r#"{"type":"chat","message":"two"}"#);
        let mut both = frame(&chat("pat", "one"));
        both.extend(frame(&chat("pat", "two")));
        put(&mut s, &both);
        put_packet(&mut s, &chat("chris", "after"));
        expect_closed(&mut s);
    });
    let mut c = Client::registered(port, "pat", &["--protocol", "json", "--reply-timeout", "1"]);
    c.send("one");
    next_is(
        &mut c,
        "no reply for ALL within 1 s; it may or may not have been delivered",
    );
    c.send("two");
    next_is(&mut c, "delivered to ALL");
    next_is(&mut c, "chris: after");
    quit(c, fake);
}

#[test]
fn bytes_that_are_no_packet_end_the_session() {
    let (port, fake) = fake(|l| {
        let mut s = join_seed(&l, "pat");
        // An unframed object: its first two bytes read as a length, its third is not `{`.
        put(&mut s, br#"{"type":"chat","nick":"x","message":"y"}"#);
        expect_closed(&mut s);
    });
    let mut c = Client::registered(port, "pat", &JSON);
    let line = c.expect("connection");
    assert!(
        line.starts_with("lost the connection to the server: the server sent something"),
        "{line}"
    );
    assert!(!c.wait().success());
    join(fake);
}
