//! The full-screen client (ratatui on crossterm), used when stdin and stdout are a terminal.
//!
//! Three threads feed one channel of [`UiEvent`]s to the UI loop here: the terminal reader
//! (keys, mouse, paste, resize), the signal watcher, and the protocol thread ([`driver`]),
//! which runs the line client's own registration and session with a view that forwards each
//! `SessionEvent`. The loop updates the [`app::App`] model, draws it with
//! [`render::render`], and hands typed lines to the session as `net::Event::Line`s.
//!
//! # Layout
//! - [`app`]: the model, a pure state machine of session events; its child modules `keys`
//!   (`keys.rs`) say what each key does, `past` (`past.rs`) what the pane holds of the
//!   server's history, stored messages and claims, and `rooms` (`rooms.rs`) the list of
//!   rooms, the one in view and their unread counts.
//! - [`editor`]: the input line (cursor, words, history, Tab completion).
//! - [`password`]: `/register`'s box, the new password typed twice and never shown.
//! - [`entry`]: what the message pane holds.
//! - [`lines`]: an entry as styled, wrapped screen lines.
//! - [`layout`]: where the panes go.
//! - [`render`]: drawing the model.
//! - [`term`]: raw mode in and out, panic hook, input and signal threads.
//! - [`driver`]: the protocol thread.

mod app;
mod driver;
mod editor;
mod entry;
mod layout;
mod lines;
mod password;
mod render;
mod term;

#[cfg(test)]
mod login_tests;
#[cfg(test)]
mod past_tests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod seed_tests;

use crate::net::Event;
use crate::secret::Secret;
use crate::session::End;
use crate::setup::Options;
use app::{Action, App};
use ratatui::crossterm::event::{Event as TermEvent, KeyEventKind};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// How long a quit waits for the session to say goodbye to the server.
const QUIT_WAIT: Duration = Duration::from_millis(2500);

/// What the UI loop reacts to.
pub enum UiEvent {
    Term(TermEvent),
    Session(crate::view::SessionEvent),
    /// The protocol thread is done.
    Ended(Result<End, String>),
    /// SIGTERM, SIGHUP or SIGINT.
    Signal,
    /// The terminal cannot be read any more.
    Failed(String),
}

/// Runs the full-screen client until the user leaves; the terminal is restored however it
/// ends.
pub fn run(opts: Options) -> ExitCode {
    let default_port = opts.default_port();
    let (tx, rx) = mpsc::channel();
    let (ui_tx, ui_rx) = mpsc::channel();
    let mut screen = match term::Screen::enter() {
        Ok(screen) => screen,
        Err(e) => {
            eprintln!("cannot start the full-screen client ({e}); try --plain");
            return ExitCode::FAILURE;
        }
    };
    let started = term::spawn_input(ui_tx.clone())
        .and_then(|()| term::spawn_signals(ui_tx.clone()))
        .and_then(|()| driver::spawn(opts, rx, tx.clone(), ui_tx));
    if let Err(e) = started {
        drop(screen);
        eprintln!("cannot start the client: {e}");
        return ExitCode::FAILURE;
    }
    let size = screen.terminal.size().unwrap_or_default();
    let mut app = App::new((size.width, size.height));
    app.default_port = default_port;
    let outcome = ui_loop(&mut screen, &mut app, &ui_rx, &tx);
    drop(screen);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn ui_loop(
    screen: &mut term::Screen,
    app: &mut App,
    events: &Receiver<UiEvent>,
    session: &Sender<Event>,
) -> Result<(), String> {
    let mut quit_by: Option<Instant> = None;
    loop {
        screen
            .terminal
            .draw(|frame| render::render(app, frame))
            .map_err(|e| format!("cannot draw: {e}"))?;
        let first = match quit_by {
            Some(by) => match events.recv_timeout(by.saturating_duration_since(Instant::now())) {
                Ok(event) => event,
                Err(_) => return Ok(()),
            },
            None => events
                .recv()
                .map_err(|_| "the client's threads stopped".to_string())?,
        };
        // Everything already waiting is handled before the next draw.
        for event in std::iter::once(first).chain(events.try_iter()) {
            let action = match event {
                UiEvent::Term(event) => on_term(app, event),
                UiEvent::Session(event) => app.on_session(event),
                UiEvent::Ended(Ok(_)) | UiEvent::Signal => return Ok(()),
                UiEvent::Ended(Err(message)) | UiEvent::Failed(message) => return Err(message),
            };
            if act(action, session, &mut quit_by) {
                return Ok(());
            }
        }
    }
}

/// Carries out `action`; true when the client is to stop now.
fn act(action: Action, session: &Sender<Event>, quit_by: &mut Option<Instant>) -> bool {
    let tell = |event| {
        let _ = session.send(event);
    };
    match action {
        Action::None => {}
        Action::Send(line) => tell(Event::Line(line)),
        Action::Login {
            server,
            name,
            password,
        } => {
            tell(Event::Line(server));
            tell(Event::Line(name));
            tell(Event::Secret(password.unwrap_or_else(|| Secret::new(""))));
        }
        Action::SetPassword(password) => tell(Event::SetPassword(password)),
        Action::History(page) => tell(Event::History(page)),
        Action::Batch(actions) => {
            return actions.into_iter().any(|a| act(a, session, quit_by));
        }
        Action::Quit => {
            tell(Event::InputEnd);
            *quit_by = Some(Instant::now() + QUIT_WAIT);
        }
        Action::Exit => return true,
    }
    false
}

fn on_term(app: &mut App, event: TermEvent) -> Action {
    match event {
        TermEvent::Key(key) if key.kind != KeyEventKind::Release => return app.on_key(key),
        TermEvent::Mouse(mouse) => return app.on_mouse(mouse),
        TermEvent::Paste(text) => app.on_paste(&text),
        TermEvent::Resize(width, height) => app.resize(width, height),
        _ => {}
    }
    Action::None
}
