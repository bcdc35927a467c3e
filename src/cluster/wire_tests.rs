use super::*;
use proptest::prelude::*;

fn delivery() -> Delivery {
    let mut d = Delivery::new(7, "alice", b"hi \xff\n there".to_vec(), Kind::Room, true);
    d.room = Some("#rust".into());
    d.stored = true;
    d
}

#[test]
fn a_forward_carries_every_field_and_raw_bytes() {
    let audience = Audience::Room {
        room: "#rust".into(),
        except: "alice".into(),
    };
    let d = delivery();
    let payload = encode_forward(&audience, &d);
    let (got_audience, got) = decode_forward(&payload).expect("decodes");
    assert_eq!(got_audience, audience);
    assert_eq!(
        (got.id, got.from.as_str(), got.kind, got.emote, got.stored),
        (7, "alice", Kind::Room, true, true)
    );
    assert_eq!(got.body, d.body);
    assert_eq!(got.room.as_deref(), Some("#rust"));
    let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).ok();
    assert_eq!(ms(got.time), ms(d.time));
}

#[test]
fn each_audience_and_kind_round_trips() {
    let audiences = [
        Audience::User("bob".into()),
        Audience::All {
            except: "*server*".into(),
        },
    ];
    for (audience, kind) in audiences.into_iter().zip([Kind::Direct, Kind::Server]) {
        let d = Delivery::new(1, "x", Vec::new(), kind, false);
        let (a, got) = decode_forward(&encode_forward(&audience, &d)).expect("decodes");
        assert_eq!((a, got.kind, got.body.len()), (audience, kind, 0));
    }
}

#[test]
fn bad_forwards_are_refused_with_their_reason() {
    let err = |payload: &[u8]| decode_forward(payload).err();
    assert_eq!(err(b"no newline"), Some(WireError::NoHeader));
    assert!(matches!(
        decode_forward(b"{\"id\":1}\nbody"),
        Err(WireError::Malformed(_))
    ));
    let d = Delivery::new(1, "x", Vec::new(), Kind::Direct, false);
    let bad_user = encode_forward(&Audience::User("no spaces".into()), &d);
    assert_eq!(err(&bad_user), Some(WireError::BadName));
    let bad_room = Audience::Room {
        room: "rust".into(),
        except: String::new(),
    };
    assert_eq!(
        err(&encode_forward(&bad_room, &d)),
        Some(WireError::BadName)
    );
}

#[test]
fn events_cross_and_come_back_the_same() {
    let events = [
        Event::Join("a".into()),
        Event::Leave("a".into(), LeaveReason::Quit),
        Event::Leave("a".into(), LeaveReason::Timeout),
        Event::Leave("a".into(), LeaveReason::Kicked),
        Event::Leave("a".into(), LeaveReason::Disconnected),
        Event::Kick("a".into(), "spam".into()),
        Event::RoomJoin {
            room: "#r".into(),
            name: "a".into(),
        },
        Event::RoomLeave {
            room: "#r".into(),
            name: "a".into(),
            reason: PartReason::Kicked,
        },
        Event::RoomLeave {
            room: "#r".into(),
            name: "a".into(),
            reason: PartReason::Part,
        },
        Event::RoomKick {
            room: "#r".into(),
            name: "a".into(),
            by: "b".into(),
            reason: "x".into(),
        },
        Event::Topic {
            room: "#r".into(),
            by: "*server*".into(),
            topic: "t".into(),
        },
    ];
    for event in events {
        let wire = WireEvent::from_event(&event).expect("crosses");
        let back: WireEvent = decode(&encode(&wire)).expect("decodes");
        assert_eq!(back.to_event(), Ok(event));
    }
    let delivered = Event::Delivered {
        to: "a".into(),
        id: 1,
    };
    assert_eq!(WireEvent::from_event(&delivered), None);
}

#[test]
fn an_event_about_a_bad_name_or_room_is_refused() {
    let bad = [
        WireEvent::Join {
            name: "two words".into(),
        },
        WireEvent::RoomJoin {
            room: "nohash".into(),
            name: "a".into(),
        },
        WireEvent::Topic {
            room: "#r".into(),
            by: String::new(),
            topic: "t".into(),
        },
    ];
    for event in bad {
        assert_eq!(event.to_event(), Err(WireError::BadName), "{event:?}");
    }
}

#[test]
fn node_names_are_subject_tokens() {
    for good in ["a", "node-1", "eu_west_2", &"n".repeat(64)] {
        assert!(is_valid_node(good), "{good}");
    }
    for bad in ["", "a.b", "a b", "a*", "a>", &"n".repeat(65)] {
        assert!(!is_valid_node(bad), "{bad}");
    }
}

proptest! {
    #[test]
    fn random_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_forward(&bytes);
        let _ = decode::<Said>(&bytes);
        let _ = decode::<Roster>(&bytes);
        let _ = decode::<Alive>(&bytes);
    }

    #[test]
    fn any_body_crosses_intact(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let d = Delivery::new(3, "a", body.clone(), Kind::Direct, false);
        let (_, got) = decode_forward(&encode_forward(&Audience::User("b".into()), &d)).unwrap();
        prop_assert_eq!(got.body, body);
    }
}
