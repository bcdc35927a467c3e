//! Getting registered: ask for what the flags did not give, connect, register, and on
//! failure say why and ask again. The exchange with the server is in `register`.
//!
//! A refused name (malformed, taken) asks for another name. A server that cannot be reached
//! asks for another address when the address was typed at the prompt (or
//! [`Options::keep_asking`] is set, as the full-screen client does), and ends the program
//! when it came from `--server`. Every question and failure goes to a [`View`]; a question
//! carries the value tried last, which the full-screen client offers for editing.

use crate::addr::ServerAddr;
use crate::net::Event;
use crate::register::{self, resolve, Registered};
use crate::view::{Ask, SessionEvent, View};
use chat::net::conn::ConnError;
use chat::wire::{is_valid_username, Limits};
use std::io;
use std::sync::mpsc::Receiver;
use std::time::Duration;
use thiserror::Error;

/// What registration needs to know.
pub struct Options {
    pub server: Option<String>,
    pub user: Option<String>,
    pub reply_timeout: Duration,
    pub limits: Limits,
    /// Offered for editing when the address is asked for (the full-screen client's
    /// reconnect offers the server it lost).
    pub server_hint: Option<String>,
    /// Ask for another address when the server cannot be reached, even one from `--server`.
    pub keep_asking: bool,
}

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
    #[error("the server says \"{0}\" is not a valid username; use 1 to 32 letters and digits")]
    NameMalformed(String),
    #[error("the name \"{0}\" is taken; choose another")]
    NameTaken(String),
    #[error("the server refused to register \"{name}\": ERROR {code} {text}")]
    Refused {
        name: String,
        code: u16,
        text: String,
    },
    #[error("the server closed the connection while registering")]
    Closed,
    #[error("no reply from the server within {} s while registering", .0.as_secs_f64())]
    NoReply(Duration),
    #[error("lost the connection while registering: {0}")]
    Conn(#[from] ConnError),
}

impl AttemptError {
    /// True when another name may work where this one did not.
    pub fn is_about_the_name(&self) -> bool {
        matches!(
            self,
            AttemptError::NameMalformed(_) | AttemptError::NameTaken(_)
        )
    }

    /// True when the connection was lost (closed or failed), rather than answered.
    pub fn is_lost(&self) -> bool {
        matches!(self, AttemptError::Closed | AttemptError::Conn(_))
    }
}

/// Asks, connects and registers until it works or cannot work.
pub fn register(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
) -> Result<Registered, SetupError> {
    let prompted = opts.server.is_none() || opts.keep_asking;
    let mut addr = match &opts.server {
        Some(text) => match ServerAddr::parse(text) {
            Ok(addr) => addr,
            Err(e) if opts.keep_asking => {
                view.show(SessionEvent::SetupFailed(format!(
                    "{e}; type host or host:port"
                )));
                ask_addr(view, rx, Some(text.clone()))?
            }
            Err(e) => {
                return Err(SetupError::BadFlag {
                    text: text.clone(),
                    reason: e.to_string(),
                })
            }
        },
        None => ask_addr(view, rx, opts.server_hint.clone())?,
    };
    let mut name = opts.user.clone();
    let mut tried = None;
    // The sockets of a try whose name was refused, for the next name.
    let mut held = None;
    loop {
        let wanted = match name.take() {
            Some(n) => n,
            None => ask(view, rx, Ask::Name, tried.take())?.trim().to_string(),
        };
        if !is_valid_username(&wanted) {
            view.show(SessionEvent::SetupFailed(format!(
                "\"{wanted}\" is not a valid username: use 1 to 32 letters and digits (not ALL)"
            )));
            tried = Some(wanted);
            continue;
        }
        match register::attempt(&addr, &wanted, opts, &mut held) {
            Ok(registered) => return Ok(registered),
            Err(e) if e.is_about_the_name() => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                tried = Some(wanted);
            }
            Err(e) if prompted => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                addr = ask_addr(view, rx, Some(addr.to_string()))?;
                name = Some(wanted);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The next line of input, after asking for `what` (offering `default`).
fn ask(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    what: Ask,
    default: Option<String>,
) -> Result<String, SetupError> {
    view.show(SessionEvent::Ask { what, default });
    loop {
        match rx.recv() {
            Ok(Event::Line(line)) => return Ok(line),
            Ok(Event::InputEnd) | Err(_) => return Err(SetupError::InputEnded),
            Ok(other) => log::debug!("ignored before registration: {other:?}"),
        }
    }
}

/// Asks for a server address until one parses and resolves.
fn ask_addr(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    mut default: Option<String>,
) -> Result<ServerAddr, SetupError> {
    loop {
        let text = ask(view, rx, Ask::Server, default.take())?;
        let failure = match ServerAddr::parse(&text) {
            Ok(addr) => match resolve(&addr) {
                Ok(_) => return Ok(addr),
                Err(e) => e.to_string(),
            },
            Err(e) => format!("{e}; type host or host:port"),
        };
        view.show(SessionEvent::SetupFailed(failure));
        default = Some(text.trim().to_string());
    }
}

impl From<io::Error> for AttemptError {
    fn from(e: io::Error) -> AttemptError {
        AttemptError::Conn(ConnError::Io(e))
    }
}
