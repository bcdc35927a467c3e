//! What a line typed after registration means: a message (`@name text`, `@ALL text`,
//! `/msg name text`), an action (`/me waves`), another slash command, or a mistake with a
//! one-line hint.
//!
//! Pure parsing, no IO, so a new slash command is one enum variant and one match arm in
//! [`parse_command`]: the session loop only sees [`Input`].

use chat::wire::ext::MAX_HISTORY;
use chat::wire::{is_all, is_valid_username};

/// How many messages `/history` shows when not told.
pub const HISTORY_DEFAULT: usize = 20;

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
    /// Send `text` to `target` (`@name text`, `@ALL text`, `/msg name text`).
    Message { target: Target, text: String },
    /// `/me action`: an action, to everyone.
    Emote(String),
    /// `/users`: who is online.
    Users,
    /// `/register`: claim our name with a password (asked for), or change it.
    Register,
    /// `/unregister`: drop the claim on our name.
    Unregister,
    /// `/history [N]`: the last `N` messages (1 to 1,000).
    History(usize),
    /// `/help`: the list of commands.
    Help,
    /// `/quit` or `/q`: finish what is outstanding and leave.
    Quit,
    /// An empty line: nothing to do, nothing to say.
    Blank,
    /// Not understood; the string is the hint to show, nothing is sent.
    Invalid(String),
}

/// The hint shown for a line that is neither a message nor a command.
pub const USAGE: &str = "type @name message, @ALL message, /help or /quit";

/// What `/help` prints.
pub const HELP: &str = "\
commands:
  @name message    send to one user (also /msg name message)
  @ALL message     send to everyone
  /me action       an action, to everyone: shown as * name action
  /users           who is online
  /history [N]     the last N messages said (20 when not told; at most 1000)
  /register        claim your name with a password (asked twice), or change it
  /unregister      drop the claim: the name is anyone's again
  /quit or /q      leave (so does the end of input)
  /help            this list";

/// Parses one line of input (a trailing `\r\n` or `\n` is ignored). With `bare_to_all` (the
/// JSON protocol, as seed 003's client has it), a line that is neither `@…` nor `/…` is a
/// message to everyone.
pub fn parse_line(line: &str, bare_to_all: bool) -> Input {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        return Input::Blank;
    }
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix('@') {
        return parse_message(rest, "@");
    }
    if let Some(rest) = line.strip_prefix('/') {
        return parse_command(rest);
    }
    if bare_to_all {
        return Input::Message {
            target: Target::All,
            text: line.to_string(),
        };
    }
    Input::Invalid(format!("not sent: {USAGE}"))
}

/// Splits at the first run of blanks: `("word", "the rest")`.
fn split_word(text: &str) -> (&str, &str) {
    match text.find([' ', '\t']) {
        Some(i) => (&text[..i], text[i..].trim_start_matches([' ', '\t'])),
        None => (text, ""),
    }
}

/// `name text` after `@` or `/msg `; `form` is how the user wrote it, for the hints.
fn parse_message(rest: &str, form: &str) -> Input {
    let (name, text) = split_word(rest);
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
    if text.trim().is_empty() {
        return Input::Invalid(format!(
            "not sent: nothing to say; type {form}{} message",
            target.wire_name()
        ));
    }
    Input::Message {
        target,
        text: text.to_string(),
    }
}

fn parse_command(rest: &str) -> Input {
    let (word, args) = split_word(rest);
    match word.to_ascii_lowercase().as_str() {
        "quit" | "q" => Input::Quit,
        "users" => Input::Users,
        "register" if args.trim().is_empty() => Input::Register,
        "register" => Input::Invalid(
            "not sent: type /register alone; the password is asked for, twice, and not shown"
                .into(),
        ),
        "unregister" => Input::Unregister,
        "history" => parse_history(args),
        "help" | "?" => Input::Help,
        "me" if args.trim().is_empty() => {
            Input::Invalid("not sent: nothing to do; type /me action".into())
        }
        "me" => Input::Emote(args.to_string()),
        "msg" if args.trim().is_empty() => {
            Input::Invalid("not sent: type /msg name message".into())
        }
        "msg" => parse_message(args, "/msg "),
        _ => Input::Invalid(format!(
            "unknown command /{}; type /help for the list",
            word.trim()
        )),
    }
}

/// True for a line that is `/register` (with anything after it): a line that may hold a
/// password, never kept in the full-screen input history.
pub fn is_register(line: &str) -> bool {
    let (word, _) = split_word(line.trim_start());
    word.eq_ignore_ascii_case("/register")
}

/// The count after `/history`: none is [`HISTORY_DEFAULT`].
fn parse_history(args: &str) -> Input {
    let args = args.trim();
    if args.is_empty() {
        return Input::History(HISTORY_DEFAULT);
    }
    match args.parse::<usize>() {
        Ok(n) if (1..=MAX_HISTORY).contains(&n) => Input::History(n),
        _ => Input::Invalid(format!(
            "not sent: type /history, or /history N for the last N messages (1 to {MAX_HISTORY})"
        )),
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
}
