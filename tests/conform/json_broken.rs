//! Every JSON check of the conformance kit can fail: each is run against the seed 003
//! reference server (`support::seed003`) with one defect that breaks its rule, or, for our
//! Part 4 checks (errors, limits, extensions), against the reference server itself, which has
//! none of them; and each must report `FAIL`. The reference server without a defect passes
//! every check of `--profile original`, so the failures come from the defects.
//!
//! The seed's checks are proven under `--profile original` (packets judged as JSON), so that
//! each fails by its own logic, not by a byte layout the seed does not promise.
//!
//! The rooms checks (Part 8) are skipped by the reference server, which grants nothing: each
//! is failed instead against our own server's JSON front end behind a proxy with one defect
//! of its rooms (`support::broken::json_rooms`), which without a defect passes them all.

use super::must_fail;
use crate::support::broken::json_rooms::{JsonBroken, RoomDefect};
use crate::support::seed003::JsonDefect::{self, *};
use crate::support::seed003::{Seed003, LIMIT};
use chat::conformance::json::{self, checks, Target};
use chat::conformance::report::{Entry, Report};
use chat::conformance::{Outcome, Part, Profile, Selection};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

/// How long the kit waits for a packet in these cases.
const REPLY: Duration = Duration::from_secs(1);
/// The timeouts the kit is told of; the reference server has none, and fails those checks.
const IDLE: Duration = Duration::from_millis(500);
const MESSAGE: Duration = Duration::from_millis(500);

/// Every JSON check and what must make it fail: a defect, or `None` for the reference server
/// itself (it has no error packets, limits or extensions).
const TABLE: &[(&str, Option<JsonDefect>)] = &[
    // Framing.
    ("framing.join-self", Some(NoJoinToJoiner)),
    ("framing.join-others", Some(NoJoinToOthers)),
    ("framing.chat-echo", Some(NoEcho)),
    ("framing.chat-others", Some(NoBroadcast)),
    ("framing.leave-others", Some(NoLeave)),
    ("framing.byte-at-a-time", Some(OneReadOnePacket)),
    ("framing.coalesced", Some(OneReadOnePacket)),
    ("framing.hello-and-chats", Some(HelloDropsRest)),
    ("framing.one-write", Some(SplitWrites)),
    // Parsing.
    ("parse.indented", Some(StringMatching)),
    ("parse.escapes", Some(StringMatching)),
    ("parse.key-order", Some(StringMatching)),
    ("parse.unknown-fields", Some(StringMatching)),
    ("parse.unknown-type", Some(CloseOnUnknownType)),
    ("parse.unicode", Some(LengthInChars)),
    // Robustness.
    ("robust.silent-reader", Some(BlockingWrites)),
    ("robust.cut-packet", Some(NoLeaveOnCut)),
    ("robust.unframed-json", Some(NoLeaveOnCut)),
    ("robust.garbage", Some(GarbageKillsServer)),
    // Our errors and limits: the reference server has none.
    ("errors.bad-nick", None),
    ("errors.nick-taken", None),
    ("errors.no-hello", None),
    ("errors.already-joined", None),
    ("errors.bad-packet", None),
    ("errors.malformed", None),
    ("errors.unframed", None),
    ("errors.too-long", None),
    ("limits.at-limit", Some(LimitOffByOne)),
    ("limits.idle", None),
    ("limits.half-packet", None),
    // Our extensions: the reference server knows none.
    ("ext.welcome", None),
    ("ext.seed-packets-only", None),
    ("ext.dm", None),
    ("ext.dm-no-such-user", None),
    ("ext.dm-fallback", None),
    ("ext.emote", None),
    ("ext.emote-fallback", None),
    ("ext.users", None),
    ("ext.leave-reason", None),
];

/// Every rooms check (Part 8) and the defect of our server's rooms that must make it fail.
const ROOMS_TABLE: &[(&str, RoomDefect)] = &[
    ("rooms.join", RoomDefect::JoinEchoWithoutRoom),
    ("rooms.chat", RoomDefect::RoomChatWithoutRoom),
    ("rooms.chat-members-only", RoomDefect::RoomChatToAll),
    ("rooms.who", RoomDefect::WhoUnsorted),
    ("rooms.list", RoomDefect::RoomListReversed),
    ("rooms.topic", RoomDefect::TopicNotEchoed),
    (
        "rooms.topic-not-operator",
        RoomDefect::NotOperatorIsNotInRoom,
    ),
    ("rooms.kick", RoomDefect::KickWithoutLeave),
    ("rooms.part", RoomDefect::PartNotEchoed),
    ("rooms.no-such-room", RoomDefect::NoSuchRoomIsNotInRoom),
    ("rooms.bad-room", RoomDefect::LenientRoomNames),
    ("rooms.lobby", RoomDefect::LobbyIsNotInRoom),
];

/// More cases: defects that break a rule as a side effect, and the byte layout, which only
/// the default profile judges.
const ALSO: &[(&str, Option<JsonDefect>, Profile)] = &[
    ("robust.garbage", Some(IgnoresGarbage), Profile::Original),
    (
        "framing.hello-and-chats",
        Some(OneReadOnePacket),
        Profile::Original,
    ),
    ("parse.escapes", Some(LengthInChars), Profile::Original),
    ("framing.chat-others", Some(NoEcho), Profile::Original),
    ("robust.garbage", Some(NoLeave), Profile::Original),
    ("framing.join-self", Some(PrettyJson), Profile::Full),
    ("ext.dm", Some(StringMatching), Profile::Full),
];

