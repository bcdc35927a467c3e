//! Unit and property tests of the codec.

use super::*;
use proptest::prelude::*;

fn lim() -> Limits {
    Limits::default()
}

fn dec(bytes: &[u8]) -> Result<Option<(Message, usize)>, WireError> {
    decode(bytes, &lim())
}

fn samples() -> Vec<(Message, &'static [u8])> {
    let m = Message::new;
    vec![
        (
            m(Command::Register {
                role: Role::ToSend,
                name: "alice".into(),
            }),
            b"REGISTER TOSEND alice\n\n",
        ),
        (
            m(Command::Registered {
                role: Role::ToRecv,
                name: "alice".into(),
            }),
            b"REGISTERED TORECV alice\n\n",
        ),
        (
            Message::with_body(Command::Send { to: "bob".into() }, b"hi\n\nthere".to_vec()),
            b"SEND bob\nContent-length: 9\n\nhi\n\nthere",
        ),
        (m(Command::Sent { to: "ALL".into() }), b"SENT ALL\n\n"),
        (
            Message::with_body(Command::Forward { from: "al".into() }, vec![0, 255, 10]),
            b"FORWARD al\nContent-length: 3\n\n\x00\xff\n",
        ),
        (
            m(Command::Received { from: "al".into() }),
            b"RECEIVED al\n\n",
        ),
        (
            Message::error(ErrorCode::UnableToSend),
            b"ERROR 102 Unable to send\n\n",
        ),
        (
            Message::error(ErrorCode::HeaderIncomplete),
            b"ERROR 103 Header incomplete\n\n",
        ),
        (
            m(Command::Other {
                verb: "USERS".into(),
                args: String::new(),
            }),
            b"USERS\n\n",
        ),
        (
            m(Command::Register {
                role: Role::ToRecv,
                name: "bob".into(),
            })
            .with_header("Extensions", "events, users"),
            b"REGISTER TORECV bob\nExtensions: events, users\n\n",
        ),
    ]
}

#[test]
fn encodes_exact_bytes_and_round_trips() {
    for (msg, bytes) in samples() {
        assert_eq!(msg.to_bytes(), bytes, "{msg:?}");
        assert_eq!(dec(bytes), Ok(Some((msg, bytes.len()))));
    }
}

#[test]
fn every_strict_prefix_is_incomplete() {
    for (_, bytes) in samples() {
        for cut in 0..bytes.len() {
            assert_eq!(dec(&bytes[..cut]), Ok(None), "prefix {cut} of {bytes:?}");
        }
    }
}

#[test]
fn liberal_forms_decode_like_strict_ones() {
    let strict = dec(b"SEND bob\nContent-length: 2\n\nhi")
        .unwrap()
        .unwrap()
        .0;
    for form in [
        &b"SEND bob\r\nContent-length: 2\r\n\r\nhi"[..],
        b"SEND bob\nContent-length: 2\n \nhi",
        b"SEND bob\ncontent-LENGTH:2\n\t\nhi",
        b"  \n\r\nSEND   bob  \n   Content-length :  2  \n\nhi",
        b"send bob\nContent-Length: 2\n\nhi",
    ] {
        assert_eq!(dec(form).unwrap().unwrap().0, strict, "{form:?}");
    }
    let ack = dec(b"RECIEVED alice\n \n").unwrap().unwrap().0;
    assert_eq!(
        ack.command,
        Command::Received {
            from: "alice".into()
        }
    );
}

#[test]
fn pipelined_messages_decode_one_at_a_time() {
    let buf = b"REGISTER TOSEND a\n\n\nREGISTER TORECV a\n\nSEND a\nContent-length: 1\n\nx\n";
    let (m1, n1) = dec(buf).unwrap().unwrap();
    let (m2, n2) = dec(&buf[n1..]).unwrap().unwrap();
    let (m3, n3) = dec(&buf[n1 + n2..]).unwrap().unwrap();
    assert!(matches!(
        m1.command,
        Command::Register {
            role: Role::ToSend,
            ..
        }
    ));
    assert!(matches!(
        m2.command,
        Command::Register {
            role: Role::ToRecv,
            ..
        }
    ));
    assert_eq!(m3.body.as_deref(), Some(&b"x"[..]));
    assert_eq!(dec(&buf[n1 + n2 + n3..]), Ok(None));
    assert_eq!(junk_prefix(&buf[n1 + n2 + n3..]), 1);
}

#[test]
fn register_keeps_extra_words_in_the_name() {
    let m = dec(b"REGISTER TOSEND al ice\n\n").unwrap().unwrap().0;
    assert_eq!(
        m.command,
        Command::Register {
            role: Role::ToSend,
            name: "al ice".into()
        }
    );
    let m = dec(b"REGISTER TOFOO al\n\n").unwrap().unwrap().0;
    assert!(matches!(m.command, Command::Other { ref verb, .. } if verb == "REGISTER"));
}

