//! The model's answers to keys and session events: what is sent, what is shown, and how the
//! keys of the input line map onto the editor.

use super::super::render_tests::{app, key, registered, typed};
use super::*;
use crate::command::Target;
use crate::secret::Secret;
use crate::view::Outcome;
use chat::wire::ext::Ext;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn alt(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::ALT)
}

fn type_only(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

fn chat() -> App {
    let mut app = app(80, 20);
    registered(&mut app, "alice");
    app.on_session(SessionEvent::Users(vec![
        "alice".into(),
        "bob".into(),
        "bert".into(),
    ]));
    app
}

fn last(app: &App) -> &What {
    match app.entries.last() {
        Some(entry) => &entry.what,
        None => panic!("no entries"),
    }
}

#[test]
fn registering_asks_for_the_user_list_without_showing_it() {
    let mut app = app(80, 20);
    let action = app.on_session(SessionEvent::Registered {
        name: "alice".into(),
        server: "h:1".into(),
        caps: Caps::two_socket(Ext::USERS.with(Ext::EVENTS)),
    });
    assert_eq!(action, Action::Send("/users".into()));
    let shown = app.entries.len();
    app.on_session(SessionEvent::Users(vec!["bob".into(), "alice".into()]));
    assert_eq!(
        app.entries.len(),
        shown,
        "the list fetched at login is not a message"
    );
    assert_eq!(
        app.users,
        Some(vec!["alice".to_string(), "bob".to_string()])
    );
    assert_eq!(typed(&mut app, "/users"), Action::Send("/users".into()));
    app.on_session(SessionEvent::Users(vec!["bob".into(), "alice".into()]));
    assert_eq!(last(&app), &What::Info("online (2): bob, alice".into()));
}

#[test]
fn a_message_is_pending_until_its_outcome_arrives() {
    let mut app = chat();
    assert_eq!(typed(&mut app, "@bob hi"), Action::Send("@bob hi".into()));
    assert_eq!(typed(&mut app, "@ALL all"), Action::Send("@ALL all".into()));
    let delivery = |app: &App, i: usize| match &app.entries[app.entries.len() - 2 + i].what {
        What::Mine { delivery, .. } => delivery.clone(),
        other => panic!("not ours: {other:?}"),
    };
    assert_eq!(delivery(&app, 0), Delivery::Pending);
    // Line 0 was the /users at login.
    app.on_session(SessionEvent::Outcome {
        line: 2,
        target: Target::All,
        outcome: Outcome::NoReply(std::time::Duration::from_secs(15)),
    });
    app.on_session(SessionEvent::Outcome {
        line: 1,
        target: Target::User("bob".into()),
        outcome: Outcome::Delivered,
    });
    assert_eq!(delivery(&app, 0), Delivery::Delivered);
    assert_eq!(
        delivery(&app, 1),
        Delivery::Unsure("no reply within 15 s".into())
    );
}

#[test]
fn what_the_client_handles_itself_is_not_sent() {
    let mut app = chat();
    assert_eq!(typed(&mut app, "hello?"), Action::None);
    assert!(matches!(last(&app), What::Error(h) if h.starts_with("not sent")));
    assert_eq!(typed(&mut app, "/help"), Action::None);
    assert!(app.help);
    app.on_key(key(KeyCode::Esc));
    assert!(!app.help);
    assert_eq!(typed(&mut app, "   "), Action::None);
    assert_eq!(typed(&mut app, "/clear"), Action::None);
    assert!(app.entries.is_empty());
}

#[test]
fn ctrl_c_leaves_in_order_then_at_once() {
    let mut app = chat();
    assert_eq!(app.on_key(ctrl('c')), Action::Quit);
    assert_eq!(app.on_key(ctrl('c')), Action::Exit);
    let mut app = chat();
    assert_eq!(typed(&mut app, "/quit"), Action::Quit);
    let mut app = chat();
    type_only(&mut app, "x");
    assert_eq!(
        app.on_key(ctrl('d')),
        Action::None,
        "Ctrl-D deletes in a line"
    );
    app.on_key(key(KeyCode::Home));
    app.on_key(ctrl('d'));
    assert_eq!(
        app.on_key(ctrl('d')),
        Action::Quit,
        "and leaves on an empty one"
    );
    let mut login = super::super::render_tests::app(80, 20);
    assert_eq!(
        login.on_key(ctrl('c')),
        Action::Exit,
        "nothing to leave yet"
    );
}

/// What Enter in the connect box hands to registration.
fn login(server: &str, name: &str, password: Option<&str>) -> Action {
    Action::Login {
        server: server.into(),
        name: name.into(),
        password: password.map(Secret::new),
    }
}

#[test]
fn the_connect_box_moves_between_its_fields_and_enter_sends_them() {
    let mut app = app(80, 20);
    assert_eq!(typed(&mut app, "early"), Action::None, "nothing asked yet");
    app.on_session(SessionEvent::AskLogin {
        server: "h:1".into(),
        name: String::new(),
        password: None,
        focus: Ask::Server,
    });
    assert_eq!(app.editor.text(), "h:1", "the last address is offered");
    // Tab, Down, Shift-Tab and Up move between the fields; what was typed stays.
    type_only(&mut app, "0");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.phase, Phase::Login(Ask::Name));
    type_only(&mut app, "al");
    app.on_key(key(KeyCode::BackTab));
    assert_eq!(
        (app.phase, app.editor.text()),
        (Phase::Login(Ask::Server), "h:10")
    );
    app.on_key(key(KeyCode::Down));
    assert_eq!(
        (app.phase, app.editor.text()),
        (Phase::Login(Ask::Name), "al")
    );
    // Up from the first field goes round to the last, the password, shown as `•`s only.
    app.on_key(key(KeyCode::Up));
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.phase, Phase::Login(Ask::Password));
    type_only(&mut app, "pw");
    app.on_key(key(KeyCode::Up));
    type_only(&mut app, "ice");
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        login("h:10", "alice", Some("pw"))
    );
    assert_eq!(
        typed(&mut app, "again"),
        Action::None,
        "until the next question"
    );
}

