//! The main screens drawn on ratatui's `TestBackend` and compared line by line (trailing
//! blanks trimmed), plus the styles that carry meaning (delivery marks, errors).

use super::app::{Action, App};
use super::render::render;
use crate::command::Target;
use crate::meta::Meta;
use crate::push::Push;
use crate::view::{Caps, Outcome, SessionEvent};
use chat::wire::ext::{Ext, MetaKind};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

pub fn fixed_clock() -> String {
    "14:02".into()
}

pub fn app(width: u16, height: u16) -> App {
    let mut app = App::new((width, height));
    app.clock = fixed_clock;
    app
}

pub fn draw(app: &App) -> Buffer {
    let mut terminal = match Terminal::new(TestBackend::new(app.size.0, app.size.1)) {
        Ok(t) => t,
        Err(e) => panic!("test terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|frame| render(app, frame)) {
        panic!("draw: {e}");
    }
    terminal.backend().buffer().clone()
}

/// The screen's rows, trailing blanks trimmed; a wide character's second cell is skipped.
pub fn rows(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in 0..area.width {
                let symbol = buffer[(x, y)].symbol();
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                skip = symbol.width().saturating_sub(1);
                row.push_str(symbol);
            }
            row.trim_end().to_string()
        })
        .collect()
}

#[track_caller]
pub fn assert_screen(app: &App, expected: &[&str]) {
    let got = rows(&draw(app));
    assert_eq!(got, expected, "screen:\n{}\n{got:#?}", got.join("\n"));
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn typed(app: &mut App, text: &str) -> Action {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter))
}

pub fn registered(app: &mut App, name: &str) {
    app.on_session(SessionEvent::Registered {
        name: name.into(),
        server: "127.0.0.1:4334".into(),
        // Everything but rooms (rooms_tests.rs and the tests below that say so have them).
        caps: Caps {
            rooms: false,
            ..Caps::two_socket(Ext::all())
        },
    });
}

pub fn said(from: &str, text: &str, kind: MetaKind) -> SessionEvent {
    SessionEvent::Incoming {
        from: from.into(),
        body: text.as_bytes().to_vec(),
        meta: Meta {
            time: Some("14:01".into()),
            kind: Some(kind),
            ..Meta::default()
        },
    }
}

pub fn chatting(width: u16, height: u16) -> App {
    let mut app = app(width, height);
    registered(&mut app, "alice");
    app.on_session(SessionEvent::Users(vec!["bob".into(), "alice".into()]));
    app.on_session(SessionEvent::Pushed(Push::Joined("carol".into())));
    app.on_session(said("bob", "hi all", MetaKind::All));
    app.on_session(said("carol", "psst alice", MetaKind::Direct));
    typed(&mut app, "@bob hello bob");
    typed(&mut app, "@ALL hello everyone");
    typed(&mut app, "@dave are you there?");
    typed(&mut app, "/me waves");
    // Line 0 was the /users asked at login: the messages are lines 1 to 4.
    let outcome = |line, target, outcome| SessionEvent::Outcome {
        line,
        target,
        outcome,
    };
    app.on_session(outcome(1, Target::User("bob".into()), Outcome::Delivered));
    app.on_session(outcome(
        3,
        Target::User("dave".into()),
        Outcome::Failed("dave is not online (ERROR 102)".into()),
    ));
    app.on_session(outcome(4, Target::All, Outcome::Delivered));
    app
}

#[test]
fn chat_with_messages_users_and_delivery_marks() {
    let app = chatting(72, 12);
    assert_screen(
        &app,
        &[
            "14:02 connected to 127.0.0.1:4334 as alice: type      │ Users (3)",
            "      @name message, @ALL message, or F1 for help     │ alice",
            "14:02 → carol joined                                  │ bob",
            "14:01 bob: hi all                                     │ carol",
            "14:01 carol → you: psst alice                         │",
            "14:02 alice → bob: hello bob ✓                        │",
            "14:02 alice: hello everyone …                         │",
            "14:02 alice → dave: are you there? ✗ dave is not      │",
            "      online (ERROR 102)                              │",
            "14:02 * alice waves ✓                                 │",
            " alice on 127.0.0.1:4334 · connected                            F1 help",
            "alice>",
        ],
    );
    let buffer = draw(&app);
    let cell = |x: u16, y: u16| buffer[(x, y)].clone();
    assert_eq!(cell(29, 5).symbol(), "✓");
    assert_eq!(cell(29, 5).fg, Color::Green, "delivered is green");
    assert_eq!(cell(35, 7).symbol(), "✗");
    assert_eq!(cell(35, 7).fg, Color::Red, "failed is red");
    let dimmed = |x, y| cell(x, y).modifier.contains(Modifier::DIM);
    assert!(
        !dimmed(6, 8) && dimmed(13, 8),
        "the words, then the code dimmed"
    );
    assert_eq!(cell(12, 4).symbol(), "→");
    assert_eq!(
        cell(12, 4).fg,
        Color::Magenta,
        "a direct message is magenta"
    );
}

