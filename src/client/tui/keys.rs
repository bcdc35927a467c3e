//! What the keys (and the mouse wheel, and a paste) do to the model: the input line's
//! editing keys, Enter, Tab completion, scrolling (past the top: older history), help and
//! leaving; Alt-1..9, Ctrl-N and Ctrl-P show another room, and a line without `@`, `#` or
//! `/` goes to the room in view (in the lobby: to everyone); in the connect box, Tab, Shift-Tab, Up and Down move between the fields; while
//! `/register`'s box is open, keys go to it. See the help box in `render` for the list a
//! user sees.

use super::{Action, App, Phase, What};
use crate::command::{is_register, parse_line, Input, Target};
use crate::secret::Secret;
use crate::tui::entry::Delivery;
use crate::tui::layout;
use crate::tui::password::{Done, PasswordBox};
use crate::view::Ask;
use crate::words::{unsupported, Feature};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

/// The slash commands Tab completes.
pub const COMMANDS: [&str; 15] = [
    "/clear",
    "/help",
    "/history",
    "/join",
    "/me",
    "/msg",
    "/part",
    "/q",
    "/quit",
    "/register",
    "/rooms",
    "/topic",
    "/unregister",
    "/users",
    "/who",
];
/// Lines per mouse wheel step.
const WHEEL: usize = 3;

impl App {
    /// The mouse wheel scrolls the messages (past the top: older history).
    pub fn on_mouse(&mut self, mouse: MouseEvent) -> Action {
        match mouse.kind {
            MouseEventKind::ScrollUp => return self.scroll_up(WHEEL),
            MouseEventKind::ScrollDown => self.scroll_by(-(WHEEL as isize)),
            _ => {}
        }
        Action::None
    }

    /// Pasted text goes into the input line, its line breaks as spaces (or into the open
    /// password box).
    pub fn on_paste(&mut self, text: &str) {
        if let Some(open) = &mut self.password_box {
            return open.paste(text);
        }
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.editor.insert(text.trim_end());
    }

