//! Line mode on a terminal: a password is typed without being shown. Before its prompt the
//! terminal's echo is turned off (`stty -echo`, so line editing still works and Enter still
//! ends the line), and the stdin thread turns it back on as soon as that line is read
//! ([`line_read`]), then moves to a new line, since the Enter was not echoed either.
//!
//! The terminal is always given back with its echo: after the line, at exit ([`restore`]),
//! and on SIGINT, SIGTERM or SIGHUP, whose default action (ending the process) is carried out
//! right after. Nothing of this happens when stdin is not a terminal: a script's password
//! line was never going to be echoed.

use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::thread;

/// The echo is off: the next line read turns it on again.
static HIDDEN: AtomicBool = AtomicBool::new(false);

/// Turns the echo off for the next line typed, when stdin is a terminal.
pub fn hide_next_line() {
    if !io::stdin().is_terminal() {
        return;
    }
    watch_signals();
    if stty("-echo") {
        HIDDEN.store(true, Ordering::SeqCst);
    } else {
        log::warn!("cannot turn the terminal's echo off (stty): the password will show");
    }
}

/// Called by the stdin thread after each line: the echo comes back after a hidden one.
pub fn line_read() {
    if restore() {
        let mut out = io::stdout().lock();
        let _ = writeln!(out);
        let _ = out.flush();
    }
}

/// Turns the echo back on if it is off; true when it was.
pub fn restore() -> bool {
    if HIDDEN.swap(false, Ordering::SeqCst) {
        stty("echo");
        return true;
    }
    false
}

/// Runs `stty <setting>` on our terminal (stdin); true when it worked.
fn stty(setting: &str) -> bool {
    Command::new("stty")
        .arg(setting)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Once: a thread that gives the echo back on a terminating signal, then lets the signal
/// do what it would have done.
fn watch_signals() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = match signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) {
            Ok(signals) => signals,
            Err(e) => return log::warn!("cannot watch signals: {e}"),
        };
        let started = thread::Builder::new()
            .name("echo-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    restore();
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                }
            });
        if let Err(e) = started {
            log::warn!("cannot watch signals: {e}");
        }
    });
}
