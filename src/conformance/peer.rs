//! One raw socket to the implementation under test, with deadline reads and exact-byte
//! expectations that turn into [`Failure`]s naming the socket and both sides' bytes.
//!
//! Nothing here parses liberally: the kit compares what arrives with the bytes the protocol
//! prescribes. Every read has a deadline, so a missing reply is a failure, never a hang.

use super::Failure;
use crate::wire::{self, Limits, Message};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// The most received bytes kept for a report when an expectation fails.
const SHOW_AT_MOST: usize = 4096;
/// After a mismatch, how long to keep reading so the report shows the whole wrong message.
const MISMATCH_GRACE: Duration = Duration::from_millis(100);
/// The limits the kit decodes with: far above any implementation's, since the kit judges
/// sizes by its own checks, not by refusing to read.
pub const READ_LIMITS: Limits = Limits {
    max_header: 64 * 1024,
    max_body: 16 * 1024 * 1024,
};

/// A socket, the bytes read from it but not yet expected, and a label for reports
/// (`alice TOSEND`).
pub struct Peer {
    stream: TcpStream,
    buf: Vec<u8>,
    label: String,
    eof: bool,
}

/// What one attempt to read more ended in.
enum Fill {
    Data,
    Closed(String),
    TimedOut,
}

impl Peer {
    /// Connects to `addr` within `within`.
    pub fn connect(
        addr: SocketAddr,
        label: impl Into<String>,
        within: Duration,
    ) -> Result<Peer, Failure> {
        let label = label.into();
        let stream = TcpStream::connect_timeout(&addr, within)
            .map_err(|e| Failure::new(format!("{label}: cannot connect to {addr}: {e}")))?;
        Ok(Peer::from_stream(stream, label))
    }

