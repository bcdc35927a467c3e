use super::*;

fn join(name: &str) -> WireEvent {
    WireEvent::Join { name: name.into() }
}

fn leave(name: &str) -> Event {
    Event::Leave(name.into(), LeaveReason::Disconnected)
}

fn roster(inc: u64, seq: u64, users: &[(&str, &[&str])]) -> Roster {
    Roster {
        inc,
        seq,
        users: users
            .iter()
            .map(|(n, rooms)| (n.to_string(), rooms.iter().map(|r| r.to_string()).collect()))
            .collect(),
    }
}

/// A presence that knows node `a` (incarnation 1) with `users`, synced at event 5.
fn synced(users: &[(&str, &[&str])]) -> (Presence, Instant) {
    let mut p = Presence::default();
    let now = Instant::now();
    assert_eq!(p.heard("a", 1, 5, now), Heard::AskRoster(Vec::new()));
    let joins: Vec<Event> = users
        .iter()
        .map(|(n, _)| Event::Join(n.to_string()))
        .collect();
    assert_eq!(p.roster("a", roster(1, 5, users)), joins);
    (p, now)
}

#[test]
fn a_new_node_is_asked_for_its_roster_and_its_users_join() {
    let (p, now) = synced(&[("bob", &["#rust"]), ("carol", &[])]);
    assert_eq!(p.nodes(), ["a"]);
    assert_eq!(p.locate("bob").as_deref(), Some("a"));
    assert_eq!(p.locate("dave"), None);
    let mut users = p.users();
    users.sort();
    let at_a = |n: &str| (n.to_string(), "a".to_string());
    assert_eq!(users, [at_a("bob"), at_a("carol")]);
    assert_eq!(p.members("#rust"), ["bob"]);
    assert!(p.is_up("a", 1) && !p.is_up("a", 2) && !p.is_up("b", 1));
    let mut p = p;
    assert_eq!(p.heard("a", 1, 5, now), Heard::Known);
}

#[test]
fn events_in_order_change_who_is_there_and_are_told_once() {
    let (mut p, now) = synced(&[("bob", &[])]);
    let (heard, told) = p.event("a", 1, 6, join("dave"), now);
    assert_eq!(
        (heard, told),
        (Heard::Known, vec![Event::Join("dave".into())])
    );
    // The same event again (a duplicate) and a join of someone there tell nothing.
    assert_eq!(p.event("a", 1, 6, join("dave"), now).1, Vec::new());
    assert_eq!(p.event("a", 1, 7, join("dave"), now).1, Vec::new());
    let room = WireEvent::RoomJoin {
        room: "#r".into(),
        name: "dave".into(),
    };
    assert_eq!(p.event("a", 1, 8, room, now).1.len(), 1);
    assert_eq!(p.members("#r"), ["dave"]);
    let gone = WireEvent::Leave {
        name: "dave".into(),
        reason: "quit".into(),
    };
    let told = p.event("a", 1, 9, gone, now).1;
    assert_eq!(told, vec![Event::Leave("dave".into(), LeaveReason::Quit)]);
    assert_eq!((p.locate("dave"), p.members("#r").len()), (None, 0));
}

#[test]
fn a_missed_event_asks_for_the_roster_and_replays_what_came_meanwhile() {
    let (mut p, now) = synced(&[("bob", &[])]);
    // Event 6 is lost; 7 shows the gap and waits.
    let (heard, told) = p.event("a", 1, 7, join("erin"), now);
    assert_eq!((heard, told), (Heard::AskRoster(Vec::new()), Vec::new()));
    let (_, told) = p.event("a", 1, 8, join("fay"), now);
    assert!(told.is_empty());
    // The roster is as of event 6 (dave joined, bob left); 7 and 8 replay over it.
    let told = p.roster("a", roster(1, 6, &[("dave", &[])]));
    assert_eq!(
        told,
        vec![
            leave("bob"),
            Event::Join("dave".into()),
            Event::Join("erin".into()),
            Event::Join("fay".into()),
        ]
    );
    assert_eq!(p.heard("a", 1, 8, now), Heard::Known);
}

#[test]
fn a_heartbeat_ahead_of_the_events_asks_for_the_roster() {
    let (mut p, now) = synced(&[]);
    assert_eq!(p.heard("a", 1, 9, now), Heard::AskRoster(Vec::new()));
}

#[test]
fn a_restarted_node_loses_its_old_users_and_a_stale_roster_is_ignored() {
    let (mut p, now) = synced(&[("bob", &[])]);
    assert_eq!(
        p.heard("a", 2, 0, now),
        Heard::AskRoster(vec![leave("bob")])
    );
    assert_eq!(p.roster("a", roster(1, 5, &[("bob", &[])])), Vec::new());
    assert_eq!(p.locate("bob"), None);
    assert_eq!(
        p.roster("a", roster(2, 0, &[("gil", &[])])),
        vec![Event::Join("gil".into())]
    );
}

#[test]
fn a_silent_node_is_forgotten_and_its_users_leave() {
    let (mut p, now) = synced(&[("bob", &[]), ("carol", &[])]);
    let silence = Duration::from_secs(3);
    assert_eq!(
        p.expire(now + Duration::from_secs(2), silence),
        (vec![], vec![])
    );
    let (dead, told) = p.expire(now + Duration::from_secs(4), silence);
    assert_eq!(dead, ["a"]);
    assert_eq!(told, vec![leave("bob"), leave("carol")]);
    assert!(p.nodes().is_empty() && p.users().is_empty());
}
