//! The full-screen client's model: a pure state machine. A key (or mouse, paste, resize)
//! changes it and may ask for an [`Action`]; a [`SessionEvent`] changes it. `render` draws it
//! and nothing else reads the terminal, so every state can be built and checked in a test.
//!
//! Lines go to the session in the phase [`Phase::Chat`] only, and there each sent line is
//! numbered as the session numbers it ([`LineId`]), so the delivery outcome of a message
//! finds the entry to mark. In [`Phase::Login`] the connect box's three fields (server,
//! name, and the password of a claimed name, shown as `•`s) are edited (Tab, Shift-Tab, Up
//! and Down move between them) and Enter hands them to registration at once; until the next
//! question (or the registration) nothing more is sent. `/register` opens a box of its own
//! for the new password ([`PasswordBox`]); neither password ever reaches the input line's
//! history or the screen.
//!
//! What each key does is in the child module `keys`; the history pane, stored messages and
//! claims (Part 5) are in the child module `past`; the rooms (Part 8) in `rooms`; here are
//! the state and the other session events. The message pane shows the room in view: an
//! entry's place (`entry::Place`) says which views show it.

use super::entry::{Delivery, Entry, What};
use super::layout;
use super::password::PasswordBox;
use crate::history::Page;
use crate::output::{gone_line, malformed_line, retry_line, users_line};
use crate::push::Push;
use crate::secret::Secret;
use crate::view::{Ask, Caps, LineId, SessionEvent};
use crate::words::{unsupported, Feature};

/// The most entries kept; older ones are dropped.
const KEEP: usize = 5000;

/// What the client is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Connecting, registering or just disconnected: input waits.
    Busy,
    /// Registration asks for the server and name: the connect box, its cursor in this field.
    Login(Ask),
    /// Registered: lines are messages and commands.
    Chat,
}

/// What the caller must do after a key or event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    None,
    /// Hand this line to the session.
    Send(String),
    /// Hand the connect box's answers to registration: the server, the name, and the
    /// password (none when the field is empty).
    Login {
        server: String,
        name: String,
        password: Option<Secret>,
    },
    /// Claim our name with this password (`/register`).
    SetPassword(Secret),
    /// Ask the session for this page of history, for the pane.
    History(Page),
    /// Each of these, in order.
    Batch(Vec<Action>),
    /// Leave in order: end the session's input, and stop once it has ended.
    Quit,
    /// Stop now.
    Exit,
}

/// The whole state of the screen.
pub struct App {
    pub phase: Phase,
    /// False before the first registration and after the server went away.
    pub connected: bool,
    /// The server tried now, while moving to the next server of the chat after a loss.
    pub reconnecting: Option<String>,
    pub server: Option<String>,
    pub me: Option<String>,
    /// What the server lets the session do.
    pub caps: Caps,
    /// The port a typed address without one gets (the protocol's).
    pub default_port: u16,
    pub entries: Vec<Entry>,
    /// Who is online, sorted; `None` when the server cannot tell us.
    pub users: Option<Vec<String>>,
    pub editor: super::editor::Editor,
    /// The last setup failure, shown in the login box.
    pub login_error: Option<String>,
    /// Registration is under way: the login box shows (from the first question on).
    pub logging_in: bool,
    /// The connect box's fields: the server, the name and the password (the focused one is
    /// edited in `editor` and copied back here when the focus moves or Enter is pressed).
    pub answers: [String; 3],
    /// `/register`'s box, while it is open.
    pub password_box: Option<PasswordBox>,
    /// What the pane holds of the server's history.
    pub past: Past,
    /// How far the view is scrolled back, in screen lines from the bottom.
    pub scroll: usize,
    /// Entries that arrived while scrolled back.
    pub unseen: usize,
    pub help: bool,
    pub quitting: bool,
    /// The lobby and the rooms we are in, and the one in view.
    pub rooms: Rooms,
    /// The room a typed `/join` asked for: shown once joined.
    joining: Option<String>,
    /// The rooms of `/who`s typed and not answered yet (the full screen's own, asked on
    /// showing a room, are not shown).
    typed_who: Vec<String>,
    /// The terminal's size.
    pub size: (u16, u16),
    /// The local time as `HH:MM` (a fixed one in tests).
    pub clock: fn() -> String,
    next_line: LineId,
    /// `/users` typed and not answered yet (the list fetched at login is not shown).
    typed_users: usize,
}

fn local_clock() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}