    /// Wraps an accepted or connected stream.
    pub fn from_stream(stream: TcpStream, label: impl Into<String>) -> Peer {
        // Small messages go out at once; failing to set it only makes the run slower.
        let _ = stream.set_nodelay(true);
        Peer {
            stream,
            buf: Vec::new(),
            label: label.into(),
            eof: false,
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Sends `bytes` with one write call.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.stream.write_all(bytes).map_err(|e| {
            Failure::new(format!(
                "{}: cannot send {}: {e}",
                self.label,
                super::show(bytes)
            ))
        })
    }

    /// Sends `bytes` one byte per write, `gap` apart.
    pub fn trickle(&mut self, bytes: &[u8], gap: Duration) -> Result<(), Failure> {
        for byte in bytes {
            self.send(std::slice::from_ref(byte))?;
            thread::sleep(gap);
        }
        Ok(())
    }

    /// Expects exactly `want` next, within `within`.
    pub fn expect(&mut self, want: &[u8], within: Duration) -> Result<(), Failure> {
        self.expect_any(&[want], within).map(|_| ())
    }

    /// Expects one of `wants` next (none a prefix of another), within `within`; returns which.
    pub fn expect_any(&mut self, wants: &[&[u8]], within: Duration) -> Result<usize, Failure> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(i) = wants.iter().position(|w| self.buf.starts_with(w)) {
                self.buf.drain(..wants[i].len());
                return Ok(i);
            }
            let possible = wants.iter().any(|w| w.starts_with(&self.buf));
            if !possible {
                self.read_more_for_report();
                return Err(self.mismatch("unexpected bytes", wants[0]));
            }
            match self.fill(deadline) {
                Fill::Data => {}
                Fill::Closed(how) => {
                    return Err(self.mismatch(&format!("{how} instead"), wants[0]));
                }
                Fill::TimedOut => {
                    let what = format!("nothing more within {}", secs(within));
                    return Err(self.mismatch(&what, wants[0]));
                }
            }
        }
    }

    /// Reads the next whole message, within `within`, and returns it with its bytes.
    pub fn next_message(&mut self, within: Duration) -> Result<(Message, Vec<u8>), Failure> {
        let deadline = Instant::now() + within;
        loop {
            match wire::decode(&self.buf, &READ_LIMITS) {
                Ok(Some((msg, used))) => {
                    let bytes = self.buf.drain(..used).collect();
                    return Ok((msg, bytes));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(Failure::bytes(
                        format!("{}: not a protocol message ({e})", self.label),
                        b"",
                        self.shown(),
                    ))
                }
            }
            match self.fill(deadline) {
                Fill::Data => {}
                Fill::Closed(how) => {
                    return Err(self.plain(&format!("{how} before a whole message arrived")))
                }
                Fill::TimedOut => {
                    let what = format!("no whole message within {}", secs(within));
                    return Err(self.plain(&what));
                }
            }
        }
    }

    /// Expects the other side to close this socket (a reset counts) within `within`, with
    /// nothing more sent before it.
    pub fn expect_closed(&mut self, within: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + within;
        loop {
            if !self.buf.is_empty() {
                self.read_more_for_report();
                return Err(Failure::bytes(
                    format!("{}: bytes where the socket should have closed", self.label),
                    b"",
                    self.shown(),
                ));
            }
            match self.fill(deadline) {
                Fill::Data => {}
                Fill::Closed(_) => return Ok(()),
                Fill::TimedOut => {
                    return Err(Failure::new(format!(
                        "{}: still open {} after it should have been closed",
                        self.label,
                        secs(within)
                    )))
                }
            }
        }
    }

    /// Expects the other side to close this socket within `within`, whatever it sends first
    /// (an error reply, say); returns what it sent.
    pub fn expect_closed_after_any(&mut self, within: Duration) -> Result<Vec<u8>, Failure> {
        let deadline = Instant::now() + within;
        loop {
            match self.fill(deadline) {
                // Only the start is kept: a peer that floods until it closes costs no memory.
                Fill::Data => self.buf.truncate(SHOW_AT_MOST),
                Fill::Closed(_) => return Ok(self.take_buffered()),
                Fill::TimedOut => {
                    return Err(self.plain(&format!(
                        "still open {} after it should have been closed",
                        secs(within)
                    )))
                }
            }
        }
    }

    /// Expects no bytes to arrive for `window`; for the few rules about what must not happen
    /// yet (no `SENT` before the acknowledgement), where there is no event to wait on.
    pub fn expect_silence(&mut self, window: Duration, why: &str) -> Result<(), Failure> {
        let deadline = Instant::now() + window;
        while self.buf.is_empty() {
            match self.fill(deadline) {
                Fill::Data => {}
                Fill::Closed(how) => return Err(self.plain(&format!("{how} ({why})"))),
                Fill::TimedOut => return Ok(()),
            }
        }
        self.read_more_for_report();
        Err(Failure::bytes(
            format!("{}: {why}", self.label),
            b"",
            self.shown(),
        ))
    }

    /// The bytes of the first read that returns any, when nothing is buffered: whether a
    /// message came in one segment.
    pub fn first_read(&mut self, within: Duration) -> Result<Vec<u8>, Failure> {
        if !self.buf.is_empty() {
            return Ok(std::mem::take(&mut self.buf));
        }
        match self.fill(Instant::now() + within) {
            Fill::Data => Ok(std::mem::take(&mut self.buf)),
            Fill::Closed(how) => Err(self.plain(&how)),
            Fill::TimedOut => Err(self.plain(&format!("nothing within {}", secs(within)))),
        }
    }

    /// Takes what has been read but not expected yet.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Closes both directions now.
    pub fn close(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }

    fn fill(&mut self, deadline: Instant) -> Fill {
        if self.eof {
            return Fill::Closed("closed by the other side".into());
        }
        let now = Instant::now();
        if now >= deadline {
            return Fill::TimedOut;
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        if let Err(e) = self.stream.set_read_timeout(Some(wait)) {
            return Fill::Closed(format!("socket unusable ({e})"));
        }
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.eof = true;
                Fill::Closed("closed by the other side".into())
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Fill::Data
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Fill::TimedOut
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => Fill::Data,
            Err(e) => {
                self.eof = true;
                Fill::Closed(format!("connection failed ({e})"))
            }
        }
    }

    /// After a mismatch, reads on briefly so that the report shows the whole wrong message.
    fn read_more_for_report(&mut self) {
        let deadline = Instant::now() + MISMATCH_GRACE;
        while self.buf.len() < SHOW_AT_MOST && !ends_a_message(&self.buf) {
            if !matches!(self.fill(deadline), Fill::Data) {
                break;
            }
        }
    }

    fn shown(&self) -> &[u8] {
        &self.buf[..self.buf.len().min(SHOW_AT_MOST)]
    }

    fn mismatch(&self, what: &str, want: &[u8]) -> Failure {
        Failure::bytes(format!("{}: {what}", self.label), want, self.shown())
    }

    fn plain(&self, what: &str) -> Failure {
        let mut failure = Failure::new(format!("{}: {what}", self.label));
        if !self.buf.is_empty() {
            failure.received = Some(self.shown().to_vec());
        }
        failure
    }
}

