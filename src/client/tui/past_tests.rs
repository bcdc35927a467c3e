//! The model's side of Part 5, on ratatui's `TestBackend` where it shows: the history page
//! asked for on connect and placed above the note saying so, older pages past the top, the
//! gap after a reconnection, stored marks, messages that waited, and `/register`'s box.

use super::app::{Action, App};
use super::entry::{Delivery, What};
use super::render_tests::{app, draw, key, rows, typed};
use crate::command::Target;
use crate::history::{Entry, Page};
use crate::meta::{stamp, Meta};
use crate::secret::Secret;
use crate::view::{Caps, Outcome, SessionEvent};
use chat::wire::ext::{Ext, MetaKind};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyCode;

fn caps(ext: Ext) -> Caps {
    Caps::two_socket(ext)
}

fn connect(app: &mut App, ext: Ext) -> Action {
    app.on_session(SessionEvent::Registered {
        name: "alice".into(),
        server: "h:1".into(),
        caps: caps(ext),
    })
}

fn at(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn entry(id: u64, from: &str, text: &str) -> Entry {
    Entry {
        id,
        from: from.into(),
        to: None,
        at: at("2026-01-15T10:00:00Z"),
        emote: false,
        text: text.into(),
    }
}

fn page_of(page: Page, entries: Vec<Entry>, complete: bool) -> SessionEvent {
    SessionEvent::History {
        page,
        oldest: entries.iter().map(|e| e.id).min(),
        entries,
        complete,
    }
}

/// The texts of the entries, in order.
fn texts(app: &App) -> Vec<String> {
    (app.entries.iter())
        .map(|e| match &e.what {
            What::Past { text, .. }
            | What::Said { text, .. }
            | What::Info(text)
            | What::Error(text) => text.chars().take(12).collect(),
            What::Mine { text, .. } => format!("mine {text}"),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn history_on_connect_goes_above_the_note_and_older_pages_at_the_top() {
    let mut app = app(60, 12);
    app.on_session(SessionEvent::SetupFailed("first try failed".into()));
    let first = Page::pane(None, None, 20);
    assert_eq!(
        connect(&mut app, Ext::HISTORY),
        Action::History(first),
        "two screens of 10 rows"
    );
    // Something live comes before the page.
    app.on_session(SessionEvent::Incoming {
        from: "bob".into(),
        body: b"live".to_vec(),
        meta: Meta {
            id: Some(30),
            kind: Some(MetaKind::All),
            ..Meta::default()
        },
    });
    let page = vec![entry(20, "bob", "old one"), entry(21, "carol", "old two")];
    app.on_session(page_of(first, page, false));
    assert_eq!(
        texts(&app),
        ["first try fa", "old one", "old two", "connected to", "live"]
    );
    // Everything fits: PageUp is already past the top, and asks for what is older.
    let older = Page::pane(Some(20), None, 20);
    assert_eq!(app.on_key(key(KeyCode::PageUp)), Action::History(older));
    assert_eq!(
        app.on_key(key(KeyCode::PageUp)),
        Action::None,
        "one at a time"
    );
    app.on_session(page_of(older, vec![entry(5, "dave", "oldest")], true));
    assert_eq!(texts(&app)[0], "oldest");
    assert_eq!(
        app.on_key(key(KeyCode::PageUp)),
        Action::None,
        "nothing older"
    );
    let screen = rows(&draw(&app));
    let when = at("2026-01-15T10:00:00Z").map(stamp).unwrap_or_default();
    let line = format!("{when} dave: oldest");
    assert!(screen.contains(&line), "{line:?} in {screen:#?}");
}

#[test]
fn a_reconnection_asks_for_what_was_said_meanwhile_without_our_own() {
    let mut app = app(60, 12);
    let first = Page::pane(None, None, 20);
    connect(&mut app, Ext::HISTORY);
    app.on_session(page_of(first, vec![entry(20, "bob", "before")], true));
    app.on_session(SessionEvent::Gone(None));
    assert_eq!(
        connect(&mut app, Ext::HISTORY),
        Action::History(Page::pane(None, Some(20), 1000))
    );
    let gap = vec![
        entry(21, "alice", "mine, shown"),
        entry(22, "bob", "meanwhile"),
    ];
    app.on_session(page_of(Page::pane(None, Some(20), 1000), gap, true));
    let shown = texts(&app);
    assert!(
        !shown.iter().any(|t| t.starts_with("mine, shown")),
        "{shown:?}"
    );
    let meanwhile = shown.iter().position(|t| t == "meanwhile");
    let note = shown.iter().rposition(|t| t == "reconnected ");
    assert!(
        note.is_some() && meanwhile < note,
        "above the new note: {shown:?}"
    );
}

#[test]
fn a_stored_message_is_marked_then_delivered_and_one_that_waited_says_so() {
    let mut app = app(72, 8);
    connect(&mut app, Ext::OFFLINE);
    typed(&mut app, "@bob later");
    app.on_session(SessionEvent::Outcome {
        line: 0,
        target: Target::User("bob".into()),
        outcome: Outcome::Stored(42),
    });
    let mine = |app: &App| match &app.entries.last().map(|e| &e.what) {
        Some(What::Mine { delivery, .. }) => delivery.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(mine(&app), Delivery::Stored(42));
    assert!(rows(&draw(&app)).contains(&"14:02 alice → bob: later ⧗ stored".to_string()));
    app.on_session(SessionEvent::Delivered {
        to: "bob".into(),
        id: 42,
        text: None,
    });
    assert_eq!(mine(&app), Delivery::Delivered);
    app.on_session(SessionEvent::Incoming {
        from: "carol".into(),
        body: b"hi".to_vec(),
        meta: Meta {
            kind: Some(MetaKind::Direct),
            at: at("2026-01-15T10:00:00Z"),
            time: Some("10:00".into()),
            id: Some(7),
            stored: true,
            ..Meta::default()
        },
    });
    let screen = rows(&draw(&app));
    let when = at("2026-01-15T10:00:00Z").map(stamp).unwrap_or_default();
    let line = format!("{when} carol → you: hi (while you were away)");
    assert!(screen.contains(&line), "{line:?} in {screen:#?}");
}

#[test]
fn register_opens_a_masked_box_that_sends_a_secret_never_a_line() {
    let mut app = app(64, 14);
    connect(&mut app, Ext::AUTH);
    assert_eq!(typed(&mut app, "/register"), Action::None);
    assert!(app.password_box.is_some());
    typed(&mut app, "hunter2");
    for c in "hunter2".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    let screen = rows(&draw(&app)).join("\n");
    assert!(screen.contains("Password  •••••••"), "{screen}");
    assert!(screen.contains("Again     •••••••"), "{screen}");
    assert!(!screen.contains("hunter2"), "{screen}");
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Action::SetPassword(Secret::new("hunter2"))
    );
    assert!(app.password_box.is_none());
    // Neither the command nor the password is in the input history.
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.editor.text(), "");
    app.on_session(SessionEvent::Claimed {
        name: "alice".into(),
        claimed: true,
    });
    // Esc closes the box sending nothing.
    typed(&mut app, "/register");
    assert_eq!(app.on_key(key(KeyCode::Esc)), Action::None);
    assert!(app.password_box.is_none());
    assert_eq!(
        typed(&mut app, "/unregister"),
        Action::Send("/unregister".into())
    );
}

#[test]
fn without_the_extensions_the_commands_say_so_and_send_nothing() {
    let mut app = app(72, 8);
    connect(&mut app, Ext::NONE);
    for (line, says) in [
        (
            "/register",
            "this server does not support accounts (/register, /unregister)",
        ),
        (
            "/unregister",
            "this server does not support accounts (/register, /unregister)",
        ),
        ("/history 5", "this server does not support /history"),
    ] {
        assert_eq!(typed(&mut app, line), Action::None);
        assert_eq!(
            app.entries.last().map(|e| &e.what),
            Some(&What::Error(says.into()))
        );
    }
    assert_eq!(app.on_key(key(KeyCode::PageUp)), Action::None);
}
