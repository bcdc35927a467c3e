//! The session's side of Part 8: the room commands (`/join`, `/part`, `/rooms`, `/who`,
//! `/topic`), their answers and failures in words, the rooms we are in (kept in the
//! [`Memory`](super::Memory), so that after a reconnect the session joins them again), and the
//! pushes that take us out of one (a kick).

use super::handover::REJOIN;
use super::{Gone, Session};
use crate::command::Input;
use crate::link::Out;
use crate::push::Push;
use crate::reply::{Reply, Request};
use crate::view::{LineId, SessionEvent};
use crate::words::{Feature, Refusal};
use chat::wire::rooms::is_lobby;

impl Session<'_> {
    /// A room command typed on line `id` (any other input is not one, and does nothing).
    pub(super) fn room_command(&mut self, id: LineId, input: Input) -> Result<(), Gone> {
        if !self.caps.rooms {
            self.view.show(SessionEvent::Unsupported(Feature::Rooms));
            return Ok(());
        }
        let (request, out) = match &input {
            Input::Join(room) => (Request::Join(room.clone()), Out::Join(room)),
            Input::Part(Some(room)) => (Request::Part(room.clone()), Out::Part(room)),
            Input::Part(None) => {
                let Some(room) = self.memory.rooms.last().cloned() else {
                    let hint = "not sent: you are in no room but the lobby; type /part #room";
                    self.view.show(SessionEvent::Hint(hint.into()));
                    return Ok(());
                };
                return self.room_command(id, Input::Part(Some(room)));
            }
            Input::Rooms => (Request::Rooms, Out::Rooms),
            Input::Who(room) => (Request::Who(room.clone()), Out::Who(room)),
            Input::Topic { room, topic } => (
                Request::Topic {
                    room: room.clone(),
                    topic: topic.clone(),
                },
                Out::Topic { room, topic },
            ),
            _ => return Ok(()),
        };
        self.request(id, request, out, "")
    }

    /// Joins `room` again, as before a reconnect.
    pub(super) fn rejoin(&mut self, room: String) -> Result<(), Gone> {
        self.room_command(REJOIN, Input::Join(room))
    }

    /// What the answer `reply` to the room request `request` shows; the rooms we are in
    /// follow it.
    pub(super) fn room_answered(&mut self, request: &Request, reply: Reply) -> SessionEvent {
        match (request, reply) {
            (Request::Join(room), _) => {
                if !is_lobby(room) && !self.memory.rooms.contains(room) {
                    self.memory.rooms.push(room.clone());
                }
                SessionEvent::RoomJoined(room.clone())
            }
            (Request::Part(room), _) => {
                self.forget_room(room);
                SessionEvent::RoomParted(room.clone())
            }
            (Request::Topic { room, topic }, _) => SessionEvent::TopicSet {
                room: room.clone(),
                topic: topic.clone(),
            },
            (_, Reply::Rooms { rooms }) => SessionEvent::Rooms(rooms),
            (
                _,
                Reply::Who {
                    room,
                    operator,
                    topic,
                    names,
                },
            ) => SessionEvent::Who {
                room,
                operator,
                topic,
                names,
            },
            // judge answers nothing else with Answered
            (request, reply) => {
                log::debug!("{reply:?} taken as the answer to {request:?}");
                SessionEvent::RoomFailed(format!("could not {}", doing(request)))
            }
        }
    }

    /// Why the room request `request` failed, in words; a join refused is not one to make
    /// again after a reconnect.
    pub(super) fn room_refused(&mut self, request: &Request, why: &Refusal) -> SessionEvent {
        if let Request::Join(room) = request {
            self.forget_room(room);
        }
        SessionEvent::RoomFailed(why.for_room(&doing(request)))
    }

    /// The room request `request` got no reply within `wait` seconds.
    pub(super) fn room_unanswered(&mut self, request: &Request, wait: f64) -> SessionEvent {
        SessionEvent::RoomFailed(format!(
            "could not {}: no reply from the server within {wait} s",
            doing(request)
        ))
    }

    /// Whether a room's push is to be shown: the `LEAVE` that follows a kick already shown
    /// is not. A kick (or that `LEAVE`) naming us takes the room off our list.
    pub(super) fn room_pushed(&mut self, push: &Push) -> bool {
        match push {
            Push::RoomKicked { room, name, .. } => {
                if *name == self.me {
                    self.forget_room(room);
                }
                self.kicked_from.insert((room.clone(), name.clone()));
                true
            }
            Push::RoomLeft { room, name, reason } => {
                if *name == self.me {
                    self.forget_room(room);
                }
                let key = (room.clone(), name.clone());
                !(reason.as_deref() == Some("kicked") && self.kicked_from.remove(&key))
            }
            _ => true,
        }
    }

    fn forget_room(&mut self, room: &str) {
        self.memory.rooms.retain(|r| r != room);
    }
}

/// What a room request does, as `could not …` continues: `join #rust`, `list the rooms`.
fn doing(request: &Request) -> String {
    match request {
        Request::Join(room) => format!("join {room}"),
        Request::Part(room) => format!("leave {room}"),
        Request::Rooms => "list the rooms".to_string(),
        Request::Who(room) => format!("list who is in {room}"),
        Request::Topic { room, topic } if topic.is_empty() => {
            format!("clear the topic of {room}")
        }
        Request::Topic { room, .. } => format!("set the topic of {room}"),
        Request::Send(_) | Request::Users | Request::Password { .. } | Request::History(_) => {
            "do that".to_string()
        }
    }
}
