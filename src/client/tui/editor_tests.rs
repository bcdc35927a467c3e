//! The editor's keys, one behaviour per test.

use super::*;

fn typed(text: &str) -> Editor {
    let mut e = Editor::default();
    e.insert(text);
    e
}

/// The text with `|` at the cursor.
fn shown(e: &Editor) -> String {
    let mut s = e.text().to_string();
    s.insert(e.cursor(), '|');
    s
}

#[test]
fn cursor_moves_by_grapheme() {
    let mut e = typed("a日👍🏽b");
    e.left();
    assert_eq!(shown(&e), "a日👍🏽|b");
    e.left();
    assert_eq!(
        shown(&e),
        "a日|👍🏽b",
        "an emoji with its skin tone is one step"
    );
    e.left();
    e.left();
    e.left();
    assert_eq!(shown(&e), "|a日👍🏽b");
    e.right();
    assert_eq!(shown(&e), "a|日👍🏽b");
    e.backspace();
    assert_eq!(shown(&e), "|日👍🏽b");
    e.delete();
    assert_eq!(shown(&e), "|👍🏽b");
    e.insert("é");
    assert_eq!(shown(&e), "é|👍🏽b");
}

#[test]
fn home_and_end() {
    let mut e = typed("hello world");
    e.home();
    assert_eq!(shown(&e), "|hello world");
    e.end();
    assert_eq!(shown(&e), "hello world|");
}

#[test]
fn word_motions_stop_at_punctuation() {
    let mut e = typed("@bob hello, world");
    e.word_left();
    assert_eq!(shown(&e), "@bob hello, |world");
    e.word_left();
    assert_eq!(shown(&e), "@bob |hello, world");
    e.word_left();
    assert_eq!(shown(&e), "@|bob hello, world");
    e.word_right();
    assert_eq!(shown(&e), "@bob| hello, world");
    e.word_right();
    assert_eq!(shown(&e), "@bob hello|, world");
}

#[test]
fn ctrl_w_deletes_back_to_a_blank() {
    let mut e = typed("@bob see http://x.y/z  ");
    e.delete_word_before();
    assert_eq!(shown(&e), "@bob see |");
    e.delete_word_before();
    assert_eq!(shown(&e), "@bob |");
    e.delete_word_before();
    e.delete_word_before();
    assert_eq!(shown(&e), "|");
}

#[test]
fn alt_backspace_and_alt_d_delete_words_of_letters() {
    let mut e = typed("see x.y/zed");
    e.delete_alnum_word_before();
    assert_eq!(shown(&e), "see x.y/|");
    e.delete_alnum_word_before();
    assert_eq!(shown(&e), "see x.|");
    e.home();
    e.delete_word_after();
    assert_eq!(shown(&e), "| x.");
}

#[test]
fn ctrl_u_and_ctrl_k_cut_either_side() {
    let mut e = typed("one two");
    e.word_left();
    e.delete_to_end();
    assert_eq!(shown(&e), "one |");
    let mut e = typed("one two");
    e.word_left();
    e.delete_to_start();
    assert_eq!(shown(&e), "|two");
}

#[test]
fn history_keeps_the_draft() {
    let mut e = Editor::default();
    for line in ["first", "second", "second", "  "] {
        e.insert(line);
        e.take();
    }
    e.insert("draft");
    e.history_prev();
    assert_eq!(
        shown(&e),
        "second|",
        "the repeated line is kept once, blanks never"
    );
    e.history_prev();
    assert_eq!(shown(&e), "first|");
    e.history_prev();
    assert_eq!(shown(&e), "first|", "stays at the oldest");
    e.history_next();
    assert_eq!(shown(&e), "second|");
    e.history_next();
    assert_eq!(shown(&e), "draft|");
    e.history_next();
    assert_eq!(shown(&e), "draft|");
}

fn names(word: &str, _before: &str) -> Vec<String> {
    ["@alice", "@alex", "@bob"]
        .iter()
        .filter(|n| n.starts_with(word))
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn tab_completes_and_cycles() {
    let mut e = typed("hi @al");
    e.complete(names);
    assert_eq!(shown(&e), "hi @alice |");
    e.complete(names);
    assert_eq!(shown(&e), "hi @alex |");
    e.complete(names);
    assert_eq!(shown(&e), "hi @alice |", "cycles back to the first");
    e.end_completion();
    e.insert("x");
    assert_eq!(shown(&e), "hi @alice x|");
}

#[test]
fn tab_with_one_or_no_candidate() {
    let mut e = typed("@b");
    e.complete(names);
    assert_eq!(shown(&e), "@bob |");
    e.complete(names);
    assert_eq!(
        shown(&e),
        "@bob |",
        "nothing starts with the empty word after the space"
    );
    let mut e = typed("@z");
    e.complete(names);
    assert_eq!(shown(&e), "@z|");
}

#[test]
fn view_scrolls_to_keep_the_cursor_visible() {
    let e = typed("hello");
    assert_eq!(
        e.view(10),
        Visible {
            text: "hello".into(),
            cursor: 5
        }
    );
    let e = typed("abcdefghij");
    assert_eq!(
        e.view(5),
        Visible {
            text: "ghij".into(),
            cursor: 4
        }
    );
    let mut e = typed("abcdefghij");
    e.home();
    assert_eq!(
        e.view(5),
        Visible {
            text: "abcde".into(),
            cursor: 0
        }
    );
}

#[test]
fn view_counts_wide_characters_as_two_columns() {
    let e = typed("日本語");
    assert_eq!(
        e.view(10),
        Visible {
            text: "日本語".into(),
            cursor: 6
        }
    );
    // 7 columns needed (6 + the cursor) in 4: the first 3 columns are scrolled away, which
    // cuts 本 in half; its visible half is a blank.
    assert_eq!(
        e.view(4),
        Visible {
            text: " 語".into(),
            cursor: 3
        }
    );
}

#[test]
fn a_masked_line_shows_bullets_with_the_cursor_in_place() {
    let mut e = Editor::default();
    e.insert("pä55");
    e.left();
    let masked = e.masked();
    assert_eq!(masked.text(), "••••");
    assert_eq!(masked.view(10).cursor, 3);
    assert_eq!(masked.view(2).text, "••");
}

#[test]
fn a_line_taken_unkept_is_not_in_the_history() {
    let mut e = Editor::default();
    e.insert("/register");
    assert_eq!(e.take_unkept(), "/register");
    assert_eq!(e.text(), "");
    e.history_prev();
    assert_eq!(e.text(), "", "nothing to go back to");
}
