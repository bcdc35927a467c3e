//! The rooms of the chat ([`Rooms`]): which user is in which room, and what joining,
//! parting, kicking and setting a topic change and tell whom. The lobby is not in the table:
//! everyone is in it (the chat's service answers for it).
//!
//! Locks, always in this order and never around a call to a link: a user's list of rooms,
//! then the table, then one room. Nothing here tells anyone anything: each verb returns what
//! to tell whom ([`Tell`]), and the caller tells them once every lock is released.

use super::event::{Event, PartReason};
use super::room::{clean_topic, is_valid_room, RoomError, RoomInfo, RoomLimits, Who, LOBBY};
use super::user::User;
use parking_lot::{Mutex, RwLock};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// One room.
pub struct Room {
    pub(crate) name: String,
    pub(crate) state: Mutex<RoomState>,
}

pub(crate) struct RoomState {
    pub(crate) topic: String,
    /// The operator's name, and the session (user id) that created the room, 0 for a room
    /// read from the store: an unclaimed name is operator only in the session that created it.
    pub(crate) operator: Option<(String, u64)>,
    /// By name, so that a member list is sorted.
    pub(crate) members: BTreeMap<String, Arc<User>>,
    /// Taken out of the table (it emptied): a join that found it looks again.
    pub(crate) closed: bool,
    /// When its last member left (a kept room); `None` while it has members.
    pub(crate) emptied: Option<Instant>,
}

