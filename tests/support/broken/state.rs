//! What the proxy knows: each proxied connection ([`Link`]) with what passed through it, and
//! the state shared by all of them ([`Shared`]): who is online under which name, which names
//! have been used and left, and the server-wide lock of [`Defect::SerialSends`].
//!
//! Everything is learned from the traffic itself (a name is online once the server's
//! `REGISTERED` passed), never from the server's insides.

use super::defect::Defect;
use chat::wire::Role;
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The longest a `SEND` waits for the server-wide lock of [`Defect::SerialSends`]; past it the
/// proxy lets it through rather than hang a test.
const GATE_PATIENCE: Duration = Duration::from_secs(10);

/// What passed through one connection, as far as the defects need to know.
#[derive(Default)]
pub struct LinkState {
    /// The role and name the server confirmed with `REGISTERED`.
    pub role: Option<Role>,
    pub name: Option<String>,
    /// The last `REGISTER` passed to the server, as the client spelled it.
    pub asked: Option<(Role, String)>,
    /// Recipients of the `SEND`s passed to the server and not answered yet, oldest first.
    pub sends: VecDeque<String>,
    /// Senders of the `FORWARD`s written to this client and not acknowledged yet.
    pub forwards: VecDeque<String>,
    /// Replies to `SEND`s and `REGISTERED`s the proxy answered itself: the server's own are
    /// dropped.
    pub swallow_sent: usize,
    pub swallow_registered: usize,
    /// The next `SENT ALL` becomes `ERROR 102`.
    pub fail_next_all: bool,
    /// `SEND`s of this connection holding the server-wide lock.
    pub gated: usize,
    /// Part 5: the proxy asked for `offline` on this client's behalf, and hides it.
    pub hidden_ext: bool,
    /// Part 5: the client asked for `offline`.
    pub asked_offline: bool,
    /// Part 5: forwards of kept messages held back.
    pub held: Vec<Vec<u8>>,
}

/// One client connection and the proxy's own connection to the server for it.
pub struct Link {
    pub id: u64,
    client: Mutex<TcpStream>,
    server: Mutex<TcpStream>,
    pub state: Mutex<LinkState>,
    ended: AtomicBool,
}

impl Link {
    pub fn new(id: u64, client: TcpStream, server: TcpStream) -> Link {
        Link {
            id,
            client: Mutex::new(client),
            server: Mutex::new(server),
            state: Mutex::new(LinkState::default()),
            ended: AtomicBool::new(false),
        }
    }

    /// Writes `bytes` to the client with one write call (a failure means it has gone).
    pub fn to_client(&self, bytes: &[u8]) {
        let _ = self.client.lock().write_all(bytes);
    }

    pub fn to_server(&self, bytes: &[u8]) {
        let _ = self.server.lock().write_all(bytes);
    }

    /// The server closed: the client sees the close once what was written reached it.
    pub fn end_client(&self) {
        let _ = self.client.lock().shutdown(Shutdown::Write);
    }

    /// The client closed: so does the proxy's connection to the server.
    pub fn end_server(&self) {
        let _ = self.server.lock().shutdown(Shutdown::Write);
    }

    /// Closes both sockets now.
    pub fn close(&self) {
        let _ = self.client.lock().shutdown(Shutdown::Both);
        let _ = self.server.lock().shutdown(Shutdown::Both);
    }

    /// The registered name, when this is a registered socket.
    pub fn name(&self) -> Option<String> {
        self.state.lock().name.clone()
    }

    pub fn role(&self) -> Option<Role> {
        self.state.lock().role
    }
}

/// A name's sockets online, by link id.
#[derive(Clone, Copy, Default, Debug)]
pub struct Sides {
    pub tosend: Option<u64>,
    pub torecv: Option<u64>,
}

impl Sides {
    pub fn complete(&self) -> bool {
        self.tosend.is_some() && self.torecv.is_some()
    }
}

/// Who is online, which names were used and have left, and which are still being let go.
#[derive(Default)]
pub struct Names {
    pub online: HashMap<String, Sides>,
    pub retired: HashSet<String>,
    /// Names with a socket closed by its client and not yet passed on to the server, with
    /// how many such sockets ([`Defect::SlowClose`]).
    pub closing: HashMap<String, usize>,
}

