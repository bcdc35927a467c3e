//! What a refusal from the server means, said as a person would say it: one place for the
//! words of every error the client can get, for a message to one user or to everyone, a user
//! list, or a registration. The code stays visible, after the words:
//! `bob is not online (ERROR 102)`, `you are sending too fast; wait a moment (rate-limited)`.
//!
//! A two-socket `ERROR 102` does not say why: the recipient is not online, or did not
//! acknowledge. When the session knows who is online (a user list kept current by the
//! `events` extension), it says which; otherwise it says both. The JSON protocol's codes say
//! which by themselves (`no-such-user`, `not-delivered`).

use crate::command::Target;
use chat::wire::ErrorCode;

/// What the server said went wrong, whichever protocol said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The code as the server sent it, shown after the words: `ERROR 102`, `no-such-user`.
    pub code: String,
    pub cause: Cause,
}

/// The causes the client knows, by meaning rather than by number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// `100`, `bad-nick`: a name the server does not accept.
    BadName,
    /// `101`, `no-hello`: the server does not count us as registered.
    NotRegistered,
    /// `102`: not delivered, for a reason the code does not tell.
    NotDelivered,
    /// `no-such-user`: nobody of that name is online.
    NoSuchUser,
    /// `not-delivered`: the recipient is online but did not take it.
    NotReceived,
    /// `103`, `bad-packet`, `malformed`: the server could not read what we sent.
    Unreadable,
    /// `104`, `nick-taken`.
    NameTaken,
    /// `105`, `too-long`.
    TooLong,
    /// `106`: a command the server does not know.
    UnknownCommand,
    /// `107`, `server-full`.
    ServerFull,
    /// `108`, `rate-limited`.
    RateLimited,
    /// `timeout`: the server gave up waiting for us.
    TimedOut,
    /// `already-joined`.
    AlreadyJoined,
    /// `109`, `bad-password`: the name is claimed, and the password is missing or wrong.
    BadPassword,
    /// `110`, `mailbox-full`: the recipient's mailbox holds all it can.
    MailboxFull,
    /// `111`, `store-failed`: the server could not keep the message.
    StoreFailed,
    /// `112`, `no-such-room`.
    NoSuchRoom,
    /// `113`, `not-in-room`: we are not in the room (or the one to kick is not).
    NotInRoom,
    /// `114`, `not-operator`: only the room's operator may do that.
    NotOperator,
    /// `115`, `too-many-rooms`: we are in as many rooms as one may be.
    TooManyRooms,
    /// `116`, `room-full`.
    RoomFull,
    /// `117`, `bad-room`: not a room name.
    BadRoom,
    /// `118`, `topic-too-long`.
    TopicTooLong,
    /// `119`, `room-limit`: the server holds all the rooms it may.
    RoomLimit,
    /// `120`, `lobby`: nobody leaves the lobby.
    Lobby,
    /// A code we do not know; the server's own text.
    Other(String),
}

impl Refusal {
    /// A two-socket `ERROR <code> <text>`.
    pub fn from_error(code: u16, text: &str) -> Refusal {
        let cause = match ErrorCode::from_number(code) {
            Some(ErrorCode::MalformedUsername) => Cause::BadName,
            Some(ErrorCode::NoUserRegistered) => Cause::NotRegistered,
            Some(ErrorCode::UnableToSend) => Cause::NotDelivered,
            Some(ErrorCode::HeaderIncomplete) => Cause::Unreadable,
            Some(ErrorCode::UsernameTaken) => Cause::NameTaken,
            Some(ErrorCode::MessageTooLong) => Cause::TooLong,
            Some(ErrorCode::UnknownCommand) => Cause::UnknownCommand,
            Some(ErrorCode::ServerFull) => Cause::ServerFull,
            Some(ErrorCode::RateLimited) => Cause::RateLimited,
            Some(ErrorCode::BadPassword) => Cause::BadPassword,
            Some(ErrorCode::MailboxFull) => Cause::MailboxFull,
            Some(ErrorCode::StoreFailed) => Cause::StoreFailed,
            Some(ErrorCode::NoSuchRoom) => Cause::NoSuchRoom,
            Some(ErrorCode::NotInRoom) => Cause::NotInRoom,
            Some(ErrorCode::NotRoomOperator) => Cause::NotOperator,
            Some(ErrorCode::TooManyRooms) => Cause::TooManyRooms,
            Some(ErrorCode::RoomFull) => Cause::RoomFull,
            Some(ErrorCode::MalformedRoomName) => Cause::BadRoom,
            Some(ErrorCode::TopicTooLong) => Cause::TopicTooLong,
            Some(ErrorCode::RoomLimitReached) => Cause::RoomLimit,
            Some(ErrorCode::CannotLeaveLobby) => Cause::Lobby,
            // Codes we do not know: the server's own words.
            None => Cause::Other(text.trim().to_string()),
        };
        Refusal {
            code: format!("ERROR {code}"),
            cause,
        }
    }

