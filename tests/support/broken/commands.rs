//! The defects that judge the client's commands before the server sees them: each arm of
//! [`judge`] is one defect, most of them a few lines or a helper below.

use super::defect::Defect;
use super::raw;
use super::state::{Link, Shared};
use super::upstream::{bytes, error, Up};
use chat::wire::{is_all, is_valid_username, Command, ErrorCode, Message, Role};
use std::thread;
use std::time::Duration;

/// How long [`Defect::NeedsTosendFirst`] takes to register a TOSEND socket.
const SLOW_TOSEND: Duration = Duration::from_millis(200);
/// How long [`Defect::EarlyRegistered`] keeps a user out of the table after answering.
const LATE_INSERT: Duration = Duration::from_millis(300);

/// What `defect` does with `msg` from `link`'s client.
pub fn judge(link: &Link, shared: &Shared, msg: &Message, raw: &[u8]) -> Up {
    use Defect::*;
    let cmd = &msg.command;
    if shared.defect.is_memory() {
        return super::memory::up(link, shared, msg);
    }
    if shared.defect.is_rooms() {
        return super::rooms::up(link, shared, msg);
    }
    match shared.defect {
        NeedsTorecvFirst => needs_first(shared, cmd, Role::ToSend),
        NeedsTosendFirst => {
            if matches!(
                cmd,
                Command::Register {
                    role: Role::ToSend,
                    ..
                }
            ) {
                thread::sleep(SLOW_TOSEND);
            }
            needs_first(shared, cmd, Role::ToRecv)
        }
        EmptyNameAccepted => registers_anyway(cmd, str::is_empty),
        AllReservedUppercaseOnly => registers_anyway(cmd, |n| is_all(n) && n != "ALL"),
        FirstWordIsName => rename(cmd, |n| n.split([' ', '\t']).next().map(str::to_string)),
        LenientNames => rename(cmd, |n| {
            Some(n.chars().filter(char::is_ascii_alphanumeric).collect())
        }),
        TruncatesNames => rename(cmd, |n| Some(n.chars().take(32).collect())),
        FoldNameCase => fold_case(msg),
        VerbCheckedFirst => match cmd {
            Command::Other { .. } if link.role().is_none() => {
                Up::Answer(error(ErrorCode::UnknownCommand))
            }
            _ => Up::Pass,
        },
        EarlyRegistered => early_registered(link, cmd),
        EarlySent => early_sent(link, msg),
        NoSelfSend => match cmd {
            Command::Send { to } if link.name().as_ref() == Some(to) => {
                Up::Answer(error(ErrorCode::UnableToSend))
            }
            _ => Up::Pass,
        },
        SentToLatestSender => {
            if is_send(msg) {
                *shared.latest_sender.lock() = Some(link.id);
            }
            Up::Pass
        }
        SerialSends => {
            if is_send(msg) {
                shared.gate_enter();
                link.state.lock().gated += 1;
            }
            Up::Pass
        }
        EchoBroadcastToSender => echo(link, shared, msg),
        NobodyElseIs102 | HalfUsersInBroadcast => broadcast(link, shared, msg),
        AllCaseSensitive => match cmd {
            Command::Send { to } if is_all(to) && to != "ALL" => {
                Up::Answer(error(ErrorCode::UnableToSend))
            }
            _ => Up::Pass,
        },
        RecipientErrorIsAck => error_as_ack(link, cmd, |_| true),
        ErrorKeyedOnText => error_as_ack(link, cmd, |text| {
            !text.eq_ignore_ascii_case("Header Incomplete")
        }),
        AckMustNameOldest => ack_oldest(link, cmd),
        NoRecievedSpelling => match cmd {
            Command::Received { from } if spelled(raw, "RECIEVED") => {
                Up::Rewrite(bytes(Command::other("X-RECIEVED", from)))
            }
            _ => Up::Pass,
        },
        IgnoreAckOnTosend => match cmd {
            Command::Received { from } if link.role() == Some(Role::ToSend) => {
                Up::Rewrite(bytes(Command::other("X-RECEIVED", from)))
            }
            _ => Up::Pass,
        },
        SlowClose => match cmd {
            Command::Register { name, .. } if shared.closing(name) => {
                Up::Answer(error(ErrorCode::UsernameTaken))
            }
            _ => Up::Pass,
        },
        NameNeverFreed => match cmd {
            Command::Register { name, .. } if retired(shared, name) => {
                Up::Answer(error(ErrorCode::UsernameTaken))
            }
            _ => Up::Pass,
        },
        HeaderNameCaseSensitive if is_send(msg) => strict_header_names(raw),
        BodyAsCommandAfter101 => match (cmd, &msg.body) {
            (Command::Send { .. }, Some(body)) if !twin_online(link, shared) => {
                link.to_server(body);
                Up::Answer(error(ErrorCode::NoUserRegistered))
            }
            _ => Up::Pass,
        },
        NameLimit16 => match cmd {
            Command::Register { name, .. } if name.len() > 16 => {
                Up::Answer(error(ErrorCode::MalformedUsername))
            }
            _ => Up::Pass,
        },
        LengthAtoi => match cmd {
            Command::Send { to } if msg.body.is_none() => {
                let mut with_length = Message::with_body(Command::Send { to: to.clone() }, vec![]);
                with_length.headers = msg.headers.clone();
                Up::Rewrite(with_length.to_bytes())
            }
            _ => Up::Pass,
        },
        _ => Up::Pass,
    }
}