/// The state of one proxy, shared by all its connections.
pub struct Shared {
    pub defect: Defect,
    next_id: AtomicU64,
    pub stopping: AtomicBool,
    links: Mutex<HashMap<u64, Arc<Link>>>,
    pub names: Mutex<Names>,
    /// The link whose client sent the latest `SEND` ([`Defect::SentToLatestSender`]).
    pub latest_sender: Mutex<Option<u64>>,
    gate: Mutex<bool>,
    gate_free: Condvar,
    /// What the Part 5 defects remember across connections.
    pub memory: Mutex<super::memory::Log>,
    /// What the Part 8 defects remember across connections.
    pub rooms: Mutex<super::rooms::Log>,
}

impl Shared {
    pub fn new(defect: Defect) -> Shared {
        Shared {
            defect,
            next_id: AtomicU64::new(1),
            stopping: AtomicBool::new(false),
            links: Mutex::new(HashMap::new()),
            names: Mutex::new(Names::default()),
            latest_sender: Mutex::new(None),
            gate: Mutex::new(false),
            gate_free: Condvar::new(),
            memory: Mutex::default(),
            rooms: Mutex::default(),
        }
    }

    /// A new link, known to the proxy until it stops.
    pub fn adopt(&self, client: TcpStream, server: TcpStream) -> Arc<Link> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let link = Arc::new(Link::new(id, client, server));
        self.links.lock().insert(id, link.clone());
        link
    }

    pub fn link(&self, id: u64) -> Option<Arc<Link>> {
        self.links.lock().get(&id).cloned()
    }

    /// Closes every socket of every link, which ends every pump thread.
    pub fn close_all(&self) {
        let links: Vec<_> = self.links.lock().values().cloned().collect();
        for link in links {
            link.close();
        }
    }

    /// The server confirmed `link` as `role` for `name`.
    pub fn registered(&self, link: &Link, role: Role, name: &str) {
        {
            let mut st = link.state.lock();
            st.role = Some(role);
            st.name = Some(name.to_string());
        }
        let mut names = self.names.lock();
        let sides = names.online.entry(name.to_string()).or_default();
        match role {
            Role::ToSend => sides.tosend = Some(link.id),
            Role::ToRecv => sides.torecv = Some(link.id),
        }
    }

    /// `link` ended (first of its two directions to end): its name's side goes offline, the
    /// name retires when both sides are gone, and any lock it held is let go.
    pub fn ended(&self, link: &Link) {
        if link.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        let (name, gated) = {
            let mut st = link.state.lock();
            (st.name.clone(), std::mem::take(&mut st.gated))
        };
        for _ in 0..gated {
            self.gate_leave();
        }
        let Some(name) = name else { return };
        let mut names = self.names.lock();
        let Some(sides) = names.online.get_mut(&name) else {
            return;
        };
        if sides.tosend == Some(link.id) {
            sides.tosend = None;
        }
        if sides.torecv == Some(link.id) {
            sides.torecv = None;
        }
        if sides.tosend.is_none() && sides.torecv.is_none() {
            names.online.remove(&name);
            names.retired.insert(name);
        }
    }

    /// `link`'s client closed and the server is not told yet: its name (if any) is held.
    pub fn begin_close(&self, link: &Link) -> Option<String> {
        let name = link.name()?;
        *self.names.lock().closing.entry(name.clone()).or_default() += 1;
        Some(name)
    }

    /// The close [`Shared::begin_close`] held `name` for has reached the server.
    pub fn end_close(&self, name: &str) {
        let mut names = self.names.lock();
        if let Some(count) = names.closing.get_mut(name) {
            *count -= 1;
            if *count == 0 {
                names.closing.remove(name);
            }
        }
    }

    /// A socket that held `name` has closed and the server has not been told yet.
    pub fn closing(&self, name: &str) -> bool {
        self.names.lock().closing.contains_key(name)
    }

    /// Takes the server-wide `SEND` lock, waiting for it at most [`GATE_PATIENCE`].
    pub fn gate_enter(&self) {
        let mut busy = self.gate.lock();
        let _ = self
            .gate_free
            .wait_while_for(&mut busy, |busy| *busy, GATE_PATIENCE);
        *busy = true;
    }

    pub fn gate_leave(&self) {
        *self.gate.lock() = false;
        self.gate_free.notify_one();
    }
}