    /// A JSON `error` packet (docs/PROTOCOL.md Part 4, Errors).
    pub fn from_json(code: &str, message: &str) -> Refusal {
        let cause = match code {
            "bad-nick" => Cause::BadName,
            "nick-taken" => Cause::NameTaken,
            "no-hello" => Cause::NotRegistered,
            "already-joined" => Cause::AlreadyJoined,
            "no-such-user" => Cause::NoSuchUser,
            "not-delivered" => Cause::NotReceived,
            "rate-limited" => Cause::RateLimited,
            "bad-packet" | "malformed" => Cause::Unreadable,
            "too-long" => Cause::TooLong,
            "timeout" => Cause::TimedOut,
            "server-full" => Cause::ServerFull,
            "bad-password" => Cause::BadPassword,
            "mailbox-full" => Cause::MailboxFull,
            "store-failed" => Cause::StoreFailed,
            "no-such-room" => Cause::NoSuchRoom,
            "not-in-room" => Cause::NotInRoom,
            "not-operator" => Cause::NotOperator,
            "too-many-rooms" => Cause::TooManyRooms,
            "room-full" => Cause::RoomFull,
            "bad-room" => Cause::BadRoom,
            "topic-too-long" => Cause::TopicTooLong,
            "room-limit" => Cause::RoomLimit,
            "lobby" => Cause::Lobby,
            _ => Cause::Other(message.trim().to_string()),
        };
        Refusal {
            code: code.to_string(),
            cause,
        }
    }

    /// Why a message to `to` was not delivered. `online` says whether the recipient is
    /// online, when the session knows (`None` when it does not).
    pub fn for_message(&self, to: &Target, online: Option<bool>) -> String {
        let words = match (&self.cause, to) {
            (Cause::BadName, Target::All) => "this server does not send to ALL".to_string(),
            (Cause::UnknownCommand | Cause::BadName, Target::Room(_)) => {
                unsupported(Feature::Rooms).to_string()
            }
            (Cause::BadName, Target::User(name)) => {
                format!("the server does not take \"{name}\" for a name")
            }
            (Cause::NotDelivered, Target::All) => "not everyone received it".to_string(),
            (Cause::NotDelivered, Target::User(name)) => match online {
                Some(false) => format!("{name} is not online"),
                Some(true) => format!("{name} did not receive it"),
                None => format!("{name} is not online or did not receive it"),
            },
            (Cause::NoSuchUser, to) => format!("{} is not online", to.wire_name()),
            (Cause::NotReceived, Target::All) => "not everyone received it".to_string(),
            (Cause::NotReceived, Target::User(name)) => format!("{name} did not receive it"),
            (Cause::Unreadable, _) => "the server could not read the message".to_string(),
            (Cause::TooLong, _) => "the message is too long for the server".to_string(),
            (Cause::UnknownCommand, _) => "the server does not understand it".to_string(),
            (Cause::MailboxFull, Target::User(name)) => {
                format!("{name}'s mailbox is full; try again once {name} is back")
            }
            (Cause::StoreFailed, Target::User(name)) => {
                format!("the server could not keep it for {name}; try again later")
            }
            (Cause::NotDelivered | Cause::NotReceived, Target::Room(room)) => {
                format!("not everyone in {room} received it")
            }
            (Cause::NoSuchRoom, Target::Room(room)) => format!("there is no room {room}"),
            (Cause::NotInRoom, Target::Room(room)) => {
                format!("you are not in {room}; type /join {room} first")
            }

            (cause, _) => general(cause),
        };
        self.coded(words)
    }

    /// Why `/users` got no list.
    pub fn for_users(&self) -> String {
        match &self.cause {
            Cause::UnknownCommand => self.coded(unsupported(Feature::Users).to_string()),
            cause => self.coded(format!("could not list users: {}", general(cause))),
        }
    }

