//! Rooms (Part 8) in the model: the list the side panel shows (the lobby first, then the
//! rooms we joined, in the order joined), which one is in view, how many messages each has
//! that were not seen, and what is known of each (its members, operator and topic, from
//! `WHO` and kept current by its joins, leaves and kicks).
//!
//! Switching to a room (Alt-1..9, Ctrl-N, Ctrl-P, or joining it) clears its unread count and
//! asks who is in it; the pane then shows that room's messages (see `entry::Place`).

use super::{Action, App, What};
use crate::push::Push;
use crate::room_lines::{
    joined_line, parted_line, room_push_line, rooms_block, topic_set_line, who_line,
};
use crate::tui::entry::{Entry, Place};
use crate::view::SessionEvent;
use chat::wire::rooms::{is_lobby, LOBBY};
use chat::wire::RoomInfo;

/// One room of the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Room {
    pub name: String,
    /// Messages that came while another room was in view.
    pub unread: usize,
    pub topic: Option<String>,
    pub operator: Option<String>,
    /// Who is in it, sorted; `None` until the server said.
    pub members: Option<Vec<String>>,
}

impl Room {
    fn new(name: &str) -> Room {
        Room {
            name: name.to_string(),
            ..Room::default()
        }
    }
}

/// The lobby and the rooms we are in; `view` is the index of the one shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rooms {
    pub list: Vec<Room>,
    pub view: usize,
    /// Every room name heard of (`/rooms`, joins), for Tab.
    pub known: Vec<String>,
}

impl Default for Rooms {
    fn default() -> Rooms {
        Rooms {
            list: vec![Room::new(LOBBY)],
            view: 0,
            known: Vec::new(),
        }
    }
}

impl Rooms {
    /// The room in view, `None` for the lobby.
    pub fn in_view(&self) -> Option<&str> {
        Some(self.list[self.view].name.as_str()).filter(|r| !is_lobby(r))
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|r| r.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Room> {
        self.list.iter_mut().find(|r| r.name == name)
    }

    /// Heard of `name`: Tab offers it.
    fn heard(&mut self, name: &str) {
        if let Err(at) = self.known.binary_search_by(|k| k.as_str().cmp(name)) {
            self.known.insert(at, name.to_string());
        }
    }

    /// We are in `name`: its index, added at the end when new.
    pub fn joined(&mut self, name: &str) -> usize {
        self.heard(name);
        match self.index(name) {
            Some(i) => i,
            None => {
                self.list.push(Room::new(name));
                self.list.len() - 1
            }
        }
    }

    /// We left `name` (never the lobby); a view of it goes back to the lobby.
    pub fn parted(&mut self, name: &str) {
        let Some(i) = self.index(name).filter(|i| *i > 0) else {
            return;
        };
        self.list.remove(i);
        if self.view == i {
            self.view = 0;
        } else if self.view > i {
            self.view -= 1;
        }
    }

    /// Shows room `i` (when there is one): true when the view changed.
    pub fn switch(&mut self, i: usize) -> bool {
        if i >= self.list.len() || i == self.view {
            return false;
        }
        self.view = i;
        self.list[i].unread = 0;
        true
    }

    /// The index `step` rooms after (or before) the one in view, round the list.
    pub fn step(&self, step: isize) -> usize {
        let len = self.list.len() as isize;
        (self.view as isize + step).rem_euclid(len) as usize
    }

    /// An entry arrived: a message for a room not in view is one more unread there.
    pub fn arrived(&mut self, entry: &Entry) {
        if !entry.what.is_message() {
            return;
        }
        let room = match entry.place() {
            Place::Room(r) => r.to_string(),
            Place::Lobby => LOBBY.to_string(),
            Place::Everywhere => return,
        };
        let view = self.view;
        if let Some(i) = self.index(&room).filter(|i| *i != view) {
            self.list[i].unread += 1;
        }
    }

    /// A room's event changes who is in it, or its topic.
    pub fn pushed(&mut self, push: &Push) {
        let remove = |room: &mut Room, name: &str| {
            if let Some(members) = &mut room.members {
                members.retain(|n| n != name);
            }
        };
        match push {
            Push::RoomJoined { room, name } => {
                if let Some(members) = self.get_mut(room).and_then(|r| r.members.as_mut()) {
                    if let Err(at) = members.binary_search(name) {
                        members.insert(at, name.clone());
                    }
                }
            }
            Push::RoomLeft { room, name, .. } | Push::RoomKicked { room, name, .. } => {
                if let Some(room) = self.get_mut(room) {
                    remove(room, name);
                }
            }
            Push::Topic { room, topic, .. } => {
                if let Some(room) = self.get_mut(room) {
                    room.topic = topic.clone();
                }
            }
            // Who leaves the chat leaves its rooms.
            Push::Left { name, .. } | Push::Kicked { name, .. } => {
                for room in &mut self.list[1..] {
                    remove(room, name);
                }
            }
            Push::Joined(_) | Push::Bye => {}
        }
    }
}

impl App {
    /// What the session says of the rooms.
    pub(super) fn on_room(&mut self, event: SessionEvent) -> Action {
        match event {
            SessionEvent::RoomJoined(room) => return self.room_joined(&room),
            SessionEvent::RoomParted(room) => self.room_parted(&room),
            SessionEvent::Rooms(rooms) => self.rooms_listed(&rooms),
            SessionEvent::Who {
                room,
                operator,
                topic,
                names,
            } => self.who(&room, operator, topic, names),
            SessionEvent::TopicSet { room, topic } => self.topic_set(&room, &topic),
            SessionEvent::RoomFailed(text) => {
                self.joining = None;
                self.note(What::Error(text));
            }
            other => log::debug!("not the rooms': {other:?}"),
        }
        Action::None
    }