fn ends_a_message(buf: &[u8]) -> bool {
    buf.windows(2).any(|w| w == b"\n\n")
}

/// A duration for a report: `250 ms`, `2.5 s`.
pub fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (Peer, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = Peer::connect(addr, "test", Duration::from_secs(5)).unwrap();
        let (other, _) = listener.accept().unwrap();
        (peer, other)
    }

    const SHORT: Duration = Duration::from_millis(200);

    #[test]
    fn expect_takes_exact_bytes_across_segments() {
        let (mut peer, mut other) = pair();
        other.write_all(b"SENT b").unwrap();
        other.write_all(b"ob\n\nREST").unwrap();
        peer.expect(b"SENT bob\n\n", SHORT).unwrap();
        assert_eq!(peer.take_buffered(), b"REST");
    }

    #[test]
    fn a_mismatch_reports_both_sides() {
        let (mut peer, mut other) = pair();
        other.write_all(b"SEND bob\n\n").unwrap();
        let failure = peer.expect(b"SENT bob\n\n", SHORT).unwrap_err();
        assert_eq!(failure.expected.as_deref(), Some(&b"SENT bob\n\n"[..]));
        assert_eq!(failure.received.as_deref(), Some(&b"SEND bob\n\n"[..]));
        assert!(
            failure.what.starts_with("test: unexpected bytes"),
            "{failure}"
        );
    }

    #[test]
    fn silence_times_out_and_close_is_reported() {
        let (mut peer, other) = pair();
        let failure = peer.expect(b"SENT bob\n\n", SHORT).unwrap_err();
        assert!(
            failure.what.contains("nothing more within 200 ms"),
            "{failure}"
        );
        peer.expect_silence(SHORT, "quiet").unwrap();
        drop(other);
        peer.expect_closed(SHORT).unwrap();
    }

    #[test]
    fn expect_any_says_which_matched_and_next_message_decodes() {
        let (mut peer, mut other) = pair();
        other
            .write_all(b"SENT all\n\nFORWARD a\nContent-length: 2\n\nhi")
            .unwrap();
        let which = peer.expect_any(&[b"SENT ALL\n\n", b"SENT all\n\n"], SHORT);
        assert_eq!(which, Ok(1));
        let (msg, bytes) = peer.next_message(SHORT).unwrap();
        assert_eq!(msg.body.as_deref(), Some(&b"hi"[..]));
        assert_eq!(bytes, b"FORWARD a\nContent-length: 2\n\nhi");
    }

    #[test]
    fn bytes_before_a_close_fail_expect_closed() {
        let (mut peer, mut other) = pair();
        other.write_all(b"ERROR 106 Unknown command\n\n").unwrap();
        drop(other);
        assert!(peer.expect_closed(SHORT).is_err());
    }
}