#[test]
fn enter_in_the_connect_box_goes_to_an_empty_field_first() {
    let mut app = app(80, 20);
    app.on_session(SessionEvent::AskLogin {
        server: String::new(),
        name: String::new(),
        password: None,
        focus: Ask::Server,
    });
    assert_eq!(typed(&mut app, "h:1"), Action::None);
    assert_eq!(app.phase, Phase::Login(Ask::Name));
    assert_eq!(typed(&mut app, " bob "), login("h:1", "bob", None));
    // Asked again after a failure: the field to fix has the cursor, the others are kept.
    app.on_session(SessionEvent::AskLogin {
        server: "h:1".into(),
        name: "bob".into(),
        password: Some(Secret::new("kept")),
        focus: Ask::Name,
    });
    app.on_key(ctrl('u'));
    assert_eq!(app.on_key(key(KeyCode::Enter)), Action::None);
    assert_eq!(app.phase, Phase::Login(Ask::Name), "still empty");
    assert_eq!(
        typed(&mut app, "carol"),
        login("h:1", "carol", Some("kept"))
    );
}

#[test]
fn losing_the_server_fails_what_waits() {
    let mut app = chat();
    typed(&mut app, "@bob hi");
    app.on_session(SessionEvent::Gone(Some("reset".into())));
    assert_eq!(
        app.entries[app.entries.len() - 2].what,
        What::Mine {
            to: Target::User("bob".into()),
            text: "hi".into(),
            emote: false,
            line: 1,
            delivery: Delivery::Failed("connection lost".into()),
        }
    );
    assert_eq!(app.phase, Phase::Busy);
    assert_eq!(typed(&mut app, "@bob more"), Action::None);
}

#[test]
fn joins_and_leaves_keep_the_user_list() {
    let mut app = chat();
    app.on_session(SessionEvent::Pushed(Push::Joined("carol".into())));
    app.on_session(SessionEvent::Pushed(Push::Left {
        name: "bob".into(),
        reason: Some("quit".into()),
    }));
    let names = ["alice", "bert", "carol"].map(String::from).to_vec();
    assert_eq!(app.users, Some(names));
}

#[test]
fn tab_completes_names_and_commands() {
    let mut app = chat();
    type_only(&mut app, "@b");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.editor.text(), "@bert ");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.editor.text(), "@bob ", "Tab again: the next name");
    type_only(&mut app, "hi @a");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(
        app.editor.text(),
        "@bob hi @ALL ",
        "others and ALL before ourselves"
    );
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.editor.text(), "@bob hi @alice ");

    let mut app = chat();
    type_only(&mut app, "/us");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.editor.text(), "/users ");
    let mut app = chat();
    type_only(&mut app, "/msg BE");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(
        app.editor.text(),
        "/msg bert ",
        "names in any case after /msg"
    );
    let mut app = chat();
    type_only(&mut app, "say /u");
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.editor.text(), "say /u", "commands only at the start");
}

