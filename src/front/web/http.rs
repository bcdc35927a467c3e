//! HTTP/1.1 as the web front end speaks it, with no IO: a request head parsed with
//! `httparse` (bytes in; a [`Request`] and the bytes it used, or "incomplete", out; its size
//! bounded), the routes, and the bytes of each response with its security headers.
//!
//! Every response closes its connection (`Connection: close`): a browser opens another one
//! for the next file, and the WebSocket upgrade is the only request that keeps its socket.

use super::page::{Asset, ASSETS};
use thiserror::Error;

/// The longest request head read; longer is `431`.
pub(super) const MAX_HEAD: usize = 8 * 1024;
/// The most header lines a request may have; more is `431`.
const MAX_HEADERS: usize = 64;

/// The Content-Security-Policy of every response: the page's own script and style only.
pub(super) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// A request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Request {
    pub method: String,
    /// The request target as sent (`/ws?x=1`).
    pub target: String,
    /// The target's path, without its query.
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// The value of header `name` (any case), when it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(value).ok().map(str::trim)
    }
}

/// Why a request gets an error response instead of what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(super) enum HttpError {
    #[error("the request head is longer than {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("the request has more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    #[error("this is not an HTTP request ({0})")]
    Malformed(httparse::Error),
    #[error("no complete request within {0:?}")]
    TimedOut(std::time::Duration),
    #[error("nothing here at {0}")]
    NotFound(String),
    #[error("{0} is not served here; use GET or HEAD")]
    MethodNotAllowed(String),
    #[error("/ws is the chat's WebSocket: connect with a WebSocket")]
    UpgradeRequired,
    #[error("not a WebSocket handshake: {0}")]
    BadHandshake(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the server is full; try again later")]
    Full,
}

impl HttpError {
    /// The status code and reason phrase that answer this.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            HttpError::HeadTooLarge | HttpError::TooManyHeaders => {
                (431, "Request Header Fields Too Large")
            }
            HttpError::Malformed(_) | HttpError::BadHandshake(_) => (400, "Bad Request"),
            HttpError::TimedOut(_) => (408, "Request Timeout"),
            HttpError::NotFound(_) => (404, "Not Found"),
            HttpError::MethodNotAllowed(_) => (405, "Method Not Allowed"),
            HttpError::UpgradeRequired => (426, "Upgrade Required"),
            HttpError::Forbidden(_) => (403, "Forbidden"),
            HttpError::Full => (503, "Service Unavailable"),
        }
    }

    /// The whole response: the status, and the reason as plain text.
    pub fn response(&self) -> Vec<u8> {
        let (code, reason) = self.status();
        let extra: &[(&str, &str)] = match self {
            HttpError::MethodNotAllowed(_) => &[("Allow", "GET, HEAD")],
            HttpError::UpgradeRequired => &[("Upgrade", "websocket")],
            _ => &[],
        };
        let body = format!("{self}\n");
        response(code, reason, TEXT, body.as_bytes(), false, extra)
    }
}

/// Plain text, the type of every error's body.
const TEXT: &str = "text/plain; charset=utf-8";

/// One request head from the front of `buf` and the bytes it used; `Ok(None)`: incomplete.
pub(super) fn parse(buf: &[u8]) -> Result<Option<(Request, usize)>, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let used = match req.parse(buf) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Err(HttpError::HeadTooLarge)
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HttpError::TooManyHeaders),
        Err(e) => return Err(HttpError::Malformed(e)),
    };
    if used > MAX_HEAD {
        return Err(HttpError::HeadTooLarge);
    }
    // Complete means httparse saw the method, the target and the version.
    let (method, target) = (req.method.unwrap_or(""), req.path.unwrap_or(""));
    let path = target.split(['?', '#']).next().unwrap_or("").to_string();
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        headers: req
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
    };
    Ok(Some((request, used)))
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// A file of the page; `head`: its headers only.
    File { asset: &'static Asset, head: bool },
    /// Nothing, and that is fine (`/favicon.ico`: the page has no icon).
    NoContent,
    /// The chat's WebSocket.
    WebSocket,
}

/// Where `req` goes, or the error that answers it.
pub(super) fn route(req: &Request) -> Result<Route, HttpError> {
    let head = match req.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        other => return Err(HttpError::MethodNotAllowed(other.to_string())),
    };
    let path = match req.path.as_str() {
        "/index.html" => "/",
        path => path,
    };
    if path == "/ws" {
        return match req.header("Upgrade") {
            Some(_) if !head => Ok(Route::WebSocket),
            _ => Err(HttpError::UpgradeRequired),
        };
    }
    if path == "/favicon.ico" {
        return Ok(Route::NoContent);
    }
    match ASSETS.iter().find(|a| a.path == path) {
        Some(asset) => Ok(Route::File { asset, head }),
        None => Err(HttpError::NotFound(req.path.clone())),
    }
}

/// The bytes of a response: status line, our headers, `extra` headers, then `body` (only
/// its length when `head_only`).
pub(super) fn response(
    code: u16,
    reason: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {code} {reason}\r\n");
    if code != 204 {
        out += &format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    out += &format!(
        "Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCache-Control: no-cache\r\n"
    );
    for (name, value) in extra {
        out += &format!("{name}: {value}\r\n");
    }
    out += "Connection: close\r\n\r\n";
    let mut out = out.into_bytes();
    if !head_only && code != 204 {
        out.extend_from_slice(body);
    }
    out
}

/// The response to a route that is not the WebSocket.
pub(super) fn answer(route: &Route) -> Vec<u8> {
    match route {
        Route::File { asset, head } => response(
            200,
            "OK",
            asset.content_type,
            asset.body.as_bytes(),
            *head,
            &[],
        ),
        Route::NoContent | Route::WebSocket => response(204, "No Content", TEXT, b"", true, &[]),
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
