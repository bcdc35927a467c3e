//! Server to client: the server's stream framed into whole messages (it writes nothing
//! else), what the proxy learns from them, and the defects that change the replies.

use super::defect::Defect;
use super::state::{Link, Shared};
use super::upstream::{bytes, error, BIG};
use chat::wire::{self, is_all, Command, ErrorCode, Message, Role};
use std::thread;
use std::time::Duration;

/// The pause between the two parts of a message under [`Defect::SplitWrites`].
const SPLIT_PAUSE: Duration = Duration::from_millis(100);

/// What becomes of one message from the server.
pub enum Down {
    Pass,
    /// The client gets these bytes instead.
    Replace(Vec<u8>),
    /// The client gets the message, then both sockets close.
    PassAndClose,
    Drop,
}

/// Takes `bytes` from the server; every whole message in `buf` goes on to the client.
pub fn feed(link: &Link, shared: &Shared, buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(bytes);
    loop {
        match wire::decode(buf, &BIG) {
            Ok(Some((msg, used))) => {
                let raw: Vec<u8> = buf.drain(..used).collect();
                let answered = track(link, shared, &msg);
                match judge(link, shared, &msg, answered) {
                    Down::Pass => write(link, shared, &raw),
                    Down::Replace(bytes) => write(link, shared, &bytes),
                    Down::PassAndClose => {
                        write(link, shared, &raw);
                        link.close();
                    }
                    Down::Drop => {}
                }
            }
            Ok(None) => return,
            Err(_) => {
                link.to_client(buf);
                buf.clear();
                return;
            }
        }
    }
}

fn write(link: &Link, shared: &Shared, bytes: &[u8]) {
    if shared.defect == Defect::SplitWrites && bytes.len() > 1 {
        let (head, tail) = bytes.split_at(bytes.len() / 2);
        link.to_client(head);
        thread::sleep(SPLIT_PAUSE);
        link.to_client(tail);
    } else {
        link.to_client(bytes);
    }
}

/// Learns from `msg` before the client sees it; returns the recipient of the `SEND` it
/// answers, when it answers one.
fn track(link: &Link, shared: &Shared, msg: &Message) -> Option<String> {
    match &msg.command {
        Command::Registered { role, name } => {
            shared.registered(link, *role, name);
            None
        }
        Command::Forward { from } => {
            link.state.lock().forwards.push_back(from.clone());
            None
        }
        Command::Sent { .. } | Command::Send { .. } if msg.body.is_none() => answers(link, shared),
        Command::Error {
            code: 101 | 102 | 108 | 110 | 111,
            ..
        } => answers(link, shared),
        // Part 5: a send kept for an offline recipient.
        Command::Other { verb, .. } if verb.eq_ignore_ascii_case("STORED") => answers(link, shared),
        _ => None,
    }
}

fn answers(link: &Link, shared: &Shared) -> Option<String> {
    let mut st = link.state.lock();
    let to = st.sends.pop_front()?;
    if st.gated > 0 {
        st.gated -= 1;
        drop(st);
        shared.gate_leave();
    }
    Some(to)
}