/// What the kit is told about the reference server at `addr`.
fn target(addr: SocketAddr, profile: Profile) -> Target {
    Target {
        reply_timeout: REPLY,
        idle_timeout: IDLE,
        message_timeout: MESSAGE,
        max_body: LIMIT,
        profile,
        ..Target::new(addr)
    }
}

/// The profile a check is proven under: the seed's checks judge packets as JSON.
fn profile_of(id: &str) -> Profile {
    match checks().iter().find(|c| c.info.id == id) {
        Some(c) if c.info.part == Part::Seed => Profile::Original,
        _ => Profile::Full,
    }
}

/// Runs the check `id` against the reference server with `defect`, under `profile`.
fn run_case(id: &str, defect: Option<JsonDefect>, profile: Profile) -> Entry {
    let server = Seed003::start(defect);
    let selection = Selection {
        only: vec![id.to_string()],
        ..Selection::default()
    };
    let report = json::run(&target(server.addr(), profile), &selection, 1, |_| {});
    let mut entries = report.entries;
    assert_eq!(entries.len(), 1, "no check {id}");
    entries.remove(0)
}

/// Asserts every case failed, printing each failure.
fn assert_all_fail(cases: &[(&'static str, Option<JsonDefect>, Profile)]) {
    must_fail::assert_all_fail(cases, |&(id, defect, profile)| {
        (id, defect, run_case(id, defect, profile))
    });
}

#[test]
fn the_json_table_names_every_check_exactly_once() {
    let ids: BTreeSet<&str> = checks().iter().map(|c| c.info.id).collect();
    must_fail::assert_table_names_every_check(
        "JSON checks",
        &ids,
        TABLE
            .iter()
            .map(|(id, _)| *id)
            .chain(ROOMS_TABLE.iter().map(|(id, _)| *id)),
        ALSO.iter().map(|(id, _, _)| *id),
    );
}

/// The rooms checks `only` picks, run against our server behind a proxy with `defect`.
fn rooms_run(defect: RoomDefect, only: &str, jobs: usize) -> Report {
    let broken = JsonBroken::start(defect);
    let selection = Selection {
        only: vec![only.to_string()],
        ..Selection::default()
    };
    json::run(
        &target(broken.addr(), Profile::Full),
        &selection,
        jobs,
        |_| {},
    )
}

#[test]
fn every_json_rooms_check_fails_against_our_server_with_its_defect() {
    must_fail::assert_all_fail(ROOMS_TABLE, |&(id, defect)| {
        let mut entries = rooms_run(defect, id, 1).entries;
        assert_eq!(entries.len(), 1, "no check {id}");
        (id, defect, entries.remove(0))
    });
}

#[test]
fn the_json_rooms_proxy_without_a_defect_passes_every_rooms_check() {
    let report = rooms_run(RoomDefect::None, "rooms.*", 8);
    assert!(report.ok(), "{}", report.to_text());
    let passed = report.counts().passed;
    assert_eq!(passed, ROOMS_TABLE.len(), "{}", report.to_text());
}

#[test]
fn a_server_of_the_seed_has_every_rooms_check_skipped_with_the_reason() {
    let server = Seed003::start(None);
    let selection = Selection {
        only: vec!["rooms.*".into()],
        ..Selection::default()
    };
    let report = json::run(&target(server.addr(), Profile::Full), &selection, 8, |_| {});
    assert_eq!(report.entries.len(), ROOMS_TABLE.len());
    for entry in &report.entries {
        let Outcome::Skip(why) = &entry.outcome else {
            panic!("{} was not skipped:\n{}", entry.info.id, report.to_text());
        };
        let said = r#"the server does not grant rooms (asked ["rooms"]; no welcome: a server of the seed)"#;
        assert_eq!(why, said, "{}", entry.info.id);
    }
}

#[test]
fn every_json_check_fails_against_a_server_breaking_its_rule() {
    let cases: Vec<_> = TABLE
        .iter()
        .map(|&(id, defect)| (id, defect, profile_of(id)))
        .collect();
    assert_all_fail(&cases);
}

#[test]
fn side_effects_and_the_byte_layout_fail_json_checks_too() {
    assert_all_fail(ALSO);
}

/// Every check of `profile` against the reference server with `defect`, 8 at a time.
fn reference_run(defect: Option<JsonDefect>, profile: Profile) -> Report {
    let server = Seed003::start(defect);
    let target = Target {
        reply_timeout: Duration::from_secs(5),
        ..target(server.addr(), profile)
    };
    json::run(&target, &Selection::default(), 8, |_| {})
}

/// Every seed check passed and every check of ours was skipped.
fn assert_seed_checks_pass(report: &Report) {
    let text = report.to_text();
    assert!(report.ok(), "{text}");
    for entry in &report.entries {
        let want_pass = entry.info.part == Part::Seed;
        let passed = entry.outcome == Outcome::Pass;
        let skipped = matches!(entry.outcome, Outcome::Skip(_));
        assert!(
            if want_pass { passed } else { skipped },
            "{}: {:?}\n{text}",
            entry.info.id,
            entry.outcome
        );
    }
    assert_eq!(report.entries.len(), checks().len());
}

#[test]
fn the_seed_reference_server_passes_every_check_of_the_original_profile() {
    assert_seed_checks_pass(&reference_run(None, Profile::Original));
}

#[test]
fn a_server_writing_python_style_json_passes_the_original_profile() {
    // Under the default profile it fails (`ALSO`): the bytes are not Part 4's.
    assert_seed_checks_pass(&reference_run(Some(PrettyJson), Profile::Original));
}