impl App {
    pub fn new(size: (u16, u16)) -> App {
        App {
            phase: Phase::Busy,
            connected: false,
            reconnecting: None,
            server: None,
            me: None,
            caps: Caps::default(),
            default_port: 4334,
            entries: Vec::new(),
            users: None,
            editor: Default::default(),
            login_error: None,
            logging_in: false,
            answers: Default::default(),
            password_box: None,
            past: Past::default(),
            scroll: 0,
            unseen: 0,
            help: false,
            quitting: false,
            rooms: Rooms::default(),
            joining: None,
            typed_who: Vec::new(),
            size,
            clock: local_clock,
            next_line: 0,
            typed_users: 0,
        }
    }

    /// Adds an entry stamped now (or at `time`), keeping a scrolled-back view where it is.
    pub fn push(&mut self, time: Option<String>, what: What) {
        let entry = Entry {
            time: time.unwrap_or_else(self.clock),
            what,
            away: false,
        };
        self.push_entry(entry);
    }

    /// Adds `entry` at the bottom, keeping a scrolled-back view where it is.
    pub fn push_entry(&mut self, entry: Entry) {
        self.rooms.arrived(&entry);
        if self.scroll > 0 && entry.shows_in(self.rooms.in_view()) {
            let width = layout::message_width(self);
            self.scroll += super::lines::lines(&entry, width, self.me.as_deref()).len();
            self.unseen += 1;
        }
        self.entries.push(entry);
        if self.entries.len() > KEEP {
            let dropped = self.entries.len() - KEEP;
            self.entries.drain(..dropped);
            self.past.at = self.past.at.saturating_sub(dropped);
            // What was older is gone; the server still has it.
            self.past.done = false;
            // Only a view scrolled back can now point past the oldest line; at the bottom
            // there is nothing to clamp, and wrapping every entry again per message would
            // cost thousands of wraps each time once the history is full.
            if self.scroll > 0 {
                self.scroll = self.scroll.min(self.max_scroll());
            }
        }
    }

    fn note(&mut self, what: What) {
        self.push(None, what);
    }

    /// The most the view can scroll back.
    pub fn max_scroll(&self) -> usize {
        let width = layout::message_width(self);
        let view = self.rooms.in_view();
        let total: usize = (self.entries.iter())
            .filter(|e| e.shows_in(view))
            .map(|e| super::lines::lines(e, width, self.me.as_deref()).len())
            .sum();
        total.saturating_sub(usize::from(layout::message_height(self)))
    }

    pub fn scroll_by(&mut self, up: isize) {
        let to = self.scroll.saturating_add_signed(up);
        self.scroll = to.min(self.max_scroll());
        if self.scroll == 0 {
            self.unseen = 0;
        }
    }

