//! What a JSON user is sent, for each kind of message and event and each set of extensions.

use super::*;
use crate::core::LeaveReason;
use crate::wire::json;

fn payload(p: &Packet) -> String {
    json::to_json(p)
}

#[test]
fn messages_are_seed_packets_unless_the_client_asked_for_more() {
    let none = JsonExt::NONE;
    let all = JsonExt::DM
        .with(JsonExt::EMOTE)
        .with(JsonExt::USERS)
        .with(JsonExt::EVENTS);
    let chat = Delivery::new(7, "pat", b"hi".to_vec(), Kind::All, false);
    let emote = Delivery::new(7, "pat", b"waves".to_vec(), Kind::All, true);
    let dm = Delivery::new(7, "pat", b"psst".to_vec(), Kind::Direct, false);
    let said = Delivery::new(
        7,
        SERVER_NAME,
        b"restart at 5".to_vec(),
        Kind::Server,
        false,
    );
    let table = [
        (
            &chat,
            none,
            r#"{"type":"chat","nick":"pat","message":"hi"}"#,
        ),
        (&chat, all, r#"{"type":"chat","nick":"pat","message":"hi"}"#),
        (
            &emote,
            none,
            r#"{"type":"chat","nick":"pat","message":"/me waves"}"#,
        ),
        (
            &emote,
            all,
            r#"{"type":"emote","nick":"pat","message":"waves"}"#,
        ),
        (
            &dm,
            none,
            r#"{"type":"chat","nick":"pat -> chris","message":"psst"}"#,
        ),
        (
            &dm,
            all,
            r#"{"type":"dm","nick":"pat","to":"chris","message":"psst"}"#,
        ),
        (
            &said,
            all,
            r#"{"type":"chat","nick":"*server*","message":"restart at 5"}"#,
        ),
    ];
    for (d, ext, want) in table {
        assert_eq!(payload(&packet_for(d, "chris", ext)), want, "{d:?} {ext:?}");
    }
    // With offline or history: ids and times, and a message that waited says so.
    let mut waited = Delivery::new(7, "pat", b"psst".to_vec(), Kind::Direct, false);
    waited.time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
    waited.stored = true;
    assert_eq!(
        payload(&packet_for(&waited, "chris", JsonExt::all())),
        r#"{"type":"dm","nick":"pat","to":"chris","message":"psst","id":7,"time":"2026-11-18T11:06:40Z","stored":true}"#
    );
    assert_eq!(
        payload(&packet_for(&waited, "chris", JsonExt::HISTORY)),
        r#"{"type":"chat","nick":"pat -> chris","message":"psst","id":7,"time":"2026-11-18T11:06:40Z"}"#
    );
    let bytes = Delivery::new(7, "bob", vec![b'a', 0xff, b'\n'], Kind::All, false);
    assert_eq!(
        payload(&packet_for(&bytes, "chris", none)),
        r#"{"type":"chat","nick":"bob","message":"a\ufffd\n"}"#.replace("\\ufffd", "\u{fffd}")
    );
}

#[test]
fn events_follow_the_seed_and_the_extensions_asked_for() {
    let events = JsonExt::EVENTS.bits();
    let payloads = |e: Event, flags: u32| -> Vec<String> {
        event_packets(&e, "me", flags).iter().map(payload).collect()
    };
    let join = |n: &str| Event::Join(n.into());
    assert_eq!(
        payloads(join("bob"), 0),
        [r#"{"type":"join","nick":"bob"}"#]
    );
    // The joiner's own join; with a welcome first when its hello listed extensions.
    assert_eq!(payloads(join("me"), 0), [r#"{"type":"join","nick":"me"}"#]);
    assert_eq!(
        payloads(join("me"), ASKED | JsonExt::DM.bits() | events),
        [
            r#"{"type":"welcome","nick":"me","extensions":["dm","events"]}"#,
            r#"{"type":"join","nick":"me"}"#
        ]
    );
    assert_eq!(
        payloads(join("me"), ASKED),
        [
            r#"{"type":"welcome","nick":"me","extensions":[]}"#,
            r#"{"type":"join","nick":"me"}"#
        ]
    );
    let left = |n: &str| Event::Leave(n.into(), LeaveReason::Quit);
    assert_eq!(
        payloads(left("bob"), 0),
        [r#"{"type":"leave","nick":"bob"}"#]
    );
    assert_eq!(
        payloads(left("bob"), events),
        [r#"{"type":"leave","nick":"bob","reason":"quit"}"#]
    );
    assert!(payloads(left("me"), events).is_empty());
    let delivered = Event::Delivered {
        to: "bob".into(),
        id: 42,
    };
    assert!(payloads(delivered.clone(), events).is_empty());
    assert_eq!(
        payloads(delivered, JsonExt::OFFLINE.bits()),
        [r#"{"type":"delivered","to":"bob","id":42}"#]
    );
    let kick = |n: &str| Event::Kick(n.into(), "spam".into());
    assert!(payloads(kick("bob"), 0).is_empty());
    assert_eq!(
        payloads(kick("me"), events),
        [r#"{"type":"kick","nick":"me","reason":"spam"}"#]
    );
}
