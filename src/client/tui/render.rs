//! Drawing the model: `render(&App, &mut Frame)` and nothing else, so that a test can draw
//! any state on ratatui's `TestBackend` and compare the screen cell by cell.
//!
//! The message pane shows the newest lines of the room in view unless scrolled back; the
//! side panel lists the rooms (the one in view reversed, unread counts on the right) above
//! the users (in a room: its members, the operator marked `@`); the status line is drawn
//! reversed (it reads on any background) and says who we are, where, in what state, which
//! room is in view and its topic, and how far back the view is; the login box, `/register`'s password box and the help sit over
//! the message pane. A password is drawn as `•`s, never as itself.

use super::app::{App, Phase};
use super::layout::{self, Areas};
use super::lines::{bold, dim, lines, name_style};
use super::password::PasswordBox;
use crate::output::printable;
use crate::view::Ask;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// What the help box says.
const HELP: [&str; 19] = [
    "@name message      send to one user (/msg name message too)",
    "@ALL message       send to everyone",
    "#room message      send to a room; text alone: the room in view",
    "/me action         an action, in the room in view",
    "/join #room        join (or make) a room; /part [#room] leaves",
    "/rooms, /who #room the rooms; who is in one, its topic",
    "/topic #room text  set a room's topic (its operator only)",
    "Alt-1..9           show room N; Ctrl-N/Ctrl-P: next/previous",
    "/users             who is online (Tab completes @names, #rooms)",
    "/history [N]       older messages (PageUp at the top too)",
    "/register          claim your name; /unregister drops it",
    "/clear             empty the message pane",
    "/quit, Ctrl-C      leave",
    "PageUp/PageDown    scroll back (mouse wheel too);",
    "                   Ctrl-End: back to the newest",
    "Up/Down            lines typed before",
    "Ctrl-W, Alt-Bksp   delete a word; Ctrl-U/K: to start/end",
    "… waiting   ✓ delivered   ✗ not delivered   ? unknown",
    "⧗ stored    kept for an offline user until they are back",
];

pub fn render(app: &App, frame: &mut Frame) {
    let areas = layout::areas(app);
    messages(app, frame, areas.messages);
    if let Some(area) = areas.rooms {
        rooms(app, frame, area);
    }
    if let Some(area) = areas.users {
        users(app, frame, area);
    }
    status(app, frame, areas.status);
    input(app, frame, &areas);
    if app.logging_in {
        login(app, frame, areas.messages);
    }
    if let Some(open) = &app.password_box {
        password_box(app, open, frame, areas.messages);
    }
    if app.help {
        let side = areas.users.map(|u| u.union(areas.rooms.unwrap_or(u)));
        let main = areas.messages.union(side.unwrap_or(areas.messages));
        help(frame, main);
    }
}

/// The newest lines that fit, or older ones when scrolled back; from the top of the pane.
fn messages(app: &App, frame: &mut Frame, area: Rect) {
    let want = usize::from(area.height) + app.scroll;
    let mut shown: Vec<Line> = Vec::new();
    let view = app.rooms.in_view();
    for entry in app.entries.iter().rev().filter(|e| e.shows_in(view)) {
        let mut entry_lines = lines(entry, area.width, app.me.as_deref());
        entry_lines.reverse();
        shown.extend(entry_lines);
        if shown.len() >= want {
            break;
        }
    }
    let skip = app.scroll.min(shown.len());
    let mut visible: Vec<Line> = shown.into_iter().skip(skip).collect();
    visible.truncate(usize::from(area.height));
    visible.reverse();
    frame.render_widget(Paragraph::new(visible), area);
}

