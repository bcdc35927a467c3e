//! Rooms (PROTOCOL.md Part 8) on the page: made and joined from the join field or `/join`,
//! talked in by pages, a JSON user and a two-socket user, unseen by those outside; unread
//! counts on the rooms not in view, Alt+digit to switch; the operator's topic, the errors of
//! the others in words, parts and kicks updating the member lists; a room's history paged in
//! when it opens; and the rooms joined again after a reconnection.

use crate::browser::{js_string, Chromium, Page};
use crate::support::json::Peer;
use crate::support::{send_msg, User};
use headless_chrome::browser::tab::ModifierKey;
use serde_json::{json, Value};

/// Joins `room` with the page's join field and waits until it is in view.
fn enter(page: &Page, room: &str) {
    page.fill("join-room", room);
    page.click("#join-button");
    wait_in(page, room);
}

/// Waits until `room` is the room in view (its name above the messages and marked in the
/// room list).
#[track_caller]
fn wait_in(page: &Page, room: &str) {
    page.wait(
        &format!("{room} in view"),
        &format!(
            "document.getElementById('room-title').textContent === {0}
                && document.querySelector('#rooms button.current')?.parentNode.dataset.room === {0}",
            js_string(room)
        ),
    );
}

/// Clicks `room` in the room list and waits until it is in view.
fn switch(page: &Page, room: &str) {
    page.click(&format!("#rooms li[data-room=\"{room}\"] button"));
    wait_in(page, room);
}

/// Presses Alt and `digit`, the room list's shortcut.
fn alt(page: &Page, digit: &str) {
    page.front();
    page.tab
        .press_key_with_modifiers(digit, Some(&[ModifierKey::Alt]))
        .expect("Alt+digit");
}

/// Waits until the room list is exactly `rooms`, in its order.
#[track_caller]
fn wait_rooms(page: &Page, rooms: &[&str]) {
    page.wait_list("rooms", "room", rooms);
}

/// Waits until `page` is out of every room: the lobby in view, and alone in the list.
#[track_caller]
fn wait_only_lobby(page: &Page) {
    wait_in(page, "#lobby");
    wait_rooms(page, &["#lobby"]);
}

/// The unread count shown beside `room` in the list ("" when none is shown).
fn unread(page: &Page, room: &str) -> String {
    let value = page.eval(&format!(
        "(() => {{ const u = document.querySelector('#rooms li[data-room=\"{room}\"] .unread');
            return u.hidden ? '' : u.textContent; }})()"
    ));
    value.as_str().unwrap().to_string()
}

#[track_caller]
fn wait_unread(page: &Page, room: &str, count: &str) {
    page.wait(
        &format!("{count} unread in {room}"),
        &format!(
            "(() => {{ const u = document.querySelector('#rooms li[data-room=\"{room}\"] .unread');
                return u && !u.hidden && u.textContent === {}; }})()",
            js_string(count)
        ),
    );
}

/// Whether the element `#id` is shown.
fn shown(page: &Page, id: &str) -> Value {
    page.eval(&format!("!document.getElementById('{id}').hidden"))
}

/// alice and bob on pages, both in `#rust` (alice made it), each seeing the other there.
fn two_in_rust(chromium: &Chromium, url: &str) -> (Page, Page) {
    let alice = chromium.page(url);
    alice.connect("alice", "");
    let bob = chromium.page(url);
    bob.connect("bob", "");
    enter(&alice, "#rust");
    bob.send("/join #rust");
    wait_in(&bob, "#rust");
    for page in [&alice, &bob] {
        page.wait_users(&["alice", "bob"]);
        wait_rooms(page, &["#lobby", "#rust"]);
    }
    alice.wait_line("→ bob joined #rust");
    (alice, bob)
}

