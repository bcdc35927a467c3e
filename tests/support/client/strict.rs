//! A strict server of the original protocol, of a kind found in the wild (PROTOCOL.md Part 2,
//! the last rule for clients): it answers a `REGISTER` carrying any header line with
//! `ERROR 100`, and it stops serving everyone (closes every socket it has, accepts no more)
//! the moment a connection closes without having sent a byte. Otherwise it is a small but
//! real server: names are checked and unique, `SEND` to a name or `ALL` is forwarded and
//! answered `SENT`, acknowledgements are read and dropped.

use super::WAIT;
use chat::wire::{decode, Command, Limits, Message, Role};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[derive(Default)]
struct State {
    /// Every socket accepted, so that dying can close them all.
    sockets: Vec<TcpStream>,
    /// Registered TORECV sockets by name, and the names whose TOSEND is registered.
    torecv: HashMap<String, TcpStream>,
    tosend: Vec<String>,
    /// Each `REGISTER` received and its answer's first line, in order.
    transcript: Vec<String>,
}

/// The running server; it stops when dropped.
pub struct Strict {
    pub port: u16,
    state: Arc<Mutex<State>>,
    died: Arc<AtomicBool>,
}

impl Strict {
    pub fn start() -> Strict {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let state = Arc::new(Mutex::new(State::default()));
        let died = Arc::new(AtomicBool::new(false));
        let (s, d) = (Arc::clone(&state), Arc::clone(&died));
        thread::spawn(move || accept_loop(&listener, &s, &d));
        Strict { port, state, died }
    }

    /// True once a connection closed without having sent a byte.
    pub fn died(&self) -> bool {
        self.died.load(Ordering::SeqCst)
    }

    /// Every `REGISTER` received, as `<request first line> [+ header] -> <reply>`.
    pub fn transcript(&self) -> Vec<String> {
        self.state.lock().transcript.clone()
    }
}

impl Drop for Strict {
    fn drop(&mut self) {
        die(&self.state, &self.died);
    }
}

/// Stops serving: no more accepts, every socket closed.
fn die(state: &Mutex<State>, died: &AtomicBool) {
    died.store(true, Ordering::SeqCst);
    for socket in &state.lock().sockets {
        let _ = socket.shutdown(Shutdown::Both);
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<Mutex<State>>, died: &Arc<AtomicBool>) {
    while !died.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(WAIT * 6));
                if let Ok(copy) = stream.try_clone() {
                    state.lock().sockets.push(copy);
                }
                let (s, d) = (Arc::clone(state), Arc::clone(died));
                thread::spawn(move || serve(stream, &s, &d));
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>, died: &AtomicBool) {
    let mut buf = Vec::new();
    let mut spoke = false;
    let mut me: Option<(Role, String)> = None;
    let mut chunk = [0u8; 4096];
    loop {
        while let Ok(Some((msg, used))) = decode(&buf, &Limits::default()) {
            buf.drain(..used);
            let reply = answer(&msg, &stream, &mut me, state);
            if let Some(reply) = reply {
                if stream.write_all(&reply).is_err() {
                    return;
                }
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                spoke = true;
                buf.extend_from_slice(&chunk[..n]);
                let junk = chat::wire::junk_prefix(&buf);
                buf.drain(..junk);
            }
        }
    }
    if !spoke {
        die(state, died);
    }
}

/// The reply to `msg` from the connection registered as `me` (if it is).
fn answer(
    msg: &Message,
    stream: &TcpStream,
    me: &mut Option<(Role, String)>,
    state: &Mutex<State>,
) -> Option<Vec<u8>> {
    match (&msg.command, &*me) {
        (Command::Register { role, name }, None) => {
            let reply = register(*role, name, msg, stream, state);
            let first = String::from_utf8_lossy(&reply)
                .lines()
                .next()
                .map(String::from);
            let header = if msg.headers.is_empty() {
                ""
            } else {
                " + header"
            };
            let line = format!(
                "REGISTER {} {name}{header} -> {}",
                role.as_str(),
                first.unwrap_or_default()
            );
            state.lock().transcript.push(line);
            if reply.starts_with(b"REGISTERED") {
                *me = Some((*role, name.clone()));
            }
            Some(reply)
        }
        (Command::Send { to }, Some((Role::ToSend, from))) if msg.body.is_some() => {
            let body = msg.body.as_deref().unwrap_or_default();
            Some(send(from, to, body, state))
        }
        (Command::Received { .. }, _) => None,
        (_, None) => Some(b"ERROR 101 No user registered\n\n".to_vec()),
        _ => Some(b"ERROR 106 Unknown command\n\n".to_vec()),
    }
}

fn register(
    role: Role,
    name: &str,
    msg: &Message,
    stream: &TcpStream,
    state: &Mutex<State>,
) -> Vec<u8> {
    if !msg.headers.is_empty() || !chat::wire::is_valid_username(name) {
        return b"ERROR 100 Malformed username\n\n".to_vec();
    }
    let mut state = state.lock();
    let taken = match role {
        Role::ToSend => state.tosend.iter().any(|n| n == name),
        Role::ToRecv => state.torecv.contains_key(name),
    };
    if taken {
        return b"ERROR 104 Username taken\n\n".to_vec();
    }
    match role {
        Role::ToSend => state.tosend.push(name.to_string()),
        Role::ToRecv => {
            let Ok(socket) = stream.try_clone() else {
                return b"ERROR 101 No user registered\n\n".to_vec();
            };
            state.torecv.insert(name.to_string(), socket);
        }
    }
    format!("REGISTERED {} {name}\n\n", role.as_str()).into_bytes()
}

/// Forwards `body` from `from` to `to` (a name or `ALL`, everyone but the sender).
fn send(from: &str, to: &str, body: &[u8], state: &Mutex<State>) -> Vec<u8> {
    let state = state.lock();
    let mut forward = format!("FORWARD {from}\nContent-length: {}\n\n", body.len()).into_bytes();
    forward.extend_from_slice(body);
    let all = chat::wire::is_all(to);
    let mut reached = 0;
    for (name, mut socket) in &state.torecv {
        if (all && name != from) || name == to {
            reached += usize::from(socket.write_all(&forward).is_ok());
        }
    }
    if all || reached > 0 {
        format!("SENT {to}\n\n").into_bytes()
    } else {
        b"ERROR 102 Unable to send\n\n".to_vec()
    }
}
