//! The chat's room verbs: join, part, kick from a room, set a topic, list rooms and their
//! members, and the operator's `say` in a room. Each does its work in [`super::Rooms`], tells
//! the members what happened once no lock is held, and tells the store of a room made or a
//! topic changed.

use super::message::{Delivery, Kind, SERVER_NAME};
use super::room::{RoomError, RoomInfo, Who, LOBBY};
use super::rooms::Tell;
use super::store::RoomRecord;
use super::user::User;
use super::{Audience, Chat, Outcome};
use std::sync::Arc;

/// Tells each what it is to hear.
fn tell(told: impl IntoIterator<Item = Tell>) {
    for Tell { to, event } in told {
        for user in to {
            user.notify(&event);
        }
    }
}

impl Chat {
    /// The rooms, for what the verbs do not cover (tests, leak checks).
    pub fn room_table(&self) -> &super::Rooms {
        &self.rooms
    }

    /// Whether `name` is claimed with a password.
    fn is_claimed(&self, name: &str) -> bool {
        self.accounts.read().contains_key(name)
    }

    /// `user` joins `room`, which is made (with `user` its operator) when there is none; the
    /// other members hear it. Joining the lobby, or a room one is in, does nothing.
    pub fn join_room(&self, user: &Arc<User>, room: &str) -> Result<(), RoomError> {
        if room == LOBBY {
            return Ok(());
        }
        let joined = self.rooms.join(user, room)?;
        if let (Some(store), Some(evicted)) = (&self.store, &joined.evicted) {
            store.drop_room(evicted);
        }
        if joined.created {
            self.keep_room(room);
        }
        self.publish_told(&joined.tell);
        tell(joined.tell);
        Ok(())
    }

    /// `user` leaves `room`; the other members hear it.
    pub fn part_room(&self, user: &User, room: &str) -> Result<(), RoomError> {
        let told = self.rooms.part(user, room)?;
        self.publish_told(&told);
        tell(told);
        Ok(())
    }

    /// The operator of `room` (`by`; `None`: the server's operator) removes `name` from it.
    pub fn kick_from_room(
        &self,
        by: Option<&User>,
        name: &str,
        room: &str,
        reason: &str,
    ) -> Result<(), RoomError> {
        let told = self
            .rooms
            .kick(by, name, room, reason, |n| self.is_claimed(n))?;
        self.publish_told(&told);
        tell(told);
        Ok(())
    }

    /// `by` (`None`: the server's operator) sets the topic of `room`; returns it as kept.
    pub fn set_topic(
        &self,
        by: Option<&User>,
        room: &str,
        text: &str,
    ) -> Result<String, RoomError> {
        if room == LOBBY {
            return Err(RoomError::NotOperator);
        }
        let (topic, told) = self
            .rooms
            .set_topic(by, room, text, |n| self.is_claimed(n))?;
        self.keep_room(room);
        self.publish_told([&told]);
        tell([told]);
        Ok(topic)
    }

    /// Tells the store of `room` as it is now (made, or its topic changed).
    pub(super) fn keep_room(&self, room: &str) {
        let (Some(store), Some((topic, operator))) = (&self.store, self.rooms.kept(room)) else {
            return;
        };
        store.save_room(RoomRecord {
            name: room.to_string(),
            topic,
            operator,
        });
    }

    /// Every room, the lobby first (with everyone online in it), the others by name.
    pub fn rooms(&self) -> Vec<RoomInfo> {
        let lobby = RoomInfo {
            name: LOBBY.to_string(),
            members: self.registry.list().len(),
            topic: String::new(),
        };
        std::iter::once(lobby).chain(self.rooms.list()).collect()
    }

    /// Who is in `room`.
    pub fn who(&self, room: &str) -> Result<Who, RoomError> {
        if room == LOBBY {
            return Ok(Who {
                name: LOBBY.to_string(),
                operator: None,
                topic: String::new(),
                members: self.names(),
            });
        }
        self.who_everywhere(room)
    }

    /// The rooms `user` is in, in the order it joined them (the lobby not among them).
    pub fn rooms_of(&self, user: &User) -> Vec<String> {
        self.rooms.rooms_of(user)
    }

    /// Whether `user` is in `room` (everyone is in the lobby).
    pub fn is_member(&self, user: &User, room: &str) -> bool {
        room == LOBBY || self.rooms_of(user).iter().any(|r| r == room)
    }

    /// Sends the operator's `text` to the members of `room` (the lobby: everyone), from
    /// [`SERVER_NAME`], and waits for their acks.
    pub fn say_in(&self, room: &str, text: &str) -> Result<Outcome, RoomError> {
        if room == LOBBY {
            return Ok(self.say(text));
        }
        let targets = self.rooms.audience(None, room, true)?;
        let body = text.as_bytes().to_vec();
        let delivery =
            Delivery::new(self.next_id(), SERVER_NAME, body, Kind::Server, false).in_room(room);
        self.remember(&delivery, Some(room));
        let audience = Audience::Room {
            room: room.to_string(),
            except: SERVER_NAME.to_string(),
        };
        Ok(self.hand_and_wait(targets, audience, &delivery))
    }
}