/// What `defect` does with `msg` from the server to `link`'s client.
fn judge(link: &Link, shared: &Shared, msg: &Message, answered: Option<String>) -> Down {
    use Defect::*;
    let cmd = &msg.command;
    if shared.defect.is_memory() {
        return super::memory::down(link, shared, msg, answered);
    }
    if shared.defect.is_rooms() {
        return super::rooms::down(link, shared, msg);
    }
    let code = match cmd {
        Command::Error { code, .. } => *code,
        _ => 0,
    };
    let mut st = link.state.lock();
    match (shared.defect, cmd) {
        (FoldNameCase, Command::Registered { role, name }) => match &st.asked {
            Some((_, asked)) if asked != name && asked.eq_ignore_ascii_case(name) => {
                Down::Replace(bytes(Command::Registered {
                    role: *role,
                    name: asked.clone(),
                }))
            }
            _ => Down::Pass,
        },
        (TwinNotChecked, _) if code == 101 && st.role == Some(Role::ToSend) => {
            Down::Replace(error(ErrorCode::UnableToSend))
        }
        (EarlyRegistered, Command::Registered { .. }) if st.swallow_registered > 0 => {
            st.swallow_registered -= 1;
            Down::Drop
        }
        (EarlySent, _) if answered.is_some() && st.swallow_sent > 0 => {
            st.swallow_sent -= 1;
            Down::Drop
        }
        (BodyAsCString | ZeroLengthOmitted | LengthInChars, Command::Forward { from }) => {
            drop(st);
            forward(shared.defect, from, msg.body.as_deref().unwrap_or_default())
        }
        (QueuesForOffline, _) if code == 102 => match answered {
            Some(to) => Down::Replace(bytes(Command::Sent { to })),
            _ => Down::Pass,
        },
        (DuplicateSent, Command::Sent { .. }) => {
            let once = msg.to_bytes();
            Down::Replace([once.clone(), once].concat())
        }
        (SentToLatestSender, Command::Sent { .. }) => {
            drop(st);
            let latest = *shared.latest_sender.lock();
            match latest
                .filter(|id| *id != link.id)
                .and_then(|id| shared.link(id))
            {
                Some(other) => {
                    other.to_client(&msg.to_bytes());
                    Down::Drop
                }
                _ => Down::Pass,
            }
        }
        (HalfUsersInBroadcast, Command::Sent { to }) if is_all(to) && st.fail_next_all => {
            st.fail_next_all = false;
            Down::Replace(error(ErrorCode::UnableToSend))
        }
        (CloseAfterError, _) if matches!(code, 100 | 101 | 102 | 104 | 106) => Down::PassAndClose,
        (NameTakeover, _) if code == 104 => match st.asked.clone() {
            Some((role, name)) => Down::Replace(bytes(Command::Registered { role, name })),
            _ => Down::Pass,
        },
        (SendSpelling, Command::Sent { to }) => {
            Down::Replace(format!("SEND {to}\n\n").into_bytes())
        }
        (ErrorTextChanged, Command::Error { code, text }) => {
            Down::Replace(format!("ERROR {code} {}\n\n", text.to_lowercase()).into_bytes())
        }
        (NeverAnswersUndeliverable, _) if code == 102 && answered.is_some() => Down::Drop,
        (UnknownCommandIgnored, _) if code == 106 => Down::Drop,
        // The request may have passed just before the name's last socket closed; by the time
        // the server frees a name, the proxy has seen both its sockets end.
        (NameNeverFreed, Command::Registered { name, .. })
            if shared.names.lock().retired.contains(name) =>
        {
            Down::Replace(error(ErrorCode::UsernameTaken))
        }
        (ContentLengthCase | CrlfReplies, _) => {
            drop(st);
            respelled(shared.defect, &msg.to_bytes())
        }
        _ => Down::Pass,
    }
}

/// The message `raw` with its header block written in the defect's own way.
fn respelled(defect: Defect, raw: &[u8]) -> Down {
    let Some(end) = super::raw::header_end(raw) else {
        return Down::Pass;
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let head = match defect {
        Defect::ContentLengthCase => head.replace("Content-length:", "Content-Length:"),
        _ => head.replace('\n', "\r\n"),
    };
    Down::Replace([head.as_bytes(), &raw[end..]].concat())
}

/// The forward of `body` from `from` as the body defects write it.
fn forward(defect: Defect, from: &str, body: &[u8]) -> Down {
    let head = |length: usize| format!("FORWARD {from}\nContent-length: {length}\n\n");
    match defect {
        Defect::BodyAsCString => match body.iter().position(|&b| b == 0) {
            Some(nul) => Down::Replace([head(nul).as_bytes(), &body[..nul]].concat()),
            _ => Down::Pass,
        },
        Defect::ZeroLengthOmitted if body.is_empty() => Down::Replace(bytes(Command::Forward {
            from: from.to_string(),
        })),
        Defect::LengthInChars => {
            let chars = String::from_utf8_lossy(body).chars().count();
            Down::Replace([head(chars).as_bytes(), body].concat())
        }
        _ => Down::Pass,
    }
}
