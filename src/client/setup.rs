//! Getting registered: ask for what the flags did not give, connect, register, and on
//! failure say why and ask again. The exchange with the server is in `register` (two-socket)
//! and `json` (seed 003's protocol); the questions are the same for both.
//!
//! Two ways of asking. The line client asks one question at a time (the server, then the
//! name): a refused name asks for another name; a server that cannot be reached asks for
//! another address when the address was typed at the prompt, and ends the program when it
//! came from `--server`. The full-screen client ([`Options::form`]) asks for all at once, in
//! its connect box, answered with two lines (server, then name) and a secret (the password,
//! empty when none), and asks again (with what was typed, the field to fix focused) after
//! any failure. Every question and failure goes to a [`View`]; a question carries the value
//! tried last, offered for editing.
//!
//! A claimed name (Part 5, `auth`) needs its password. One given before anyone asks
//! (`--password-file`, `CHAT_PASSWORD`, the connect box's Password field) is used at once,
//! so its owner logs in in one go. Without one, a claimed name is found out by the server's
//! answer (`ERROR 109`, `bad-password`); then, and after a wrong password, the line client
//! says so and asks `Password:` (an empty line chooses another name instead), and the
//! connect box puts its cursor in the Password field.

use crate::addr::ServerAddr;
use crate::json;
use crate::link::Joined;
use crate::net::Event;
use crate::register::{self, resolve};
use crate::secret::{self, Secret};
use crate::view::{Ask, SessionEvent, View};
use crate::words::Refusal;
use chat::net::conn::ConnError;
use chat::net::tls::{ClientTls, HandshakeError};
use chat::wire::{is_valid_username, Limits};
use std::io;
use std::sync::mpsc::Receiver;
use std::time::Duration;
use thiserror::Error;

/// The protocol the client speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// The two-socket protocol (docs/PROTOCOL.md Parts 1 to 3), port 4334 by default.
    #[default]
    TwoSocket,
    /// Seed 003's JSON protocol (docs/PROTOCOL.md Part 4), port 3490 by default.
    Json,
}

impl Protocol {
    /// The port used when an address names none.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::TwoSocket => 4334,
            Protocol::Json => 3490,
        }
    }

    /// The port used with TLS (`--tls`) when an address names none.
    pub fn tls_port(self) -> u16 {
        match self {
            Protocol::TwoSocket => 4335,
            Protocol::Json => 3491,
        }
    }
}

/// What registration needs to know.
pub struct Options {
    pub protocol: Protocol,
    pub server: Option<String>,
    pub user: Option<String>,
    pub reply_timeout: Duration,
    pub limits: Limits,
    /// Offered for editing when the address is asked for (the full-screen client's
    /// reconnect offers the server it lost).
    pub server_hint: Option<String>,
    /// Ask for the server and the name together, and again after any failure, even for
    /// values from the flags (the full-screen client's connect box).
    pub form: bool,
    /// The password for a claimed name, when given before anyone asks.
    pub password: Option<Secret>,
    /// Speak TLS, trusting the servers this says (`--tls`, `--ca`, `--fingerprint`).
    pub tls: Option<ClientTls>,
}

