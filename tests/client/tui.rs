//! The full-screen client end to end: real `client` processes in a private tmux server,
//! against the real `server` (and, for `--protocol json`, a scripted fake of seed 003's
//! protocol), typed at with `send-keys` and read with `capture-pane`, the way a person sees
//! them; every wait polls the screen (`support::client::tmux`).
//!
//! tmux must be installed (`.ci/run` installs it); without it these tests fail, saying so.

use crate::support::client::*;
use std::process::Command;
use std::time::Instant;

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
    alice.expect(&["Server   127.0.0.1"]);
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
    gina.expect(&[&format!("Server   {addr}"), "Name     gin"]);
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

#[test]
fn the_json_protocol_in_the_full_screen_client() {
    let (port, fake) = fake(|l| {
        let mut s = join_ours(&l, "pat", ALL_JSON);
        // The list asked for at login fills the users panel.
        expect_packet(&mut s, r#"{"type":"users"}"#);
        put_packet(&mut s, r#"{"type":"users","nicks":["chris","pat"]}"#);
        expect_packet(&mut s, r#"{"type":"chat","message":"hello chris"}"#);
        put_packet(&mut s, &chat("pat", "hello chris"));
        put_packet(&mut s, &chat("chris", "hi pat"));
        expect_packet(&mut s, r#"{"type":"dm","to":"dana","message":"psst"}"#);
        put_packet(
            &mut s,
            r#"{"type":"error","code":"no-such-user","message":"no dana"}"#,
        );
        put_packet(&mut s, r#"{"type":"join","nick":"dana"}"#);
        put_packet(&mut s, r#"{"type":"leave","nick":"chris","reason":"quit"}"#);
        expect_closed(&mut s);
    });
    let addr = format!("127.0.0.1:{port}");
    let tmux = Tmux::start();
    let args = ["--protocol", "json", "--server", &addr, "--user", "pat"];
    let pat = tmux.client("pat", &args);
    pat.expect(&[
        &format!("pat on {addr} · connected"),
        "Users (2)",
        "│ chris",
    ]);
    // A bare line is for everyone; the server's echo marks it delivered and is not shown.
    pat.line("hello chris");
    let screen = pat.expect(&["pat: hello chris ✓", "chris: hi pat"]);
    assert_eq!(screen.matches("hello chris").count(), 1, "{screen}");
    pat.line("@dana psst");
    pat.expect(&["pat → dana: psst ✗ dana is not online (no-such-user)"]);
    pat.expect(&["→ dana joined", "← chris left (quit)", "│ dana"]);
    pat.expect_gone("│ chris");
    pat.press("C-c");
    pat.expect(&["client exited 0", "terminal cooked"]);
    join(fake);
}
