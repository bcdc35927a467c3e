//! An entry as styled screen lines of a given width: `HH:MM` in dim, then the entry in its
//! style, wrapped at blanks where it can (anywhere in a word longer than the line), with
//! continuation lines indented under the name. Widths are display columns: a CJK character
//! or an emoji takes two, and is never split.
//!
//! Colours are the terminal's own named ones plus bold, dim, italic and reverse, so the
//! screen reads on dark and light backgrounds alike: names in cyan, green or blue (fixed per
//! name), direct messages magenta, errors red, delivery `✓` green, `✗` red, `?` yellow,
//! `⧗ stored` cyan. Messages from the server's history are dimmed; one that waited for us
//! ends with a dim `(while you were away)`.

use super::entry::{Delivery, Entry, What};
use crate::command::Target;
use crate::output::printable;
use crate::push::Push;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Continuation lines start under the text after the time.
const INDENT: usize = 6;

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The colour of a name: the same for a name everywhere, ours always bold without colour.
pub fn name_style(name: &str, me: Option<&str>) -> Style {
    if Some(name) == me {
        return bold();
    }
    let palette = [Color::Cyan, Color::Green, Color::Blue];
    let hash = name
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31) + usize::from(b));
    bold().fg(palette[hash % palette.len()])
}

fn direct() -> Style {
    Style::new().fg(Color::Magenta)
}

type Piece = (String, Style);

fn piece(text: impl Into<String>, style: Style) -> Piece {
    (text.into(), style)
}

/// The pieces of an entry, before wrapping (a `\n` inside a piece starts a new line).
fn pieces(entry: &Entry, me: Option<&str>) -> Vec<Piece> {
    let mut out = vec![piece(format!("{} ", entry.time), dim())];
    let name = |n: &str| piece(n.to_string(), name_style(n, me));
    match &entry.what {
        What::Said {
            from,
            text,
            direct: to_me,
            ..
        } => {
            out.push(name(from));
            if *to_me {
                out.push(piece(" → you", direct().add_modifier(Modifier::BOLD)));
            }
            out.push(piece(": ", Style::new()));
            let style = if *to_me { direct() } else { Style::new() };
            out.push(piece(text.clone(), style));
        }
        What::Action { from, text, .. } => {
            out.push(piece("* ", Style::new().add_modifier(Modifier::ITALIC)));
            out.push(name(from));
            out.push(piece(
                format!(" {text}"),
                Style::new().add_modifier(Modifier::ITALIC),
            ));
        }
        What::Mine {
            to,
            text,
            emote,
            delivery,
            ..
        } => mine(&mut out, me.unwrap_or("me"), to, text, *emote, delivery),
        What::Operator { text } => {
            out.push(piece("server", bold().add_modifier(Modifier::UNDERLINED)));
            out.push(piece(format!(": {text}"), bold()));
        }
        What::Room(push) => out.extend(room(push, me)),
        What::Past {
            from,
            to,
            text,
            emote,
        } => out.extend(past(from, to.as_deref(), text, *emote)),
        What::Info(text) => out.push(piece(
            text.clone(),
            Style::new().add_modifier(Modifier::ITALIC),
        )),
        What::Error(text) => out.push(piece(format!("! {text}"), Style::new().fg(Color::Red))),
    }
    if entry.away {
        out.push(piece(
            " (while you were away)",
            dim().add_modifier(Modifier::ITALIC),
        ));
    }
    out
}

/// A message from the history, dimmed: `alice: hi`, `alice → bob: psst`, `* alice waves`.
fn past(from: &str, to: Option<&str>, text: &str, emote: bool) -> Vec<Piece> {
    let name = piece(from, dim().add_modifier(Modifier::BOLD));
    if emote {
        return vec![
            piece("* ", dim().add_modifier(Modifier::ITALIC)),
            name,
            piece(format!(" {text}"), dim().add_modifier(Modifier::ITALIC)),
        ];
    }
    let mut out = vec![name];
    if let Some(to) = to {
        out.push(piece(format!(" → {to}"), dim().fg(Color::Magenta)));
    }
    out.push(piece(format!(": {text}"), dim()));
    out
}

/// `→ bob joined`, `← bob left (quit)`, `← bob was kicked (spam)`, `← you were kicked`; in
/// a room's own pane, `← bob was kicked by alice (spam)`, `alice set the topic: …`.
fn room(push: &Push, me: Option<&str>) -> Option<Piece> {
    let by = |by: &Option<String>| by.as_ref().map_or(String::new(), |b| format!(" by {b}"));
    Some(match push {
        Push::RoomJoined { name, .. } => piece(format!("→ {name} joined"), dim().fg(Color::Green)),
        Push::RoomLeft { name, reason, .. } => {
            let why = reason.clone().filter(|r| r != "part");
            piece(format!("← {name} left{}", because(&why)), dim())
        }
        Push::RoomKicked {
            name,
            by: kicker,
            reason,
            ..
        } => piece(
            format!("← {name} was kicked{}{}", by(kicker), because(reason)),
            Style::new().fg(Color::Red),
        ),
        Push::Topic {
            by, topic: Some(t), ..
        } => piece(
            format!("{by} set the topic: {t}"),
            Style::new().add_modifier(Modifier::ITALIC),
        ),
        Push::Topic {
            by, topic: None, ..
        } => piece(
            format!("{by} cleared the topic"),
            Style::new().add_modifier(Modifier::ITALIC),
        ),
        Push::Joined(name) => piece(format!("→ {name} joined"), dim().fg(Color::Green)),
        Push::Left { name, reason } => piece(format!("← {name} left{}", because(reason)), dim()),
        Push::Kicked { name, reason } => {
            let who = match me {
                Some(me) if me == name => "you were".to_string(),
                _ => format!("{name} was"),
            };
            piece(
                format!("← {who} kicked{}", because(reason)),
                Style::new().fg(Color::Red),
            )
        }
        Push::Bye => return None,
    })
}

