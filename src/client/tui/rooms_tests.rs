//! The room list: joining, leaving, switching, unread counts, and what each view shows.

use super::*;
use crate::command::Target;
use crate::meta::Meta;
use crate::tui::app::Phase;
use crate::view::{Caps, SessionEvent};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn s(text: &str) -> String {
    text.to_string()
}

/// Registered as alice on a server with rooms, at 14:02.
fn app() -> App {
    let mut app = App::new((80, 24));
    app.clock = || s("14:02");
    let caps = Caps {
        users: true,
        direct: true,
        events: true,
        rooms: true,
        ..Caps::default()
    };
    app.on_session(SessionEvent::Registered {
        name: s("alice"),
        server: s("127.0.0.1:4334"),
        caps,
    });
    assert_eq!(app.phase, Phase::Chat);
    app
}

fn said(app: &mut App, from: &str, text: &str, room: Option<&str>) {
    app.on_session(SessionEvent::Incoming {
        from: s(from),
        body: text.as_bytes().to_vec(),
        meta: Meta {
            room: room.map(s),
            ..Meta::default()
        },
    });
}

fn typed(app: &mut App, line: &str) -> Action {
    app.editor.set(line);
    app.on_key(key(KeyCode::Enter, KeyModifiers::NONE))
}

fn names(app: &App) -> Vec<(String, usize)> {
    (app.rooms.list.iter())
        .map(|r| (r.name.clone(), r.unread))
        .collect()
}

/// The texts of the entries the view shows.
fn shown(app: &App) -> Vec<String> {
    let view = app.rooms.in_view();
    (app.entries.iter())
        .filter(|e| e.shows_in(view))
        .map(|e| format!("{:?}", e.what))
        .collect()
}

#[test]
fn a_typed_join_lists_the_room_shows_it_and_asks_who_is_there() {
    let mut app = app();
    assert_eq!(
        typed(&mut app, "/join #rust"),
        Action::Send(s("/join #rust"))
    );
    let asked = app.on_session(SessionEvent::RoomJoined(s("#rust")));
    assert_eq!(asked, Action::Send(s("/who #rust")));
    assert_eq!(names(&app), [(s("#lobby"), 0), (s("#rust"), 0)]);
    assert_eq!(app.rooms.in_view(), Some("#rust"));
    app.on_session(SessionEvent::Who {
        room: s("#rust"),
        operator: Some(s("alice")),
        topic: Some(s("Rust, mostly")),
        names: vec![s("bob"), s("alice")],
    });
    let rust = &app.rooms.list[1];
    assert_eq!(rust.members, Some(vec![s("alice"), s("bob")]));
    assert_eq!(rust.topic.as_deref(), Some("Rust, mostly"));
    assert!(
        !shown(&app).iter().any(|e| e.contains("in #rust")),
        "the full screen's own /who says nothing"
    );
    typed(&mut app, "/who #rust");
    app.on_session(SessionEvent::Who {
        room: s("#rust"),
        operator: None,
        topic: None,
        names: vec![s("alice")],
    });
    assert!(shown(&app)
        .last()
        .is_some_and(|e| e.contains("in #rust (1): alice")));
}

#[test]
fn a_join_after_a_reconnect_lists_the_room_without_showing_it() {
    let mut app = app();
    assert_eq!(
        app.on_session(SessionEvent::RoomJoined(s("#go"))),
        Action::None
    );
    assert_eq!(app.rooms.in_view(), None);
    assert_eq!(names(&app), [(s("#lobby"), 0), (s("#go"), 0)]);
}

