//! What a line typed after registration means: a message (`@name text`, `@ALL text`), a
//! slash command, or a mistake with a one-line hint.
//!
//! Pure parsing, no IO, so new slash commands are one enum variant and one match arm in
//! [`parse_line`]: the session loop only sees [`Input`].

use chat::wire::{is_all, is_valid_username};

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    User(String),
    All,
}

impl Target {
    /// The name as written on the wire and in outcome lines (`ALL` always upper case).
    pub fn wire_name(&self) -> &str {
        match self {
            Target::User(name) => name,
            Target::All => "ALL",
        }
    }
}

/// One parsed input line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Send `text` to `target`.
    Message { target: Target, text: String },
    /// `/quit`: finish what is outstanding and leave.
    Quit,
    /// An empty line: nothing to do, nothing to say.
    Blank,
    /// Not understood; the string is the hint to show, nothing is sent.
    Invalid(String),
}

/// The hint shown for a line that is neither a message nor a command.
pub const USAGE: &str = "type @name message, @ALL message, or /quit";

/// Parses one line of input (a trailing `\r\n` or `\n` is ignored).
pub fn parse_line(line: &str) -> Input {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return Input::Blank;
    }
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix('@') {
        return parse_message(rest);
    }
    if let Some(rest) = line.strip_prefix('/') {
        return parse_command(rest.trim());
    }
    Input::Invalid(format!("not sent: {USAGE}"))
}

fn parse_message(rest: &str) -> Input {
    let (name, text) = match rest.find([' ', '\t']) {
        Some(i) => (&rest[..i], rest[i..].trim_start_matches([' ', '\t'])),
        None => (rest, ""),
    };
    if name.is_empty() {
        return Input::Invalid(format!("not sent: {USAGE}"));
    }
    let target = if is_all(name) {
        Target::All
    } else if is_valid_username(name) {
        Target::User(name.to_string())
    } else {
        return Input::Invalid(format!(
            "not sent: \"{name}\" is not a username (1 to 32 letters and digits)"
        ));
    };
    if text.is_empty() {
        return Input::Invalid(format!(
            "not sent: nothing to say; type @{} message",
            target.wire_name()
        ));
    }
    Input::Message {
        target,
        text: text.to_string(),
    }
}

fn parse_command(word: &str) -> Input {
    match word {
        "quit" => Input::Quit,
        _ => Input::Invalid(format!("unknown command /{word}; {USAGE}")),
    }
}

#[cfg(test)]
mod tests {
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
            parse_line("@bob hello bob\n"),
            msg(user("bob"), "hello bob")
        );
        assert_eq!(
            parse_line("@bob   spaced  out \r\n"),
            msg(user("bob"), "spaced  out ")
        );
        assert_eq!(parse_line("@ALL hi all"), msg(Target::All, "hi all"));
        assert_eq!(parse_line("  @bob hi"), msg(user("bob"), "hi"));
        assert_eq!(parse_line("@all hi"), msg(Target::All, "hi"));
        assert_eq!(parse_line("@aLl\thi"), msg(Target::All, "hi"));
    }

    #[test]
    fn commands() {
        assert_eq!(parse_line("/quit\n"), Input::Quit);
        assert_eq!(parse_line("  /quit  "), Input::Quit);
        assert!(
            matches!(parse_line("/frobnicate"), Input::Invalid(h) if h.contains("/frobnicate"))
        );
    }

    #[test]
    fn blank_lines_are_ignored() {
        assert_eq!(parse_line("\n"), Input::Blank);
        assert_eq!(parse_line("   \t\r\n"), Input::Blank);
    }

    #[test]
    fn other_forms_get_a_hint() {
        for line in [
            "hello", "bob hi", "@ hi", "@", "@bob", "@bob   ", "@bo-b hi",
        ] {
            assert!(
                matches!(parse_line(line), Input::Invalid(ref h) if h.starts_with("not sent")),
                "{line:?}"
            );
        }
    }
}