#[test]
fn a_room_is_made_and_talked_in_and_those_outside_see_none_of_it() {
    let server = crate::start();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let carol = chromium.page(&url);
    carol.connect("carol", "");
    let (alice, bob) = two_in_rust(&chromium, &url);
    // alice made it: she is its operator, and may edit its topic; bob may not.
    alice.wait_line("you joined #rust");
    alice.wait_text("#users", "alice (you) operator");
    assert_eq!(alice.text("#users-label"), "In #rust");
    assert_eq!(shown(&alice, "topic-edit"), true);
    assert_eq!(shown(&bob, "topic-edit"), false);
    assert_eq!(shown(&bob, "part"), true);
    assert_eq!(bob.text("#topic"), "no topic");

    // Plain text goes to the room in view, and reaches its members.
    alice.send("does anyone know why the borrow checker hates me?");
    bob.wait_line("alice: does anyone know why the borrow checker hates me?");
    alice.wait_mark("borrow checker", "delivered");
    // carol is not in #rust. alice's next message is to the lobby: when it is there, a room
    // message that had wrongly reached carol would be there before it.
    switch(&alice, "#lobby");
    alice.send("lunch at noon?");
    carol.wait_line("alice: lunch at noon?");
    assert_eq!(
        carol.line("borrow checker"),
        Value::Null,
        "{}",
        carol.dump()
    );
    wait_rooms(&carol, &["#lobby"]);
    // bob, looking at #rust, counts the lobby's message as unread; its view has only that.
    wait_unread(&bob, "#lobby", "1");
    assert_eq!(unread(&bob, "#rust"), "");
    switch(&bob, "#lobby");
    bob.wait_line("alice: lunch at noon?");
    assert_eq!(bob.line("borrow checker"), Value::Null, "{}", bob.dump());
    assert_eq!(unread(&bob, "#lobby"), "");
    bob.wait_users(&["alice", "bob", "carol"]);
    assert_eq!(bob.text("#users-label"), "Users");

    // Looking at the lobby, bob sees the unread count of #rust rise, in the list and the title.
    alt(&alice, "2");
    wait_in(&alice, "#rust");
    assert_eq!(alice.eval("document.getElementById('input').value"), "");
    alice.send("lifetimes, probably");
    alice.send("/me reads the nomicon");
    wait_unread(&bob, "#rust", "2");
    assert_eq!(bob.eval("document.title"), "(2) chat");
    alt(&bob, "2");
    wait_in(&bob, "#rust");
    bob.wait_line("alice: lifetimes, probably");
    bob.wait_line("* alice reads the nomicon");
    assert_eq!(unread(&bob, "#rust"), "");
    assert_eq!(bob.eval("document.title"), "chat");
    // Direct messages still go to one person, from a room too.
    bob.send("@alice are you around later?");
    alice.wait_line("bob → you: are you around later?");
    bob.wait_mark("around later", "delivered");
    for page in [&alice, &bob, &carol] {
        assert_eq!(page.csp_complaints(), Vec::<String>::new());
    }
}

