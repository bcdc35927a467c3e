//! Stream and property tests of the JSON codec: a stream of packets decodes the same whole,
//! byte by byte or in random pieces; random packets round-trip; random or mutated bytes never
//! panic, stay within the limit and are refused as early as `decode` promises; and any JSON
//! object with a string `"type"` is a packet, never an error.

use super::tests::{lim, samples};
use super::*;
use proptest::prelude::*;

/// Decodes a stream as a connection would, its bytes arriving in `pieces`.
fn decode_stream<'a>(
    pieces: impl IntoIterator<Item = &'a [u8]>,
    limits: &JsonLimits,
) -> (Vec<Packet>, Option<JsonError>) {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match decode(&buf, limits) {
                Ok(Some((packet, used))) => {
                    assert!((2..=buf.len()).contains(&used));
                    assert!(used - 2 <= limits.max());
                    out.push(packet);
                    buf.drain(..used);
                }
                Ok(None) => {
                    // What is buffered for an unfinished packet is within the limit, and
                    // could not have been refused yet.
                    assert!(buf.len() < 2 + limits.max());
                    let mut early = buf.iter().skip(2).take(EARLY_LOOK);
                    let first = early.find(|&&b| !is_blank(b));
                    assert!(matches!(first, None | Some(b'{')), "{buf:?}");
                    break;
                }
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

/// The bytes in pieces that end at the given offsets (and at the end).
fn split_at<'a>(bytes: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

#[test]
fn a_stream_decodes_the_same_whole_and_byte_by_byte() {
    let packets: Vec<Packet> = samples().into_iter().map(|(p, _, _)| p).collect();
    let mut bytes = Vec::new();
    for p in &packets {
        encode(p, &mut bytes).unwrap();
    }
    assert_eq!(decode_stream([&bytes[..]], &lim()), (packets.clone(), None));
    assert_eq!(decode_stream(bytes.chunks(1), &lim()), (packets, None));
}

#[test]
fn a_payload_of_blanks_a_byte_at_a_time_costs_time_in_proportion() {
    // Looking at every blank on every call would take some 2 billion steps here.
    let mut blanks = Vec::new();
    frame(&[b' '; MAX_PAYLOAD], &mut blanks).unwrap();
    let expected = (vec![], Some(JsonError::NotJson));
    assert_eq!(decode_stream(blanks.chunks(1), &lim()), expected);
}

fn arb_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

fn arb_list() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(arb_text(), 0..4)
}

fn arb_packet() -> impl Strategy<Value = Packet> {
    let text = arb_text;
    let opt = || proptest::option::of(arb_text());
    let id = || proptest::option::of(any::<u64>());
    prop_oneof![
        (text(), proptest::option::of(arb_list()), opt()).prop_map(
            |(nick, extensions, password)| Packet::Hello {
                nick,
                extensions,
                password,
            }
        ),
        (text(), arb_list()).prop_map(|(nick, extensions)| Packet::Welcome { nick, extensions }),
        (opt(), opt(), text(), id(), opt()).prop_map(|(nick, room, message, id, time)| {
            Packet::Chat {
                nick,
                room,
                message,
                id,
                time,
            }
        }),
        (opt(), opt())
            .prop_filter("a join names someone or somewhere", |(n, r)| n.is_some()
                || r.is_some())
            .prop_map(|(nick, room)| Packet::Join { nick, room }),
        (text(), opt(), opt()).prop_map(|(nick, room, reason)| Packet::Leave {
            nick,
            room,
            reason
        }),
        (text(), opt(), opt(), opt())
            .prop_filter("a kick has a room or a reason", |k| k.1.is_some()
                || k.3.is_some())
            .prop_map(|(nick, room, by, reason)| Packet::Kick {
                nick,
                room,
                by,
                reason
            }),
        (
            opt(),
            text(),
            text(),
            id(),
            opt(),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(nick, to, message, id, time, stored)| Packet::Dm {
                nick,
                to,
                message,
                id,
                time,
                stored,
            }),
        (opt(), opt(), text(), id(), opt()).prop_map(|(nick, room, message, id, time)| {
            Packet::Emote {
                nick,
                room,
                message,
                id,
                time,
            }
        }),
        proptest::option::of(arb_list()).prop_map(|nicks| Packet::Users { nicks }),
        (text(), text()).prop_map(|(code, message)| Packet::Error { code, message }),
        (opt(), opt()).prop_map(|(password, status)| Packet::Password { password, status }),
        (text(), any::<u64>()).prop_map(|(to, id)| Packet::Stored { to, id }),
        (text(), any::<u64>()).prop_map(|(to, id)| Packet::Delivered { to, id }),
        (
            opt(),
            id(),
            id(),
            id(),
            proptest::option::of(proptest::collection::vec(arb_entry(), 0..4))
        )
            .prop_map(|(room, before, after, limit, messages)| Packet::History {
                room,
                before,
                after,
                limit,
                messages,
            }),
        text().prop_map(|room| Packet::Part { room }),
        proptest::option::of(proptest::collection::vec(arb_room_info(), 0..4))
            .prop_map(|rooms| Packet::Rooms { rooms }),
        (text(), opt(), opt(), proptest::option::of(arb_list())).prop_map(
            |(room, operator, topic, nicks)| Packet::Who {
                room,
                operator,
                topic,
                nicks,
            }
        ),
        (text(), opt(), text()).prop_map(|(room, nick, topic)| Packet::Topic { room, nick, topic }),
    ]
}

fn arb_room_info() -> impl Strategy<Value = crate::wire::RoomInfo> {
    (arb_text(), any::<u64>(), proptest::option::of(arb_text())).prop_map(
        |(room, members, topic)| crate::wire::RoomInfo {
            room,
            members,
            topic,
        },
    )
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    (
        any::<u64>(),
        arb_text(),
        arb_text(),
        proptest::option::of(arb_text()),
        proptest::option::of(arb_text()),
        arb_text(),
        any::<bool>(),
    )
        .prop_map(|(id, time, nick, to, room, message, emote)| Entry {
            id,
            time,
            nick,
            to,
            room,
            message,
            emote,
        })
}

fn arb_limits() -> impl Strategy<Value = JsonLimits> {
    prop_oneof![Just(0usize), Just(2), Just(16), Just(64), Just(MAX_PAYLOAD)]
        .prop_map(|max_payload| JsonLimits { max_payload })
}

proptest! {
    #[test]
    fn random_packets_round_trip(
        packets in proptest::collection::vec(arb_packet(), 1..8),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut bytes = Vec::new();
        for p in &packets { encode(p, &mut bytes).unwrap(); }
        let expected = (packets, None);
        prop_assert_eq!(&decode_stream([&bytes[..]], &lim()), &expected);
        prop_assert_eq!(&decode_stream(bytes.chunks(1), &lim()), &expected);
        prop_assert_eq!(&decode_stream(split_at(&bytes, &cuts), &lim()), &expected);
    }

    #[test]
    fn random_bytes_never_panic_and_split_the_same(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        limits in arb_limits(),
    ) {
        // Every decision rests on the bytes of one packet, so pieces change nothing.
        let whole = decode_stream([&bytes[..]], &limits);
        prop_assert_eq!(&decode_stream(split_at(&bytes, &cuts), &limits), &whole);
    }

    #[test]
    fn mutated_packets_never_panic_and_split_the_same(
        packets in proptest::collection::vec(arb_packet(), 1..4),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        limits in arb_limits(),
    ) {
        let mut bytes = Vec::new();
        for p in &packets { encode(p, &mut bytes).unwrap(); }
        for (i, b) in flips { let at = i.index(bytes.len()); bytes[at] = b; }
        let whole = decode_stream([&bytes[..]], &limits);
        prop_assert_eq!(&decode_stream(split_at(&bytes, &cuts), &limits), &whole);
    }
}

/// A member name the codec reads, or any other.
fn arb_key() -> impl Strategy<Value = String> {
    let names = [
        "nick",
        "extensions",
        "message",
        "to",
        "reason",
        "nicks",
        "code",
        "room",
        "rooms",
        "by",
        "operator",
        "topic",
        "members",
        "x",
    ];
    prop_oneof![
        3 => proptest::sample::select(names.to_vec()).prop_map(String::from),
        1 => arb_text(),
    ]
}

/// Mostly what packets hold (text, lists of text), sometimes any JSON.
fn arb_member() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        arb_text().prop_map(Value::String),
    ];
    let any_json = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((arb_key(), inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    });
    prop_oneof![
        3 => arb_text().prop_map(Value::String),
        2 => arb_list().prop_map(Value::from),
        1 => any_json,
    ]
}

