//! The protocol's `ERROR` codes and their canonical texts (re-exported as `wire::ErrorCode`).

/// The protocol's error codes: 100-106 from Part 1 and 2, ours from 107 on.
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
}

impl ErrorCode {
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
        }
    }
}
