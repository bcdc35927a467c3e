//! Two pages (alice, bob) and the line-mode `client` (carol) in one chat: each sees the
//! others, broadcasts and direct messages go every way, delivery marks turn, an error reads in
//! words, and markup in a message stays text.

use crate::browser::{Chromium, Page};
use crate::support::client::{untimed, Client};

/// alice and bob on pages, carol in a terminal, all seeing each other.
fn three_people(chromium: &Chromium, url: &str, port: u16) -> (Page, Page, Client) {
    let alice = chromium.page(url);
    alice.connect("alice", "");
    let bob = chromium.page(url);
    bob.connect("bob", "");
    let carol = Client::registered(port, "carol", &[]);
    for page in [&alice, &bob] {
        page.wait_users(&["alice", "bob", "carol"]);
    }
    alice.wait_line("→ bob joined");
    alice.wait_line("→ carol joined");
    (alice, bob, carol)
}

#[test]
fn two_pages_and_a_terminal_chat_with_each_other() {
    let server = crate::start();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let (alice, bob, mut carol) = three_people(&chromium, &url, server.local_addr().port());
    // The user list marks who we are.
    assert!(
        alice.text("#users").contains("alice (you)"),
        "{}",
        alice.dump()
    );
    assert_eq!(alice.text("#user-count"), "3");

    // A broadcast from a page reaches the other page and the terminal; its mark turns ✓.
    alice.send("morning all! the build is green again 🎉");
    bob.wait_line("alice: morning all! the build is green again 🎉");
    let line = carol.expect("morning all");
    assert_eq!(
        untimed(&line),
        "alice: morning all! the build is green again 🎉"
    );
    assert_eq!(alice.wait_mark("morning all", "delivered"), "✓");
    let own = alice.line("morning all");
    assert_eq!(own["kind"], "chat", "{own}");
    assert!(
        own["id"].is_string(),
        "an echo with history carries an id: {own}"
    );
    // Times: HH:MM shown, the full date in the title.
    let time = alice.eval("document.querySelector('#messages li.own time').textContent");
    assert!(
        regex::Regex::new(r"^\d\d:\d\d$")
            .unwrap()
            .is_match(time.as_str().unwrap()),
        "{time}"
    );
    let title = alice.eval("document.querySelector('#messages li.own time').title");
    assert!(title.as_str().unwrap().len() > 10, "{title}");

    // The terminal's broadcast reaches both pages.
    carol.send("@ALL nice, was it the flaky socket test?");
    for page in [&alice, &bob] {
        page.wait_line("carol: nice, was it the flaky socket test?");
    }
    carol.expect("delivered to ALL");
    // A screen reader hears the newest message.
    let heard = bob.wait_text("#announce", "carol: nice, was it the flaky socket test?");
    assert_eq!(heard, "carol: nice, was it the flaky socket test?");

    // page → page: a click on a name starts a direct message to that name.
    alice.click("#users li[data-nick=bob] button");
    let prefilled = alice.eval("document.getElementById('input').value");
    assert_eq!(prefilled, "@bob ");
    alice
        .tab
        .send_character("can the review wait till tomorrow?")
        .unwrap();
    alice.press_enter();
    let got = bob.wait_line("can the review wait");
    assert!(
        got.contains("alice → you: can the review wait till tomorrow?"),
        "{got}"
    );
    assert_eq!(bob.line("can the review wait")["kind"], "dm");
    assert!(alice
        .wait_line("can the review wait")
        .contains("you → bob:"));
    alice.wait_mark("can the review wait", "delivered");
    let carol_saw = carol.seen.join("\n");
    assert!(!carol_saw.contains("review"), "carol saw a DM: {carol_saw}");

    // page → terminal, and terminal → page.
    bob.send("@carol can you review my patch after lunch?");
    let line = carol.expect("review my patch");
    assert_eq!(
        untimed(&line),
        "bob (to you): can you review my patch after lunch?"
    );
    bob.wait_mark("review my patch", "delivered");
    carol.send("@alice sure, after lunch");
    alice.wait_line("carol → you: sure, after lunch");
    carol.expect("delivered to alice");

    // An emote.
    bob.send("/me fixed the timeout, finally");
    alice.wait_line("* bob fixed the timeout, finally");
    assert_eq!(alice.line("fixed the timeout")["kind"], "emote");
    carol.expect("bob fixed the timeout");

    // To someone who is not there: failed, in words, on the message and in the error line.
    alice.send("@dave are you around?");
    let mark = alice.wait_mark("are you around", "failed");
    assert_eq!(mark, "✗ dave is not online");
    let error = alice.wait_text("#error", "dave is not online");
    assert_eq!(error, "dave is not online (no-such-user)");

    // Markup is text: no element made, no script run.
    bob.send("<b>x</b><script>window.pwned = 1</script><img src=x onerror=\"window.pwned=2\">");
    let shown = alice.wait_line("<b>x</b>");
    assert!(
        shown.contains("bob: <b>x</b><script>window.pwned = 1</script><img"),
        "{shown}"
    );
    bob.wait_mark("<b>x</b>", "delivered");
    for page in [&alice, &bob] {
        let made = page.eval(
            "document.querySelectorAll('#messages b, #messages script, #messages img').length",
        );
        assert_eq!(made, 0, "{}", page.dump());
        assert_eq!(page.eval("window.pwned === undefined"), true);
    }
    alice.send("lunch at 12:30, 食堂 downstairs");
    bob.wait_line("alice: lunch at 12:30, 食堂 downstairs");
    alice.wait_mark("食堂", "delivered");
    alice.fill("input", "@bob see you there");
    alice.screenshot("alice");
    bob.screenshot("bob");

    // The terminal leaves: both pages say so and drop it from the list.
    carol.send("/quit");
    carol.exits_ok();
    for page in [&alice, &bob] {
        page.wait_line("← carol left");
        page.wait_users(&["alice", "bob"]);
    }
    for page in [&alice, &bob] {
        assert_eq!(page.csp_complaints(), Vec::<String>::new());
    }
}

