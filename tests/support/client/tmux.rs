//! The full-screen client in a real terminal: a private tmux server ([`Tmux`]) running
//! `client` windows ([`Pane`]), typed at with `send-keys` and read with `capture-pane`, the
//! way a person sees them. Every wait polls the screen until the text appears or [`WAIT`]
//! passes.
//!
//! tmux must be installed (`.ci/run` installs it); without it these tests fail, saying so.

use super::{poll, WAIT};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A tmux server of our own (`tmux -L <socket>`), killed when dropped, even on failure.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start() -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            _ => panic!(
                "tmux is needed for the full-screen client's end-to-end tests and was not \
                 found; install it (apt-get install tmux), as .ci/run does"
            ),
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let socket = format!(
            "chat-tui-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Tmux { socket }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output();
        match out {
            Ok(out) if out.status.success() => out,
            Ok(out) => panic!(
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!("tmux {args:?}: {e}"),
        }
    }

    /// A 100×30 window named `name` running `client` with `args`; when the client exits
    /// the window stays, showing its exit status and whether the terminal is back in
    /// cooked mode.
    pub fn client(&self, name: &str, args: &[&str]) -> Pane<'_> {
        // A password in the environment of whoever runs the tests is not the client's.
        let mut script = format!("env -u CHAT_PASSWORD '{}'", env!("CARGO_BIN_EXE_client"));
        for arg in args {
            script.push_str(&format!(" '{arg}'"));
        }
        script.push_str(
            "; echo \"client exited $?\"; \
             if stty -a | grep -q -- -icanon; then echo 'terminal raw'; \
             else echo 'terminal cooked'; fi; sleep 60",
        );
        let size = ["-x", "100", "-y", "30"];
        let mut args = vec!["new-session", "-d", "-s", name];
        args.extend(size);
        args.extend(["sh", "-c", &script]);
        self.run(&args);
        Pane {
            tmux: self,
            name: name.to_string(),
        }
    }

    /// `name`'s window, started with `--server addr --user name`, once it shows itself
    /// connected there.
    #[track_caller]
    pub fn signed_in(&self, addr: &str, name: &str) -> Pane<'_> {
        let pane = self.client(name, &["--server", addr, "--user", name]);
        pane.expect(&[&format!("{name} on {addr} · connected")]);
        pane
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let tmux = |args: &[&str]| {
            Command::new("tmux")
                .args(["-L", &self.socket])
                .args(args)
                .output()
        };
        let path = tmux(&["display-message", "-p", "#{socket_path}"]);
        let _ = tmux(&["kill-server"]);
        // tmux leaves its socket file behind.
        if let Ok(out) = path {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !path.is_empty() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// One client's window.
pub struct Pane<'a> {
    tmux: &'a Tmux,
    name: String,
}

impl Pane<'_> {
    pub fn screen(&self) -> String {
        let out = self.tmux.run(&["capture-pane", "-p", "-t", &self.name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until it shows every one of `texts`; returns it.
    #[track_caller]
    pub fn expect(&self, texts: &[&str]) -> String {
        self.poll_screen(
            |screen| texts.iter().all(|t| screen.contains(t)),
            |screen| {
                let missing: Vec<_> = texts.iter().filter(|t| !screen.contains(*t)).collect();
                format!("no {missing:?}")
            },
        )
    }

    /// Polls until the screen no longer shows `text`.
    #[track_caller]
    pub fn expect_gone(&self, text: &str) -> String {
        self.poll_screen(
            |screen| !screen.contains(text),
            |_| format!("{text:?} still there"),
        )
    }

    /// Polls the screen until `done` holds for it; after [`WAIT`] panics with `wrong` of the
    /// screen then shown.
    #[track_caller]
    pub fn poll_screen(
        &self,
        done: impl Fn(&str) -> bool,
        wrong: impl Fn(&str) -> String,
    ) -> String {
        poll(
            Duration::from_millis(50),
            || Some(self.screen()).filter(|screen| done(screen)),
            || {
                let screen = self.screen();
                format!(
                    "{}: {} after {WAIT:?}; screen:\n{screen}",
                    self.name,
                    wrong(&screen)
                )
            },
        )
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux.run(&["send-keys", "-t", &self.name, "-l", text]);
    }

    /// Presses keys by tmux name (`Enter`, `Tab`, `C-c`, `C-u`).
    pub fn press(&self, key: &str) {
        self.tmux.run(&["send-keys", "-t", &self.name, key]);
    }

    /// Turns the mouse wheel over the message pane: the SGR mouse report a terminal sends
    /// (`ESC [ < 64 ; col ; row M` up, 65 down), written to the pane as raw bytes.
    pub fn wheel(&self, up: bool) {
        let button = if up { "64" } else { "65" };
        let report = format!("\x1b[<{button};10;5M");
        let hex: Vec<String> = report.bytes().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-t", &self.name, "-H"];
        args.extend(hex.iter().map(String::as_str));
        self.tmux.run(&args);
    }

    pub fn line(&self, text: &str) {
        self.type_text(text);
        self.press("Enter");
    }
}