    /// One key.
    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if key.code != KeyCode::Tab {
            self.editor.end_completion();
        }
        if let Phase::Login(focus) = self.phase {
            match key.code {
                KeyCode::Tab | KeyCode::Down => return self.focus(focus.next()),
                KeyCode::BackTab | KeyCode::Up => return self.focus(focus.prev()),
                _ => {}
            }
        }
        if let Some(open) = &mut self.password_box {
            if !(ctrl && key.code == KeyCode::Char('c')) {
                return match open.key(key) {
                    Done::No => Action::None,
                    Done::Cancelled => {
                        self.password_box = None;
                        Action::None
                    }
                    Done::Set(password) => self.set_password(password),
                };
            }
        }
        let e = &mut self.editor;
        match (key.code, ctrl, alt) {
            (KeyCode::Char('c'), true, _) => return self.quit(),
            (KeyCode::Char('d'), true, _) if e.text().is_empty() => return self.quit(),
            (KeyCode::Esc | KeyCode::F(1), ..) if self.help => self.help = false,
            (KeyCode::F(1), ..) => self.help = true,
            (KeyCode::Enter, ..) => return self.enter(),
            (KeyCode::Char(c @ '1'..='9'), false, true) if self.phase == Phase::Chat => {
                return self.show_room(usize::from(c as u8 - b'1'))
            }
            (KeyCode::Char('n'), true, _) if self.phase == Phase::Chat => {
                return self.show_room(self.rooms.step(1))
            }
            (KeyCode::Char('p'), true, _) if self.phase == Phase::Chat => {
                return self.show_room(self.rooms.step(-1))
            }
            (KeyCode::Tab, ..) => self.complete(),
            (KeyCode::PageUp, ..) => return self.scroll_up(self.page().unsigned_abs()),
            (KeyCode::PageDown, ..) => self.scroll_by(-self.page()),
            (KeyCode::End, true, _) => self.scroll_by(isize::MIN),
            (KeyCode::Left, true, _) | (KeyCode::Left | KeyCode::Char('b'), _, true) => {
                e.word_left()
            }
            (KeyCode::Right, true, _) | (KeyCode::Right | KeyCode::Char('f'), _, true) => {
                e.word_right()
            }
            (KeyCode::Left, ..) | (KeyCode::Char('b'), true, _) => e.left(),
            (KeyCode::Right, ..) | (KeyCode::Char('f'), true, _) => e.right(),
            (KeyCode::Home, ..) | (KeyCode::Char('a'), true, _) => e.home(),
            (KeyCode::End, ..) | (KeyCode::Char('e'), true, _) => e.end(),
            (KeyCode::Backspace, true, _) | (KeyCode::Backspace, _, true) => {
                e.delete_alnum_word_before()
            }
            (KeyCode::Backspace, ..) | (KeyCode::Char('h'), true, _) => e.backspace(),
            (KeyCode::Delete, ..) | (KeyCode::Char('d'), true, _) => e.delete(),
            (KeyCode::Char('d'), _, true) => e.delete_word_after(),
            (KeyCode::Char('w'), true, _) => e.delete_word_before(),
            (KeyCode::Char('u'), true, _) => e.delete_to_start(),
            (KeyCode::Char('k'), true, _) => e.delete_to_end(),
            (KeyCode::Up, ..) => e.history_prev(),
            (KeyCode::Down, ..) => e.history_next(),
            (KeyCode::Char(c), false, false) => e.insert(c.encode_utf8(&mut [0; 4])),
            _ => {}
        }
        Action::None
    }

    fn page(&self) -> isize {
        let page = usize::from(layout::message_height(self)).saturating_sub(1);
        isize::try_from(page.max(1)).unwrap_or(1)
    }

    /// Ctrl-C: leave in order when registered (twice: at once), at once otherwise.
    fn quit(&mut self) -> Action {
        if self.phase == Phase::Chat && !self.quitting {
            self.quitting = true;
            return Action::Quit;
        }
        Action::Exit
    }

    fn enter(&mut self) -> Action {
        match self.phase {
            Phase::Busy if self.reconnecting.is_some() && !self.editor.text().trim().is_empty() => {
                let wait = "not sent yet: reconnecting (Enter again once connected)";
                self.note(What::Error(wait.into()));
                Action::None
            }
            Phase::Busy => Action::None,
            Phase::Login(focus) => {
                self.answers[focus as usize] = self.field_text(focus);
                // An empty field gets the cursor rather than a refusal from the server (the
                // password may be empty: most names are not claimed).
                if let Some(empty) = [Ask::Server, Ask::Name]
                    .into_iter()
                    .find(|f| self.answers[*f as usize].is_empty())
                {
                    return self.focus(empty);
                }
                self.phase = Phase::Busy;
                self.login_error = None;
                self.editor.set("");
                let [server, name, password] = self.answers.clone();
                let password = Some(Secret::new(password)).filter(|p| !p.is_empty());
                Action::Login {
                    server,
                    name,
                    password,
                }
            }
            Phase::Chat => self.chat_line(),
        }
    }

    /// The focused field's text: trimmed, but a password as typed.
    fn field_text(&self, field: Ask) -> String {
        match field {
            Ask::Password => self.editor.text().to_string(),
            _ => self.editor.text().trim().to_string(),
        }
    }

    /// Moves the connect box's cursor to `field`, keeping what was typed in the others.
    fn focus(&mut self, field: Ask) -> Action {
        if let Phase::Login(from) = self.phase {
            self.answers[from as usize] = self.editor.text().to_string();
        }
        self.phase = Phase::Login(field);
        let value = self.answers[field as usize].clone();
        self.editor.set(&value);
        Action::None
    }

    /// The password box's password, for the session.
    fn set_password(&mut self, password: Secret) -> Action {
        self.password_box = None;
        let name = self.me.clone().unwrap_or_default();
        self.note(What::Info(format!(
            "claiming {name} with the new password…"
        )));
        Action::SetPassword(password)
    }

    /// The line typed in the chat: what the client handles itself is never sent.
    fn chat_line(&mut self) -> Action {
        // `/register` never holds a password here, but `/register s3cret` might.
        let line = if is_register(self.editor.text()) {
            self.editor.take_unkept()
        } else {
            self.editor.take()
        };
        if line.trim().eq_ignore_ascii_case("/clear") {
            self.entries.clear();
            self.scroll = 0;
            self.unseen = 0;
            return Action::None;
        }
        let line = match self.for_view(line) {
            Ok(line) => line,
            Err(hint) => {
                self.note(What::Error(hint));
                return Action::None;
            }
        };
        let input = parse_line(&line, self.caps.seed);
        let for_rooms = matches!(
            input,
            Input::Message {
                target: Target::Room(_),
                ..
            } | Input::Join(_)
                | Input::Part(_)
                | Input::Rooms
                | Input::Who(_)
                | Input::Topic { .. }
        );
        if for_rooms && !self.caps.rooms {
            self.note(What::Error(unsupported(Feature::Rooms).into()));
            return Action::None;
        }
        let (to, text, emote) = match input {
            Input::Message {
                target: Target::User(_),
                ..
            } if !self.caps.direct => {
                self.note(What::Error(unsupported(Feature::Direct).into()));
                return Action::None;
            }
            Input::Message {
                target: target @ Target::Room(_),
                text,
            } => match text.strip_prefix("/me ") {
                Some(action) => (target, action.to_string(), true),
                None => (target, text, false),
            },
            Input::Message { target, text } => (target, text, false),
            Input::Join(room) => {
                self.joining = Some(room);
                return self.send(line);
            }
            Input::Who(room) => {
                self.typed_who.push(room);
                return self.send(line);
            }
            Input::Part(_) | Input::Rooms | Input::Topic { .. } => return self.send(line),
            Input::Emote(text) => (Target::All, text, true),
            Input::Users => {
                self.typed_users += 1;
                return self.send(line);
            }
            Input::Register | Input::Unregister | Input::History(_) => return self.memory(line),
            Input::Help => {
                self.help = true;
                return Action::None;
            }
            Input::Quit => return self.quit(),
            Input::Blank => return Action::None,
            Input::Invalid(hint) => {
                self.note(What::Error(hint));
                return Action::None;
            }
        };
        self.scroll_by(isize::MIN);
        let id = self.next_line;
        let delivery = Delivery::Pending;
        self.note(What::Mine {
            to,
            text,
            emote,
            line: id,
            delivery,
        });
        self.send(line)
    }

    /// The line as the room in view means it: text alone, and `/me`, go to the room (in
    /// the lobby: text alone to everyone), `/part` alone leaves it. Lines naming where they
    /// go are as typed; `Err` is the hint for a line that cannot be meant here.
    fn for_view(&self, line: String) -> Result<String, String> {
        if !self.caps.rooms {
            return Ok(line);
        }
        let typed = line.trim_start();
        let word = typed.split_whitespace().next().unwrap_or_default();
        let bare = !typed.is_empty() && !typed.starts_with(['@', '#', '/']);
        let emote = word.eq_ignore_ascii_case("/me");
        let part = word.eq_ignore_ascii_case("/part") && typed[word.len()..].trim().is_empty();
        match self.rooms.in_view() {
            Some(room) if bare || emote => Ok(format!("{room} {typed}")),
            Some(room) if part => Ok(format!("/part {room}")),
            None if bare && !self.caps.seed => Ok(format!("@ALL {typed}")),
            None if part => Err(
                "you are in the lobby, which nobody leaves; type /part #room, \
                 or show a room (Alt-1..9) first"
                    .into(),
            ),
            _ => Ok(line),
        }
    }

    /// `/register` (its own box), `/unregister` (the session's), `/history [N]` (N older
    /// messages above, then the view at the top), each only when the server supports it.
    fn memory(&mut self, line: String) -> Action {
        let input = parse_line(&line, self.caps.seed);
        let supported = match input {
            Input::History(_) => self.caps.history,
            _ => self.caps.accounts,
        };
        if !supported {
            let feature = match input {
                Input::History(_) => Feature::History,
                _ => Feature::Accounts,
            };
            self.note(What::Error(unsupported(feature).into()));
            return Action::None;
        }
        match input {
            Input::Register => {
                self.password_box = Some(PasswordBox::default());
                Action::None
            }
            Input::History(n) => {
                self.scroll_by(isize::MAX);
                match self.older(Some(n)) {
                    Action::None => {
                        let why = if self.past.loading {
                            "a page of history is on its way"
                        } else if self.past.done {
                            "the history holds nothing older"
                        } else {
                            "no message shown yet to look back from"
                        };
                        self.note(What::Info(why.into()));
                        Action::None
                    }
                    asked => asked,
                }
            }
            _ => self.send(line),
        }
    }

    /// Tab: `@name`s anywhere, a name after `/msg`, `/command`s at the start.
    fn complete(&mut self) {
        // Others first, then ALL (for @), then ourselves.
        let mut others: Vec<String> = self.users.clone().unwrap_or_default();
        others.retain(|n| Some(n) != self.me.as_ref());
        let me: Vec<String> = self.me.iter().cloned().collect();
        let rooms = self.rooms.known.clone();
        self.editor.complete(|word, before| {
            let fits = |n: &&String, part: &str| n.to_lowercase().starts_with(&part.to_lowercase());
            let all = ["ALL".to_string()];
            if word.starts_with('#') {
                (rooms.iter()).filter(|r| fits(r, word)).cloned().collect()
            } else if let Some(part) = word.strip_prefix('@') {
                (others.iter().chain(&all).chain(&me))
                    .filter(|n| fits(n, part))
                    .map(|n| format!("@{n}"))
                    .collect()
            } else if before.trim().is_empty() && word.starts_with('/') {
                (COMMANDS.iter())
                    .filter(|c| c.starts_with(&word.to_lowercase()))
                    .map(|c| c.to_string())
                    .collect()
            } else if before.trim().eq_ignore_ascii_case("/msg") {
                (others.iter().chain(&me))
                    .filter(|n| fits(n, word))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            }
        });
    }
}
