//! The connect form: a claimed name asks for its password, a taken name, a name the server
//! would refuse and a server that is not there each say so in words, with the field to fix
//! focused.

use crate::browser::{Chromium, Page};
use std::time::Instant;

/// Waits until the form says `needle` and the field `#focused` has the focus.
#[track_caller]
fn refused(page: &Page, needle: &str, focused: &str) -> String {
    let said = page.wait_text("#connect-error", needle);
    page.wait(
        &format!("#{focused} focused"),
        &format!("document.activeElement.id === '{focused}'"),
    );
    assert_eq!(
        page.eval("document.getElementById('connect').hidden"),
        false
    );
    said
}

#[test]
fn the_connect_form_says_why_in_words() {
    let server = crate::start();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let bob = chromium.page(&url);
    bob.connect("bob", "");

    crate::claim(&server, "erin", "s3cret pw");
    bob.wait_line("← erin left");

    let page = chromium.page(&url);
    page.fill("name", "erin");
    page.click("#connect-button");
    let said = refused(&page, "claimed", "password");
    assert_eq!(
        said,
        "the name \"erin\" is claimed: give its password, or choose another name"
    );
    page.screenshot("login-claimed");
    page.fill("password", "wrong");
    page.click("#connect-button");
    refused(&page, "wrong password for \"erin\"", "password");
    // After a wrong one the server pauses; the right one may be refused once more meanwhile.
    let deadline = Instant::now() + crate::browser::WAIT;
    while page.eval("document.getElementById('status').dataset.state") != "connected" {
        assert!(Instant::now() < deadline, "{}", page.dump());
        page.fill("password", "s3cret pw");
        page.click("#connect-button");
        page.wait(
            "an answer",
            "document.getElementById('status').dataset.state === 'connected'
                || document.getElementById('connect-error').textContent !== ''",
        );
    }
    bob.wait_line("→ erin joined");

    // A taken name, a name no server takes, and no server at all.
    let other = chromium.page(&url);
    other.fill("name", "bob");
    other.click("#connect-button");
    let said = refused(&other, "taken", "name");
    assert_eq!(said, "the name \"bob\" is taken: choose another");
    other.fill("name", "ALL");
    other.click("#connect-button");
    refused(&other, "1 to 32 letters and digits", "name");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    other.fill("name", "frank");
    other.fill("server", &closed.to_string());
    other.click("#connect-button");
    let said = refused(&other, "could not reach", "server");
    assert_eq!(said, format!("could not reach the chat server at {closed}"));
    assert_eq!(
        other.eval("document.getElementById('reconnect').hidden"),
        true
    );
}
