//! What the keys (and the mouse wheel, and a paste) do to the model: the input line's
//! editing keys, Enter, Tab completion, scrolling, help and leaving; in the connect box, Tab,
//! Shift-Tab, Up and Down move between the fields. See the help box in
//! `render` for the list a user sees.

use super::{Action, App, Phase, What};
use crate::command::{parse_line, Input, Target};
use crate::tui::entry::Delivery;
use crate::tui::layout;
use crate::view::Ask;
use crate::words::{unsupported, Feature};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

/// The slash commands Tab completes.
pub const COMMANDS: [&str; 7] = ["/clear", "/help", "/me", "/msg", "/q", "/quit", "/users"];
/// Lines per mouse wheel step.
const WHEEL: usize = 3;

impl App {
    /// The mouse wheel scrolls the messages.
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        match mouse.kind {
            MouseEventKind::ScrollUp => self.scroll_by(WHEEL as isize),
            MouseEventKind::ScrollDown => self.scroll_by(-(WHEEL as isize)),
            _ => {}
        }
    }

    /// Pasted text goes into the input line, its line breaks as spaces.
    pub fn on_paste(&mut self, text: &str) {
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
                KeyCode::Tab | KeyCode::Down => return self.focus(focus.other()),
                KeyCode::BackTab | KeyCode::Up => return self.focus(focus.other()),
                _ => {}
            }
        }
        let e = &mut self.editor;
        match (key.code, ctrl, alt) {
            (KeyCode::Char('c'), true, _) => return self.quit(),
            (KeyCode::Char('d'), true, _) if e.text().is_empty() => return self.quit(),
            (KeyCode::Esc | KeyCode::F(1), ..) if self.help => self.help = false,
            (KeyCode::F(1), ..) => self.help = true,
            (KeyCode::Enter, ..) => return self.enter(),
            (KeyCode::Tab, ..) => self.complete(),
            (KeyCode::PageUp, ..) => self.scroll_by(self.page()),
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
            Phase::Busy => Action::None,
            Phase::Login(focus) => {
                self.answers[focus as usize] = self.editor.text().trim().to_string();
                // An empty field gets the cursor rather than a refusal from the server.
                if let Some(empty) = [Ask::Server, Ask::Name]
                    .into_iter()
                    .find(|f| self.answers[*f as usize].is_empty())
                {
                    return self.focus(empty);
                }
                self.phase = Phase::Busy;
                self.login_error = None;
                self.editor.set("");
                Action::Login(self.answers.clone())
            }
            Phase::Chat => self.chat_line(),
        }
    }

    /// Moves the connect box's cursor to `field`, keeping what was typed in the other.
    fn focus(&mut self, field: Ask) -> Action {
        if let Phase::Login(from) = self.phase {
            self.answers[from as usize] = self.editor.text().to_string();
        }
        self.phase = Phase::Login(field);
        let value = self.answers[field as usize].clone();
        self.editor.set(&value);
        Action::None
    }

    /// The line typed in the chat: what the client handles itself is never sent.
    fn chat_line(&mut self) -> Action {
        let line = self.editor.take();
        if line.trim().eq_ignore_ascii_case("/clear") {
            self.entries.clear();
            self.scroll = 0;
            self.unseen = 0;
            return Action::None;
        }
        let (to, text, emote) = match parse_line(&line, self.caps.seed) {
            Input::Message {
                target: Target::User(_),
                ..
            } if !self.caps.direct => {
                self.note(What::Error(unsupported(Feature::Direct).into()));
                return Action::None;
            }
            Input::Message { target, text } => (target, text, false),
            Input::Emote(text) => (Target::All, text, true),
            Input::Users => {
                self.typed_users += 1;
                return self.send(line);
            }
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

    /// Tab: `@name`s anywhere, a name after `/msg`, `/command`s at the start.
    fn complete(&mut self) {
        // Others first, then ALL (for @), then ourselves.
        let mut others: Vec<String> = self.users.clone().unwrap_or_default();
        others.retain(|n| Some(n) != self.me.as_ref());
        let me: Vec<String> = self.me.iter().cloned().collect();
        self.editor.complete(|word, before| {
            let fits = |n: &&String, part: &str| n.to_lowercase().starts_with(&part.to_lowercase());
            let all = ["ALL".to_string()];
            if let Some(part) = word.strip_prefix('@') {
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
