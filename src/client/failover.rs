//! One run of the client, in either view: register ([`setup`]), run a [`Session`], and when
//! its server goes away, go on elsewhere.
//!
//! With several servers (`--server a:4334,b:4334`, one chat served by each) the client moves
//! by itself, under the same name and with the same password (the one that logged in, or
//! the one `/register` set since), so a claimed name keeps its mailbox:
//! - the next server of the list first, round-robin, the lost one last in the round (it may
//!   only have restarted);
//! - each server that fails is said, and once every one has failed in a round the next round
//!   comes after a pause of 1 s, doubling up to 30 s ([`pause_after`]), said too;
//! - nothing typed is lost: in line mode what the lost session had not sent yet, and what is
//!   typed meanwhile, is sent on the next server in order (the message that was awaiting its
//!   reply is said to be lost, not sent again: it may have been delivered); `/quit` leaves at
//!   once (what waits is not sent), and an end of input ends the trying after the round
//!   under way. The full screen keeps what is typed in its input line until it is connected
//!   again.
//! - Not after the operator kicked us: that close is the chat's wish, not a failure.
//!
//! With one server, or after a kick, the line client ends and the full screen asks in its
//! Reconnect box ([`AfterLoss`]).

use crate::addr::ServerAddr;
use crate::command::{parse_line, Input};
use crate::link::Joined;
use crate::net::Event;
use crate::servers::{pause_after, ServerList};
use crate::session::{End, Memory, Session};
use crate::setup::{self, Attempts, Options};
use crate::view::{SessionEvent, View};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

/// The views' ways after a loss that no other server can make good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterLoss {
    /// The line client: the run ends, and what was typed and not sent is left.
    End,
    /// The full screen: the Reconnect box asks, offering the servers lost; what was not
    /// sent is shown so (`✗ connection lost`), and nothing of it carried over.
    Ask,
}

/// How trying the other servers ended.
enum Rejoined {
    Joined(Box<Joined>),
    /// `/quit`, or the end of input with nothing left to send.
    Quit,
    /// Input ended, and no server took us in the round under way.
    GaveUp,
}

/// What the input said while no session listened.
#[derive(PartialEq, Eq)]
enum Heard {
    Nothing,
    Quit,
}

/// Registers and runs sessions until the user leaves or, after a loss, `after_loss` says so.
pub fn run(
    mut opts: Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    after_loss: AfterLoss,
) -> Result<End, String> {
    let mut memory = Memory::default();
    let (mut joined, mut servers) = setup::register(&opts, view, rx).map_err(|e| e.to_string())?;
    loop {
        carry_over(rx, &mut memory, after_loss);
        let (lost, name) = (joined.addr.clone(), joined.name.clone());
        let session = Session::start(
            joined,
            rx,
            tx.clone(),
            view,
            opts.reply_timeout,
            &mut memory,
        )
        .map_err(|e| format!("cannot start the session: {e}"))?;
        let end = session.run();
        if end == End::ServerGone && servers.len() > 1 {
            let mut tries = Tries {
                servers: &servers,
                lost: &lost,
                name: &name,
                attempts: Attempts::new(&opts),
                after_loss,
            };
            match tries.rejoin(&mut memory, view, rx) {
                Rejoined::Joined(next) => {
                    joined = *next;
                    continue;
                }
                Rejoined::Quit => return Ok(End::Quit),
                Rejoined::GaveUp => {}
            }
        }
        match (end, after_loss) {
            (End::Quit, _) | (_, AfterLoss::End) => return Ok(end),
            (End::ServerGone | End::Kicked, AfterLoss::Ask) => {
                opts.server = None;
                opts.server_hint = Some(servers.to_string());
                opts.user = Some(name);
                opts.password = memory.password.clone();
                (joined, servers) = setup::register(&opts, view, rx).map_err(|e| e.to_string())?;
            }
        }
    }
}

/// Moving to the other servers of the chat, after losing one.
struct Tries<'a> {
    servers: &'a ServerList,
    lost: &'a ServerAddr,
    name: &'a str,
    attempts: Attempts<'a>,
    after_loss: AfterLoss,
}

impl Tries<'_> {
    /// Registers our name on the other servers, round after round, until one takes it, the
    /// user quits, or input has ended and a round failed.
    fn rejoin(
        &mut self,
        memory: &mut Memory,
        view: &mut dyn View,
        rx: &Receiver<Event>,
    ) -> Rejoined {
        if memory.input_ended && memory.unsent.is_empty() {
            return Rejoined::Quit; // it was about to leave
        }
        let mut rounds = 0;
        loop {
            for addr in self.servers.after(self.lost) {
                if self.listen(rx, None, memory) == Heard::Quit {
                    return Rejoined::Quit;
                }
                view.show(SessionEvent::Reconnecting {
                    server: addr.to_string(),
                });
                match self
                    .attempts
                    .attempt(&addr, self.name, memory.password.as_ref())
                {
                    Ok(joined) => return Rejoined::Joined(Box::new(joined)),
                    Err(e) => view.show(SessionEvent::SetupFailed(e.to_string())),
                }
            }
            rounds += 1;
            if memory.input_ended {
                return Rejoined::GaveUp;
            }
            let after = pause_after(rounds);
            view.show(SessionEvent::Retrying { after });
            if self.listen(rx, Some(Instant::now() + after), memory) == Heard::Quit {
                return Rejoined::Quit;
            }
        }
    }

    /// Takes the input that arrives meanwhile, until `until` (with none: what is waiting
    /// already). `/quit`, or an end of input with nothing left to send, is [`Heard::Quit`];
    /// the rest is kept for the next session as [`carry_over`] keeps it.
    fn listen(&self, rx: &Receiver<Event>, until: Option<Instant>, memory: &mut Memory) -> Heard {
        loop {
            let event = match until {
                None => match rx.try_recv() {
                    Ok(event) => event,
                    Err(_) => return Heard::Nothing,
                },
                Some(until) => {
                    match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                        Ok(event) => event,
                        Err(RecvTimeoutError::Timeout) => return Heard::Nothing,
                        Err(RecvTimeoutError::Disconnected) => return Heard::Quit,
                    }
                }
            };
            let quits = match &event {
                Event::Line(line) => {
                    !memory.asking_password() && parse_line(line, false) == Input::Quit
                }
                Event::InputEnd => memory.unsent.is_empty(),
                _ => false,
            };
            if quits {
                return Heard::Quit;
            }
            keep(event, memory, self.after_loss);
        }
    }
}

/// Keeps the input waiting for the next session, and drops what the lost session's sockets
/// said after it ended (not the next one's).
fn carry_over(rx: &Receiver<Event>, memory: &mut Memory, after_loss: AfterLoss) {
    while let Ok(event) = rx.try_recv() {
        keep(event, memory, after_loss);
    }
    if after_loss == AfterLoss::Ask {
        // Shown failed when the connection was lost (`✗ connection lost`).
        memory.unsent.clear();
    }
}

/// Keeps `event` for the next session when it is input: the line client's lines (the full
/// screen's were shown failed), the end of input.
fn keep(event: Event, memory: &mut Memory, after_loss: AfterLoss) {
    match event {
        Event::Line(line) if after_loss == AfterLoss::End => memory.unsent.push(line),
        Event::InputEnd => memory.input_ended = true,
        stale => log::debug!("dropped between sessions: {stale:?}"),
    }
}
