//! The terminal, always given back: raw mode, the alternate screen, mouse and bracketed paste
//! are turned on by [`Screen::enter`] and off again by its `Drop`, by a panic hook (before
//! the panic message is printed, so it stays readable), and so on any way out: a quit, a
//! signal (SIGTERM, SIGHUP, SIGINT end the loop, which drops the screen), a lost server.
//!
//! In raw mode Ctrl-C is a key, not a signal: the model decides what it does.

use super::UiEvent;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::sync::mpsc::Sender;
use std::sync::Once;
use std::thread;

/// The terminal in full-screen mode; dropping it restores the terminal.
pub struct Screen {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    pub fn enter() -> io::Result<Screen> {
        install_panic_hook();
        enable_raw_mode()?;
        let started = execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )
        .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match started {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as it was; harmless when it already is.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Restores the terminal before the default hook prints the panic, then ends the process:
/// a panic on any thread (the protocol thread's included) leaves no screen worth drawing.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
            std::process::exit(101);
        }));
    });
}

/// Starts the thread that reads keys, the mouse, pastes and resizes.
pub fn spawn_input(tx: Sender<UiEvent>) -> io::Result<()> {
    thread::Builder::new()
        .name("terminal".into())
        .spawn(move || loop {
            let event = match event::read() {
                Ok(event) => UiEvent::Term(event),
                Err(e) => UiEvent::Failed(format!("cannot read the terminal: {e}")),
            };
            let failed = matches!(event, UiEvent::Failed(_));
            if tx.send(event).is_err() || failed {
                return;
            }
        })
        .map(drop)
}

/// Starts the thread that turns SIGTERM, SIGHUP and SIGINT into [`UiEvent::Signal`].
pub fn spawn_signals(tx: Sender<UiEvent>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(UiEvent::Signal);
            }
        })
        .map(drop)
}
