//! What a line typed after registration means: a message (`@name text`, `@ALL text`,
//! `/msg name text`, `#room text`), an action (`/me waves`), another slash command (the
//! rooms' `/join`, `/part`, `/rooms`, `/who`, `/topic` among them), or a mistake with a
//! one-line hint.
//!
//! Pure parsing, no IO, so a new slash command is one enum variant and one match arm in
//! [`parse_command`]: the session loop only sees [`Input`].

use chat::wire::ext::MAX_HISTORY;
use chat::wire::rooms::LOBBY;
use chat::wire::{is_all, is_valid_room, is_valid_username};

/// How many messages `/history` shows when not told.
pub const HISTORY_DEFAULT: usize = 20;

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    User(String),
    All,
    /// A room's members (`#rust`; never the lobby, which is [`Target::All`]).
    Room(String),
}

impl Target {
    /// The name as written on the wire and in outcome lines (`ALL` always upper case).
    pub fn wire_name(&self) -> &str {
        match self {
            Target::User(name) | Target::Room(name) => name,
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
    /// `/join #room`: join it (or create it).
    Join(String),
    /// `/part [#room]`: leave it; none named: the room the view says (the last joined).
    Part(Option<String>),
    /// `/rooms`: which rooms there are.
    Rooms,
    /// `/who #room`: who is in it, its operator and topic.
    Who(String),
    /// `/topic #room [text]`: set the room's topic (no text: clear it).
    Topic { room: String, topic: String },
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
  #room message    send to a room you are in (#room /me action: an action there)
  /join #room      join a room (made if it does not exist)
  /part [#room]    leave a room (none named: the last one joined)
  /rooms           the rooms there are: members and topic
  /who #room       who is in a room, its operator (@) and topic
  /topic #room [text]  set a room's topic (its operator only; no text: clear it)
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
    if line.starts_with('#') {
        return parse_room_message(line);
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
        "join" => room_arg(args, "/join #room").map_or_else(Input::Invalid, Input::Join),
        "part" if args.trim().is_empty() => Input::Part(None),
        "part" => {
            room_arg(args, "/part #room").map_or_else(Input::Invalid, |r| Input::Part(Some(r)))
        }
        "rooms" => Input::Rooms,
        "who" => room_arg(args, "/who #room").map_or_else(Input::Invalid, Input::Who),
        "topic" => {
            let (room, topic) = split_word(args.trim());
            match room_arg(room, "/topic #room text") {
                Ok(room) => Input::Topic {
                    room,
                    topic: topic.trim().to_string(),
                },
                Err(hint) => Input::Invalid(hint),
            }
        }
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

/// `#room text`: a message to a room (the lobby's is one to everyone).
fn parse_room_message(line: &str) -> Input {
    let (room, text) = split_word(line);
    if !is_valid_room(room) {
        return Input::Invalid(format!("not sent: {}", bad_room(room)));
    }
    if text.trim().is_empty() {
        return Input::Invalid(format!("not sent: nothing to say; type {room} message"));
    }
    let target = if room == LOBBY {
        Target::All
    } else {
        Target::Room(room.to_string())
    };
    Input::Message {
        target,
        text: text.to_string(),
    }
}

/// The one room name a command takes, or the hint saying how to type it.
fn room_arg(args: &str, usage: &str) -> Result<String, String> {
    let room = args.trim();
    match room {
        "" => Err(format!("not sent: type {usage}")),
        _ if is_valid_room(room) => Ok(room.to_string()),
        _ => Err(format!("not sent: {}", bad_room(room))),
    }
}

/// Why `room` is not a room name.
fn bad_room(room: &str) -> String {
    format!("\"{room}\" is not a room (# and 1 to 32 letters, digits, - or _)")
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
#[path = "command_tests.rs"]
mod tests;