fn arb_kind() -> impl Strategy<Value = String> {
    let known = [
        "hello",
        "welcome",
        "chat",
        "join",
        "leave",
        "kick",
        "dm",
        "emote",
        "users",
        "error",
        "password",
        "stored",
        "delivered",
        "history",
        "part",
        "rooms",
        "who",
        "topic",
    ];
    prop_oneof![
        4 => proptest::sample::select(known.to_vec()).prop_map(String::from),
        1 => arb_text(),
    ]
}

proptest! {
    #[test]
    fn any_object_with_a_string_type_is_a_packet(
        kind in arb_kind(),
        members in proptest::collection::vec((arb_key(), arb_member()), 0..6),
        pretty in any::<bool>(),
    ) {
        let mut object: Map<String, Value> = members.into_iter().collect();
        object.insert("type".into(), Value::String(kind.clone()));
        let text = if pretty {
            serde_json::to_string_pretty(&object).unwrap()
        } else {
            serde_json::to_string(&object).unwrap()
        };
        let packet = from_json(text.as_bytes()).unwrap();
        prop_assert_eq!(packet.kind(), kind.as_str());
        match &packet {
            Packet::Unknown { .. } => prop_assert!(fields_of(&kind).is_none()),
            Packet::Malformed { .. } => prop_assert!(fields_of(&kind).is_some()),
            _ => prop_assert_eq!(from_json(to_json(&packet).as_bytes()), Ok(packet.clone())),
        }
    }
}
