//! The full screen's `/register` box: the new password, typed twice, each field shown as
//! `•`s only. Enter in the first field goes to the second; Enter in the second hands the
//! password over when both are the same (and it is one the protocol can carry), and says why
//! not otherwise. Esc closes the box, sending nothing.
//!
//! A pure model like the rest of the UI: keys in, a [`Done`] out; `render` draws it. What is
//! typed here never reaches the input line, its history, or the screen.

use crate::secret::{self, Secret};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The box while it is open.
#[derive(Debug, Default)]
pub struct PasswordBox {
    /// The two fields' text (never shown).
    fields: [String; 2],
    /// The field the keys go to: 0, the password; 1, the same again.
    pub focus: usize,
    /// Why the last Enter did not set it.
    pub error: Option<String>,
}

/// What a key did to the box.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    /// Still open.
    No,
    /// Closed, nothing sent.
    Cancelled,
    /// Closed: set this password.
    Set(Secret),
}

impl PasswordBox {
    /// How many characters each field holds (as many `•` are shown).
    pub fn lengths(&self) -> [usize; 2] {
        self.fields.clone().map(|f| f.chars().count())
    }

    pub fn key(&mut self, key: KeyEvent) -> Done {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let field = &mut self.fields[self.focus];
        match key.code {
            KeyCode::Esc => return Done::Cancelled,
            KeyCode::Enter => return self.enter(),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                self.focus = 1 - self.focus
            }
            KeyCode::Backspace => {
                field.pop();
            }
            KeyCode::Char('u') if ctrl => field.clear(),
            KeyCode::Char(c) if !ctrl && !alt => field.push(c),
            _ => {}
        }
        Done::No
    }

    /// Pasted text goes into the focused field (line breaks dropped).
    pub fn paste(&mut self, text: &str) {
        let text = text.trim_end_matches(['\n', '\r']);
        self.fields[self.focus].push_str(text);
    }

    fn enter(&mut self) -> Done {
        if let Some(why) = secret::problem(&self.fields[0]) {
            self.error = Some(why);
            self.focus = 0;
            return Done::No;
        }
        if self.focus == 0 {
            self.focus = 1;
            self.error = None;
            return Done::No;
        }
        if self.fields[0] != self.fields[1] {
            self.error = Some("the two passwords differ; type them again".into());
            self.fields = Default::default();
            self.focus = 0;
            return Done::No;
        }
        Done::Set(Secret::new(std::mem::take(&mut self.fields[0])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(b: &mut PasswordBox, text: &str) -> Done {
        for c in text.chars() {
            b.key(key(KeyCode::Char(c)));
        }
        b.key(key(KeyCode::Enter))
    }

    #[test]
    fn the_same_password_twice_is_set() {
        let mut b = PasswordBox::default();
        assert_eq!(typed(&mut b, "s3cret"), Done::No);
        assert_eq!((b.focus, b.lengths()), (1, [6, 0]));
        assert_eq!(typed(&mut b, "s3cret"), Done::Set(Secret::new("s3cret")));
    }

    #[test]
    fn different_passwords_are_typed_again() {
        let mut b = PasswordBox::default();
        typed(&mut b, "one");
        assert_eq!(typed(&mut b, "two"), Done::No);
        assert_eq!(
            b.error.as_deref(),
            Some("the two passwords differ; type them again")
        );
        assert_eq!((b.focus, b.lengths()), (0, [0, 0]));
    }

    #[test]
    fn a_password_the_protocol_cannot_carry_is_refused_and_esc_cancels() {
        let mut b = PasswordBox::default();
        assert_eq!(typed(&mut b, ""), Done::No);
        assert_eq!(b.error.as_deref(), Some("the password is empty"));
        assert_eq!(typed(&mut b, " x"), Done::No);
        assert_eq!(b.focus, 0);
        b.key(key(KeyCode::Backspace));
        b.key(key(KeyCode::Tab));
        assert_eq!((b.focus, b.lengths()), (1, [1, 0]));
        assert_eq!(b.key(key(KeyCode::Esc)), Done::Cancelled);
    }
}
