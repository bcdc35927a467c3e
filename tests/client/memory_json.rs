//! `client --protocol json` and Part 5 (accounts, offline messages, history) against scripted
//! fake servers of the JSON protocol, each packet checked byte for byte: the hello of a
//! claimed nick, `bad-password` answered with another hello on the same connection,
//! `password`, `stored` then `delivered`, a message that waited shown once, `history`, and a
//! server of the seed, which has none of it. `TZ=UTC` makes dates exact.

use crate::support::client::*;

const JSON: [&str; 2] = ["--protocol", "json"];
const UTC: (&str, &str) = ("TZ", "UTC");

/// Part 4's extensions and Part 5's, as our server grants them.
const EVERY: &str = r#""dm","emote","users","events","auth","offline","history""#;

fn registered(port: u16) -> String {
    format!(
        "registered as pat on 127.0.0.1:{port}; type a message for everyone, @name message \
         for one, /help or /quit"
    )
}

fn bad_password() -> &'static str {
    r#"{"type":"error","code":"bad-password","message":"pat is claimed"}"#
}

#[test]
fn a_claimed_nick_says_its_password_in_the_hello() {
    let (port, fake) = fake(|l| {
        let mut s = accept(&l);
        expect_packet(&mut s, &hello_with("pat", "s3cret"));
        welcome(&mut s, "pat", EVERY);
        expect_closed(&mut s);
    });
    let env = [("CHAT_PASSWORD", "s3cret")];
    let mut c = Client::start_env(port, "pat", &JSON, &env);
    c.next_is(&registered(port));
    quit(c, fake);
}

#[test]
fn bad_password_asks_again_and_the_next_hello_goes_on_the_same_connection() {
    let (port, fake) = fake(|l| {
        let mut s = accept(&l);
        expect_packet(&mut s, &hello("pat"));
        put_packet(&mut s, bad_password());
        expect_packet(&mut s, &hello_with("pat", "guess"));
        put_packet(&mut s, bad_password());
        expect_packet(&mut s, &hello_with("pat", "hunter2"));
        welcome(&mut s, "pat", EVERY);
        expect_closed(&mut s);
    });
    let mut c = Client::start(port, "pat", &JSON);
    c.next_is(
        "the name \"pat\" is claimed: give its password, or choose another name (bad-password)",
    );
    c.next_is("Password:");
    c.send("guess");
    c.next_is("wrong password for \"pat\": type it again, or choose another name (bad-password)");
    c.next_is("Password:");
    c.send("hunter2");
    c.next_is(&registered(port));
    quit(c, fake);
}

#[test]
fn register_unregister_stored_delivered_and_history_in_exact_packets() {
    let (port, fake) = fake(|l| {
        let mut s = join_ours(&l, "pat", EVERY);
        expect_packet(&mut s, r#"{"type":"password","password":"n3w"}"#);
        put_packet(&mut s, r#"{"type":"password","status":"set"}"#);
        expect_packet(&mut s, r#"{"type":"password","password":""}"#);
        put_packet(&mut s, r#"{"type":"password","status":"dropped"}"#);
        expect_packet(&mut s, r#"{"type":"dm","to":"bob","message":"later"}"#);
        put_packet(&mut s, r#"{"type":"stored","to":"bob","id":42}"#);
        put_packet(&mut s, r#"{"type":"delivered","to":"bob","id":42}"#);
        expect_packet(&mut s, r#"{"type":"dm","to":"carol","message":"x"}"#);
        put_packet(
            &mut s,
            r#"{"type":"error","code":"mailbox-full","message":"full"}"#,
        );
        expect_packet(&mut s, r#"{"type":"history","limit":3}"#);
        put_packet(
            &mut s,
            concat!(
                r#"{"type":"history","messages":["#,
                r#"{"id":40,"time":"2026-01-15T10:00:00Z","nick":"chris","message":"hi all"},"#,
                r#"{"id":41,"time":"2026-01-15T10:01:00Z","nick":"pat","to":"bob","message":"psst"},"#,
                r#"{"id":42,"time":"2026-01-15T10:02:00Z","nick":"chris","message":"waves","emote":true}"#,
                "]}"
            ),
        );
        expect_closed(&mut s);
    });
    let mut c = Client::start_env(port, "pat", &JSON, &[UTC]);
    c.next_is(&registered(port));
    c.send("/register");
    c.next_is("New password for pat:");
    c.send("n3w");
    c.next_is("The same password again:");
    c.send("n3w");
    c.next_is("password set: the name pat is yours, and logging in as pat needs it");
    c.send("/unregister");
    c.next_is("claim dropped: the name pat is anyone's again");
    c.send("@bob later");
    c.next_is("stored for bob");
    c.next_is("delivered to bob (stored): \"later\"");
    c.send("@carol x");
    c.next_is(
        "could not deliver to carol: carol's mailbox is full; try again once carol is back \
         (mailbox-full)",
    );
    c.send("/history 3");
    c.next_is("history (3 messages, oldest first):");
    c.next_is("  [2026-01-15 10:00] chris: hi all");
    c.next_is("  [2026-01-15 10:01] pat -> bob: psst");
    c.next_is("  [2026-01-15 10:02] * chris waves");
    quit(c, fake);
}

#[test]
fn a_dm_that_waited_is_dated_marked_and_shown_once() {
    let (port, fake) = fake(|l| {
        let mut s = join_ours(&l, "pat", EVERY);
        let stored = r#"{"type":"dm","nick":"chris","to":"pat","message":"hi","id":7,"time":"2026-01-15T10:00:00Z","stored":true}"#;
        let mut burst = frame(stored);
        burst.extend(frame(stored));
        burst.extend(frame(
            r#"{"type":"chat","nick":"chris","message":"live","id":8,"time":"2026-01-15T10:05:00Z"}"#,
        ));
        put(&mut s, &burst);
        expect_closed(&mut s);
    });
    let mut c = Client::start_env(port, "pat", &JSON, &[UTC]);
    c.next_is(&registered(port));
    c.next_is("[2026-01-15 10:00, while you were away] chris -> pat: hi");
    c.next_is("chris: live");
    quit(c, fake);
}

#[test]
fn a_seed_server_supports_none_of_it() {
    let (port, fake) = fake(|l| {
        // A seed server reads the hello's nick; the fields it does not know are ignored.
        let mut s = accept(&l);
        expect_packet(&mut s, &hello_with("pat", "s3cret"));
        put_packet(&mut s, r#"{"type":"join","nick":"pat"}"#);
        expect_packet(&mut s, r#"{"type":"chat","message":"hi"}"#);
        put_packet(&mut s, &chat("pat", "hi"));
        expect_closed(&mut s);
    });
    let env = [("CHAT_PASSWORD", "s3cret")];
    let mut c = Client::start_env(port, "pat", &JSON, &env);
    c.expect("registered as pat");
    for command in ["/register", "/unregister"] {
        c.send(command);
        c.next_is("this server does not support accounts (/register, /unregister)");
    }
    c.send("/history");
    c.next_is("this server does not support /history");
    c.send("hi");
    c.next_is("delivered to ALL");
    quit(c, fake);
}
