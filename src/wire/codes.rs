//! The protocol's `ERROR` codes and their canonical texts (re-exported as [`crate::wire::ErrorCode`]).

/// The protocol's error codes: 100-106 from Part 1 and 2, ours from 107 on (112-120: rooms, Part 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum ErrorCode {
    MalformedUsername = 100,
    NoUserRegistered = 101,
    UnableToSend = 102,
    HeaderIncomplete = 103,
    UsernameTaken = 104,
    MessageTooLong = 105,
    UnknownCommand = 106,
    ServerFull = 107,
    RateLimited = 108,
    BadPassword = 109,
    MailboxFull = 110,
    StoreFailed = 111,
    NoSuchRoom = 112,
    NotInRoom = 113,
    NotRoomOperator = 114,
    TooManyRooms = 115,
    RoomFull = 116,
    MalformedRoomName = 117,
    TopicTooLong = 118,
    RoomLimitReached = 119,
    CannotLeaveLobby = 120,
}

impl ErrorCode {
    /// Every code, in order.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::MalformedUsername,
        ErrorCode::NoUserRegistered,
        ErrorCode::UnableToSend,
        ErrorCode::HeaderIncomplete,
        ErrorCode::UsernameTaken,
        ErrorCode::MessageTooLong,
        ErrorCode::UnknownCommand,
        ErrorCode::ServerFull,
        ErrorCode::RateLimited,
        ErrorCode::BadPassword,
        ErrorCode::MailboxFull,
        ErrorCode::StoreFailed,
        ErrorCode::NoSuchRoom,
        ErrorCode::NotInRoom,
        ErrorCode::NotRoomOperator,
        ErrorCode::TooManyRooms,
        ErrorCode::RoomFull,
        ErrorCode::MalformedRoomName,
        ErrorCode::TopicTooLong,
        ErrorCode::RoomLimitReached,
        ErrorCode::CannotLeaveLobby,
    ];

    /// The code with this number, if it is one of ours.
    pub fn from_number(number: u16) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| *c as u16 == number)
    }

    pub fn text(self) -> &'static str {
        match self {
            ErrorCode::MalformedUsername => "Malformed username",
            ErrorCode::NoUserRegistered => "No user registered",
            ErrorCode::UnableToSend => "Unable to send",
            ErrorCode::HeaderIncomplete => "Header incomplete",
            ErrorCode::UsernameTaken => "Username taken",
            ErrorCode::MessageTooLong => "Message too long",
            ErrorCode::UnknownCommand => "Unknown command",
            ErrorCode::ServerFull => "Server full",
            ErrorCode::RateLimited => "Rate limit exceeded",
            ErrorCode::BadPassword => "Bad password",
            ErrorCode::MailboxFull => "Mailbox full",
            ErrorCode::StoreFailed => "Store failed",
            ErrorCode::NoSuchRoom => "No such room",
            ErrorCode::NotInRoom => "Not in room",
            ErrorCode::NotRoomOperator => "Not room operator",
            ErrorCode::TooManyRooms => "Too many rooms",
            ErrorCode::RoomFull => "Room full",
            ErrorCode::MalformedRoomName => "Malformed room name",
            ErrorCode::TopicTooLong => "Topic too long",
            ErrorCode::RoomLimitReached => "Room limit reached",
            ErrorCode::CannotLeaveLobby => "Cannot leave the lobby",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_found_by_its_number_and_nothing_else_is() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_number(code as u16), Some(code));
        }
        assert_eq!(ErrorCode::from_number(99), None);
        assert_eq!(ErrorCode::from_number(121), None);
        let numbers: Vec<u16> = ErrorCode::ALL.iter().map(|c| *c as u16).collect();
        assert_eq!(numbers, (100..=120).collect::<Vec<u16>>());
    }

    #[test]
    fn the_room_errors_have_part_8s_bytes() {
        let bytes: Vec<String> = ErrorCode::ALL[12..]
            .iter()
            .map(|c| String::from_utf8_lossy(&crate::wire::Message::error(*c).to_bytes()).into())
            .collect();
        assert_eq!(
            bytes,
            [
                "ERROR 112 No such room\n\n",
                "ERROR 113 Not in room\n\n",
                "ERROR 114 Not room operator\n\n",
                "ERROR 115 Too many rooms\n\n",
                "ERROR 116 Room full\n\n",
                "ERROR 117 Malformed room name\n\n",
                "ERROR 118 Topic too long\n\n",
                "ERROR 119 Room limit reached\n\n",
                "ERROR 120 Cannot leave the lobby\n\n",
            ]
        );
    }
}