#[test]
fn the_operator_sets_the_topic_and_parts_and_kicks_update_the_members() {
    let server = crate::start();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let (alice, bob) = two_in_rust(&chromium, &url);
    bob.emulate(false, true);

    // The operator's topic shows on the other page.
    alice.wait(
        "alice may edit the topic",
        "!document.getElementById('topic-edit').hidden",
    );
    alice.click("#topic-edit");
    alice.fill("topic-input", "Rust, mostly; no <b>markup</b>");
    alice.click("#topic-button");
    let topic = bob.wait_text("#topic", "Rust, mostly");
    assert_eq!(topic, "Rust, mostly; no <b>markup</b>");
    bob.wait_line("alice set the topic: Rust, mostly; no <b>markup</b>");
    alice.wait_line("you set the topic: Rust, mostly");
    alice.wait(
        "the topic form closes",
        "document.getElementById('topic-form').hidden",
    );
    assert_eq!(bob.eval("document.querySelectorAll('#topic b').length"), 0);

    // Anyone else's topic is refused, in words.
    bob.send("/topic mine now");
    let error = bob.wait_text("#error", "operator");
    assert_eq!(
        error,
        "only the operator of #rust can set its topic (not-operator)"
    );
    assert_eq!(alice.text("#topic"), "Rust, mostly; no <b>markup</b>");
    alice.send("welcome to the room");
    bob.wait_line("alice: welcome to the room");
    bob.send("thanks! I will keep to the topic");
    // @ALL, typed in a room, is for everyone: the lobby.
    bob.send("@ALL anyone for coffee?");
    alice.wait_line("bob: thanks! I will keep to the topic");
    wait_unread(&alice, "#lobby", "1");
    assert_eq!(alice.line("anyone for coffee"), Value::Null);
    bob.wait_mark("anyone for coffee", "delivered");
    alice.screenshot("rooms");
    bob.screenshot("rooms-dark");

    // bob leaves with the button: he is gone from alice's list, and the room from his.
    bob.click("#part");
    wait_only_lobby(&bob);
    bob.wait_line("you left #rust");
    alice.wait_users(&["alice"]);
    alice.wait_line("← bob left #rust");

    // Room errors, each in words: a name no room can have (the page's own check), a room
    // that is not there, one bob is not in, the lobby.
    bob.fill("join-room", "#no way");
    bob.click("#join-button");
    bob.wait_text(
        "#error",
        "a room name is # and 1 to 32 letters, digits, - or _",
    );
    for (line, said) in [
        ("/part #nowhere", "there is no room #nowhere (no-such-room)"),
        ("/part #rust", "you are not in #rust (not-in-room)"),
        ("/part", "everyone is in the lobby: it cannot be left"),
    ] {
        bob.send(line);
        let error = bob.wait_text("#error", said);
        assert_eq!(error, said);
    }

    // Back in, then kicked: the reason reaches bob's lobby, and his room list loses #rust.
    bob.send("/join rust");
    wait_in(&bob, "#rust");
    alice.wait_users(&["alice", "bob"]);
    alice.send("/kick bob spam");
    bob.wait_line("alice removed you from #rust: spam");
    wait_only_lobby(&bob);
    alice.wait_line("you removed bob from #rust: spam");
    alice.wait_users(&["alice"]);
    for page in [&alice, &bob] {
        assert_eq!(page.csp_complaints(), Vec::<String>::new());
    }
}

