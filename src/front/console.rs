//! The operator's console, a front end like the others: commands read line by line (the
//! server's stdin) become the chat's verbs, answers are written one line each. It never
//! touches a socket, and `say` runs on a thread of its own so that waiting for acks never
//! holds up the next command.

use crate::core::{Chat, RoomError};
use chrono::{DateTime, Local};
use parking_lot::Mutex;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::SystemTime;

const HELP: &str = "commands: help | users | rooms | who #ROOM | kick NAME [#ROOM] [reason] | \
                    say [#ROOM] MESSAGE | topic #ROOM [text] | quit";

/// Shared output: command answers and late `say` results go to the same place.
pub type Out = Arc<Mutex<dyn Write + Send>>;

/// What the console acts on.
pub struct Console {
    pub chat: Chat,
    pub out: Out,
}

/// Whether the console goes on after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

impl Console {
    /// Reads commands until `quit` (returns `Flow::Quit`) or end of input (`Flow::Continue`:
    /// a server without a terminal keeps running).
    pub fn run(&self, input: impl BufRead) -> Flow {
        for line in input.lines() {
            let Ok(line) = line else { break };
            if self.command(&line) == Flow::Quit {
                return Flow::Quit;
            }
        }
        Flow::Continue
    }

    /// Runs one command line.
    pub fn command(&self, line: &str) -> Flow {
        let line = line.trim();
        let (word, rest) = match line.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (line, ""),
        };
        match word.to_ascii_lowercase().as_str() {
            "" => {}
            "help" | "?" => self.say_line(HELP),
            "users" | "list" => self.users(),
            "rooms" => self.rooms(),
            "who" => self.who(rest),
            "topic" => self.topic(rest),
            "kick" => self.kick(rest),
            "say" if rest.is_empty() => self.say_line("usage: say [#ROOM] MESSAGE"),
            "say" => self.say(rest),
            "quit" | "exit" => {
                self.say_line("shutting down");
                return Flow::Quit;
            }
            other => self.say_line(&format!("unknown command `{other}`; {HELP}")),
        }
        Flow::Continue
    }

    fn say_line(&self, line: &str) {
        write_line(&self.out, line);
    }

    fn users(&self) {
        let users = self.chat.users();
        let remote = self.chat.remote_users();
        if users.is_empty() && remote.is_empty() {
            return self.say_line("no users online");
        }
        let names = users
            .iter()
            .map(|u| u.name())
            .chain(remote.iter().map(|r| r.0.as_str()));
        let width = names.map(str::len).max().unwrap_or(4).max(4);
        let mut lines = vec![format!(
            "{:width$}  {:15}  {:19}  SENT",
            "NAME", "ADDRESS", "CONNECTED SINCE"
        )];
        for u in &users {
            lines.push(format!(
                "{:width$}  {:15}  {:19}  {}",
                u.name(),
                u.origin(),
                local_time(u.since()),
                u.messages_sent()
            ));
        }
        for (name, node) in &remote {
            lines.push(format!("{name:width$}  on node {node}"));
        }
        match remote.len() {
            0 => lines.push(format!("{} online", users.len())),
            n => lines.push(format!("{} online ({} here)", users.len() + n, users.len())),
        }
        self.say_line(&lines.join("\n"));
    }

    fn rooms(&self) {
        let rooms = self.chat.rooms();
        let width = rooms.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
        let mut lines = vec![format!("{:width$}  MEMBERS  TOPIC", "ROOM")];
        for room in &rooms {
            let line = format!("{:width$}  {:7}  {}", room.name, room.members, room.topic);
            lines.push(line.trim_end().to_string());
        }
        lines.push(format!("{} room(s)", rooms.len()));
        self.say_line(&lines.join("\n"));
    }

    fn who(&self, room: &str) {
        if room.is_empty() {
            return self.say_line("usage: who #ROOM");
        }
        match self.chat.who(room) {
            Ok(who) => {
                let mut line = format!("{} ({}):", who.name, who.members.len());
                for name in &who.members {
                    let op = if who.operator.as_ref() == Some(name) {
                        "@"
                    } else {
                        ""
                    };
                    line.push_str(&format!(" {op}{name}"));
                }
                if !who.topic.is_empty() {
                    line.push_str(&format!("\ntopic: {}", who.topic));
                }
                self.say_line(&line);
            }
            Err(e) => self.say_line(&room_error(room, e)),
        }
    }

    fn topic(&self, rest: &str) {
        let (room, text) = split_word(rest);
        if room.is_empty() {
            return self.say_line("usage: topic #ROOM [text]");
        }
        match self.chat.set_topic(None, room, text) {
            Ok(topic) if topic.is_empty() => self.say_line(&format!("cleared the topic of {room}")),
            Ok(topic) => self.say_line(&format!("topic of {room}: {topic}")),
            Err(e) => self.say_line(&room_error(room, e)),
        }
    }

    fn kick(&self, rest: &str) {
        let (name, reason) = split_word(rest);
        if name.is_empty() {
            return self.say_line("usage: kick NAME [#ROOM] [reason]");
        }
        if reason.starts_with('#') {
            return self.kick_from_room(name, reason);
        }
        let reason = if reason.is_empty() {
            "kicked by the operator"
        } else {
            reason
        };
        if self.chat.kick(name, reason) {
            log::info!("{name} kicked: {reason}");
            self.say_line(&format!("kicked {name} ({reason})"));
        } else {
            self.say_line(&format!("no user called {name}"));
        }
    }

    fn kick_from_room(&self, name: &str, rest: &str) {
        let (room, reason) = split_word(rest);
        match self.chat.kick_from_room(None, name, room, reason) {
            Ok(()) => {
                log::info!("{name} kicked from {room}: {reason}");
                self.say_line(&format!("kicked {name} from {room}"));
            }
            Err(RoomError::NotInRoom) => self.say_line(&format!("{name} is not in {room}")),
            Err(e) => self.say_line(&room_error(room, e)),
        }
    }

    fn say(&self, rest: &str) {
        let (room, text) = match split_word(rest) {
            (room, text) if room.starts_with('#') => (room.to_string(), text.to_string()),
            _ => (crate::core::LOBBY.to_string(), rest.to_string()),
        };
        if text.is_empty() {
            return self.say_line("usage: say [#ROOM] MESSAGE");
        }
        let n = match self.chat.who(&room) {
            Ok(who) => who.members.len(),
            Err(e) => return self.say_line(&room_error(&room, e)),
        };
        let (chat, out) = (self.chat.clone(), self.out.clone());
        let worker = move || {
            let outcome = match chat.say_in(&room, &text) {
                Ok(outcome) => outcome,
                Err(e) => return write_line(&out, &room_error(&room, e)),
            };
            let line = match outcome.result {
                Ok(()) => format!("said to {n} user(s)"),
                Err(_) => format!("said, but not every one of {n} user(s) acknowledged"),
            };
            write_line(&out, &line);
        };
        if let Err(e) = std::thread::Builder::new().name("say".into()).spawn(worker) {
            self.say_line(&format!("cannot say now: {e}"));
        }
    }
}