impl Room {
    pub(crate) fn new(name: &str, topic: String, operator: Option<(String, u64)>) -> Room {
        Room {
            name: name.to_string(),
            state: Mutex::new(RoomState {
                topic,
                operator,
                members: BTreeMap::new(),
                closed: false,
                emptied: Some(Instant::now()),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl RoomState {
    /// Whether `user` is a member (this session of the name, not an earlier one).
    pub(crate) fn has(&self, user: &User) -> bool {
        self.members
            .get(user.name())
            .is_some_and(|m| m.id == user.id)
    }

    /// Whether `user` may set the topic and kick; `claimed` says whether a name is claimed.
    pub(crate) fn is_operator(&self, user: &User, claimed: impl Fn(&str) -> bool) -> bool {
        match &self.operator {
            Some((name, session)) if name == user.name() => *session == user.id || claimed(name),
            _ => false,
        }
    }

    /// The members but `except`.
    pub(crate) fn others(&self, except: Option<&User>) -> Vec<Arc<User>> {
        self.members
            .values()
            .filter(|m| except.is_none_or(|e| e.id != m.id))
            .cloned()
            .collect()
    }
}

/// An event, and who is to hear it.
pub(crate) struct Tell {
    pub(crate) to: Vec<Arc<User>>,
    pub(crate) event: Event,
}

/// The rooms.
pub struct Rooms {
    table: RwLock<BTreeMap<String, Arc<Room>>>,
    limits: RoomLimits,
    /// Rooms stay when their last member leaves (the store keeps them).
    keep: bool,
}

/// What a join did.
pub(crate) struct Joined {
    /// The room was made by this join (its maker is its operator).
    pub(crate) created: bool,
    /// The empty room forgotten to make room for it, at the limit.
    pub(crate) evicted: Option<String>,
    pub(crate) tell: Option<Tell>,
}

impl Rooms {
    pub fn new(limits: RoomLimits, keep: bool) -> Rooms {
        Rooms {
            table: RwLock::new(BTreeMap::new()),
            limits,
            keep,
        }
    }

    pub fn limits(&self) -> RoomLimits {
        self.limits
    }

    /// Puts back a room the store kept, empty, with its topic and operator.
    pub(crate) fn restore(&self, name: &str, topic: String, operator: Option<String>) {
        if is_valid_room(name) && name != LOBBY {
            let room = Room::new(name, topic, operator.map(|o| (o, 0)));
            self.table.write().insert(name.to_string(), Arc::new(room));
        }
    }

    /// `user` joins `name`, which is made when it does not exist. Joining a room one is in
    /// already does nothing.
    pub(crate) fn join(&self, user: &Arc<User>, name: &str) -> Result<Joined, RoomError> {
        if !is_valid_room(name) {
            return Err(RoomError::BadName);
        }
        let mut mine = user.rooms.lock();
        // A user that has left takes no room with it (its rooms were emptied as it left).
        if !user.is_complete() {
            return Err(RoomError::NotInRoom);
        }
        if mine.iter().any(|r| r == name) {
            return Ok(Joined {
                created: false,
                evicted: None,
                tell: None,
            });
        }
        if mine.len() >= self.limits.per_user {
            return Err(RoomError::TooManyRooms);
        }
        let (created, evicted, tell) = loop {
            let (room, created, evicted) = self.find_or_make(user, name)?;
            let mut st = room.state.lock();
            if st.closed {
                continue; // it emptied and went between the lookup and now
            }
            if st.members.len() >= self.limits.members {
                return Err(RoomError::RoomFull);
            }
            st.members.insert(user.name().to_string(), user.clone());
            st.emptied = None;
            let tell = (st.members.len() <= self.limits.announce).then(|| Tell {
                to: st.others(Some(user)),
                event: Event::RoomJoin {
                    room: name.to_string(),
                    name: user.name().to_string(),
                },
            });
            break (created, evicted, tell);
        };
        mine.push(name.to_string());
        Ok(Joined {
            created,
            evicted,
            tell,
        })
    }

    /// The room called `name`, made (with `user` its operator) when there is none: at the
    /// limit, the room empty the longest is forgotten to make room (its name is returned),
    /// so that kept empty rooms can never fill the server.
    fn find_or_make(
        &self,
        user: &User,
        name: &str,
    ) -> Result<(Arc<Room>, bool, Option<String>), RoomError> {
        if let Some(room) = self.table.read().get(name) {
            return Ok((room.clone(), false, None));
        }
        let mut table = self.table.write();
        if let Some(room) = table.get(name) {
            return Ok((room.clone(), false, None));
        }
        let mut evicted = None;
        if table.len() >= self.limits.rooms {
            let oldest = table
                .values()
                .filter_map(|r| r.state.lock().emptied.map(|at| (at, r.clone())))
                .min_by_key(|(at, _)| *at);
            let Some((_, room)) = oldest else {
                return Err(RoomError::RoomLimit);
            };
            room.state.lock().closed = true;
            table.remove(&room.name);
            evicted = Some(room.name.clone());
        }
        let operator = Some((user.name().to_string(), user.id));
        let room = Arc::new(Room::new(name, String::new(), operator));
        table.insert(name.to_string(), room.clone());
        Ok((room, true, evicted))
    }

    fn get(&self, name: &str) -> Result<Arc<Room>, RoomError> {
        if !is_valid_room(name) {
            return Err(RoomError::BadName);
        }
        self.table
            .read()
            .get(name)
            .cloned()
            .ok_or(RoomError::NoSuchRoom)
    }

    /// `user` leaves `name`.
    pub(crate) fn part(&self, user: &User, name: &str) -> Result<Option<Tell>, RoomError> {
        if name == LOBBY {
            return Err(RoomError::Lobby);
        }
        let mut mine = user.rooms.lock();
        let room = self.get(name)?;
        if !mine.iter().any(|r| r == name) {
            return Err(RoomError::NotInRoom);
        }
        mine.retain(|r| r != name);
        Ok(self.remove(&room, user, Some(PartReason::Part), None))
    }

    /// Takes `user` out of `room`; the leave to tell the members left but `except`, when the
    /// room is small enough to announce it (a kick is always told). `except` is `None` and
    /// `reason` `None` when nobody is to be told (the user left the chat).
    fn remove(
        &self,
        room: &Arc<Room>,
        user: &User,
        reason: Option<PartReason>,
        except: Option<&User>,
    ) -> Option<Tell> {
        let mut st = room.state.lock();
        let size = st.members.len();
        if !st.has(user) {
            return None;
        }
        st.members.remove(user.name());
        let empty = st.members.is_empty();
        if empty {
            st.emptied = Some(Instant::now());
        }
        let told = |reason| reason == PartReason::Kicked || size <= self.limits.announce;
        let tell = reason.filter(|r| told(*r)).map(|reason| Tell {
            to: st.others(except),
            event: Event::RoomLeave {
                room: room.name.clone(),
                name: user.name().to_string(),
                reason,
            },
        });
        drop(st);
        if empty && !self.keep {
            self.close_if_empty(room);
        }
        tell
    }

    /// Takes an empty room out of the table (unless a join got in first).
    fn close_if_empty(&self, room: &Arc<Room>) {
        let mut table = self.table.write();
        let mut st = room.state.lock();
        if st.members.is_empty() && !st.closed {
            st.closed = true;
            table.remove(&room.name);
        }
    }

    /// The operator `by` (`None`: the server's operator) removes `name` from `room`. Every
    /// member but `by` hears the kick (the kicked one too), then the members left but `by`
    /// hear the leave (`by` has its answer).
    pub(crate) fn kick(
        &self,
        by: Option<&User>,
        name: &str,
        room_name: &str,
        reason: &str,
        claimed: impl Fn(&str) -> bool,
    ) -> Result<Vec<Tell>, RoomError> {
        if room_name == LOBBY {
            return Err(RoomError::NotOperator);
        }
        let room = self.get(room_name)?;
        let target = {
            let st = room.state.lock();
            if let Some(by) = by {
                if !st.has(by) {
                    return Err(RoomError::NotInRoom);
                }
                if !st.is_operator(by, claimed) {
                    return Err(RoomError::NotOperator);
                }
            }
            let target = st.members.get(name).cloned().ok_or(RoomError::NotInRoom)?;
            let kick = Tell {
                to: st.others(by),
                event: Event::RoomKick {
                    room: room.name.clone(),
                    name: name.to_string(),
                    by: by.map_or(super::SERVER_NAME, User::name).to_string(),
                    reason: reason.to_string(),
                },
            };
            (target, kick)
        };
        let (target, kick) = target;
        let mut theirs = target.rooms.lock();
        theirs.retain(|r| r != room_name);
        let leave = self.remove(&room, &target, Some(PartReason::Kicked), by);
        drop(theirs);
        Ok([Some(kick), leave].into_iter().flatten().collect())
    }

    /// `by` (`None`: the server's operator) sets the topic of `room_name`; returns it as kept
    /// and what the other members are told.
    pub(crate) fn set_topic(
        &self,
        by: Option<&User>,
        room_name: &str,
        text: &str,
        claimed: impl Fn(&str) -> bool,
    ) -> Result<(String, Tell), RoomError> {
        let room = self.get(room_name)?;
        let topic = clean_topic(text)?;
        let mut st = room.state.lock();
        if let Some(by) = by {
            if !st.has(by) {
                return Err(RoomError::NotInRoom);
            }
            if !st.is_operator(by, claimed) {
                return Err(RoomError::NotOperator);
            }
        }
        st.topic = topic.clone();
        let tell = Tell {
            to: st.others(by),
            event: Event::Topic {
                room: room.name.clone(),
                by: by.map_or(super::SERVER_NAME, User::name).to_string(),
                topic: topic.clone(),
            },
        };
        Ok((topic, tell))
    }

    /// Who is in `name`.
    pub fn who(&self, name: &str) -> Result<Who, RoomError> {
        let room = self.get(name)?;
        let st = room.state.lock();
        Ok(Who {
            name: room.name.clone(),
            operator: st.operator.as_ref().map(|(o, _)| o.clone()),
            topic: st.topic.clone(),
            members: st.members.keys().cloned().collect(),
        })
    }

    /// The topic and operator of `name`, as the store keeps them.
    pub(crate) fn kept(&self, name: &str) -> Option<(String, Option<String>)> {
        let room = self.get(name).ok()?;
        let st = room.state.lock();
        Some((
            st.topic.clone(),
            st.operator.as_ref().map(|(o, _)| o.clone()),
        ))
    }

    /// Every room, sorted by name (the lobby not among them).
    pub fn list(&self) -> Vec<RoomInfo> {
        let rooms: Vec<Arc<Room>> = self.table.read().values().cloned().collect();
        rooms
            .iter()
            .map(|room| {
                let st = room.state.lock();
                RoomInfo {
                    name: room.name.clone(),
                    members: st.members.len(),
                    topic: st.topic.clone(),
                }
            })
            .collect()
    }

    /// The members a message from `from` (a member; `None`: the server's operator) to `name`
    /// goes to, those who can be sent to (`echo`: `from` too).
    pub(crate) fn audience(
        &self,
        from: Option<&User>,
        name: &str,
        echo: bool,
    ) -> Result<Vec<Arc<User>>, RoomError> {
        let room = self.get(name)?;
        let st = room.state.lock();
        if from.is_some_and(|f| !st.has(f)) {
            return Err(RoomError::NotInRoom);
        }
        let mut to = st.others(from.filter(|_| !echo));
        to.retain(|u| u.is_complete());
        Ok(to)
    }

    /// The rooms `user` is in, in the order it joined them.
    pub fn rooms_of(&self, user: &User) -> Vec<String> {
        user.rooms.lock().clone()
    }

    /// `user` left the chat: it leaves every room, silently (its members hear the chat's own
    /// leave).
    pub(crate) fn leave_all(&self, user: &User) {
        let names = std::mem::take(&mut *user.rooms.lock());
        for name in names {
            if let Ok(room) = self.get(&name) {
                self.remove(&room, user, None, None);
            }
        }
    }

    /// Rooms held (for tests and leak checks).
    pub fn len(&self) -> usize {
        self.table.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "rooms_tests.rs"]
mod tests;