    /// Registered (again): the session joins our rooms again, and the one in view is shown
    /// again once it has.
    pub(super) fn rooms_on_connect(&mut self) {
        self.joining = self.rooms.in_view().map(str::to_string);
        self.rooms = Rooms {
            known: std::mem::take(&mut self.rooms.known),
            ..Rooms::default()
        };
    }

    /// Shows room `i` of the list; asks who is in it.
    pub(super) fn show_room(&mut self, i: usize) -> Action {
        if !self.rooms.switch(i) {
            return Action::None;
        }
        self.scroll = 0;
        self.unseen = 0;
        self.who_quietly()
    }

    /// Asks who is in the room in view, without a note for the answer.
    fn who_quietly(&mut self) -> Action {
        match self.rooms.in_view() {
            Some(room) => {
                let line = format!("/who {room}");
                self.send(line)
            }
            None => Action::None,
        }
    }

    /// Our join is done: the room is listed, and shown when it was typed.
    pub(super) fn room_joined(&mut self, room: &str) -> Action {
        self.note(What::Info(joined_line(room)));
        let i = self.rooms.joined(room);
        if self.joining.as_deref() == Some(room) {
            self.joining = None;
            return self.show_room(i);
        }
        Action::None
    }

    pub(super) fn room_parted(&mut self, room: &str) {
        self.rooms.parted(room);
        self.note(What::Info(parted_line(room)));
    }

    pub(super) fn rooms_listed(&mut self, rooms: &[RoomInfo]) {
        for room in rooms {
            self.rooms.heard(&room.room);
        }
        self.note(What::Info(rooms_block(rooms)));
    }

    /// Who is in `room`: kept for the panel, and said when `/who` was typed.
    pub(super) fn who(
        &mut self,
        room: &str,
        operator: Option<String>,
        topic: Option<String>,
        names: Vec<String>,
    ) {
        if let Some(i) = self.typed_who.iter().position(|r| r == room) {
            self.typed_who.remove(i);
            let line = who_line(room, operator.as_deref(), topic.as_deref(), &names);
            self.note(What::Info(line));
        }
        if let Some(known) = self.rooms.get_mut(room) {
            let mut names = names;
            names.sort();
            known.members = Some(names);
            known.operator = operator;
            known.topic = topic;
        }
    }

    pub(super) fn topic_set(&mut self, room: &str, topic: &str) {
        if let Some(known) = self.rooms.get_mut(room) {
            known.topic = Some(topic.to_string()).filter(|t| !t.is_empty());
        }
        self.note(What::Info(topic_set_line(room, topic)));
    }

    /// A room's event: its members and topic follow; a kick naming us takes it off the list.
    pub(super) fn room_pushed(&mut self, push: Push) {
        self.rooms.pushed(&push);
        if let Push::RoomKicked { room, name, .. } = &push {
            if self.me.as_ref() == Some(name) {
                // The room's pane goes with it: this is said everywhere.
                self.rooms.parted(room);
                let me = name.clone();
                if let Some(line) = room_push_line(&push, &me) {
                    self.note(What::Error(line.trim_start_matches("*** ").to_string()));
                }
                return;
            }
        }
        self.note(What::Room(push));
    }
}

#[cfg(test)]
#[path = "rooms_tests.rs"]
mod tests;
