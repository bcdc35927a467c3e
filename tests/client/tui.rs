//! The full-screen client end to end: real `client` processes in a private tmux server,
//! against the real `server`, typed at with `send-keys` and read with `capture-pane`, the way
//! a person sees them. Every wait polls the screen until the text appears or [`WAIT`] passes.
//!
//! tmux must be installed (`.ci/run` installs it); without it these tests fail, saying so.

use crate::support::client::{poll, Server, WAIT};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A tmux server of our own (`tmux -L <socket>`), killed when dropped, even on failure.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start() -> Tmux {
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

    fn run(&self, args: &[&str]) -> Output {
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
    fn client(&self, name: &str, args: &[&str]) -> Pane<'_> {
        let mut script = format!("'{}'", env!("CARGO_BIN_EXE_client"));
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
    fn signed_in(&self, addr: &str, name: &str) -> Pane<'_> {
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
struct Pane<'a> {
    tmux: &'a Tmux,
    name: String,
}

impl Pane<'_> {
    fn screen(&self) -> String {
        let out = self.tmux.run(&["capture-pane", "-p", "-t", &self.name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until it shows every one of `texts`; returns it.
    #[track_caller]
    fn expect(&self, texts: &[&str]) -> String {
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
    fn expect_gone(&self, text: &str) -> String {
        self.poll_screen(
            |screen| !screen.contains(text),
            |_| format!("{text:?} still there"),
        )
    }

    /// Polls the screen until `done` holds for it; after [`WAIT`] panics with `wrong` of the
    /// screen then shown.
    #[track_caller]
    fn poll_screen(&self, done: impl Fn(&str) -> bool, wrong: impl Fn(&str) -> String) -> String {
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
    fn type_text(&self, text: &str) {
        self.tmux.run(&["send-keys", "-t", &self.name, "-l", text]);
    }

    /// Presses keys by tmux name (`Enter`, `Tab`, `C-c`, `C-u`).
    fn press(&self, key: &str) {
        self.tmux.run(&["send-keys", "-t", &self.name, key]);
    }

    /// Turns the mouse wheel over the message pane: the SGR mouse report a terminal sends
    /// (`ESC [ < 64 ; col ; row M` up, 65 down), written to the pane as raw bytes.
    fn wheel(&self, up: bool) {
        let button = if up { "64" } else { "65" };
        let report = format!("\x1b[<{button};10;5M");
        let hex: Vec<String> = report.bytes().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-t", &self.name, "-H"];
        args.extend(hex.iter().map(String::as_str));
        self.tmux.run(&args);
    }

    fn line(&self, text: &str) {
        self.type_text(text);
        self.press("Enter");
    }
}

#[test]
fn two_clients_chat_with_login_user_list_and_delivery_marks() {
    let started = Instant::now();
    let server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();

    // alice gives the server and her name in the UI.
    let alice = tmux.client("alice", &[]);
    alice.expect(&[
        "Connect to a chat server",
        "Server",
        "Name",
        "Enter: connect",
    ]);
    alice.line(&addr);
    alice.expect(&["Server  127.0.0.1"]);
    alice.line("alice");
    alice.expect(&[
        &format!("alice on {addr} · connected"),
        "Users (1)",
        "alice>",
    ]);

    // bob comes with flags; alice sees him join and in the list.
    let bob = tmux.signed_in(&addr, "bob");
    bob.expect(&["Users (2)", "bob>"]);
    alice.expect(&["→ bob joined", "Users (2)", "│ bob"]);

    alice.line("@bob hello from alice");
    alice.expect(&["alice → bob: hello from alice ✓"]);
    bob.expect(&["alice → you: hello from alice"]);

    bob.line("@ALL hi everyone 日本語");
    bob.expect(&["bob: hi everyone 日本語 ✓"]);
    alice.expect(&["bob: hi everyone 日本語"]);

    alice.line("@nobody are you there");
    // alice knows who is online (the list at login, kept by the events): the failure says why.
    alice.expect(&["alice → nobody: are you there ✗ nobody is not online (ERROR 102)"]);

    // Tab completes bob's name; /me is an action.
    alice.type_text("@b");
    alice.press("Tab");
    alice.line("completed");
    alice.expect(&["alice → bob: completed ✓"]);
    bob.line("/me waves");
    alice.expect(&["* bob waves"]);
    bob.expect(&["* bob waves ✓"]);

    // A taken name is refused in the box, and another one works.
    let carol = tmux.client("carol", &[]);
    carol.expect(&["Connect to a chat server"]);
    carol.line(&addr);
    carol.expect(&["Name"]);
    carol.line("alice");
    carol.expect(&["the name \"alice\" is taken; choose another"]);
    carol.press("C-u");
    carol.line("carol");
    carol.expect(&["carol on", "Users (3)"]);
    alice.expect(&["→ carol joined", "│ carol"]);

    // Ctrl-C leaves in order and gives the terminal back.
    bob.press("C-c");
    bob.expect(&["client exited 0", "terminal cooked"]);
    let screen = bob.expect_gone("Users (");
    assert!(
        !screen.contains("bob>"),
        "the full screen is gone:\n{screen}"
    );
    alice.expect(&["← bob left (quit)", "Users (2)"]);
    alice.expect_gone("│ bob");
    eprintln!("tmux chat test took {:?}", started.elapsed());
}

#[test]
fn the_connect_box_moves_between_its_fields_with_tab_and_the_arrows() {
    let server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();
    let gina = tmux.client("gina", &[]);
    gina.expect(&["Connect to a chat server", "Tab: next field"]);
    // Tab does not complete here: it moves to the name, and back with Shift-Tab or Up.
    gina.type_text(&addr);
    gina.press("Tab");
    gina.type_text("gin");
    gina.press("BTab");
    gina.expect(&[&format!("Server  {addr}"), "Name    gin"]);
    gina.press("Down");
    gina.type_text("a");
    gina.press("Up");
    gina.press("Tab");
    gina.press("Enter");
    gina.expect(&[&format!("gina on {addr} · connected"), "gina>"]);
    gina.press("C-c");
    gina.expect(&["client exited 0", "terminal cooked"]);
}

#[test]
fn a_lost_server_is_shown_and_the_client_reconnects_elsewhere() {
    let started = Instant::now();
    let mut server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();
    let dave = tmux.signed_in(&addr, "dave");
    server.kill();
    dave.expect(&[
        "! server closed the connection",
        "Reconnect",
        "· disconnected",
    ]);

    let other = Server::start();
    let addr = format!("127.0.0.1:{}", other.port);
    dave.press("C-u");
    dave.line(&addr);
    dave.expect(&[&format!("dave on {addr} · connected")]);
    dave.line("@dave still here");
    dave.expect(&["dave → dave: still here ✓", "dave → you: still here"]);

    dave.press("C-c");
    dave.expect(&["client exited 0", "terminal cooked"]);
    eprintln!("tmux reconnect test took {:?}", started.elapsed());
}

#[test]
fn a_terminal_killed_by_a_signal_is_restored() {
    let server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();
    let erin = tmux.signed_in(&addr, "erin");
    let out = tmux.run(&["list-panes", "-t", "erin", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let found = Command::new("pgrep")
        .args(["-P", &shell, "-f", env!("CARGO_BIN_EXE_client")])
        .output();
    let pid = match found {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Err(e) => panic!("pgrep: {e}"),
    };
    assert!(
        !pid.is_empty(),
        "no client process under the pane's shell {shell}"
    );
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    erin.expect(&["client exited", "terminal cooked"]);
    erin.expect_gone("erin on");
}

#[test]
fn scrollback_mouse_wheel_and_resizing_work_in_a_real_terminal() {
    let server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();
    let frank = tmux.signed_in(&addr, "frank");
    frank.expect(&["Users (1)"]);
    for i in 1..=30 {
        frank.line(&format!("@frank note {i:02}"));
    }
    frank.expect(&["frank → frank: note 30 ✓"]);

    // PageUp shows older lines and says how far back the view is; Ctrl-End returns.
    frank.press("PageUp");
    let screen = frank.expect(&["lines up"]);
    assert!(
        !screen.contains("note 30"),
        "still at the bottom:\n{screen}"
    );
    frank.press("C-End");
    frank.expect_gone("lines up");
    frank.expect(&["note 30"]);
    // The mouse wheel scrolls three lines a notch.
    frank.wheel(true);
    frank.expect(&["▲ 3 lines up"]);
    frank.wheel(true);
    frank.expect(&["▲ 6 lines up"]);
    frank.wheel(false);
    frank.expect(&["▲ 3 lines up"]);
    frank.wheel(false);
    frank.expect_gone("lines up");

    // Narrower than 60 columns the users panel gives way; wide again, it is back.
    tmux.run(&["resize-window", "-t", "frank", "-x", "50", "-y", "20"]);
    // One poll for both: a screen captured in the middle of the redraw may lack either.
    frank.poll_screen(
        |screen| !screen.contains("Users (") && screen.contains("frank>"),
        |_| "the users panel still there, or no input line".to_string(),
    );
    tmux.run(&["resize-window", "-t", "frank", "-x", "100", "-y", "30"]);
    frank.expect(&["Users (1)", "note 30"]);

    frank.press("C-c");
    frank.expect(&["client exited 0", "terminal cooked"]);
}
