//! History (Part 5): a page that connects later shows the newest page of what was said, and
//! the older page when scrolled to the top, keeping what was in view where it was.

use crate::browser::{js_string, Chromium, Page};
use crate::support::json::Peer;

/// Scrolls `page` to the top and waits for the older page, down to the first of 70 lines
/// `<prefix> 001` .. `<prefix> 070` (the newest 50 shown already): then all 70 are there,
/// each once, and the page says it has shown the beginning.
pub(crate) fn scroll_to_the_beginning(page: &Page, prefix: &str) {
    page.eval("(document.getElementById('scroller').scrollTop = 0)");
    page.wait_line(&format!("{prefix} 001"));
    page.wait_text("#history-note", "the beginning of the history");
    assert_eq!(
        page.eval("document.querySelectorAll('#messages li.past').length"),
        70
    );
    for n in [1, 20, 21, 70] {
        assert_eq!(page.line(&format!("{prefix} {n:03}"))["count"], 1);
    }
}

#[test]
fn a_later_page_sees_what_was_said_and_older_pages_load_at_the_top() {
    let server = crate::start();
    let mut dan = Peer::join(server.json_addr().unwrap(), "dan");
    for n in 1..=70 {
        dan.send(&format!(
            r#"{{"type":"chat","message":"old message {n:03}"}}"#
        ));
        let echo = dan.next_payload();
        assert!(echo.contains(&format!("old message {n:03}")), "{echo}");
    }
    let chromium = Chromium::start();
    let alice = chromium.page(&crate::url(&server));
    alice.connect("alice", "");
    // The newest page (50), above the note saying alice connected, each once.
    alice.wait_line("dan: old message 070");
    alice.wait_line("dan: old message 021");
    assert_eq!(alice.line("dan: old message 020"), serde_json::Value::Null);
    let order = alice.eval(
        "[...document.querySelectorAll('#messages li')].map((li) => li.dataset.kind).slice(48)",
    );
    assert_eq!(
        order,
        serde_json::json!(["chat", "chat", "info"]),
        "{}",
        alice.dump()
    );
    alice.wait_text("#history-note", "scroll up for older messages");
    alice.screenshot("history");

    // Scrolled to the top: the older page comes, and the line that was on top stays in view.
    scroll_to_the_beginning(&alice, "dan: old message");
    let in_view = alice.eval(&format!(
        "(() => {{ const s = document.getElementById('scroller');
            const li = [...document.querySelectorAll('#messages li')]
                .find((li) => li.textContent.includes({}));
            const top = li.getBoundingClientRect().top - s.getBoundingClientRect().top;
            return top >= 0 && top < s.clientHeight && s.scrollTop > 0; }})()",
        js_string("old message 021")
    ));
    assert_eq!(in_view, true, "{}", alice.dump());

    // Live messages come below, once.
    dan.send(r#"{"type":"chat","message":"and a new one"}"#);
    alice.wait_line("dan: and a new one");
    assert_eq!(alice.line("and a new one")["count"], 1);
    assert_eq!(alice.csp_complaints(), Vec::<String>::new());
}