impl Options {
    /// The port used when an address names none: the protocol's, plain or TLS.
    pub fn default_port(&self) -> u16 {
        match self.tls {
            Some(_) => self.protocol.tls_port(),
            None => self.protocol.default_port(),
        }
    }
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

/// Asks, connects and registers until it works or cannot work.
pub fn register(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
) -> Result<Joined, SetupError> {
    // The sockets of a two-socket try whose name was refused, for the next name; the JSON
    // connection of a hello refused for its password, for the next hello.
    let mut held = None;
    let mut held_json = None;
    let mut attempt = |addr: &ServerAddr, name: &str, password: Option<&Secret>| match opts.protocol
    {
        Protocol::TwoSocket => register::attempt(addr, name, password, opts, &mut held),
        Protocol::Json => json::attempt(addr, name, password, opts, &mut held_json),
    };
    if opts.form {
        in_form(opts, view, rx, &mut attempt)
    } else {
        by_lines(opts, view, rx, &mut attempt)
    }
}

/// One try at registering `name` (with a password, for a claimed name) on the server at an
/// address.
type Attempt<'a, T> = dyn FnMut(&ServerAddr, &str, Option<&Secret>) -> Result<T, AttemptError> + 'a;

/// The line client's questions: one at a time, each asked again until its answer works.
fn by_lines<T>(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
    attempt: &mut Attempt<T>,
) -> Result<T, SetupError> {
    let prompted = opts.server.is_none();
    let mut addr = match &opts.server {
        Some(text) => {
            ServerAddr::parse(text, opts.default_port()).map_err(|e| SetupError::BadFlag {
                text: text.clone(),
                reason: e.to_string(),
            })?
        }
        None => ask_addr(view, rx, opts, opts.server_hint.clone())?,
    };
    let mut name = opts.user.clone();
    let mut password = opts.password.clone();
    let mut tried = None;
    loop {
        let wanted = match name.take() {
            Some(n) => n,
            None => ask(view, rx, Ask::Name, tried.take())?.trim().to_string(),
        };
        if let Err(why) = check_name(&wanted) {
            view.show(SessionEvent::SetupFailed(why));
            tried = Some(wanted);
            continue;
        }
        match attempt(&addr, &wanted, password.as_ref()) {
            Ok(done) => return Ok(done),
            Err(e) if e.is_about_the_password() => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                password = ask_password(view, rx)?;
                // An empty answer chooses another name.
                if password.is_some() {
                    name = Some(wanted);
                } else {
                    tried = Some(wanted);
                }
            }
            Err(e) if e.is_about_the_name() => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                tried = Some(wanted);
            }
            Err(e) if prompted => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                addr = ask_addr(view, rx, opts, Some(addr.to_string()))?;
                name = Some(wanted);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Asks for the password until one can be sent; `None` for an empty answer.
fn ask_password(view: &mut dyn View, rx: &Receiver<Event>) -> Result<Option<Secret>, SetupError> {
    loop {
        view.show(SessionEvent::Ask {
            what: Ask::Password,
            default: None,
        });
        let typed = read_secret(rx)?;
        match typed.as_ref().and_then(|p| secret::problem(p.expose())) {
            Some(why) => view.show(SessionEvent::SetupFailed(why)),
            None => return Ok(typed),
        }
    }
}

/// The full-screen client's connect box: both fields asked together, answered with two
/// lines, and asked again after any failure with the field to fix focused.
fn in_form<T>(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
    attempt: &mut Attempt<T>,
) -> Result<T, SetupError> {
    let mut server = (opts.server.clone().or_else(|| opts.server_hint.clone())).unwrap_or_default();
    let mut name = opts.user.clone().unwrap_or_default();
    let mut password = opts.password.clone();
    // With both flags given, the first try needs no question.
    let mut focus = match (&opts.server, &opts.user) {
        (None, _) => Some(Ask::Server),
        (_, None) => Some(Ask::Name),
        _ => None,
    };
    loop {
        if let Some(focus) = focus.take() {
            view.show(SessionEvent::AskLogin {
                server: server.clone(),
                name: name.clone(),
                password: password.clone(),
                focus,
            });
            server = read_line(rx)?.trim().to_string();
            name = read_line(rx)?.trim().to_string();
            password = read_secret(rx)?;
        }
        let port = opts.default_port();
        let (why, fix) = match try_form(&server, port, &name, password.as_ref(), attempt) {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        view.show(SessionEvent::SetupFailed(why));
        focus = Some(fix);
    }
}

/// One try with the connect box's answers; on failure, what to say and which field to fix.
fn try_form<T>(
    server: &str,
    port: u16,
    name: &str,
    password: Option<&Secret>,
    attempt: &mut Attempt<T>,
) -> Result<T, (String, Ask)> {
    let addr = ServerAddr::parse(server, port)
        .map_err(|e| (format!("{e}; type host or host:port"), Ask::Server))?;
    check_name(name).map_err(|why| (why, Ask::Name))?;
    if let Some(why) = password.and_then(|p| secret::problem(p.expose())) {
        return Err((why, Ask::Password));
    }
    attempt(&addr, name, password).map_err(|e| {
        let fix = if e.is_about_the_password() {
            Ask::Password
        } else if e.is_about_the_name() {
            Ask::Name
        } else {
            Ask::Server
        };
        (e.to_string(), fix)
    })
}

/// Refuses, before any server is asked, a name the protocol would refuse.
fn check_name(name: &str) -> Result<(), String> {
    if is_valid_username(name) {
        return Ok(());
    }
    Err(format!(
        "\"{name}\" is not a valid username: use 1 to 32 letters and digits (not ALL)"
    ))
}

/// The next line of input.
fn read_line(rx: &Receiver<Event>) -> Result<String, SetupError> {
    loop {
        match rx.recv() {
            Ok(Event::Line(line)) => return Ok(line),
            Ok(Event::InputEnd) | Err(_) => return Err(SetupError::InputEnded),
            Ok(other) => log::debug!("ignored before registration: {other:?}"),
        }
    }
}

/// The next password typed: a secret from the connect box, or a line (its line break
/// dropped); `None` when empty.
fn read_secret(rx: &Receiver<Event>) -> Result<Option<Secret>, SetupError> {
    loop {
        let typed = match rx.recv() {
            Ok(Event::Secret(secret)) => secret,
            Ok(Event::Line(line)) => Secret::new(line.trim_end_matches(['\n', '\r'])),
            Ok(Event::InputEnd) | Err(_) => return Err(SetupError::InputEnded),
            Ok(other) => {
                log::debug!("ignored before registration: {other:?}");
                continue;
            }
        };
        return Ok(Some(typed).filter(|s| !s.is_empty()));
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
    read_line(rx)
}

/// Asks for a server address until one parses and resolves.
fn ask_addr(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    opts: &Options,
    mut default: Option<String>,
) -> Result<ServerAddr, SetupError> {
    loop {
        let text = ask(view, rx, Ask::Server, default.take())?;
        let failure = match ServerAddr::parse(&text, opts.default_port()) {
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
