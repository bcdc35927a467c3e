//! Client to server: the client's stream framed into whole messages ([`Framer`]), each one
//! judged by the defect ([`super::commands`]) before the server sees it.
//!
//! A message is held until it is whole (header block and body); a defect then lets it pass,
//! rewrites it, answers it in the server's place, or drops it.

use super::commands::judge;
use super::defect::Defect;
use super::raw;
use super::state::{Link, Shared};
use chat::wire::{self, Command, ErrorCode, Limits, Message, Role};

/// Limits far above the server's, so the proxy frames what the server refuses.
pub const BIG: Limits = Limits {
    max_header: 1 << 20,
    max_body: 16 << 20,
};

/// What becomes of one message from the client.
pub enum Up {
    Pass,
    /// These bytes go to the server instead.
    Rewrite(Vec<u8>),
    /// This goes back to the client in the server's place; the server gets nothing.
    Answer(Vec<u8>),
    /// Nothing goes anywhere.
    Drop,
}

/// The client's bytes not yet framed; after an unframable message, everything passes.
#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    passthrough: bool,
}

impl Framer {
    pub fn feed(&mut self, link: &Link, shared: &Shared, bytes: &[u8]) {
        // A slow close needs only the registrations framed: a registered socket's bytes pass
        // as they come, so the server still sees a half-sent message as half-sent.
        let registered = shared.defect == Defect::SlowClose && link.role().is_some();
        if self.passthrough || (registered && self.buf.is_empty()) {
            link.to_server(bytes);
            return;
        }
        self.buf.extend_from_slice(bytes);
        let defect = shared.defect;
        loop {
            let junk = wire::junk_prefix(&self.buf);
            if junk > 0 && defect == Defect::StrayNewlineIsCommand {
                self.buf.drain(..junk);
                link.to_server(b"?\n\n");
            }
            match wire::decode(&self.buf, &BIG) {
                Ok(Some((msg, used))) => {
                    let raw: Vec<u8> = self.buf.drain(..used).collect();
                    handle(link, shared, &msg, &raw);
                    if defect == Defect::LosesBytesAfterRegister
                        && matches!(msg.command, Command::Register { .. })
                    {
                        self.buf.clear();
                    }
                }
                Ok(None) => return,
                Err(_) if defect == Defect::LengthAtoi && atoi_length(&mut self.buf) => {}
                Err(_) => {
                    // The server will refuse it and close; what it makes of the rest is its own.
                    link.to_server(&self.buf);
                    self.buf.clear();
                    self.passthrough = true;
                    return;
                }
            }
        }
    }
}

/// [`Defect::OneReadOneMessage`]: the first whole message of the read, or nothing.
pub fn one_read(link: &Link, bytes: &[u8]) {
    if let Ok(Some((_, used))) = wire::decode(bytes, &BIG) {
        link.to_server(&bytes[..used]);
    }
}

/// Judges `msg` (whose bytes are `raw`) and sends what comes of it where it goes.
fn handle(link: &Link, shared: &Shared, msg: &Message, raw: &[u8]) {
    match judge(link, shared, msg, raw) {
        Up::Pass => {
            track(link, msg);
            link.to_server(raw);
        }
        Up::Rewrite(bytes) => {
            track(link, msg);
            link.to_server(&bytes);
        }
        Up::Answer(reply) => link.to_client(&reply),
        Up::Drop => {}
    }
}

/// Notes what the server is about to be asked, before it can answer.
fn track(link: &Link, msg: &Message) {
    let mut st = link.state.lock();
    match &msg.command {
        Command::Register { role, name } => st.asked = Some((*role, name.clone())),
        Command::Send { to } if msg.body.is_some() => st.sends.push_back(to.clone()),
        Command::Received { .. } | Command::Error { .. } if st.role == Some(Role::ToRecv) => {
            st.forwards.pop_front();
        }
        _ => {}
    }
}

pub fn bytes(command: Command) -> Vec<u8> {
    Message::new(command).to_bytes()
}

pub fn error(code: ErrorCode) -> Vec<u8> {
    Message::error(code).to_bytes()
}

/// [`Defect::LengthAtoi`] on a length the codec cannot read: `atoi()` of it instead.
/// Returns whether the buffer changed.
fn atoi_length(buf: &mut Vec<u8>) -> bool {
    let Some(end) = raw::header_end(buf) else {
        return false;
    };
    let edited = raw::edit_headers(&buf[..end], |name, value| {
        if name.eq_ignore_ascii_case("Content-length") {
            Some(format!("Content-length: {}", raw::atoi(value)))
        } else {
            Some(format!("{name}: {value}"))
        }
    });
    if edited[..] == buf[..end] {
        return false;
    }
    buf.splice(..end, edited);
    true
}
