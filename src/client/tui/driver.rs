//! The protocol side of the full-screen client: one thread that runs the same registration
//! (`setup`) and session loop (`session`) as the line client, with a view that hands every
//! [`SessionEvent`] to the UI thread. Lines reach it as `net::Event::Line`s on the usual
//! channel, exactly as stdin's lines do in line mode.
//!
//! When the server goes away it registers again: registration asks for the address (the
//! lost one offered for editing), so the user reconnects with Enter, under the same name
//! and with the same password (the one that logged in, or the one `/register` set since),
//! or quits. The ids of the messages shown are kept across reconnects (a session's
//! [`Memory`]), so nothing is shown twice.

use super::UiEvent;
use crate::net::Event;
use crate::session::{End, Memory, Session};
use crate::setup::{self, Options};
use crate::view::{SessionEvent, View};
use std::sync::mpsc::{Receiver, Sender};
use std::thread;

/// Hands each event to the UI thread.
struct ToUi(Sender<UiEvent>);

impl View for ToUi {
    fn show(&mut self, event: SessionEvent) {
        let _ = self.0.send(UiEvent::Session(event));
    }
}

/// Starts the protocol thread; it reports [`UiEvent::Ended`] when it is done.
pub fn spawn(
    opts: Options,
    rx: Receiver<Event>,
    tx: Sender<Event>,
    ui: Sender<UiEvent>,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name("session".into())
        .spawn(move || {
            let end = drive(opts, &rx, &tx, &ui);
            let _ = ui.send(UiEvent::Ended(end));
        })
        .map(drop)
}

/// Registers and runs sessions until one ends by the user's choice (or cannot start).
fn drive(
    mut opts: Options,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    ui: &Sender<UiEvent>,
) -> Result<End, String> {
    let mut view = ToUi(ui.clone());
    let mut memory = Memory::default();
    loop {
        let registered = setup::register(&opts, &mut view, rx).map_err(|e| e.to_string())?;
        drop_stale(rx, tx);
        let (server, name) = (registered.addr.to_string(), registered.name.clone());
        let reply_timeout = opts.reply_timeout;
        let session = Session::start(
            registered,
            rx,
            tx.clone(),
            &mut view,
            reply_timeout,
            &mut memory,
        )
        .map_err(|e| format!("cannot start the session: {e}"))?;
        match session.run() {
            End::Quit => return Ok(End::Quit),
            End::ServerGone => {
                opts.server = None;
                opts.server_hint = Some(server);
                opts.user = Some(name);
                opts.password = memory.password.clone();
            }
        }
    }
}

/// Drops what the sockets of a lost session said after it ended (their readers' `Closed`),
/// so the new session does not take it for its own. Input is put back, in order (the
/// channel is empty once drained).
fn drop_stale(rx: &Receiver<Event>, tx: &Sender<Event>) {
    let waiting: Vec<Event> = rx.try_iter().collect();
    for event in waiting {
        match event {
            Event::Line(_) | Event::InputEnd => {
                let _ = tx.send(event);
            }
            stale => log::debug!("dropped from an earlier session: {stale:?}"),
        }
    }
}