fn is_send(msg: &Message) -> bool {
    matches!(msg.command, Command::Send { .. }) && msg.body.is_some()
}

/// A `REGISTER` as `role` is `ERROR 101` until the name's other socket is registered.
fn needs_first(shared: &Shared, cmd: &Command, role: Role) -> Up {
    let Command::Register { role: r, name } = cmd else {
        return Up::Pass;
    };
    let names = shared.names.lock();
    let sides = names.online.get(name).copied().unwrap_or_default();
    let other_there = match role {
        Role::ToSend => sides.torecv.is_some(),
        Role::ToRecv => sides.tosend.is_some(),
    };
    if *r == role && !other_there {
        Up::Answer(error(ErrorCode::NoUserRegistered))
    } else {
        Up::Pass
    }
}

/// A `REGISTER` of a name for which `bad` holds is answered `REGISTERED` as it stands.
fn registers_anyway(cmd: &Command, bad: impl Fn(&str) -> bool) -> Up {
    match cmd {
        Command::Register { role, name } if bad(name) => Up::Answer(bytes(Command::Registered {
            role: *role,
            name: name.clone(),
        })),
        _ => Up::Pass,
    }
}

/// A `REGISTER` goes to the server under the name `fix` makes of it.
fn rename(cmd: &Command, fix: impl Fn(&str) -> Option<String>) -> Up {
    let Command::Register { role, name } = cmd else {
        return Up::Pass;
    };
    match fix(name) {
        Some(fixed) if !fixed.is_empty() && fixed != *name => {
            Up::Rewrite(bytes(Command::Register {
                role: *role,
                name: fixed,
            }))
        }
        _ => Up::Pass,
    }
}

/// Names go to the server in lower case (the replies get the client's spelling back).
fn fold_case(msg: &Message) -> Up {
    let lower = |s: &str| (s != s.to_ascii_lowercase()).then(|| s.to_ascii_lowercase());
    let command = match &msg.command {
        Command::Register { role, name } => {
            lower(name).map(|name| Command::Register { role: *role, name })
        }
        Command::Send { to } if !is_all(to) => lower(to).map(|to| Command::Send { to }),
        Command::Received { from } => lower(from).map(|from| Command::Received { from }),
        _ => None,
    };
    match command {
        Some(command) => Up::Rewrite(
            Message {
                command,
                ..msg.clone()
            }
            .to_bytes(),
        ),
        None => Up::Pass,
    }
}

fn early_registered(link: &Link, cmd: &Command) -> Up {
    if let Command::Register { role, name } = cmd {
        // The TORECV registration is the one that completes a user in the kit's flows.
        if *role == Role::ToRecv && is_valid_username(name) {
            link.state.lock().swallow_registered += 1;
            link.to_client(&bytes(Command::Registered {
                role: *role,
                name: name.clone(),
            }));
            thread::sleep(LATE_INSERT);
        }
    }
    Up::Pass
}

