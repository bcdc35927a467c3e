//! Getting registered: ask for what the flags did not give, connect, register, and on
//! failure say why and ask again. The exchange with the server is in `register` (two-socket)
//! and `json` (seed 003's protocol); the questions are the same for both.
//!
//! The server may be several, separated by commas (`a:4334,b:4334`, one chat served by each,
//! [`ServerList`]): each is tried in turn until one answers, a server that cannot be reached
//! said and the next one tried.
//!
//! Two ways of asking. The line client asks one question at a time (the server, then the
//! name): a refused name asks for another name; servers that cannot be reached ask for
//! others when they were typed at the prompt, and end the program when they came from
//! `--server`. The full-screen client ([`Options::form`]) asks for all at once, in
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
use crate::register::{self, resolve, Pair};
use crate::secret::{self, Secret};
use crate::servers::ServerList;
use crate::view::{Ask, SessionEvent, View};
use chat::net::tls::ClientTls;
use chat::wire::{is_valid_username, Limits};
use std::sync::mpsc::Receiver;
use std::time::Duration;

#[path = "setup_errors.rs"]
mod errors;
pub use errors::{AttemptError, SetupError};

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

/// Asks, connects and registers until it works or cannot work; returns the registration
/// and the servers of the chat (the one registered on among them).
pub fn register(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
) -> Result<(Joined, ServerList), SetupError> {
    let mut attempts = Attempts::new(opts);
    let mut attempt = |addr: &ServerAddr, name: &str, password: Option<&Secret>| {
        attempts.attempt(addr, name, password)
    };
    if opts.form {
        in_form(opts, view, rx, &mut attempt)
    } else {
        by_lines(opts, view, rx, &mut attempt)
    }
}

/// Tries to register on one server at a time, in the protocol of the [`Options`].
pub struct Attempts<'a> {
    opts: &'a Options,
    /// The sockets of a two-socket try whose name was refused, for the next name; the JSON
    /// connection of a hello refused for its password, for the next hello.
    held: Option<Pair>,
    held_json: Option<json::Held>,
}

impl<'a> Attempts<'a> {
    pub fn new(opts: &'a Options) -> Attempts<'a> {
        Attempts {
            opts,
            held: None,
            held_json: None,
        }
    }

    /// One try at registering `name` (with `password`, for a claimed name) on `addr`.
    pub fn attempt(
        &mut self,
        addr: &ServerAddr,
        name: &str,
        password: Option<&Secret>,
    ) -> Result<Joined, AttemptError> {
        match self.opts.protocol {
            Protocol::TwoSocket => {
                register::attempt(addr, name, password, self.opts, &mut self.held)
            }
            Protocol::Json => json::attempt(addr, name, password, self.opts, &mut self.held_json),
        }
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
) -> Result<(T, ServerList), SetupError> {
    let prompted = opts.server.is_none();
    let mut servers = match &opts.server {
        Some(text) => {
            ServerList::parse(text, opts.default_port()).map_err(|e| SetupError::BadFlag {
                text: text.clone(),
                reason: e.to_string(),
            })?
        }
        None => ask_servers(view, rx, opts, opts.server_hint.clone())?,
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
        match on_any(&servers, &wanted, password.as_ref(), view, attempt) {
            Ok(done) => return Ok((done, servers)),
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
                servers = ask_servers(view, rx, opts, Some(servers.to_string()))?;
                name = Some(wanted);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Tries each of `servers` in turn until one registers us or answers about the name or
/// its password; each that fails otherwise, but the last, is said before the next is tried.
fn on_any<T>(
    servers: &ServerList,
    name: &str,
    password: Option<&Secret>,
    view: &mut dyn View,
    attempt: &mut Attempt<T>,
) -> Result<T, AttemptError> {
    let mut tried = attempt(servers.first(), name, password);
    for addr in servers.iter().skip(1) {
        match tried {
            Err(e) if !e.is_about_the_name() && !e.is_about_the_password() => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                tried = attempt(addr, name, password);
            }
            done => return done,
        }
    }
    tried
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
) -> Result<(T, ServerList), SetupError> {
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
        let tried = try_form(&server, port, &name, password.as_ref(), view, attempt);
        let (why, fix) = match tried {
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
    view: &mut dyn View,
    attempt: &mut Attempt<T>,
) -> Result<(T, ServerList), (String, Ask)> {
    let servers = ServerList::parse(server, port)
        .map_err(|e| (format!("{e}; {TYPE_SERVER}"), Ask::Server))?;
    check_name(name).map_err(|why| (why, Ask::Name))?;
    if let Some(why) = password.and_then(|p| secret::problem(p.expose())) {
        return Err((why, Ask::Password));
    }
    let done = on_any(&servers, name, password, view, attempt).map_err(|e| {
        let fix = if e.is_about_the_password() {
            Ask::Password
        } else if e.is_about_the_name() {
            Ask::Name
        } else {
            Ask::Server
        };
        (e.to_string(), fix)
    })?;
    Ok((done, servers))
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

/// What to type for a server, said after an address that does not parse.
const TYPE_SERVER: &str = "type host or host:port, or several separated by commas";

/// Asks for the server (or several) until every address parses and resolves.
fn ask_servers(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    opts: &Options,
    mut default: Option<String>,
) -> Result<ServerList, SetupError> {
    loop {
        let text = ask(view, rx, Ask::Server, default.take())?;
        let failure = match ServerList::parse(&text, opts.default_port()) {
            Ok(servers) => {
                let unknown = servers.iter().map(resolve).find_map(Result::err);
                match unknown {
                    None => return Ok(servers),
                    Some(e) => e.to_string(),
                }
            }
            Err(e) => format!("{e}; {TYPE_SERVER}"),
        };
        view.show(SessionEvent::SetupFailed(failure));
        default = Some(text.trim().to_string());
    }
}