#[test]
fn the_page_fits_a_phone_and_has_a_dark_scheme() {
    let server = crate::start();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let alice = chromium.page(&url);
    alice.emulate(true, true);
    alice.connect("alice", "");
    let bob = chromium.page(&url);
    bob.connect("bob", "");
    let long = "a-very-long-word-".repeat(12);
    bob.send(&format!("look: {long}"));
    alice.wait_line("look: a-very-long-word-");
    alice.send("/me waves from a phone");
    alice.wait_mark("waves from a phone", "delivered");
    // Nothing is wider than the phone's screen: long words wrap.
    let wide = alice.eval("document.documentElement.scrollWidth");
    assert_eq!(wide, 390, "{}", alice.dump());
    // ... beside their time, as on a wide screen.
    let beside = alice.eval(
        "(() => { const li = [...document.querySelectorAll('#messages li')]
            .find((li) => li.textContent.includes('look:'));
          const t = li.querySelector('time').getBoundingClientRect();
          const b = li.querySelector('.body').getBoundingClientRect();
          return b.left >= t.right && b.top === t.top; })()",
    );
    assert_eq!(beside, true, "{}", alice.dump());
    let dark = alice.eval("getComputedStyle(document.body).backgroundColor");
    assert_eq!(dark, "rgb(21, 24, 30)");
    alice.screenshot("phone-dark");
    assert_eq!(alice.csp_complaints(), Vec::<String>::new());
    // That check hears the browser: an inline style (which the page never uses) is refused.
    alice.eval("(document.body.setAttribute('style', 'color: red'), 1)");
    let deadline = std::time::Instant::now() + crate::browser::WAIT;
    while alice.csp_complaints().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no CSP complaint heard"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