/// The first word of `rest`, and the rest, trimmed.
fn split_word(rest: &str) -> (&str, &str) {
    match rest.split_once(char::is_whitespace) {
        Some((word, more)) => (word, more.trim()),
        None => (rest, ""),
    }
}

/// A room verb's refusal, in words.
fn room_error(room: &str, e: RoomError) -> String {
    match e {
        RoomError::NoSuchRoom => format!("no room called {room}"),
        RoomError::BadName => {
            format!("{room} is not a room name (# and 1-32 letters, digits, - or _)")
        }
        e => format!("{room}: {e}"),
    }
}

/// Writes one answer and flushes it, so it shows at once.
fn write_line(out: &Out, line: &str) {
    let mut out = out.lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn local_time(t: SystemTime) -> String {
    let t: DateTime<Local> = t.into();
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn commands_answer_in_one_line_and_errors_are_clear() {
        let text = Arc::new(Mutex::new(Vec::new()));
        let console = Console {
            chat: Chat::new(crate::core::Config::default()),
            out: Arc::new(Mutex::new(Buf(text.clone()))),
        };
        let input = "help\nusers\nkick\nkick bob\nsay\nfrobnicate\nquit\nusers\n";
        assert_eq!(console.run(input.as_bytes()), Flow::Quit);
        let got = String::from_utf8(text.lock().clone()).unwrap();
        let want = [
            HELP,
            "no users online",
            "usage: kick NAME [#ROOM] [reason]",
            "no user called bob",
            "usage: say [#ROOM] MESSAGE",
            &format!("unknown command `frobnicate`; {HELP}"),
            "shutting down",
        ];
        assert_eq!(got.lines().collect::<Vec<_>>(), want);
    }

    #[test]
    fn the_console_lists_rooms_and_acts_in_them() {
        use crate::core::{Delivery, Event, Handed, Link, LinkError, Memo, Side};
        struct Quiet;
        impl Link for Quiet {
            fn deliver(&self, _: u32, _: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
                Ok(Handed {
                    awaits_ack: false,
                    flush: false,
                })
            }
            fn event(&self, _: u32, _: &Event) -> bool {
                false
            }
            fn close(&self) {}
        }
        let text = Arc::new(Mutex::new(Vec::new()));
        let chat = Chat::new(crate::core::Config::default());
        let console = Console {
            chat: chat.clone(),
            out: Arc::new(Mutex::new(Buf(text.clone()))),
        };
        for name in ["alice", "bob"] {
            let user = chat
                .attach(name, Side::Both, Arc::new(Quiet), "o", 0)
                .unwrap();
            chat.join_room(&user, "#rust").unwrap();
        }
        let input = "topic #rust Rust, mostly\nrooms\nwho #rust\nkick bob #rust spam\n\
                     kick bob #rust\nwho #go\nsay #go hi\ntopic #a.b x\n";
        console.run(input.as_bytes());
        let got = String::from_utf8(text.lock().clone()).unwrap();
        let want = [
            "topic of #rust: Rust, mostly",
            "ROOM    MEMBERS  TOPIC",
            "#lobby        2",
            "#rust         2  Rust, mostly",
            "2 room(s)",
            "#rust (2): @alice bob",
            "topic: Rust, mostly",
            "kicked bob from #rust",
            "bob is not in #rust",
            "no room called #go",
            "no room called #go",
            "#a.b is not a room name (# and 1-32 letters, digits, - or _)",
        ];
        assert_eq!(got.lines().collect::<Vec<_>>(), want);
        assert_eq!(chat.who("#rust").unwrap().members, ["alice"]);
    }
}
