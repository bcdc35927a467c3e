//! The input line: the text, a cursor that moves by grapheme cluster (so an emoji or a CJK
//! character is one step), word motions and deletions, history, and Tab completion.
//!
//! Pure state with no terminal in sight; [`crate::tui::app`] maps keys to these methods and
//! `render` asks [`Editor::view`] what fits in a given number of columns.
//!
//! Words: Ctrl-W deletes back to the previous blank (as shells do), Alt-Backspace and Alt-D
//! and the word motions stop at punctuation too (letters and digits form words).

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The input line being edited.
#[derive(Debug, Default)]
pub struct Editor {
    text: String,
    /// A byte index at a grapheme boundary.
    cursor: usize,
    history: Vec<String>,
    /// The history entry shown, while browsing it with Up/Down.
    browsing: Option<usize>,
    /// What was typed before browsing started, given back past the newest entry.
    draft: String,
    completion: Option<Completion>,
}

/// A Tab completion in progress: pressing Tab again cycles through `candidates`.
#[derive(Debug)]
struct Completion {
    /// Where the completed word starts.
    start: usize,
    candidates: Vec<String>,
    index: usize,
}

/// The part of the line that fits: the visible text and the cursor's column within it.
#[derive(Debug, PartialEq, Eq)]
pub struct Visible {
    pub text: String,
    pub cursor: u16,
}

/// The most entries the history keeps.
const HISTORY: usize = 500;

fn is_word(g: &str) -> bool {
    g.chars().any(char::is_alphanumeric)
}

fn is_blank(g: &str) -> bool {
    g.chars().all(char::is_whitespace)
}