#[test]
fn scrolled_back_shows_older_lines_and_says_so() {
    let mut app = chatting(72, 8);
    app.on_key(key(KeyCode::PageUp));
    app.on_session(said("bob", "new while away", MetaKind::All));
    assert_screen(
        &app,
        &[
            "14:02 connected to 127.0.0.1:4334 as alice: type      │ Users (3)",
            "      @name message, @ALL message, or F1 for help     │ alice",
            "14:02 → carol joined                                  │ bob",
            "14:01 bob: hi all                                     │ carol",
            "14:01 carol → you: psst alice                         │",
            "14:02 alice → bob: hello bob ✓                        │",
            " alice on 127.0.0.1:4334 · connected          ▲ 5 lines up, 1 new below",
            "alice>",
        ],
    );
    app.on_key(key(KeyCode::PageDown));
    app.on_key(key(KeyCode::PageDown));
    let screen = rows(&draw(&app));
    assert!(
        screen[5].starts_with("14:01 bob: new while away"),
        "{screen:#?}"
    );
    assert!(screen[6].ends_with(" connected                            F1 help"));
}

#[test]
fn a_narrow_status_line_keeps_the_scroll_position_before_the_help_hint() {
    let mut app = chatting(50, 8);
    app.on_key(key(KeyCode::PageUp));
    let status = |app: &App| rows(&draw(app))[6].clone();
    assert_eq!(
        status(&app),
        " alice on 127.0.0.1:4334 · connected ▲ 4 lines up"
    );
    app.on_session(said("bob", "new while away", MetaKind::All));
    assert_eq!(
        status(&app),
        " alice on 127.0.0.1:4334 · connected       ▲ 5 +1"
    );
}

#[test]
fn a_users_list_longer_than_the_panel_ends_with_how_many_more() {
    let mut app = chatting(72, 6);
    let names: Vec<String> = (0..9).map(|i| format!("user{i}")).collect();
    app.on_session(SessionEvent::Users(names));
    let screen = rows(&draw(&app));
    let panel: Vec<&str> = screen[..4]
        .iter()
        .map(|row| row.split('│').nth(1).unwrap_or("").trim_end())
        .collect();
    assert_eq!(panel, [" Users (9)", " user0", " user1", " +7 more"]);
}

#[test]
fn wide_characters_wrap_whole_and_edit_by_column() {
    let mut app = app(30, 6);
    registered(&mut app, "bob");
    app.on_session(said(
        "alice",
        "日本語のテキストです、絵文字👍🏽も",
        MetaKind::All,
    ));
    for c in "こんにちは世界".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    assert_screen(
        &app,
        &[
            "      @ALL message, or F1 for",
            "      help",
            "14:01 alice: 日本語のテキスト",
            "      です、絵文字👍🏽も",
            " bob on 127.0.0.1:4334 · conne",
            "bob> こんにちは世界",
        ],
    );
    // The input line scrolls by columns: 14 columns of text and the cursor in 10 or 9.
    app.resize(15, 9);
    let screen = rows(&draw(&app));
    assert_eq!(screen[8], "bob>  ちは世界", "half of に shows as a blank");
    app.resize(14, 9);
    let screen = rows(&draw(&app));
    assert_eq!(screen[8], "bob> ちは世界", "{screen:#?}");
}

#[test]
fn a_narrow_terminal_drops_the_users_panel_and_a_resize_brings_it_back() {
    let mut app = chatting(40, 8);
    assert_screen(
        &app,
        &[
            "14:01 carol → you: psst alice",
            "14:02 alice → bob: hello bob ✓",
            "14:02 alice: hello everyone …",
            "14:02 alice → dave: are you there? ✗",
            "      dave is not online (ERROR 102)",
            "14:02 * alice waves ✓",
            " alice on 127.0.0.1:4334 · connected",
            "alice>",
        ],
    );
    app.resize(64, 8);
    let screen = rows(&draw(&app));
    assert!(screen[0].ends_with("│ Users (3)"), "{screen:#?}");
}

#[test]
fn control_characters_from_peers_are_neutralised_and_lines_kept() {
    let mut app = app(40, 5);
    registered(&mut app, "bob");
    app.on_session(said("eve", "\x1b[2Jgone?\r\nline two\tend", MetaKind::All));
    let screen = rows(&draw(&app));
    assert_eq!(
        &screen[1..3],
        &["14:01 eve: \u{fffd}[2Jgone?", "      line two end"],
        "{screen:#?}"
    );
}

#[test]
fn the_help_box_lists_commands_and_keys() {
    let mut app = chatting(72, 24);
    app.on_key(key(KeyCode::F(1)));
    let screen = rows(&draw(&app));
    let border = "─".repeat(47);
    assert_eq!(screen[0], format!("14┌ Help · Esc closes {border}┐"));
    for (row, text) in [
        (
            1,
            "@name message      send to one user (/msg name message too)",
        ),
        (
            3,
            "#room message      send to a room; text alone: the room in view",
        ),
        (
            8,
            "Alt-1..9           show room N; Ctrl-N/Ctrl-P: next/previous",
        ),
        (
            10,
            "/history [N]       older messages (PageUp at the top too)",
        ),
        (18, "… waiting   ✓ delivered   ✗ not delivered   ? unknown"),
        (
            19,
            "⧗ stored    kept for an offline user until they are back",
        ),
    ] {
        let at = &screen[row];
        assert!(
            at.contains(&format!("│ {text} ")) && at.ends_with('│'),
            "{screen:#?}"
        );
    }
    app.on_key(key(KeyCode::Esc));
    assert!(!rows(&draw(&app)).join("\n").contains("Help"));
}
