//! Where things go on the screen, shared by the model (which must know how many lines a
//! page is, and how wide the message pane, to scroll) and by `render`:
//!
//! ```text
//! messages …                                  │ Users (2)
//!                                             │ alice
//!                                             │ bob
//!  alice on 127.0.0.1:4334 · connected        F1 help   <- status line
//! alice> typed text_                                     <- input line
//! ```
//!
//! The users panel is shown when the server tells who is online and the terminal is at least
//! [`PANEL_FROM`] columns wide.

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
    Areas {
        messages: Rect::new(0, 0, width - side, main),
        users: panel.then(|| Rect::new(width - side, 0, side, main)),
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
