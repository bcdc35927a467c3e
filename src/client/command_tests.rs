//! How input lines parse: messages, commands, and the hints for the rest.

use super::*;

fn msg(to: Target, text: &str) -> Input {
    Input::Message {
        target: to,
        text: text.into(),
    }
}

fn user(name: &str) -> Target {
    Target::User(name.into())
}

#[test]
fn messages_to_a_user_and_to_all() {
    assert_eq!(
        parse_line("@bob hello bob\n", false),
        msg(user("bob"), "hello bob")
    );
    assert_eq!(
        parse_line("@bob   spaced  out \r\n", false),
        msg(user("bob"), "spaced  out ")
    );
    assert_eq!(parse_line("@ALL hi all", false), msg(Target::All, "hi all"));
    assert_eq!(parse_line("  @bob hi", false), msg(user("bob"), "hi"));
    assert_eq!(parse_line("@all hi", false), msg(Target::All, "hi"));
    assert_eq!(parse_line("@aLl\thi", false), msg(Target::All, "hi"));
}

#[test]
fn msg_is_the_same_as_at() {
    assert_eq!(
        parse_line("/msg bob hello bob", false),
        parse_line("@bob hello bob", false)
    );
    assert_eq!(parse_line("/MSG  all  hi", false), msg(Target::All, "hi"));
    for line in ["/msg", "/msg bob", "/msg bob   ", "/msg bo-b hi"] {
        assert!(
            matches!(parse_line(line, false), Input::Invalid(ref h) if h.starts_with("not sent")),
            "{line:?}"
        );
    }
}

#[test]
fn commands() {
    assert_eq!(parse_line("/quit\n", false), Input::Quit);
    assert_eq!(parse_line("  /quit  ", false), Input::Quit);
    assert_eq!(parse_line("/q", false), Input::Quit);
    assert_eq!(parse_line("/users", false), Input::Users);
    assert_eq!(parse_line("/help", false), Input::Help);
    assert_eq!(parse_line("/me waves", false), Input::Emote("waves".into()));
    assert_eq!(
        parse_line("/me  waves at  bob \n", false),
        Input::Emote("waves at  bob ".into())
    );
    assert!(matches!(parse_line("/me", false), Input::Invalid(h) if h.starts_with("not sent")));
    assert!(matches!(
        parse_line("/frobnicate now", false),
        Input::Invalid(h) if h == "unknown command /frobnicate; type /help for the list"
    ));
    assert!(
        matches!(parse_line("/", false), Input::Invalid(h) if h.starts_with("unknown command"))
    );
}

#[test]
fn the_commands_of_accounts_and_history() {
    assert_eq!(parse_line("/register\n", false), Input::Register);
    assert_eq!(parse_line("/REGISTER", true), Input::Register);
    assert!(matches!(
        parse_line("/register s3cret", false),
        Input::Invalid(h) if h.starts_with("not sent: type /register alone")
    ));
    assert_eq!(parse_line("/unregister", false), Input::Unregister);
    assert_eq!(parse_line("/history", false), Input::History(20));
    assert_eq!(parse_line("/history  50 ", false), Input::History(50));
    assert_eq!(parse_line("/history 1000", false), Input::History(1000));
    for line in ["/history 0", "/history 1001", "/history ten", "/history -3"] {
        assert!(
            matches!(parse_line(line, false), Input::Invalid(ref h) if h.starts_with("not sent: type /history")),
            "{line:?}"
        );
    }
}

#[test]
fn a_bare_line_is_for_everyone_in_the_seeds_protocol() {
    assert_eq!(
        parse_line("hello there\n", true),
        msg(Target::All, "hello there")
    );
    assert_eq!(parse_line("  hi", true), msg(Target::All, "hi"));
    assert_eq!(parse_line("@bob hi", true), msg(user("bob"), "hi"));
    assert_eq!(parse_line("/q", true), Input::Quit);
    assert_eq!(parse_line("  ", true), Input::Blank);
}

#[test]
fn blank_lines_are_ignored() {
    assert_eq!(parse_line("\n", false), Input::Blank);
    assert_eq!(parse_line("   \t\r\n", false), Input::Blank);
}

#[test]
fn other_forms_get_a_hint() {
    for line in [
        "hello", "bob hi", "@ hi", "@", "@bob", "@bob   ", "@bo-b hi",
    ] {
        assert!(
            matches!(parse_line(line, false), Input::Invalid(ref h) if h.starts_with("not sent")),
            "{line:?}"
        );
    }
}

#[test]
fn the_room_commands() {
    assert_eq!(
        parse_line("/join #rust", false),
        Input::Join("#rust".into())
    );
    assert_eq!(
        parse_line("/JOIN   #Rust-2_x ", true),
        Input::Join("#Rust-2_x".into())
    );
    assert_eq!(parse_line("/part", false), Input::Part(None));
    assert_eq!(
        parse_line("/part #rust", false),
        Input::Part(Some("#rust".into()))
    );
    assert_eq!(parse_line("/rooms", false), Input::Rooms);
    assert_eq!(parse_line("/who #rust", false), Input::Who("#rust".into()));
    assert_eq!(
        parse_line("/topic #rust  Rust, mostly \n", false),
        Input::Topic {
            room: "#rust".into(),
            topic: "Rust, mostly".into()
        }
    );
    assert_eq!(
        parse_line("/topic #rust", false),
        Input::Topic {
            room: "#rust".into(),
            topic: String::new()
        }
    );
    for (line, hint) in [
        ("/join", "not sent: type /join #room"),
        ("/who", "not sent: type /who #room"),
        ("/topic", "not sent: type /topic #room text"),
        (
            "/join rust",
            "not sent: \"rust\" is not a room (# and 1 to 32 letters, digits, - or _)",
        ),
        (
            "/part #a b",
            "not sent: \"#a b\" is not a room (# and 1 to 32 letters, digits, - or _)",
        ),
    ] {
        assert_eq!(
            parse_line(line, false),
            Input::Invalid(hint.into()),
            "{line:?}"
        );
    }
}

#[test]
fn a_message_to_a_room() {
    let room = |r: &str| Target::Room(r.into());
    assert_eq!(
        parse_line("#rust hello there\n", false),
        msg(room("#rust"), "hello there")
    );
    assert_eq!(parse_line("  #rust\thi", true), msg(room("#rust"), "hi"));
    assert_eq!(
        parse_line("#rust /me waves", false),
        msg(room("#rust"), "/me waves")
    );
    assert_eq!(
        parse_line("#lobby hi all", false),
        msg(Target::All, "hi all")
    );
    assert_eq!(room("#rust").wire_name(), "#rust");
    assert_eq!(
        parse_line("#rust", false),
        Input::Invalid("not sent: nothing to say; type #rust message".into())
    );
    assert_eq!(
        parse_line("#ru.st hi", false),
        Input::Invalid(
            "not sent: \"#ru.st\" is not a room (# and 1 to 32 letters, digits, - or _)".into()
        )
    );
}