    /// Why registering `name` was refused (a name refused for itself is said elsewhere, as
    /// it asks for another).
    pub fn for_registering(&self, name: &str) -> String {
        let words = match &self.cause {
            Cause::BadName => format!("the server does not take \"{name}\" for a name"),
            Cause::NameTaken => format!("the name \"{name}\" is taken"),
            cause => format!(
                "the server refused to register \"{name}\": {}",
                general(cause)
            ),
        };
        self.coded(words)
    }

    /// Why `/register` or `/unregister` did not change the claim.
    pub fn for_password(&self, dropping: bool) -> String {
        let what = if dropping {
            "could not drop the claim"
        } else {
            "could not set the password"
        };
        match &self.cause {
            Cause::UnknownCommand => self.coded(unsupported(Feature::Accounts).to_string()),
            cause => self.coded(format!("{what}: {}", general(cause))),
        }
    }

    /// Why `/history` got no page.
    pub fn for_history(&self) -> String {
        match &self.cause {
            Cause::UnknownCommand => self.coded(unsupported(Feature::History).to_string()),
            cause => self.coded(format!("could not get the history: {}", general(cause))),
        }
    }

    /// Why a room command did not `doing` (`join #rust`, `list the rooms`).
    pub fn for_room(&self, doing: &str) -> String {
        match &self.cause {
            Cause::UnknownCommand => self.coded(unsupported(Feature::Rooms).to_string()),
            cause => self.coded(format!("could not {doing}: {}", general(cause))),
        }
    }

    /// An error the server sent when nothing was asked.
    pub fn unasked(&self) -> String {
        self.coded(general(&self.cause))
    }

    /// `words (code)`.
    fn coded(&self, words: String) -> String {
        format!("{words} ({})", self.code)
    }
}

/// The words for a cause that means the same whatever was asked.
fn general(cause: &Cause) -> String {
    let words = match cause {
        Cause::BadName => "the server does not take the name",
        Cause::NotRegistered => "the server says you are not registered",
        Cause::NotDelivered | Cause::NotReceived => "it was not delivered",
        Cause::NoSuchUser => "nobody of that name is online",
        Cause::Unreadable => "the server could not read what was sent",
        Cause::NameTaken => "the server says the name is taken",
        Cause::TooLong => "it is too long for the server",
        Cause::UnknownCommand => "the server does not understand the request",
        Cause::ServerFull => "the server is full; try again later",
        Cause::RateLimited => "you are sending too fast; wait a moment and try again",
        Cause::TimedOut => "the server stopped waiting for us",
        Cause::AlreadyJoined => "the server says you have already joined",
        Cause::BadPassword => "wrong password",
        Cause::MailboxFull => "the recipient's mailbox is full; try again later",
        Cause::StoreFailed => "the server could not keep the message; try again later",
        Cause::NoSuchRoom => "there is no such room",
        Cause::NotInRoom => "not in that room",
        Cause::NotOperator => "only the room's operator may do that",
        Cause::TooManyRooms => "you are in as many rooms as the server allows; leave one first",
        Cause::RoomFull => "the room is full",
        Cause::BadRoom => "the server does not take that for a room name",
        Cause::TopicTooLong => "the topic is too long (at most 300 bytes)",
        Cause::RoomLimit => "the server holds all the rooms it can; join one that exists",
        Cause::Lobby => "nobody leaves the lobby",
        Cause::Other(text) if text.is_empty() => "the server refused it",
        Cause::Other(text) => return format!("the server says \"{text}\""),
    };
    words.to_string()
}

/// What a server may not support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `/users`.
    Users,
    /// `@name` and `/msg` (a server of seed 003 knows no direct messages).
    Direct,
    /// `/register` and `/unregister` (the `auth` extension).
    Accounts,
    /// `/history` (the `history` extension).
    History,
    /// `/join`, `/part`, `/rooms`, `/who`, `/topic` and `#room` (the `rooms` extension).
    Rooms,
}

/// What a command says when the server does not support it; nothing is sent.
pub fn unsupported(feature: Feature) -> &'static str {
    match feature {
        Feature::Users => "this server does not support /users",
        Feature::Direct => "this server does not support direct messages (@name, /msg)",
        Feature::Accounts => "this server does not support accounts (/register, /unregister)",
        Feature::History => "this server does not support /history",
        Feature::Rooms => "this server has no rooms (/join, /part, /rooms, /who, /topic, #room)",
    }
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
