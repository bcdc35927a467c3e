//! Unit tests of the JSON codec: exact bytes, liberal reading, every error; the property
//! tests are in `json_prop_tests.rs`.

use super::*;

pub(super) fn lim() -> JsonLimits {
    JsonLimits::default()
}

fn dec(bytes: &[u8]) -> Result<Option<(Packet, usize)>, JsonError> {
    decode(bytes, &lim())
}

fn s(text: &str) -> String {
    text.to_string()
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| s(i)).collect()
}

/// The 2 length bytes and the payload.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    frame(payload, &mut out).unwrap();
    out
}

/// Decodes one whole framed payload, which must not be reported incomplete.
fn read(payload: &[u8]) -> Result<Packet, JsonError> {
    let bytes = framed(payload);
    let (packet, used) = dec(&bytes)?.expect("a whole packet is not incomplete");
    assert_eq!(used, bytes.len());
    Ok(packet)
}

/// Every packet type, both directions, as PROTOCOL.md Part 4 writes them.
#[rustfmt::skip]
pub(super) fn samples() -> Vec<(Packet, [u8; 2], &'static str)> {
    let ext = || list(&["dm", "emote", "users", "events"]);
    vec![
        (Packet::Hello { nick: s("pat"), extensions: None, password: None, },
            [0x00, 0x1d], r#"{"type":"hello","nick":"pat"}"#),
        (Packet::Hello { nick: s("pat"), extensions: Some(ext()), password: None, },
            [0x00, 0x4a], r#"{"type":"hello","nick":"pat","extensions":["dm","emote","users","events"]}"#),
        (Packet::Welcome { nick: s("pat"), extensions: ext() },
            [0x00, 0x4c], r#"{"type":"welcome","nick":"pat","extensions":["dm","emote","users","events"]}"#),
        (Packet::Welcome { nick: s("pat"), extensions: vec![] },
            [0x00, 0x2f], r#"{"type":"welcome","nick":"pat","extensions":[]}"#),
        (Packet::Join { nick: Some(s("pat")), room: None },
            [0x00, 0x1c], r#"{"type":"join","nick":"pat"}"#),
        (Packet::Chat { nick: None, room: None, message: s("hi"), id: None, time: None, },
            [0x00, 0x1e], r#"{"type":"chat","message":"hi"}"#),
        (Packet::Chat { nick: Some(s("pat")), room: None, message: s("hi"), id: None, time: None, },
            [0x00, 0x2b], r#"{"type":"chat","nick":"pat","message":"hi"}"#),
        (Packet::Chat { nick: Some(s("pat -> chris")), room: None, message: s("hi"), id: None, time: None, },
            [0x00, 0x34], r#"{"type":"chat","nick":"pat -> chris","message":"hi"}"#),
        (Packet::Leave { nick: s("pat"), room: None, reason: None },
            [0x00, 0x1d], r#"{"type":"leave","nick":"pat"}"#),
        (Packet::Leave { nick: s("bob"), room: None, reason: Some(s("quit")) },
            [0x00, 0x2d], r#"{"type":"leave","nick":"bob","reason":"quit"}"#),
        (Packet::Kick { nick: s("bob"), room: None, by: None, reason: Some(s("spam")) },
            [0x00, 0x2c], r#"{"type":"kick","nick":"bob","reason":"spam"}"#),
        (Packet::Dm { nick: None, to: s("chris"), message: s("hi"), id: None, stored: None, time: None, },
            [0x00, 0x29], r#"{"type":"dm","to":"chris","message":"hi"}"#),
        (Packet::Dm { nick: Some(s("pat")), to: s("chris"), message: s("hi"), id: None, stored: None, time: None, },
            [0x00, 0x36], r#"{"type":"dm","nick":"pat","to":"chris","message":"hi"}"#),
        (Packet::Emote { nick: None, room: None, message: s("waves"), id: None, time: None, },
            [0x00, 0x22], r#"{"type":"emote","message":"waves"}"#),
        (Packet::Emote { nick: Some(s("pat")), room: None, message: s("waves"), id: None, time: None, },
            [0x00, 0x2f], r#"{"type":"emote","nick":"pat","message":"waves"}"#),
        (Packet::Users { nicks: None },
            [0x00, 0x10], r#"{"type":"users"}"#),
        (Packet::Users { nicks: Some(list(&["alice", "bob"])) },
            [0x00, 0x28], r#"{"type":"users","nicks":["alice","bob"]}"#),
        (Packet::Error { code: s("no-such-user"), message: s("nobody called chris") },
            [0x00, 0x46], r#"{"type":"error","code":"no-such-user","message":"nobody called chris"}"#),
        // Control characters escaped, non-ASCII as UTF-8, `/` left alone.
        (Packet::Chat { nick: Some(s("pat")), room: None, message: s("a\nb\t\u{1}\"\\/é😀"), id: None, time: None, },
            [0x00, 0x40], r#"{"type":"chat","nick":"pat","message":"a\nb\t\u0001\"\\/é😀"}"#),
    ]
}

#[test]
fn encodes_exact_bytes_and_round_trips() {
    for (packet, length, payload) in samples() {
        assert_eq!(
            usize::from(u16::from_be_bytes(length)),
            payload.len(),
            "{payload}"
        );
        let bytes = [&length[..], payload.as_bytes()].concat();
        let mut out = b"before".to_vec();
        assert_eq!(encode(&packet, &mut out), Ok(()));
        assert_eq!(out[6..], bytes, "{packet:?}");
        assert_eq!(to_json(&packet), payload);
        assert_eq!(framed(payload.as_bytes()), bytes);
        assert_eq!(packet.kind(), payload[9..].split('"').next().unwrap());
        assert_eq!(dec(&bytes), Ok(Some((packet, bytes.len()))));
    }
}

#[test]
fn fields_of_names_every_member_written() {
    for (packet, _, payload) in samples() {
        let fields = fields_of(packet.kind()).unwrap();
        let object: Map<String, Value> = serde_json::from_str(payload).unwrap();
        for key in object.keys().filter(|k| *k != "type") {
            assert!(fields.contains(&key.as_str()), "{key} of {payload}");
        }
    }
}

#[test]
fn unknown_and_malformed_encode_as_their_type_alone() {
    let unknown = Packet::Unknown { kind: s("ping") };
    let mut out = Vec::new();
    encode(&unknown, &mut out).unwrap();
    assert_eq!(out, b"\x00\x0f{\"type\":\"ping\"}");
    assert_eq!(dec(&out), Ok(Some((unknown, out.len()))));
    let malformed = Packet::Malformed { kind: s("chat") };
    assert_eq!(to_json(&malformed), r#"{"type":"chat"}"#);
    assert_eq!(read(to_json(&malformed).as_bytes()), Ok(malformed));
    // serde alone reads the real types too, but cannot tell Malformed from Unknown.
    for (packet, _, payload) in samples() {
        assert_eq!(serde_json::from_str::<Packet>(payload).ok(), Some(packet));
    }
    let chat: Packet = serde_json::from_str(r#"{"type":"chat"}"#).unwrap();
    assert_eq!(chat, Packet::Unknown { kind: s("chat") });
}

#[test]
fn liberal_forms_decode_like_strict_ones() {
    let strict = Packet::Chat {
        nick: Some(s("pat")),
        room: None,
        message: s("hi"),
        id: None,
        time: None,
    };
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let unknown_members = format!(
        r#"{{"type":"chat","uid":7,"big":1e400,"lone":"\ud800","deep":{deep},"meta":{{"a":[1,true,null]}},"nick":"pat","message":"hi"}}"#
    );
    for form in [
        "{\n  \"type\": \"chat\",\n\t\"nick\" : \"pat\",\r\n  \"message\": \"hi\"\n}\n",
        r#"{"type":"chat","nick":"\u0070at","message":"h\u0069"}"#,
        r#"{"\u0074ype":"\u0063hat","nick":"pat","message":"hi"}"#,
        r#"{"message":"hi","nick":"pat","type":"chat"}"#,
        r#"{"type":"chat","message":"first","nick":"pat","message":"hi"}"#,
        " \r\n\t{\"type\":\"chat\",\"nick\":\"pat\",\"message\":\"hi\"} \n",
        &unknown_members,
    ] {
        assert_eq!(read(form.as_bytes()), Ok(strict.clone()), "{form}");
    }
}

#[test]
fn null_optional_fields_are_absent() {
    for (payload, packet) in [
        (
            r#"{"type":"chat","nick":null,"message":"hi"}"#,
            Packet::Chat {
                nick: None,
                room: None,
                message: s("hi"),
                id: None,
                time: None,
            },
        ),
        (
            r#"{"type":"hello","nick":"pat","extensions":null}"#,
            Packet::Hello {
                nick: s("pat"),
                extensions: None,
                password: None,
            },
        ),
        (
            r#"{"type":"leave","nick":"pat","reason":null}"#,
            Packet::Leave {
                nick: s("pat"),
                room: None,
                reason: None,
            },
        ),
        (
            r#"{"type":"dm","nick":null,"to":"chris","message":"hi"}"#,
            Packet::Dm {
                nick: None,
                to: s("chris"),
                message: s("hi"),
                id: None,
                stored: None,
                time: None,
            },
        ),
        (
            r#"{"type":"emote","nick":null,"message":"waves"}"#,
            Packet::Emote {
                nick: None,
                room: None,
                message: s("waves"),
                id: None,
                time: None,
            },
        ),
        (
            r#"{"type":"users","nicks":null}"#,
            Packet::Users { nicks: None },
        ),
    ] {
        assert_eq!(read(payload.as_bytes()), Ok(packet), "{payload}");
    }
}

#[test]
fn unknown_types_are_packets_not_errors() {
    for (payload, kind) in [
        (r#"{"type":"ping"}"#, "ping"),
        (r#"{"type":"Chat","message":"hi"}"#, "Chat"),
        (r#"{"type":""}"#, ""),
        (r#"{"type":"unknown","kind":"chat"}"#, "unknown"),
        (r#"{"type":"malformed"}"#, "malformed"),
        (r#"{"type":"channels","list":[1,2],"x":{}}"#, "channels"),
    ] {
        let kind = s(kind);
        assert_eq!(
            read(payload.as_bytes()),
            Ok(Packet::Unknown { kind }),
            "{payload}"
        );
    }
}

#[test]
fn known_types_with_bad_fields_are_malformed() {
    for payload in [
        r#"{"type":"hello"}"#,
        r#"{"type":"hello","nick":5}"#,
        r#"{"type":"hello","nick":null}"#,
        r#"{"type":"hello","nick":["pat"]}"#,
        r#"{"type":"hello","nick":"pat","extensions":"dm"}"#,
        r#"{"type":"hello","nick":"pat","extensions":["dm",1]}"#,
        r#"{"type":"welcome","nick":"pat"}"#,
        r#"{"type":"welcome","nick":"pat","extensions":null}"#,
        r#"{"type":"chat"}"#,
        r#"{"type":"chat","message":null}"#,
        r#"{"type":"chat","message":1e400}"#,
        r#"{"type":"chat","message":"\ud800"}"#,
        r#"{"type":"chat","nick":5,"message":"hi"}"#,
        r#"{"type":"join"}"#,
        r#"{"type":"leave","reason":"quit"}"#,
        r#"{"type":"leave","nick":"pat","reason":1}"#,
        r#"{"type":"kick","nick":"bob"}"#,
        r#"{"type":"dm","message":"hi"}"#,
        r#"{"type":"dm","to":"chris"}"#,
        r#"{"type":"dm","to":{"nick":"chris"},"message":"hi"}"#,
        r#"{"type":"emote"}"#,
        r#"{"type":"users","nicks":"alice"}"#,
        r#"{"type":"users","nicks":[null]}"#,
        r#"{"type":"error","message":"no"}"#,
        r#"{"type":"error","code":1,"message":"no"}"#,
    ] {
        let kind = payload[9..].split('"').next().unwrap().to_string();
        assert_eq!(
            read(payload.as_bytes()),
            Ok(Packet::Malformed { kind }),
            "{payload}"
        );
    }
}

#[test]
fn fatal_errors_name_what_is_wrong() {
    use JsonError::*;
    let cases: &[(&[u8], JsonError)] = &[
        (b"{\"type\":\"chat\",\"message\":\"\xff\"}", NotUtf8),
        (b"{\"type\":\"chat\",\"message\":\"hi\"}\xc3", NotUtf8),
        (b"", NotJson),
        (b" \r\n\t", NotJson),
        (b"{", NotJson),
        (b"{\"type\":\"chat\"", NotJson),
        (b"{\"type\":}", NotJson),
        (b"{\"type\":\"chat\",}", NotJson),
        (b"{'type':'chat'}", NotJson),
        (b"{\"type\":\"chat\",\"message\":\"a\nb\"}", NotJson),
        (b"{\"type\":\"chat\"} {}", NotJson),
        (b"{\"type\":\"chat\"}x", NotJson),
        (b"{\"\\ud800\":1,\"type\":\"chat\"}", NotJson),
        (b"[{\"type\":\"chat\"}]", NotObject),
        (b"\"chat\"", NotObject),
        (b"1", NotObject),
        (b"null", NotObject),
        (b" \n[", NotObject),
        (b"}", NotObject),
        (b"\xef\xbb\xbf{}", NotObject),
        (b"\xff", NotObject),
        (b"{}", NoType),
        (b"{\"type\":1}", NoType),
        (b"{\"type\":null}", NoType),
        (b"{\"type\":[\"chat\"]}", NoType),
        (b"{\"type\":\"\\ud800\"}", NoType),
        (b"{\"Type\":\"chat\",\"message\":\"hi\"}", NoType),
    ];
    for (payload, err) in cases {
        assert_eq!(
            read(payload),
            Err(*err),
            "{:?}",
            String::from_utf8_lossy(payload)
        );
        assert_eq!(from_json(payload), Err(*err));
    }
    let limits = JsonLimits { max_payload: 10 };
    let long = framed(b"{\"type\":\"x\"}");
    assert_eq!(decode(&long, &limits), Err(TooLong { len: 12, max: 10 }));
    assert_eq!(TooLong { len: 1, max: 0 }.code(), "too-long");
    for err in [NotUtf8, NotJson, NotObject, NoType] {
        assert_eq!(err.code(), "malformed");
    }
}

#[test]
fn refusals_come_as_early_as_they_can() {
    let limits = JsonLimits { max_payload: 100 };
    assert_eq!(decode(&[0x00, 0x64], &limits), Ok(None));
    let over = Err(JsonError::TooLong { len: 101, max: 100 });
    assert_eq!(decode(&[0x00, 0x65], &limits), over);
    assert_eq!(decode(&[0x00], &limits), Ok(None));
    // Above what two bytes can say, a limit is no limit.
    let roomy = JsonLimits {
        max_payload: usize::MAX,
    };
    assert_eq!(roomy.max(), MAX_PAYLOAD);
    assert_eq!(decode(&[0xff, 0xff], &roomy), Ok(None));
    assert_eq!(dec(&[0xff, 0xff]), Ok(None));
    // A raw, unframed packet: `{"` is the length 31,522, and `t` is not `{`.
    let raw = br#"{"type":"chat","message":"x"}"#;
    assert_eq!(dec(&raw[..2]), Ok(None));
    assert_eq!(dec(&raw[..3]), Err(JsonError::NotObject));
    let small = JsonLimits { max_payload: 4096 };
    let long = Err(JsonError::TooLong {
        len: 31_522,
        max: 4096,
    });
    assert_eq!(decode(&raw[..2], &small), long);
    // Blanks before the `{` are fine; anything else is refused the moment it arrives.
    let blank_first = framed(b" \t\r\n{\"type\":\"join\",\"nick\":\"pat\"}");
    for cut in 0..blank_first.len() {
        assert_eq!(dec(&blank_first[..cut]), Ok(None), "prefix {cut}");
    }
    let join = Packet::Join {
        nick: Some(s("pat")),
        room: None,
    };
    assert_eq!(dec(&blank_first), Ok(Some((join, blank_first.len()))));
    assert_eq!(dec(b"\x00\x30 \t\r\n"), Ok(None));
    assert_eq!(dec(b"\x00\x30 \t\r\nx"), Err(JsonError::NotObject));
    // As far as EARLY_LOOK bytes in, that is; a byte further in is judged with the whole.
    let payload = |blanks| [vec![b' '; blanks], b"x  ".to_vec()].concat();
    let early = framed(&payload(EARLY_LOOK - 1));
    assert_eq!(dec(&early[..1 + EARLY_LOOK]), Ok(None));
    assert_eq!(dec(&early[..2 + EARLY_LOOK]), Err(JsonError::NotObject));
    let late = framed(&payload(EARLY_LOOK));
    for cut in 0..late.len() {
        assert_eq!(dec(&late[..cut]), Ok(None), "prefix {cut}");
    }
    assert_eq!(dec(&late), Err(JsonError::NotObject));
}

#[test]
fn every_strict_prefix_is_incomplete() {
    for (packet, _, payload) in samples() {
        let mut bytes = Vec::new();
        encode(&packet, &mut bytes).unwrap();
        for cut in 0..bytes.len() {
            assert_eq!(dec(&bytes[..cut]), Ok(None), "prefix {cut} of {payload}");
        }
    }
}

#[test]
fn payloads_of_the_largest_size_and_over() {
    let filler = MAX_PAYLOAD - r#"{"type":"chat","message":""}"#.len();
    let largest = Packet::Chat {
        nick: None,
        room: None,
        message: "a".repeat(filler),
        id: None,
        time: None,
    };
    let mut out = Vec::new();
    encode(&largest, &mut out).unwrap();
    assert_eq!(out[..2], [0xff, 0xff]);
    assert_eq!(dec(&out), Ok(Some((largest, 2 + MAX_PAYLOAD))));
    let over = Packet::Chat {
        nick: None,
        room: None,
        message: "a".repeat(filler + 1),
        id: None,
        time: None,
    };
    let mut out = b"kept".to_vec();
    assert_eq!(encode(&over, &mut out), Err(TooBig { len: 65_536 }));
    let payload = vec![b' '; 65_536];
    assert_eq!(frame(&payload, &mut out), Err(TooBig { len: 65_536 }));
    assert_eq!(out, b"kept");
}
