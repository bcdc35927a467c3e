//! The model with a server of the JSON protocol: what a server of seed 003 (no extensions)
//! lets the user do, and the users panel kept from joins and leaves alone.

use super::app::{Action, App};
use super::entry::{Delivery, What};
use super::render_tests::{app, typed};
use crate::command::Target;
use crate::json::Granted;
use crate::push::Push;
use crate::view::SessionEvent;

fn joined(granted: Granted) -> App {
    let mut app = app(80, 20);
    let action = app.on_session(SessionEvent::Registered {
        name: "pat".into(),
        server: "127.0.0.1:3490".into(),
        caps: granted.caps(),
    });
    let fetches = granted.users;
    assert_eq!(action == Action::Send("/users".into()), fetches);
    app
}

fn last(app: &App) -> &What {
    match app.entries.last() {
        Some(entry) => &entry.what,
        None => panic!("no entries"),
    }
}

#[test]
fn a_seed_server_takes_bare_lines_and_no_direct_messages() {
    let mut app = joined(Granted::default());
    assert_eq!(
        typed(&mut app, "hello all"),
        Action::Send("hello all".into())
    );
    assert_eq!(
        last(&app),
        &What::Mine {
            to: Target::All,
            text: "hello all".into(),
            emote: false,
            line: 0,
            delivery: Delivery::Pending,
        }
    );
    assert_eq!(typed(&mut app, "@chris hi"), Action::None);
    assert_eq!(
        last(&app),
        &What::Error("this server does not support direct messages (@name, /msg)".into())
    );
}

#[test]
fn the_users_panel_is_kept_from_joins_and_leaves() {
    let mut app = joined(Granted::default());
    assert_eq!(app.users, Some(vec!["pat".to_string()]));
    app.on_session(SessionEvent::Pushed(Push::Joined("chris".into())));
    app.on_session(SessionEvent::Pushed(Push::Joined("leslie".into())));
    app.on_session(SessionEvent::Pushed(Push::Left {
        name: "chris".into(),
        reason: None,
    }));
    assert_eq!(
        app.users,
        Some(vec!["leslie".to_string(), "pat".to_string()])
    );
    let ours = joined(Granted {
        dm: true,
        users: true,
        ..Granted::default()
    });
    assert!(ours.caps.direct && ours.caps.users);
}