fn early_sent(link: &Link, msg: &Message) -> Up {
    if let (true, Command::Send { to }) = (is_send(msg), &msg.command) {
        link.state.lock().swallow_sent += 1;
        link.to_client(&bytes(Command::Sent { to: to.clone() }));
    }
    Up::Pass
}

/// A broadcast's copy goes to the sender's own TORECV too.
fn echo(link: &Link, shared: &Shared, msg: &Message) -> Up {
    let (Command::Send { to }, Some(body), Some(me)) = (&msg.command, &msg.body, link.name())
    else {
        return Up::Pass;
    };
    if is_all(to) {
        let torecv = shared.names.lock().online.get(&me).and_then(|s| s.torecv);
        if let Some(own) = torecv.and_then(|id| shared.link(id)) {
            let copy = Message::with_body(Command::Forward { from: me }, body.clone());
            own.to_client(&copy.to_bytes());
        }
    }
    Up::Pass
}

/// [`Defect::NobodyElseIs102`] and [`Defect::HalfUsersInBroadcast`].
fn broadcast(link: &Link, shared: &Shared, msg: &Message) -> Up {
    let Command::Send { to } = &msg.command else {
        return Up::Pass;
    };
    if !is_all(to) || msg.body.is_none() {
        return Up::Pass;
    }
    let me = link.name().unwrap_or_default();
    let (complete, half) = {
        let names = shared.names.lock();
        let others = names.online.iter().filter(|(name, _)| **name != me);
        others.fold((0, 0), |(c, h), (_, sides)| {
            if sides.complete() {
                (c + 1, h)
            } else {
                (c, h + 1)
            }
        })
    };
    match shared.defect {
        Defect::NobodyElseIs102 if complete == 0 => Up::Answer(error(ErrorCode::UnableToSend)),
        Defect::HalfUsersInBroadcast if half > 0 => {
            link.state.lock().fail_next_all = true;
            Up::Pass
        }
        _ => Up::Pass,
    }
}

/// An `ERROR` from a recipient, when `counts_as_ack(text)`, reaches the server as the
/// acknowledgement of its oldest outstanding forward.
fn error_as_ack(link: &Link, cmd: &Command, counts_as_ack: impl Fn(&str) -> bool) -> Up {
    let Command::Error { text, .. } = cmd else {
        return Up::Pass;
    };
    let oldest = link.state.lock().forwards.front().cloned();
    match oldest {
        Some(from) if counts_as_ack(text) => Up::Rewrite(bytes(Command::Received { from })),
        _ => Up::Pass,
    }
}

fn ack_oldest(link: &Link, cmd: &Command) -> Up {
    let Command::Received { from } = cmd else {
        return Up::Pass;
    };
    let oldest = link.state.lock().forwards.front().cloned();
    match oldest {
        Some(oldest) if oldest != *from => Up::Drop,
        _ => Up::Pass,
    }
}

/// The first word of `raw` is `verb` (in any case).
fn spelled(raw: &[u8], verb: &str) -> bool {
    let text = String::from_utf8_lossy(raw);
    let word = text.split_whitespace().next().unwrap_or_default();
    word.eq_ignore_ascii_case(verb)
}

/// The TORECV of this TOSEND socket's user is registered.
fn twin_online(link: &Link, shared: &Shared) -> bool {
    let Some(name) = link.name() else {
        return true;
    };
    let names = shared.names.lock();
    names.online.get(&name).is_some_and(|s| s.torecv.is_some())
}

fn retired(shared: &Shared, name: &str) -> bool {
    shared.names.lock().retired.contains(name)
}

/// A length header not spelled `Content-length` exactly is renamed out of the server's sight.
fn strict_header_names(raw: &[u8]) -> Up {
    let Some(end) = raw::header_end(raw) else {
        return Up::Pass;
    };
    let mut out = raw::edit_headers(&raw[..end], |name, value| {
        let hidden = name.eq_ignore_ascii_case("Content-length") && name != "Content-length";
        let name = if hidden {
            format!("X-{name}")
        } else {
            name.into()
        };
        Some(format!("{name}: {value}"))
    });
    out.extend_from_slice(&raw[end..]);
    Up::Rewrite(out)
}