/// The lobby, then the rooms we are in: `1 #lobby`, `2 #rust  3` (3 unread), the one in
/// view reversed.
fn rooms(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(dim())
        .title(Span::styled(" Rooms", bold()));
    let width = usize::from(area.width.saturating_sub(1));
    let list: Vec<Line> = (app.rooms.list.iter().enumerate())
        .map(|(i, room)| {
            let key = if i < 9 {
                format!("{}", i + 1)
            } else {
                " ".into()
            };
            let unread = match room.unread {
                0 => String::new(),
                n => format!(" {n} "),
            };
            let name: String = format!(" {key} {}", room.name);
            let room_for = width.saturating_sub(unread.width());
            let name = fit(&name, room_for);
            let gap = " ".repeat(room_for.saturating_sub(name.width()));
            let style = if i == app.rooms.view {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(format!("{name}{gap}"), style),
                Span::styled(unread, bold().fg(Color::Yellow)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(list).block(block), area);
}

/// `text` cut to `width` columns, `…` marking the cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Who is online (the lobby in view), or in the room in view, its operator marked `@`.
fn users(app: &App, frame: &mut Frame, area: Rect) {
    let shown = app.rooms.list.get(app.rooms.view);
    let (title, names, operator) = match (app.rooms.in_view(), shown) {
        (Some(room), Some(known)) => (
            room.to_string(),
            known.members.as_deref().unwrap_or_default(),
            known.operator.as_deref(),
        ),
        _ => (
            "Users".to_string(),
            app.users.as_deref().unwrap_or_default(),
            None,
        ),
    };
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(dim())
        .title(Span::styled(format!(" {title} ({})", names.len()), bold()));
    let me = app.me.as_deref();
    // The title takes the first row; when the names do not fit, the last row counts the rest.
    let rows = usize::from(area.height.saturating_sub(1));
    let shown = if names.len() > rows {
        rows.saturating_sub(1)
    } else {
        names.len()
    };
    let mut list: Vec<Line> = names[..shown]
        .iter()
        .map(|n| {
            let mark = if Some(n.as_str()) == operator {
                "@"
            } else {
                " "
            };
            Line::from(Span::styled(format!("{mark}{n}"), name_style(n, me)))
        })
        .collect();
    if shown < names.len() {
        list.push(Line::styled(
            format!(" +{} more", names.len() - shown),
            dim(),
        ));
    }
    frame.render_widget(Paragraph::new(list).block(block), area);
}

fn status(app: &App, frame: &mut Frame, area: Rect) {
    let state = match (app.phase, app.connected) {
        _ if app.quitting => "leaving…",
        (Phase::Chat, true) => "connected",
        (_, false) if app.me.is_some() => "disconnected",
        (_, false) if app.logging_in => "not connected",
        _ => "connecting…",
    };
    let mut who = match (&app.me, &app.server, &app.reconnecting) {
        (Some(me), _, Some(to)) if !app.connected => format!(" {me} · reconnecting to {to}…"),
        (Some(me), Some(server), _) => format!(" {me} on {server} · {state}"),
        _ => format!(" chat · {state}"),
    };
    if app.caps.rooms && app.connected {
        let room = &app.rooms.list[app.rooms.view];
        who.push_str(&format!(" · {}", room.name));
        if let Some(topic) = &room.topic {
            who.push_str(&format!(": {}", printable(topic)));
        }
    }

    let width = usize::from(area.width);
    // Where the view is matters more than the help hint: it gets a short form before the
    // hint is considered.
    let fits = |text: &str| who.width() + text.width() + 2 <= width;
    let mut right = String::new();
    if app.scroll > 0 {
        let (long, short) = match app.unseen {
            0 => (
                format!("▲ {} lines up", app.scroll),
                format!("▲ {}", app.scroll),
            ),
            n => (
                format!("▲ {} lines up, {n} new below", app.scroll),
                format!("▲ {} +{n}", app.scroll),
            ),
        };
        if let Some(fit) = [long, short].into_iter().find(|t| fits(t)) {
            right = fit;
        }
    }
    let with_help = if right.is_empty() {
        "F1 help".to_string()
    } else {
        format!("{right} · F1 help")
    };
    if fits(&with_help) {
        right = with_help;
    }
    right.push(' ');
    let gap = width.saturating_sub(who.width() + right.width());
    let text = format!("{who}{}{right}", " ".repeat(gap));
    let style = Style::new().add_modifier(Modifier::REVERSED);
    frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
}

/// `name> text`, the cursor in it, unless the login box, the password box or help has the
/// cursor.
fn input(app: &App, frame: &mut Frame, areas: &Areas) {
    if app.logging_in {
        return;
    }
    let boxed = app.password_box.is_some();
    let area = areas.input;
    let prompt = match &app.me {
        Some(me) => format!("{me}> "),
        None => "> ".to_string(),
    };
    let room = area.width.saturating_sub(prompt.width() as u16);
    let view = app.editor.view(room);
    let line = Line::from(vec![
        Span::styled(prompt.clone(), bold()),
        Span::raw(view.text),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if !app.help && !boxed && room > 0 {
        let x = area.x + prompt.width() as u16 + view.cursor;
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// A box of `width` × `height` in the middle of `area` (as much as fits).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The server and name fields (the cursor in the focused one), the last failure, and what
/// the keys do.
fn login(app: &App, frame: &mut Frame, pane: Rect) {
    let area = centered(pane, 64, 10);
    let title = if app.me.is_some() {
        " Reconnect "
    } else {
        " Connect to a chat server "
    };
    let block = Block::bordered().title(Span::styled(title, bold()));
    let inner = block.inner(area).inner(Margin::new(1, 0));
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let label_width = 9u16;
    let room = inner.width.saturating_sub(label_width);
    let mut rows = vec![Line::raw("")];
    let mut cursor = None;
    let server_hint = format!("host[:port] (port {} if none), or a,b,…", app.default_port);
    let fields = [
        (Ask::Server, "Server", server_hint.as_str()),
        (Ask::Name, "Name", "1 to 32 letters and digits"),
        (
            Ask::Password,
            "Password",
            "only for a name claimed with one",
        ),
    ];
    for (i, (ask, label, placeholder)) in fields.into_iter().enumerate() {
        let label = Span::styled(format!("{label:<9}"), dim());
        let value = if app.phase == Phase::Login(ask) {
            let view = match ask {
                Ask::Password => app.editor.masked().view(room),
                _ => app.editor.view(room),
            };
            cursor = Some((i as u16 + 1, view.cursor));
            if view.text.is_empty() {
                Span::styled(placeholder, dim())
            } else {
                Span::styled(view.text, Style::new().add_modifier(Modifier::UNDERLINED))
            }
        } else if app.answers[i].is_empty() && matches!(app.phase, Phase::Login(_)) {
            Span::styled(placeholder, dim())
        } else if ask == Ask::Password {
            let dots = app.answers[i].chars().count().min(usize::from(room));
            Span::raw("•".repeat(dots))
        } else {
            Span::raw(app.answers[i].clone())
        };
        rows.push(Line::from(vec![label, value]));
    }
    rows.push(Line::raw(""));
    if let Some(error) = &app.login_error {
        rows.push(Line::styled(error.clone(), Style::new().fg(Color::Red)));
    }
    let hint = match app.phase {
        Phase::Login(_) => "Enter: connect · Tab: next field · Ctrl-C: quit",
        _ => "connecting…",
    };
    let body = Paragraph::new(rows).wrap(Wrap { trim: false });
    frame.render_widget(body, inner);
    let bottom = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    frame.render_widget(Paragraph::new(Span::styled(hint, dim())), bottom);
    if let (Some((row, col)), false) = (cursor, app.help) {
        let at = Position::new(inner.x + label_width + col, inner.y + row);
        if inner.contains(at) {
            frame.set_cursor_position(at);
        }
    }
}

/// `/register`'s box: the password and the same again, as `•`s, the cursor in the focused
/// field, and why the last Enter did not set it.
fn password_box(app: &App, open: &PasswordBox, frame: &mut Frame, pane: Rect) {
    let area = centered(pane, 56, 9);
    let name = app.me.as_deref().unwrap_or_default();
    let title = format!(" A password for {name} ");
    let block = Block::bordered().title(Span::styled(title, bold()));
    let inner = block.inner(area).inner(Margin::new(1, 0));
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let label_width = 10u16;
    let room = usize::from(inner.width.saturating_sub(label_width + 1));
    let mut rows = vec![Line::raw("")];
    for (label, count) in ["Password", "Again"].into_iter().zip(open.lengths()) {
        rows.push(Line::from(vec![
            Span::styled(format!("{label:<10}"), dim()),
            Span::raw("•".repeat(count.min(room))),
        ]));
    }
    rows.push(Line::raw(""));
    if let Some(error) = &open.error {
        rows.push(Line::styled(error.clone(), Style::new().fg(Color::Red)));
    }
    frame.render_widget(Paragraph::new(rows).wrap(Wrap { trim: false }), inner);
    let hint = "Enter: next, then set · Tab: switch · Esc: cancel";
    let bottom = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    frame.render_widget(Paragraph::new(Span::styled(hint, dim())), bottom);
    let count = open.lengths()[open.focus].min(room) as u16;
    let at = Position::new(
        inner.x + label_width + count,
        inner.y + 1 + open.focus as u16,
    );
    if inner.contains(at) && !app.help {
        frame.set_cursor_position(at);
    }
}

fn help(frame: &mut Frame, pane: Rect) {
    let area = centered(pane, 68, HELP.len() as u16 + 2);
    let block = Block::bordered().title(Span::styled(" Help · Esc closes ", bold()));
    let rows: Vec<Line> = HELP.iter().map(|l| Line::raw(format!(" {l}"))).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(rows).block(block), area);
}