#[test]
fn editing_keys() {
    let mut app = chat();
    type_only(&mut app, "one two three");
    app.on_key(ctrl('w'));
    assert_eq!(app.editor.text(), "one two ");
    app.on_key(alt(KeyCode::Backspace));
    assert_eq!(app.editor.text(), "one ");
    app.on_key(ctrl('a'));
    type_only(&mut app, ">");
    app.on_key(key(KeyCode::End));
    type_only(&mut app, "<");
    assert_eq!(app.editor.text(), ">one <");
    app.on_key(key(KeyCode::Home));
    app.on_key(key(KeyCode::Right));
    app.on_key(ctrl('k'));
    assert_eq!(app.editor.text(), ">");
    app.on_key(ctrl('u'));
    assert_eq!(app.editor.text(), "");
    type_only(&mut app, "ab");
    app.on_key(key(KeyCode::Left));
    app.on_key(key(KeyCode::Backspace));
    app.on_key(key(KeyCode::Delete));
    assert_eq!(app.editor.text(), "");
}

#[test]
fn up_and_down_walk_the_history() {
    let mut app = chat();
    typed(&mut app, "@bob one");
    typed(&mut app, "@bob two");
    type_only(&mut app, "dra");
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.editor.text(), "@bob two");
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.editor.text(), "@bob one");
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Down));
    assert_eq!(app.editor.text(), "dra");
}

#[test]
fn scrolling_by_page_and_wheel_stays_in_bounds() {
    let mut app = chat();
    for i in 0..40 {
        app.on_session(SessionEvent::Hint(format!("line {i}")));
    }
    let max = app.max_scroll();
    assert!(max > 20, "{max}");
    app.on_key(key(KeyCode::PageUp));
    assert_eq!(
        app.scroll, 17,
        "a page is the pane's height (18) less one line"
    );
    let wheel = |kind| MouseEvent {
        kind,
        column: 0,
        row: 0,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(wheel(MouseEventKind::ScrollDown));
    assert_eq!(app.scroll, 14);
    for _ in 0..10 {
        app.on_key(key(KeyCode::PageUp));
    }
    assert_eq!(app.scroll, max);
    app.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
    assert_eq!(app.scroll, 0);
    app.on_paste("two\nlines");
    assert_eq!(app.editor.text(), "two lines");
}

#[test]
fn the_history_keeps_the_newest_entries_and_a_scrolled_view_in_bounds() {
    let mut app = chat();
    for i in 0..KEEP + 10 {
        app.on_session(SessionEvent::Hint(format!("line {i}")));
    }
    assert_eq!(app.entries.len(), KEEP);
    assert_eq!(last(&app), &What::Error(format!("line {}", KEEP + 9)));
    assert_eq!(app.scroll, 0, "at the bottom the view stays there");
    app.scroll_by(isize::MAX);
    assert!(app.scroll > 0);
    for i in 0..3 {
        app.on_session(SessionEvent::Hint(format!("more {i}")));
        assert_eq!(app.entries.len(), KEEP);
        assert_eq!(
            app.scroll,
            app.max_scroll(),
            "at the oldest line, not past it"
        );
    }
}

#[test]
fn kicks_read_by_whom_they_name() {
    let mut app = chat();
    let kick = |name: &str| {
        SessionEvent::Pushed(Push::Kicked {
            name: name.into(),
            reason: Some("spam".into()),
        })
    };
    let shown = |app: &App| {
        let entry = app.entries.last().expect("an entry");
        let lines = super::super::lines::lines(entry, 80, app.me.as_deref());
        lines.iter().map(|l| l.to_string()).collect::<Vec<_>>()
    };
    app.on_session(kick("bob"));
    assert_eq!(shown(&app), ["14:02 ← bob was kicked (spam)"]);
    assert_eq!(app.users, Some(vec!["alice".into(), "bert".into()]));
    app.on_session(kick("alice"));
    assert_eq!(shown(&app), ["14:02 ← you were kicked (spam)"]);
    app.on_session(SessionEvent::Pushed(Push::Bye));
    assert_eq!(
        shown(&app),
        ["14:02 ← you were kicked (spam)"],
        "BYE shows nothing"
    );
}