#[test]
fn messages_elsewhere_are_counted_unread_until_shown() {
    let mut app = app();
    app.on_session(SessionEvent::RoomJoined(s("#rust")));
    app.on_session(SessionEvent::RoomJoined(s("#go")));
    said(&mut app, "bob", "in rust", Some("#rust"));
    said(&mut app, "bob", "again", Some("#rust"));
    said(&mut app, "carol", "to all", None);
    app.on_session(SessionEvent::Pushed(Push::RoomJoined {
        room: s("#go"),
        name: s("bob"),
    }));
    // The lobby is in view: its message is seen, the rooms' are not; events do not count.
    assert_eq!(
        names(&app),
        [(s("#lobby"), 0), (s("#rust"), 2), (s("#go"), 0)]
    );
    assert_eq!(
        app.on_key(key(KeyCode::Char('2'), KeyModifiers::ALT)),
        Action::Send(s("/who #rust"))
    );
    assert_eq!(
        names(&app),
        [(s("#lobby"), 0), (s("#rust"), 0), (s("#go"), 0)]
    );
    let view = shown(&app).join("\n");
    assert!(view.contains("in rust") && view.contains("again"), "{view}");
    assert!(!view.contains("to all"), "{view}");
    said(&mut app, "carol", "lobby again", None);
    assert_eq!(app.rooms.list[0].unread, 1);
    // Ctrl-N and Ctrl-P go round the list.
    app.on_key(key(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!(app.rooms.in_view(), Some("#go"));
    app.on_key(key(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!(app.rooms.in_view(), None);
    assert_eq!(app.rooms.list[0].unread, 0);
    app.on_key(key(KeyCode::Char('p'), KeyModifiers::CONTROL));
    assert_eq!(app.rooms.in_view(), Some("#go"));
    assert_eq!(
        app.on_key(key(KeyCode::Char('9'), KeyModifiers::ALT)),
        Action::None,
        "no room 9"
    );
}

#[test]
fn what_concerns_us_shows_in_every_room() {
    let mut app = app();
    app.on_session(SessionEvent::RoomJoined(s("#rust")));
    app.on_key(key(KeyCode::Char('2'), KeyModifiers::ALT));
    app.on_session(SessionEvent::Incoming {
        from: s("bob"),
        body: b"psst".to_vec(),
        meta: Meta {
            kind: Some(chat::wire::ext::MetaKind::Direct),
            ..Meta::default()
        },
    });
    said(&mut app, "*server*", "restart soon", None);
    app.on_session(SessionEvent::Pushed(Push::Joined(s("dave"))));
    let view = shown(&app).join("\n");
    assert!(
        view.contains("psst") && view.contains("restart soon"),
        "{view}"
    );
    assert!(
        !view.contains("dave"),
        "the chat's joins are the lobby's: {view}"
    );
}

#[test]
fn lines_typed_go_to_the_room_in_view() {
    let mut app = app();
    assert_eq!(
        typed(&mut app, "hello all"),
        Action::Send(s("@ALL hello all"))
    );
    app.on_session(SessionEvent::RoomJoined(s("#rust")));
    app.on_key(key(KeyCode::Char('2'), KeyModifiers::ALT));
    assert_eq!(typed(&mut app, "hi rust"), Action::Send(s("#rust hi rust")));
    assert_eq!(
        typed(&mut app, "/me waves"),
        Action::Send(s("#rust /me waves"))
    );
    assert_eq!(typed(&mut app, "@bob psst"), Action::Send(s("@bob psst")));
    assert_eq!(typed(&mut app, "/part"), Action::Send(s("/part #rust")));
    let mine: Vec<(Target, String, bool)> = (app.entries.iter())
        .filter_map(|e| match &e.what {
            What::Mine {
                to, text, emote, ..
            } => Some((to.clone(), text.clone(), *emote)),
            _ => None,
        })
        .collect();
    let rust = Target::Room(s("#rust"));
    assert_eq!(
        mine,
        [
            (Target::All, s("hello all"), false),
            (rust.clone(), s("hi rust"), false),
            (rust, s("waves"), true),
            (Target::User(s("bob")), s("psst"), false),
        ]
    );
    app.on_session(SessionEvent::RoomParted(s("#rust")));
    assert_eq!(app.rooms.in_view(), None);
    assert_eq!(typed(&mut app, "/part"), Action::None);
    assert!(shown(&app)
        .last()
        .is_some_and(|e| e.contains("nobody leaves")));
}

#[test]
fn a_room_without_the_server_granting_rooms_is_refused_here() {
    let mut app = App::new((80, 24));
    app.on_session(SessionEvent::Registered {
        name: s("alice"),
        server: s("127.0.0.1:4334"),
        caps: Caps {
            events: true,
            ..Caps::default()
        },
    });
    for line in ["/join #rust", "#rust hi", "/rooms"] {
        assert_eq!(typed(&mut app, line), Action::None, "{line}");
        let last = app.entries.last().map(|e| e.what.clone());
        assert_eq!(
            last,
            Some(What::Error(s(
                "this server has no rooms (/join, /part, /rooms, /who, /topic, #room)"
            )))
        );
    }
    assert_eq!(typed(&mut app, "hello"), Action::None, "as before rooms");
    assert!(
        matches!(&app.entries.last().map(|e| &e.what), Some(What::Error(h)) if h.starts_with("not sent"))
    );
}

#[test]
fn a_rooms_events_keep_its_members_and_a_kick_of_us_takes_it_away() {
    let mut app = app();
    app.on_session(SessionEvent::RoomJoined(s("#rust")));
    app.on_session(SessionEvent::Who {
        room: s("#rust"),
        operator: Some(s("bob")),
        topic: None,
        names: vec![s("alice"), s("bob")],
    });
    let push = |app: &mut App, push: Push| {
        app.on_session(SessionEvent::Pushed(push));
    };
    push(
        &mut app,
        Push::RoomJoined {
            room: s("#rust"),
            name: s("carol"),
        },
    );
    push(
        &mut app,
        Push::Left {
            name: s("bob"),
            reason: Some(s("quit")),
        },
    );
    push(
        &mut app,
        Push::Topic {
            room: s("#rust"),
            by: s("carol"),
            topic: Some(s("new")),
        },
    );
    let rust = &app.rooms.list[1];
    assert_eq!(rust.members, Some(vec![s("alice"), s("carol")]));
    assert_eq!(rust.topic.as_deref(), Some("new"));
    app.on_key(key(KeyCode::Char('2'), KeyModifiers::ALT));
    push(
        &mut app,
        Push::RoomKicked {
            room: s("#rust"),
            name: s("alice"),
            by: Some(s("carol")),
            reason: Some(s("bye")),
        },
    );
    assert_eq!(names(&app), [(s("#lobby"), 0)]);
    assert_eq!(app.rooms.in_view(), None);
    assert_eq!(
        app.entries.last().map(|e| e.what.clone()),
        Some(What::Error(s("you were kicked from #rust by carol (bye)")))
    );
}

#[test]
fn tab_completes_room_names() {
    let mut app = app();
    app.on_session(SessionEvent::Rooms(vec![
        RoomInfo {
            room: s("#lobby"),
            members: 2,
            topic: None,
        },
        RoomInfo {
            room: s("#rust"),
            members: 1,
            topic: None,
        },
    ]));
    app.editor.set("/join #ru");
    app.on_key(key(KeyCode::Tab, KeyModifiers::NONE));
    assert_eq!(app.editor.text(), "/join #rust ");
    app.editor.set("/to");
    app.on_key(key(KeyCode::Tab, KeyModifiers::NONE));
    assert_eq!(app.editor.text(), "/topic ");
}

#[test]
fn the_screen_of_a_room_with_the_room_list_and_its_members() {
    use crate::tui::render_tests::assert_screen;
    let mut app = app();
    app.resize(72, 12);
    app.on_session(SessionEvent::Users(vec![s("alice"), s("bob"), s("carol")]));
    typed(&mut app, "/join #rust");
    app.on_session(SessionEvent::RoomJoined(s("#rust")));
    app.on_session(SessionEvent::Who {
        room: s("#rust"),
        operator: Some(s("bob")),
        topic: Some(s("Rust, mostly")),
        names: vec![s("alice"), s("bob")],
    });
    app.on_session(SessionEvent::RoomJoined(s("#go")));
    said(&mut app, "bob", "borrowck says no", Some("#rust"));
    said(&mut app, "carol", "gophers unite", Some("#go"));
    said(&mut app, "carol", "anyone?", Some("#go"));
    said(&mut app, "carol", "hello lobby", None);
    typed(&mut app, "it says yes to me");
    assert_screen(
        &app,
        &[
            "14:02 connected to 127.0.0.1:4334 as alice: type      │ Rooms",
            "      @name message, @ALL message, or F1 for help     │ 1 #lobby      1",
            "14:02 joined #rust                                    │ 2 #rust",
            "14:02 joined #go                                      │ 3 #go         2",
            "14:02 bob: borrowck says no                           │ #rust (2)",
            "14:02 alice: it says yes to me …                      │ alice",
            "                                                      │@bob",
            "                                                      │",
            "                                                      │",
            "                                                      │",
            " alice on 127.0.0.1:4334 · connected · #rust: Rust, mostly      F1 help",
            "alice>",
        ],
    );
    // The room in view is drawn reversed in the list.
    let buffer = crate::tui::render_tests::draw(&app);
    let reversed = |y: u16| {
        buffer[(57, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    };
    assert_eq!(
        (reversed(1), reversed(2), reversed(3)),
        (false, true, false)
    );
}
