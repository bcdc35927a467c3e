//! What a JSON user is sent, for each kind of message and event and each set of extensions.

use super::*;
use crate::core::LeaveReason;

fn payload(p: &Packet) -> String {
    json::to_json(p)
}

#[test]
fn messages_are_seed_packets_unless_the_client_asked_for_more() {
    let none = JsonExt::NONE;
    let all = JsonExt::all();
    let chat = Delivery::new("pat", b"hi".to_vec(), Kind::All, false);
    let emote = Delivery::new("pat", b"waves".to_vec(), Kind::All, true);
    let dm = Delivery::new("pat", b"psst".to_vec(), Kind::Direct, false);
    let said = Delivery::new(SERVER_NAME, b"restart at 5".to_vec(), Kind::Server, false);
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
    let bytes = Delivery::new("bob", vec![b'a', 0xff, b'\n'], Kind::All, false);
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
    let kick = |n: &str| Event::Kick(n.into(), "spam".into());
    assert!(payloads(kick("bob"), 0).is_empty());
    assert_eq!(
        payloads(kick("me"), events),
        [r#"{"type":"kick","nick":"me","reason":"spam"}"#]
    );
}