fn because(reason: &Option<String>) -> String {
    reason.as_ref().map_or(String::new(), |r| format!(" ({r})"))
}

/// `alice: text ✓`, `alice → bob: text …`, `* alice waves ✗ why`.
fn mine(out: &mut Vec<Piece>, me: &str, to: &Target, text: &str, emote: bool, d: &Delivery) {
    if emote {
        out.push(piece("* ", Style::new().add_modifier(Modifier::ITALIC)));
        out.push(piece(me, bold()));
        out.push(piece(
            format!(" {text}"),
            Style::new().add_modifier(Modifier::ITALIC),
        ));
    } else {
        out.push(piece(me, bold()));
        if let Target::User(name) = to {
            out.push(piece(
                format!(" → {name}"),
                direct().add_modifier(Modifier::BOLD),
            ));
        }
        out.push(piece(": ", Style::new()));
        let style = if matches!(to, Target::User(_)) {
            direct()
        } else {
            Style::new()
        };
        out.push(piece(text, style));
    }
    let (mark, why, colour) = match d {
        Delivery::Pending => return out.push(piece(" …", dim())),
        Delivery::Delivered => return out.push(piece(" ✓", Style::new().fg(Color::Green))),
        Delivery::Stored(_) => return out.push(piece(" ⧗ stored", Style::new().fg(Color::Cyan))),
        Delivery::Failed(why) => ("✗", why, Color::Red),
        Delivery::Unsure(why) => ("?", why, Color::Yellow),
    };
    // The words first; the code they came from, `(ERROR 102)`, after them and dimmed.
    let (words, code) = match why.rsplit_once(" (") {
        Some((words, code)) if code.ends_with(')') => (words, Some(code)),
        _ => (why.as_str(), None),
    };
    out.push(piece(format!(" {mark} {words}"), Style::new().fg(colour)));
    if let Some(code) = code {
        out.push(piece(format!(" ({code}"), dim().fg(colour)));
    }
}

/// The entry as lines at most `width` columns wide.
pub fn lines(entry: &Entry, width: u16, me: Option<&str>) -> Vec<Line<'static>> {
    wrap(&pieces(entry, me), usize::from(width.max(1)))
}

/// One grapheme and its style.
struct Cell<'a> {
    g: &'a str,
    style: Style,
}

fn wrap(pieces: &[Piece], width: usize) -> Vec<Line<'static>> {
    let indent = if width > 2 * INDENT { INDENT } else { 0 };
    let clean: Vec<(String, Style)> = (pieces.iter())
        .map(|(text, style)| (clean(text), *style))
        .collect();
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new()];
    let mut used = 0;
    let new_row = |rows: &mut Vec<Vec<Cell>>| rows.push(Vec::new());
    for (text, style) in &clean {
        for g in text.graphemes(true) {
            if g == "\n" {
                new_row(&mut rows);
                used = indent;
                continue;
            }
            let w = g.width();
            if used + w > width && used > indent {
                let carried = break_row(&mut rows);
                new_row(&mut rows);
                used = indent + carried.iter().map(|c| c.g.width()).sum::<usize>();
                if let Some(row) = rows.last_mut() {
                    row.extend(carried);
                }
            }
            if let Some(row) = rows.last_mut() {
                row.push(Cell { g, style: *style });
            }
            used += w;
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| to_line(row, if i == 0 { 0 } else { indent }))
        .collect()
}

/// Cuts the last row at its last blank (dropped) or after its last wide character (CJK
/// text has no blanks), returning what follows; nothing when there is neither: the word is
/// cut where the line ends.
fn break_row<'a>(rows: &mut [Vec<Cell<'a>>]) -> Vec<Cell<'a>> {
    // Never at the blank after the time, nor at the very start of a row.
    let first = if rows.len() == 1 { INDENT } else { 1 };
    let Some(row) = rows.last_mut() else {
        return Vec::new();
    };
    match row.iter().rposition(|c| c.g == " " || c.g.width() > 1) {
        Some(at) if at >= first => {
            let tail = row.split_off(at + 1);
            if row.last().is_some_and(|c| c.g == " ") {
                row.pop();
            }
            tail
        }
        _ => Vec::new(),
    }
}

fn to_line(row: Vec<Cell>, indent: usize) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    if indent > 0 {
        spans.push(Span::raw(" ".repeat(indent)));
    }
    for cell in row {
        match spans.last_mut() {
            Some(last) if last.style == cell.style => last.content.to_mut().push_str(cell.g),
            _ => spans.push(Span::styled(cell.g.to_string(), cell.style)),
        }
    }
    Line::from(spans)
}

/// Network text made safe: no control characters (tabs become a blank), line breaks kept.
fn clean(text: &str) -> String {
    text.split('\n')
        .map(|line| printable(line).replace('\t', " "))
        .collect::<Vec<_>>()
        .join("\n")
}
