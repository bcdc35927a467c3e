//! The operator's console, a front end like the others: commands read line by line (the
//! server's stdin) become the chat's verbs, answers are written one line each. It never
//! touches a socket, and `say` runs on a thread of its own so that waiting for acks never
//! holds up the next command.

use crate::core::Chat;
use chrono::{DateTime, Local};
use parking_lot::Mutex;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::SystemTime;

const HELP: &str = "commands: help | users | kick NAME [reason] | say MESSAGE | quit";

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
            "kick" => self.kick(rest),
            "say" if rest.is_empty() => self.say_line("usage: say MESSAGE"),
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
        if users.is_empty() {
            return self.say_line("no users online");
        }
        let width = users
            .iter()
            .map(|u| u.name().len())
            .max()
            .unwrap_or(4)
            .max(4);
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
        lines.push(format!("{} online", users.len()));
        self.say_line(&lines.join("\n"));
    }

    fn kick(&self, rest: &str) {
        let (name, reason) = match rest.split_once(char::is_whitespace) {
            Some((n, r)) => (n, r.trim()),
            None => (rest, ""),
        };
        if name.is_empty() {
            return self.say_line("usage: kick NAME [reason]");
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

    fn say(&self, text: &str) {
        let chat = self.chat.clone();
        let out = self.out.clone();
        let text = text.to_string();
        let n = chat.users().len();
        let worker = move || {
            let outcome = chat.say(&text);
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
            "usage: kick NAME [reason]",
            "no user called bob",
            "usage: say MESSAGE",
            &format!("unknown command `frobnicate`; {HELP}"),
            "shutting down",
        ];
        assert_eq!(got.lines().collect::<Vec<_>>(), want);
    }
}
