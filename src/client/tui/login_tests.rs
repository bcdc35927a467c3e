//! The connect box drawn on ratatui's `TestBackend`: its fields, the cursor in the focused
//! one, the failure to fix, and the Reconnect box after the server went away.

use super::app::{Action, App};
use super::render::render;
use super::render_tests::{app, assert_screen, chatting, draw, key, rows, typed};
use crate::view::{Ask, Caps, SessionEvent};
use chat::wire::ext::Ext;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;
use std::time::Duration;

/// The connect box, as registration asks with it.
fn asked(app: &mut App, server: &str, name: &str, focus: Ask) {
    app.on_session(SessionEvent::AskLogin {
        server: server.into(),
        name: name.into(),
        password: None,
        focus,
    });
}

#[test]
fn login_box_asks_for_the_server_and_the_name() {
    let mut app = app(60, 12);
    asked(&mut app, "", "", Ask::Server);
    let screen = rows(&draw(&app));
    assert_eq!(
        &screen[2..5],
        [
            "│ Server   host[:port] (port 4334 if none), or a,b,…       │",
            "│ Name     1 to 32 letters and digits                      │",
            "│ Password only for a name claimed with one                │"
        ],
        "an empty field says what goes in it"
    );
    for c in "localhost".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    assert_screen(
        &app,
        &[
            "┌ Connect to a chat server ────────────────────────────────┐",
            "│                                                          │",
            "│ Server   localhost                                       │",
            "│ Name     1 to 32 letters and digits                      │",
            "│ Password only for a name claimed with one                │",
            "│                                                          │",
            "│                                                          │",
            "│                                                          │",
            "│ Enter: connect · Tab: next field · Ctrl-C: quit          │",
            "└──────────────────────────────────────────────────────────┘",
            " chat · not connected                               F1 help",
            "",
        ],
    );
    assert_cursor(&app, (20, 2));
    app.on_key(key(KeyCode::Tab));
    assert_cursor(&app, (11, 3));
    app.on_key(key(KeyCode::BackTab));
    assert_cursor(&app, (20, 2));
}

#[track_caller]
fn assert_cursor(app: &App, at: (u16, u16)) {
    let mut terminal = match Terminal::new(TestBackend::new(app.size.0, app.size.1)) {
        Ok(t) => t,
        Err(e) => panic!("test terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|frame| render(app, frame)) {
        panic!("draw: {e}");
    }
    let cursor = terminal.get_cursor_position().map(|p| (p.x, p.y));
    assert_eq!(cursor.ok(), Some(at));
}

#[test]
fn a_taken_name_is_shown_in_the_box_with_the_name_to_edit() {
    let mut app = app(60, 12);
    asked(&mut app, "", "", Ask::Server);
    typed(&mut app, "localhost");
    assert_eq!(
        typed(&mut app, "alice"),
        Action::Login {
            server: "localhost".into(),
            name: "alice".into(),
            password: None
        }
    );
    app.on_session(SessionEvent::SetupFailed(
        "the name \"alice\" is taken; choose another".into(),
    ));
    asked(&mut app, "localhost", "alice", Ask::Name);
    assert_screen(
        &app,
        &[
            "┌ Connect to a chat server ────────────────────────────────┐",
            "│                                                          │",
            "│ Server   localhost                                       │",
            "│ Name     alice                                           │",
            "│ Password only for a name claimed with one                │",
            "│                                                          │",
            "│ the name \"alice\" is taken; choose another                │",
            "│                                                          │",
            "│ Enter: connect · Tab: next field · Ctrl-C: quit          │",
            "└──────────────────────────────────────────────────────────┘",
            " chat · not connected                               F1 help",
            "",
        ],
    );
    assert_cursor(&app, (16, 3));
}

#[test]
fn the_server_going_away_fails_what_waits_and_offers_to_reconnect() {
    let mut app = chatting(72, 14);
    app.on_session(SessionEvent::Gone(None));
    asked(&mut app, "127.0.0.1:4334", "alice", Ask::Server);
    assert_screen(
        &app,
        &[
            "14:02 connected to 127.0.0.1:4334 as alice: type @name message, @ALL",
            "    ┌ Reconnect ───────────────────────────────────────────────────┐",
            "14:0│                                                              │",
            "14:0│ Server   127.0.0.1:4334                                      │",
            "14:0│ Name     alice                                               │",
            "14:0│ Password only for a name claimed with one                    │",
            "14:0│                                                              │",
            "14:0│ server closed the connection                                 │",
            "14:0│                                                              │",
            "14:0│ Enter: connect · Tab: next field · Ctrl-C: quit              │",
            "    └──────────────────────────────────────────────────────────────┘",
            "",
            " alice on 127.0.0.1:4334 · disconnected                         F1 help",
            "",
        ],
    );
}

#[test]
fn moving_to_the_next_server_says_where_and_keeps_the_typed_line() {
    let mut app = chatting(72, 14);
    app.on_session(SessionEvent::Gone(None));
    let next = "127.0.0.1:4335";
    app.on_session(SessionEvent::Reconnecting {
        server: next.into(),
    });
    let status = |app: &App| rows(&draw(app))[12].clone();
    assert!(
        status(&app).starts_with(" alice · reconnecting to 127.0.0.1:4335… "),
        "{:?}",
        status(&app)
    );
    // Enter sends nothing while no server is there: the line waits in the editor.
    assert_eq!(typed(&mut app, "@bob later"), Action::None);
    assert_eq!(app.editor.text(), "@bob later");
    app.on_session(SessionEvent::Retrying {
        after: Duration::from_secs(2),
    });
    assert!(status(&app).starts_with(" alice on 127.0.0.1:4334 · disconnected "));
    app.on_session(SessionEvent::Registered {
        name: "alice".into(),
        server: next.into(),
        caps: Caps::two_socket(Ext::NONE),
    });
    let screen = rows(&draw(&app));
    let notes = [
        "14:02 ! not sent yet: reconnecting (Enter again once connected)",
        "14:02 could not reconnect to any server; trying again in 2 s",
        "14:02 reconnected to 127.0.0.1:4335 as alice",
    ];
    for note in notes {
        assert!(
            screen.iter().any(|row| row.starts_with(note)),
            "{note:?} in {screen:#?}"
        );
    }
    assert!(status(&app).starts_with(" alice on 127.0.0.1:4335 · connected "));
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Action::Send("@bob later".into())
    );
}
