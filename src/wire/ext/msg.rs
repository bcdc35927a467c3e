//! The messages the extensions add, either direction ([`ExtMsg`]).

use super::Entry;
use crate::wire::{Command, Message};

/// A message of an extension, either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtMsg {
    /// `EVENT JOIN <name>`.
    Join {
        name: String,
    },
    /// `EVENT LEAVE <name>` with `Reason: <reason>`.
    Leave {
        name: String,
        reason: Option<String>,
    },
    /// `EVENT KICK <name>` with `Reason: <text>`.
    Kick {
        name: String,
        reason: Option<String>,
    },
    /// `USERS`: who is online?
    UsersRequest,
    /// `USERS <count>` with the names, one per line, as the body.
    Users {
        names: Vec<String>,
    },
    Ping {
        token: String,
    },
    Pong {
        token: String,
    },
    Quit,
    Bye,
    /// `PASSWORD` with the new password as the body (empty: drop the claim).
    Password {
        password: String,
    },
    /// `PASSWORD SET`: the name is claimed with the new password.
    PasswordSet,
    /// `PASSWORD DROPPED`: the name is anyone's again.
    PasswordDropped,
    /// `STORED <to>` with `Id:`: kept for an offline recipient.
    Stored {
        to: String,
        id: u64,
    },
    /// `EVENT DELIVERED <to>` with `Id:`: a kept message reached its recipient.
    Delivered {
        to: String,
        id: u64,
    },
    /// `HISTORY` with `Before:` or `After:` and `Limit:`.
    HistoryRequest {
        before: Option<u64>,
        after: Option<u64>,
        limit: Option<usize>,
    },
    /// `HISTORY <count>` with the entries as the body.
    History {
        entries: Vec<Entry>,
    },
}

/// Longest password, in bytes.
pub const MAX_PASSWORD: usize = 1024;
/// Most entries one history page holds.
pub const MAX_HISTORY: usize = 1000;

impl ExtMsg {
    /// The extension message `msg` is, if it is one.
    pub fn from_message(msg: &Message) -> Option<ExtMsg> {
        let Command::Other { verb, args } = &msg.command else {
            return None;
        };
        let token = || args.trim().to_string();
        let id = || msg.header("Id").and_then(|v| v.trim().parse().ok());
        let number = |name| msg.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        match verb.to_ascii_uppercase().as_str() {
            "EVENT" if word(args).eq_ignore_ascii_case("DELIVERED") => Some(ExtMsg::Delivered {
                to: rest(args)?,
                id: id()?,
            }),
            "EVENT" => event(args, msg.header("Reason")),
            "USERS" if msg.body.is_none() && args.trim().is_empty() => Some(ExtMsg::UsersRequest),
            "USERS" => {
                let body = String::from_utf8_lossy(msg.body.as_deref().unwrap_or_default());
                let names = body
                    .lines()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect();
                Some(ExtMsg::Users { names })
            }
            "PING" => Some(ExtMsg::Ping { token: token() }),
            "PONG" => Some(ExtMsg::Pong { token: token() }),
            "QUIT" => Some(ExtMsg::Quit),
            "BYE" => Some(ExtMsg::Bye),
            "PASSWORD" => match (&msg.body, args.trim().to_ascii_uppercase().as_str()) {
                (Some(body), _) => Some(ExtMsg::Password {
                    password: String::from_utf8_lossy(body).trim().to_string(),
                }),
                (None, "SET") => Some(ExtMsg::PasswordSet),
                (None, "DROPPED") => Some(ExtMsg::PasswordDropped),
                _ => None,
            },
            "STORED" => Some(ExtMsg::Stored {
                to: Some(args.trim().to_string()).filter(|to| !to.is_empty())?,
                id: id()?,
            }),
            "HISTORY" if msg.body.is_none() && args.trim().is_empty() => {
                Some(ExtMsg::HistoryRequest {
                    before: number("Before"),
                    after: number("After"),
                    limit: number("Limit").map(|n| n.min(MAX_HISTORY as u64) as usize),
                })
            }
            "HISTORY" => Some(ExtMsg::History {
                entries: Entry::parse_all(msg.body.as_deref().unwrap_or_default())?,
            }),
            _ => None,
        }
    }

    /// The message to write.
    pub fn to_message(&self) -> Message {
        let other = |verb: &str, args: &str| Message::new(Command::other(verb, args));
        let with_reason = |msg: Message, reason: &Option<String>| match reason {
            Some(r) => msg.with_header("Reason", r),
            None => msg,
        };
        match self {
            ExtMsg::Join { name } => other("EVENT", &format!("JOIN {name}")),
            ExtMsg::Leave { name, reason } => {
                with_reason(other("EVENT", &format!("LEAVE {name}")), reason)
            }
            ExtMsg::Kick { name, reason } => {
                with_reason(other("EVENT", &format!("KICK {name}")), reason)
            }
            ExtMsg::UsersRequest => other("USERS", ""),
            ExtMsg::Users { names } => {
                let mut body = Vec::new();
                for name in names {
                    body.extend_from_slice(name.as_bytes());
                    body.push(b'\n');
                }
                Message::with_body(Command::other("USERS", &names.len().to_string()), body)
            }
            ExtMsg::Ping { token } => other("PING", token),
            ExtMsg::Pong { token } => other("PONG", token),
            ExtMsg::Quit => other("QUIT", ""),
            ExtMsg::Bye => other("BYE", ""),
            ExtMsg::Password { password } => {
                Message::with_body(Command::other("PASSWORD", ""), password.as_bytes().to_vec())
            }
            ExtMsg::PasswordSet => other("PASSWORD", "SET"),
            ExtMsg::PasswordDropped => other("PASSWORD", "DROPPED"),
            ExtMsg::Stored { to, id } => other("STORED", to).with_header("Id", &id.to_string()),
            ExtMsg::Delivered { to, id } => {
                other("EVENT", &format!("DELIVERED {to}")).with_header("Id", &id.to_string())
            }
            ExtMsg::HistoryRequest {
                before,
                after,
                limit,
            } => {
                let mut msg = other("HISTORY", "");
                for (name, value) in [("Before", before), ("After", after)] {
                    if let Some(v) = value {
                        msg = msg.with_header(name, &v.to_string());
                    }
                }
                match limit {
                    Some(n) => msg.with_header("Limit", &n.to_string()),
                    None => msg,
                }
            }
            ExtMsg::History { entries } => {
                let mut body = Vec::new();
                for entry in entries {
                    entry.encode(&mut body);
                }
                let count = entries.len().to_string();
                Message::with_body(Command::other("HISTORY", &count), body)
            }
        }
    }

    /// The bytes to write.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_message().to_bytes()
    }
}

/// The first word of `args`.
fn word(args: &str) -> &str {
    args.split_whitespace().next().unwrap_or_default()
}

/// What follows the first word of `args`, when there is something.
fn rest(args: &str) -> Option<String> {
    let (_, rest) = args.trim().split_once([' ', '\t'])?;
    Some(rest.trim().to_string()).filter(|r| !r.is_empty())
}

/// `EVENT <what> <name>`, with the `Reason:` header's value.
fn event(args: &str, reason: Option<&str>) -> Option<ExtMsg> {
    let (what, name) = args.trim().split_once([' ', '\t'])?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    match what.to_ascii_uppercase().as_str() {
        "JOIN" => Some(ExtMsg::Join { name }),
        "LEAVE" => Some(ExtMsg::Leave { name, reason }),
        "KICK" => Some(ExtMsg::Kick { name, reason }),
        _ => None,
    }
}

#[cfg(test)]
#[path = "msg_tests.rs"]
mod tests;