impl Editor {
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor as a byte index into [`Editor::text`].
    #[cfg(test)]
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text, cursor at the end (history browsing ends).
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
        self.browsing = None;
        self.completion = None;
    }

    /// Takes the text for sending, remembering it in the history (once, if not blank).
    pub fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        self.cursor = 0;
        self.browsing = None;
        self.completion = None;
        self.draft.clear();
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
        }
        text
    }

    /// Takes the text like [`Editor::take`], but without keeping it in the history (a line
    /// that may hold a password).
    pub fn take_unkept(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        self.set("");
        self.draft.clear();
        text
    }

    /// The same line with every character shown as `•` and the cursor where it was: what
    /// a password field shows.
    pub fn masked(&self) -> Editor {
        let before = self.text[..self.cursor].chars().count();
        let text = "•".repeat(self.text.chars().count());
        Editor {
            cursor: before * '•'.len_utf8(),
            text,
            ..Editor::default()
        }
    }

    /// Any key but Tab ends a completion.
    pub fn end_completion(&mut self) {
        self.completion = None;
    }

    pub fn insert(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    /// Byte index of the grapheme boundary before `at`.
    fn prev(&self, at: usize) -> usize {
        self.text[..at]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    /// Byte index of the grapheme boundary after `at`.
    fn next(&self, at: usize) -> usize {
        self.text[at..]
            .graphemes(true)
            .next()
            .map_or(at, |g| at + g.len())
    }

    /// Start of the word before `at`; `word` says what belongs to a word.
    fn word_start(&self, at: usize, word: fn(&str) -> bool) -> usize {
        let mut graphemes = self.text[..at].grapheme_indices(true).rev().peekable();
        let mut start = at;
        while let Some((i, _)) = graphemes.next_if(|(_, g)| !word(g)) {
            start = i;
        }
        while let Some((i, _)) = graphemes.next_if(|(_, g)| word(g)) {
            start = i;
        }
        start
    }

    /// End of the word after `at`.
    fn word_end(&self, at: usize, word: fn(&str) -> bool) -> usize {
        let mut end = at;
        let mut graphemes = self.text[at..].graphemes(true).peekable();
        while let Some(g) = graphemes.next_if(|g| !word(g)) {
            end += g.len();
        }
        while let Some(g) = graphemes.next_if(|g| word(g)) {
            end += g.len();
        }
        end
    }

    pub fn left(&mut self) {
        self.cursor = self.prev(self.cursor);
    }

    pub fn right(&mut self) {
        self.cursor = self.next(self.cursor);
    }

    pub fn word_left(&mut self) {
        self.cursor = self.word_start(self.cursor, is_word);
    }

    pub fn word_right(&mut self) {
        self.cursor = self.word_end(self.cursor, is_word);
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    pub fn backspace(&mut self) {
        let from = self.prev(self.cursor);
        self.text.replace_range(from..self.cursor, "");
        self.cursor = from;
    }

    pub fn delete(&mut self) {
        let to = self.next(self.cursor);
        self.text.replace_range(self.cursor..to, "");
    }

    /// Ctrl-W: back to the previous blank.
    pub fn delete_word_before(&mut self) {
        let from = self.word_start(self.cursor, |g| !is_blank(g));
        self.text.replace_range(from..self.cursor, "");
        self.cursor = from;
    }

    /// Alt-Backspace: back to the start of the previous word of letters and digits.
    pub fn delete_alnum_word_before(&mut self) {
        let from = self.word_start(self.cursor, is_word);
        self.text.replace_range(from..self.cursor, "");
        self.cursor = from;
    }

    /// Alt-D: to the end of the next word of letters and digits.
    pub fn delete_word_after(&mut self) {
        let to = self.word_end(self.cursor, is_word);
        self.text.replace_range(self.cursor..to, "");
    }

    /// Ctrl-U: everything before the cursor.
    pub fn delete_to_start(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    /// Ctrl-K: everything from the cursor on.
    pub fn delete_to_end(&mut self) {
        self.text.truncate(self.cursor);
    }

    /// Up: the previous history entry (what was being typed is kept as the draft).
    pub fn history_prev(&mut self) {
        let index = match self.browsing {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.text.clone();
                self.history.len() - 1
            }
            Some(i) => i.saturating_sub(1),
        };
        self.show_history(Some(index));
    }

    /// Down: the next history entry, and past the newest the draft.
    pub fn history_next(&mut self) {
        match self.browsing {
            None => {}
            Some(i) if i + 1 < self.history.len() => self.show_history(Some(i + 1)),
            Some(_) => self.show_history(None),
        }
    }

    fn show_history(&mut self, index: Option<usize>) {
        let text = match index {
            Some(i) => self.history.get(i).cloned().unwrap_or_default(),
            None => std::mem::take(&mut self.draft),
        };
        self.set(&text);
        self.browsing = index;
    }

    /// Tab: completes the word before the cursor with the first of `candidates(word, before)`
    /// (`before` is the text before the word), and a space; Tab again takes the next one.
    pub fn complete(&mut self, candidates: impl Fn(&str, &str) -> Vec<String>) {
        if let Some(c) = &mut self.completion {
            c.index = (c.index + 1) % c.candidates.len();
            let (start, choice) = (c.start, format!("{} ", c.candidates[c.index]));
            self.text.replace_range(start..self.cursor, &choice);
            self.cursor = start + choice.len();
            return;
        }
        let start = self.text[..self.cursor]
            .grapheme_indices(true)
            .rev()
            .take_while(|(_, g)| !is_blank(g))
            .last()
            .map_or(self.cursor, |(i, _)| i);
        let word = &self.text[start..self.cursor];
        if word.is_empty() {
            return;
        }
        let found = candidates(word, &self.text[..start]);
        let Some(first) = found.first() else {
            return;
        };
        let choice = format!("{first} ");
        self.text.replace_range(start..self.cursor, &choice);
        self.cursor = start + choice.len();
        if found.len() > 1 {
            self.completion = Some(Completion {
                start,
                candidates: found,
                index: 0,
            });
        }
    }

    /// What to show in `width` columns: the part of the text around the cursor, scrolled so
    /// that the cursor stays visible, and the cursor's column. Wide characters take two.
    pub fn view(&self, width: u16) -> Visible {
        let width = usize::from(width.max(1));
        let before = self.text[..self.cursor].width();
        // Scroll so that the cursor sits in the last column when the text before it is
        // too wide, and from the start otherwise.
        let skip = (before + 1).saturating_sub(width);
        let (mut text, mut col, mut used) = (String::new(), 0, 0);
        for g in self.text.graphemes(true) {
            let w = g.width();
            if col < skip {
                col += w;
                if col > skip {
                    // A wide character cut by the left edge: show its visible half as a blank.
                    text.push(' ');
                    used += col - skip;
                }
                continue;
            }
            if used + w > width {
                break;
            }
            text.push_str(g);
            used += w;
        }
        let cursor = u16::try_from(before - skip.min(before)).unwrap_or(u16::MAX);
        Visible { text, cursor }
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