    /// Scrolls back `up` lines; from the top, asks for older history when there is some.
    pub fn scroll_up(&mut self, up: usize) -> Action {
        let at_top = self.scroll >= self.max_scroll();
        self.scroll_by(isize::try_from(up).unwrap_or(isize::MAX));
        if at_top {
            return self.older(None);
        }
        Action::None
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// Shows what the session or registration reports; may ask for an action.
    pub fn on_session(&mut self, event: SessionEvent) -> Action {
        match event {
            // The full-screen client's registration asks with the form; a single question
            // is shown in it too, the other field as it was.
            SessionEvent::Ask { what, default } => {
                if let Some(value) = default {
                    self.answers[what as usize] = value;
                }
                self.login(what);
            }
            SessionEvent::AskLogin {
                server,
                name,
                password,
                focus,
            } => {
                let password = password.map(|p| p.expose().to_string());
                self.answers = [server, name, password.unwrap_or_default()];
                self.login(focus);
            }
            // The full screen asks with its own box, and never sends `/register` as a line.
            SessionEvent::AskNewPassword { .. } => {}
            SessionEvent::SetupFailed(text) => {
                self.login_error = Some(text.clone());
                self.note(What::Error(text));
            }
            SessionEvent::Registered { name, server, caps } => {
                return self.registered(name, server, caps)
            }
            SessionEvent::Incoming { from, body, meta } => self.incoming(&from, &body, &meta),
            SessionEvent::Malformed { what } => self.note(What::Error(malformed_line(&what))),
            SessionEvent::Outcome { line, outcome, .. } => self.settle(line, outcome),
            SessionEvent::Users(names) => {
                self.users = Some(sorted(names.clone()));
                if self.typed_users > 0 {
                    self.typed_users -= 1;
                    self.note(What::Info(users_line(&names)));
                }
            }
            SessionEvent::UsersFailed(text) => {
                self.typed_users = self.typed_users.saturating_sub(1);
                self.note(What::Error(text));
            }
            SessionEvent::Pushed(push) => self.pushed(push),
            event @ (SessionEvent::RoomJoined(_)
            | SessionEvent::RoomParted(_)
            | SessionEvent::Rooms(_)
            | SessionEvent::Who { .. }
            | SessionEvent::TopicSet { .. }
            | SessionEvent::RoomFailed(_)) => return self.on_room(event),
            SessionEvent::Hint(text) => self.note(What::Error(text)),
            SessionEvent::Help => self.help = true,
            SessionEvent::Unsupported(feature) => {
                if feature == Feature::Users {
                    self.typed_users = self.typed_users.saturating_sub(1);
                }
                self.note(What::Error(unsupported(feature).into()));
            }
            SessionEvent::ServerSaid(text) => self.note(What::Error(text)),
            SessionEvent::Gone(error) => self.gone(error),
            SessionEvent::Reconnecting { server } => self.reconnecting = Some(server),
            SessionEvent::Retrying { after } => {
                self.reconnecting = None; // waiting, not trying
                self.note(What::Info(retry_line(after)));
            }
            SessionEvent::Delivered { to, id, text } => self.delivered(&to, id, text.as_deref()),
            SessionEvent::Claimed { name, claimed } => self.claimed(&name, claimed),
            SessionEvent::ClaimFailed(text) => self.note(What::Error(text)),
            SessionEvent::History {
                page,
                entries,
                oldest,
                complete,
            } => return self.paged(page, &entries, oldest, complete),
            SessionEvent::HistoryFailed { why, .. } => {
                self.past.loading = false;
                self.note(What::Error(why));
            }
        }
        Action::None
    }

    /// Shows the connect box, the cursor in `focus` (the field's value to edit).
    fn login(&mut self, focus: Ask) {
        self.phase = Phase::Login(focus);
        self.reconnecting = None;
        self.logging_in = true;
        let value = self.answers[focus as usize].clone();
        self.editor.set(&value);
    }

    fn registered(&mut self, name: String, server: String, caps: Caps) -> Action {
        let again = self.me.is_some();
        // The connect box's field goes; a line typed while reconnecting stays, to send.
        if matches!(self.phase, Phase::Login(_)) {
            self.editor.set("");
        }
        self.phase = Phase::Chat;
        self.connected = true;
        self.reconnecting = None;
        self.login_error = None;
        self.logging_in = false;
        self.next_line = 0;
        self.typed_users = 0;
        self.typed_who.clear();
        self.rooms_on_connect();
        self.users = caps.events.then(|| vec![name.clone()]);
        let usage = match (caps.seed, caps.direct) {
            (false, _) => "type @name message, @ALL message, or F1 for help",
            (true, true) => "type a message for everyone, @name message for one, or F1 for help",
            (true, false) => "type a message for everyone, or F1 for help",
        };
        self.past.at = self.entries.len();
        self.past.loading = false;
        let note = if again {
            format!("reconnected to {server} as {name}")
        } else {
            format!("connected to {server} as {name}: {usage}")
        };
        self.note(What::Info(note));
        self.answers[0] = server.clone();
        self.answers[1] = name.clone();
        self.me = Some(name);
        self.server = Some(server);
        self.caps = caps;
        let mut actions = Vec::new();
        if caps.users {
            actions.push(self.send("/users".into()));
        }
        if caps.history {
            actions.push(self.history_on_connect());
        }
        match actions.len() {
            0 => Action::None,
            1 => actions.remove(0),
            _ => Action::Batch(actions),
        }
    }

    fn pushed(&mut self, push: Push) {
        if push.room().is_some() {
            return self.room_pushed(push);
        }
        self.rooms.pushed(&push);
        let users = self.users.get_or_insert_with(Vec::new);
        match &push {
            Push::Joined(name) => {
                if let Err(at) = users.binary_search(name) {
                    users.insert(at, name.clone());
                }
            }
            Push::Left { name, .. } | Push::Kicked { name, .. } => users.retain(|n| n != name),
            _ => return,
        }
        self.note(What::Room(push));
    }

    fn gone(&mut self, error: Option<String>) {
        self.phase = Phase::Busy;
        self.connected = false;
        self.users = None;
        self.password_box = None;
        self.past.loading = false;
        for entry in &mut self.entries {
            if let What::Mine { delivery, .. } = &mut entry.what {
                if *delivery == Delivery::Pending {
                    *delivery = Delivery::Failed("connection lost".into());
                }
            }
        }
        let text = gone_line(error.as_deref());
        self.login_error = Some(text.clone());
        self.note(What::Error(text));
    }

    /// A line for the session, numbered as the session will number it.
    pub(super) fn send(&mut self, line: String) -> Action {
        self.next_line += 1;
        Action::Send(line)
    }
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    names
}

#[path = "keys.rs"]
mod keys;

#[path = "past.rs"]
mod past;

#[path = "rooms.rs"]
mod rooms;

pub use past::Past;
pub use rooms::Rooms;

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
