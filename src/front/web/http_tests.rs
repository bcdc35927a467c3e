//! Request heads, routes and responses, byte for byte; every prefix of a request is
//! incomplete.

use super::*;
use proptest::prelude::*;

const GET: &[u8] = b"GET /app.js?v=2 HTTP/1.1\r\nHost: chat.local:8080\r\nOrigin: x\r\n\r\n";

fn req(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
    Request {
        method: method.into(),
        target: path.into(),
        path: path.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
    }
}

#[test]
fn a_head_is_parsed_and_what_follows_it_is_left() {
    let mut buf = GET.to_vec();
    buf.extend_from_slice(b"\x81\x80");
    let (r, used) = parse(&buf).unwrap().unwrap();
    assert_eq!(used, GET.len());
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/app.js?v=2");
    assert_eq!(r.path, "/app.js");
    assert_eq!(r.header("host"), Some("chat.local:8080"));
    assert_eq!(r.header("ORIGIN"), Some("x"));
    assert_eq!(r.header("Upgrade"), None);
}

#[test]
fn garbage_and_oversized_heads_are_refused() {
    assert!(matches!(
        parse(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
        Err(HttpError::Malformed(_))
    ));
    assert!(matches!(
        parse(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        Err(HttpError::Malformed(_))
    ));
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.resize(MAX_HEAD, b'a');
    assert_eq!(parse(&big), Err(HttpError::HeadTooLarge));
    assert_eq!(parse(&big[..MAX_HEAD - 1]), Ok(None));
    // The limit is 8 KiB: a head just under it is taken, whole or cut; one over it that
    // arrived complete in one read is refused all the same.
    let mut under = b"GET / HTTP/1.1\r\nX: ".to_vec();
    under.resize(MAX_HEAD - 4, b'a');
    under.extend_from_slice(b"\r\n\r\n");
    assert_eq!(MAX_HEAD, 8192);
    assert_eq!(
        parse(&under).map(|r| r.map(|(_, used)| used)),
        Ok(Some(MAX_HEAD))
    );
    let mut over = big[..MAX_HEAD].to_vec();
    over.extend_from_slice(b"\r\n\r\n");
    assert_eq!(parse(&over), Err(HttpError::HeadTooLarge));
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X{i}: y\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
    assert_eq!(parse(many.as_bytes()), Err(HttpError::TooManyHeaders));
}

#[test]
fn routes() {
    let file = |path: &str| ASSETS.iter().find(|a| a.path == path).unwrap();
    let cases: Vec<(Request, Result<Route, HttpError>)> = vec![
        (
            req("GET", "/", &[]),
            Ok(Route::File {
                asset: file("/"),
                head: false,
            }),
        ),
        (
            req("GET", "/index.html", &[]),
            Ok(Route::File {
                asset: file("/"),
                head: false,
            }),
        ),
        (
            req("HEAD", "/app.js", &[]),
            Ok(Route::File {
                asset: file("/app.js"),
                head: true,
            }),
        ),
        (
            req("GET", "/style.css", &[]),
            Ok(Route::File {
                asset: file("/style.css"),
                head: false,
            }),
        ),
        (req("GET", "/favicon.ico", &[]), Ok(Route::NoContent)),
        (
            req("GET", "/ws", &[("upgrade", "websocket")]),
            Ok(Route::WebSocket),
        ),
        (req("GET", "/ws", &[]), Err(HttpError::UpgradeRequired)),
        (
            req("HEAD", "/ws", &[("Upgrade", "websocket")]),
            Err(HttpError::UpgradeRequired),
        ),
        (
            req("GET", "/etc/passwd", &[]),
            Err(HttpError::NotFound("/etc/passwd".into())),
        ),
        (
            req("POST", "/", &[]),
            Err(HttpError::MethodNotAllowed("POST".into())),
        ),
    ];
    for (r, want) in cases {
        assert_eq!(route(&r), want, "{} {}", r.method, r.path);
    }
}

#[test]
fn responses_carry_the_security_headers() {
    let head = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    assert_eq!(
        head(HttpError::MethodNotAllowed("PUT".into()).response()),
        format!(
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 40\r\nContent-Security-Policy: {CSP}\r\n\
             X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
             Cache-Control: no-cache\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n\
             PUT is not served here; use GET or HEAD\n"
        )
    );
    // A plain GET of the WebSocket's path is told how to upgrade.
    let got = head(HttpError::UpgradeRequired.response());
    assert!(
        got.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{got}"
    );
    assert!(
        got.contains("\r\nUpgrade: websocket\r\nConnection: close\r\n"),
        "{got}"
    );
    let css = ASSETS.iter().find(|a| a.path == "/style.css").unwrap();
    let got = head(answer(&Route::File {
        asset: css,
        head: true,
    }));
    assert!(got.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/css; charset=utf-8\r\n"));
    assert!(got.contains(&format!("Content-Length: {}\r\n", css.body.len())));
    assert!(got.ends_with("Connection: close\r\n\r\n"), "{got}");
    let none = head(answer(&Route::NoContent));
    assert!(none.starts_with("HTTP/1.1 204 No Content\r\nContent-Security-Policy: "));
    assert!(none.ends_with("\r\n\r\n") && !none.contains("Content-Length"));
}

proptest! {
    #[test]
    fn every_prefix_of_a_request_is_incomplete(
        method in "GET|HEAD|POST",
        path in "/[a-z0-9/._?=-]{0,40}",
        headers in proptest::collection::vec(("[A-Za-z-]{1,20}", "[ -~]{0,60}"), 0..10),
    ) {
        let mut text = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in &headers {
            text += &format!("{name}: {}\r\n", value.trim());
        }
        text += "\r\n";
        let bytes = text.as_bytes();
        let (whole, used) = parse(bytes).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(whole.headers.len(), headers.len());
        for end in 0..bytes.len() {
            prop_assert_eq!(parse(&bytes[..end]), Ok(None), "prefix of {} bytes", end);
        }
    }

    #[test]
    fn any_bytes_give_an_answer_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(Some((r, _))) = parse(&bytes) {
            let _ = route(&r);
        }
    }
}
