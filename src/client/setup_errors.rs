//! Why registering fails: an attempt on one server ([`AttemptError`]), or the whole of it
//! ([`SetupError`]); which failures another name or password may cure.

use crate::addr::ServerAddr;
use crate::words::Refusal;
use chat::net::conn::ConnError;
use chat::net::tls::HandshakeError;
use std::io;
use std::time::Duration;
use thiserror::Error;

/// Why the client gives up before registering.
#[derive(Debug, Error)]
pub enum SetupError {
    #[error("input ended before registration")]
    InputEnded,
    #[error("bad --server address \"{text}\": {reason}")]
    BadFlag { text: String, reason: String },
    #[error(transparent)]
    Attempt(#[from] AttemptError),
}

/// Why one attempt to register failed.
#[derive(Debug, Error)]
pub enum AttemptError {
    #[error("cannot find {addr}: {source}")]
    Resolve { addr: ServerAddr, source: io::Error },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: ServerAddr, reason: String },
    #[error("cannot connect to {addr} with TLS: {source}")]
    Tls {
        addr: ServerAddr,
        source: HandshakeError,
    },
    #[error("the server says \"{0}\" is not a valid username; use 1 to 32 letters and digits")]
    NameMalformed(String),
    #[error("the name \"{0}\" is taken; choose another")]
    NameTaken(String),
    #[error("the name \"{name}\" is claimed: give its password, or choose another name ({code})")]
    PasswordNeeded { name: String, code: String },
    #[error("wrong password for \"{name}\": type it again, or choose another name ({code})")]
    BadPassword { name: String, code: String },
    #[error("{}", .refusal.for_registering(.name))]
    Refused { name: String, refusal: Refusal },
    #[error("the server closed the connection while registering")]
    Closed,
    #[error("no reply from the server within {} s while registering", .0.as_secs_f64())]
    NoReply(Duration),
    #[error("lost the connection while registering: {0}")]
    Conn(#[from] ConnError),
    #[error("the server does not speak the JSON protocol: {0}")]
    Garbled(String),
}

impl AttemptError {
    /// True when another name may work where this one did not.
    pub fn is_about_the_name(&self) -> bool {
        matches!(
            self,
            AttemptError::NameMalformed(_) | AttemptError::NameTaken(_)
        )
    }

    /// A refusal of `name` for its password (`code` as the server said it): a wrong one
    /// when one was given, else a claimed name that needs one.
    pub fn password(name: &str, code: String, given: bool) -> AttemptError {
        let name = name.to_string();
        if given {
            AttemptError::BadPassword { name, code }
        } else {
            AttemptError::PasswordNeeded { name, code }
        }
    }

    /// True when the name may work with (another) password.
    pub fn is_about_the_password(&self) -> bool {
        matches!(
            self,
            AttemptError::PasswordNeeded { .. } | AttemptError::BadPassword { .. }
        )
    }

    /// True when the connection was lost (closed or failed), rather than answered.
    pub fn is_lost(&self) -> bool {
        matches!(self, AttemptError::Closed | AttemptError::Conn(_))
    }
}

impl From<io::Error> for AttemptError {
    fn from(e: io::Error) -> AttemptError {
        AttemptError::Conn(ConnError::Io(e))
    }
}
