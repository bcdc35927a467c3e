//! Where things go on the screen, shared by the model (which must know how many lines a
//! page is, and how wide the message pane, to scroll) and by `render`:
//!
//! ```text
//! messages …                                  │ Rooms            <- with `rooms`
//!                                             │ 1 #lobby
//!                                             │ 2 #rust        3
//!                                             │ Users (2)
//!                                             │ alice
//!                                             │ bob
//!  alice on 127.0.0.1:4334 · connected        F1 help   <- status line
//! alice> typed text_                                     <- input line
//! ```
//!
//! The side panel is shown when the server tells who is online and the terminal is at least
//! [`PANEL_FROM`] columns wide; with rooms, their list takes its top (at most half).

use super::app::App;
use ratatui::layout::Rect;

/// The users panel's width, its border included.
pub const PANEL: u16 = 18;
/// The narrowest terminal that still gets the users panel.
pub const PANEL_FROM: u16 = 60;

/// The parts of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub messages: Rect,
    /// The list of rooms, above the users.
    pub rooms: Option<Rect>,
    pub users: Option<Rect>,
    pub status: Rect,
    pub input: Rect,
}

pub fn areas(app: &App) -> Areas {
    let (width, height) = app.size;
    let main = height.saturating_sub(2);
    let row = |y: u16| Rect::new(0, y.min(height.saturating_sub(1)), width, height.min(1));
    let panel = app.users.is_some() && width >= PANEL_FROM;
    let side = if panel { PANEL } else { 0 };
    let listed = if panel && app.caps.rooms {
        // The title, then a row per room.
        (app.rooms.list.len() as u16 + 1).min(main / 2)
    } else {
        0
    };
    Areas {
        messages: Rect::new(0, 0, width - side, main),
        rooms: (listed > 0).then(|| Rect::new(width - side, 0, side, listed)),
        users: panel.then(|| Rect::new(width - side, listed, side, main - listed)),
        status: row(main),
        input: row(main + 1),
    }
}

pub fn message_width(app: &App) -> u16 {
    areas(app).messages.width
}

pub fn message_height(app: &App) -> u16 {
    areas(app).messages.height
}
