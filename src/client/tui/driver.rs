//! The protocol side of the full-screen client: one thread that runs the same registration
//! (`setup`) and session loop (`session`) as the line client, with a view that hands every
//! [`SessionEvent`] to the UI thread. Lines reach it as `net::Event::Line`s on the usual
//! channel, exactly as stdin's lines do in line mode.
//!
//! When the server goes away it registers again (`failover`): on the next server of the
//! chat by itself when there are several; else registration asks for the address (the lost
//! one offered for editing), so the user reconnects with Enter, under the same name and
//! with the same password (the one that logged in, or the one `/register` set since), or
//! quits. The ids of the messages shown are kept across reconnects (the session's
//! `Memory`), so nothing is shown twice.

use super::UiEvent;
use crate::failover::{self, AfterLoss};
use crate::net::Event;
use crate::session::End;
use crate::setup::Options;
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
    opts: Options,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    ui: &Sender<UiEvent>,
) -> Result<End, String> {
    let mut view = ToUi(ui.clone());
    failover::run(opts, &mut view, rx, tx, AfterLoss::Ask)
}
