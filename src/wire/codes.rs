//! The protocol's `ERROR` codes and their canonical texts (re-exported as [`crate::wire::ErrorCode`]).

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
    BadPassword = 109,
    MailboxFull = 110,
    StoreFailed = 111,
}

impl ErrorCode {
    /// Every code, in order.
    pub const ALL: [ErrorCode; 12] = [
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
        assert_eq!(ErrorCode::from_number(112), None);
        let numbers: Vec<u16> = ErrorCode::ALL.iter().map(|c| *c as u16).collect();
        assert_eq!(numbers, (100..=111).collect::<Vec<u16>>());
    }
}