#[test]
fn errors_name_what_is_wrong() {
    assert_eq!(
        dec(b"SEND a\nContent-length: x\n\n"),
        Err(WireError::BadContentLength)
    );
    assert_eq!(
        dec(b"SEND a\nContent-length: -1\n\n"),
        Err(WireError::BadContentLength)
    );
    assert_eq!(
        dec(b"SEND a\nContent-length: 1\nContent-length: 2\n\n"),
        Err(WireError::BadContentLength)
    );
    assert_eq!(
        dec(b"SEND a\nContent-length: 99999999999999999999999\n\n"),
        Err(WireError::BodyTooLong {
            len: u64::MAX,
            max: DEFAULT_MAX_BODY
        })
    );
    let long = vec![b'A'; DEFAULT_MAX_HEADER + 1];
    assert_eq!(
        dec(&long),
        Err(WireError::HeaderTooLong {
            max: DEFAULT_MAX_HEADER
        })
    );
    let err = dec(b"ERROR nope\n\n").unwrap().unwrap().0;
    assert_eq!(
        err.command,
        Command::Error {
            code: 0,
            text: "nope".into()
        }
    );
}

#[test]
fn usernames() {
    assert!(is_valid_username("alice"));
    assert!(is_valid_username("A1"));
    assert!(is_valid_username(&"a".repeat(32)));
    for bad in [
        "",
        "ALL",
        "all",
        "al ice",
        "al_ice",
        "é",
        &"a".repeat(33),
        "a\0",
    ] {
        assert!(!is_valid_username(bad), "{bad:?}");
    }
}

fn arb_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{1,32}"
}

fn arb_message() -> impl Strategy<Value = Message> {
    let role = prop_oneof![Just(Role::ToSend), Just(Role::ToRecv)];
    let body = proptest::collection::vec(any::<u8>(), 0..300);
    prop_oneof![
        (role.clone(), arb_name())
            .prop_map(|(role, name)| Message::new(Command::Register { role, name })),
        (role, arb_name())
            .prop_map(|(role, name)| Message::new(Command::Registered { role, name })),
        (arb_name(), body.clone()).prop_map(|(to, b)| Message::with_body(Command::Send { to }, b)),
        (arb_name(), body).prop_map(|(from, b)| Message::with_body(Command::Forward { from }, b)),
        arb_name().prop_map(|to| Message::new(Command::Sent { to })),
        arb_name().prop_map(|from| Message::new(Command::Received { from })),
        (100u16..1000, "[A-Za-z][A-Za-z ]{0,20}[A-Za-z]")
            .prop_map(|(code, text)| { Message::new(Command::Error { code, text }) }),
    ]
}

/// Decodes a whole stream, as the connection does, feeding `chunk` bytes at a time.
fn decode_stream(bytes: &[u8], chunk: usize, limits: &Limits) -> (Vec<Message>, Option<WireError>) {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match decode(&buf, limits) {
                Ok(Some((m, used))) => {
                    assert!(used <= buf.len());
                    if let Some(b) = &m.body {
                        assert!(b.len() <= limits.max_body);
                    }
                    out.push(m);
                    buf.drain(..used);
                }
                Ok(None) => {
                    // What is buffered for an incomplete message stays within the limits.
                    assert!(buf.len() <= limits.max_header + limits.max_body + chunk);
                    break;
                }
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

proptest! {
    #[test]
    fn random_messages_round_trip(msgs in proptest::collection::vec(arb_message(), 1..8)) {
        let mut bytes = Vec::new();
        for m in &msgs { m.encode(&mut bytes); }
        let (whole, err) = decode_stream(&bytes, bytes.len(), &lim());
        prop_assert_eq!(err, None);
        prop_assert_eq!(&whole, &msgs);
        let (trickled, _) = decode_stream(&bytes, 1, &lim());
        prop_assert_eq!(&trickled, &msgs);
    }

    #[test]
    fn random_bytes_never_panic_or_exceed_limits(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        chunk in 1usize..64,
    ) {
        let limits = Limits { max_header: 256, max_body: 128 };
        let (whole, e1) = decode_stream(&bytes, bytes.len(), &limits);
        let (trickled, e2) = decode_stream(&bytes, chunk, &limits);
        // Fed whole or in pieces, the same messages come out (an error may come sooner
        // when fed whole, since the limits are checked on what is buffered).
        let n = whole.len().min(trickled.len());
        prop_assert_eq!(&whole[..n], &trickled[..n]);
        if e1.is_none() && e2.is_none() { prop_assert_eq!(whole.len(), trickled.len()); }
    }

    #[test]
    fn mutated_messages_never_panic(
        msg in arb_message(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = msg.to_bytes();
        for (i, b) in flips { let at = i.index(bytes.len()); bytes[at] = b; }
        let _ = decode_stream(&bytes, 7, &lim());
    }
}