#[test]
fn a_room_opened_shows_its_history_and_older_pages_on_scrolling_up() {
    let server = crate::start();
    let mut dan = Peer::connect(server.json_addr().unwrap());
    dan.send(r#"{"type":"hello","nick":"dan","extensions":["history","rooms"]}"#);
    assert!(dan
        .next_payload()
        .starts_with(r#"{"type":"welcome","nick":"dan""#));
    dan.expect(r#"{"type":"join","nick":"dan"}"#);
    dan.send(r##"{"type":"join","room":"#book"}"##);
    dan.expect(r##"{"type":"join","nick":"dan","room":"#book"}"##);
    for n in 1..=70 {
        dan.send(&format!(
            r##"{{"type":"chat","room":"#book","message":"chapter {n:03}"}}"##
        ));
        let echo = dan.next_payload();
        assert!(echo.contains(&format!("chapter {n:03}")), "{echo}");
    }
    dan.send(r#"{"type":"chat","message":"said in the lobby"}"#);
    dan.next_payload();

    let chromium = Chromium::start();
    let alice = chromium.page(&crate::url(&server));
    alice.connect("alice", "");
    dan.expect(r#"{"type":"join","nick":"alice"}"#);
    alice.wait_line("dan: said in the lobby");
    enter(&alice, "#book");
    dan.expect(r##"{"type":"join","nick":"alice","room":"#book"}"##);
    // The room's newest page (50), above the note saying alice joined; the lobby's not here.
    alice.wait_line("dan: chapter 070");
    alice.wait_line("dan: chapter 021");
    assert_eq!(alice.line("chapter 020"), Value::Null);
    assert_eq!(alice.line("said in the lobby"), Value::Null);
    let kinds = alice.eval(
        "[...document.querySelectorAll('#messages li')].map((li) => li.dataset.kind).slice(48)",
    );
    assert_eq!(kinds, json!(["chat", "chat", "join"]), "{}", alice.dump());
    alice.wait_text("#history-note", "scroll up for older messages");
    alice.wait_users(&["alice", "dan"]);

    crate::history::scroll_to_the_beginning(&alice, "dan: chapter");
    // Live ones come below, once; the lobby's view has none of the room's.
    dan.send(r##"{"type":"chat","room":"#book","message":"the end"}"##);
    alice.wait_line("dan: the end");
    assert_eq!(alice.line("the end")["count"], 1);
    switch(&alice, "#lobby");
    assert_eq!(alice.line("chapter"), Value::Null, "{}", alice.dump());
    alice.wait_line("dan: said in the lobby");
}

#[test]
fn a_two_socket_user_talks_in_the_room_with_a_page() {
    let server = crate::start();
    let chromium = Chromium::start();
    let alice = chromium.page(&crate::url(&server));
    alice.connect("alice", "");
    enter(&alice, "#ops");
    let mut carol = User::join_with(server.local_addr(), "carol", "rooms");
    carol.tosend.send(b"JOIN #ops\n\n");
    carol.tosend.expect(b"JOINED #ops\n\n");
    alice.wait_line("→ carol joined #ops");
    alice.wait_users(&["alice", "carol"]);

    carol.tosend.send(&send_msg("#ops", b"the deploy is done"));
    carol.tosend.expect(b"SENT #ops\n\n");
    alice.wait_line("carol: the deploy is done");
    alice.send("thanks, carol");
    carol
        .torecv
        .expect(b"FORWARD alice\nContent-length: 13\nRoom: #ops\n\nthanks, carol");
    // A JSON sender's answer is its own copy (Part 8): ✓ as soon as that comes back.
    carol.torecv.send(b"RECEIVED alice\n\n");
    alice.wait_mark("thanks, carol", "delivered");
    carol.tosend.send(b"PART #ops\n\n");
    carol.tosend.expect(b"PARTED #ops\n\n");
    alice.wait_line("← carol left #ops");
    alice.wait_users(&["alice"]);
}

#[test]
fn a_page_joins_its_rooms_again_after_a_reconnection() {
    let server = crate::start();
    let web = server.web_addr().unwrap();
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let (alice, bob) = two_in_rust(&chromium, &url);
    enter(&alice, "#go");
    alice.send("anyone here?");
    alice.wait_mark("anyone here", "delivered");
    switch(&alice, "#rust");
    alice.send("before the restart");
    bob.wait_line("alice: before the restart");

    server.shutdown(std::time::Duration::from_secs(5));
    for page in [&alice, &bob] {
        page.wait_text("#reconnect", "reconnecting in");
        page.wait_line("connection lost");
        page.wait_users(&[]);
    }
    let _server = crate::reconnect::restart_on(web, None);
    for (page, nick) in [(&alice, "alice"), (&bob, "bob")] {
        page.wait_connected(nick);
        page.wait_line("back in #rust");
        page.wait_users(&["alice", "bob"]);
    }
    wait_rooms(&alice, &["#lobby", "#rust", "#go"]);
    wait_in(&alice, "#rust");
    alice.send("after the restart");
    bob.wait_line("alice: after the restart");
    assert_eq!(bob.line("before the restart")["count"], 1);
    switch(&alice, "#go");
    alice.wait_line("back in #go");
    alice.wait_users(&["alice"]);
    assert_eq!(alice.line("anyone here")["count"], 1);
}
