//! The web port with a certificate: `https://` and `wss://` beside `http://` and `ws://` on the
//! same port (the server tells them apart by the first byte), in exact bytes.

use crate::support::start;
use crate::support::tls::{connect, self_signed, with_tls};
use crate::support::web::{http, read_to_close, text, web_config, RawWs};

const INDEX: &str = include_str!("../../src/front/web/page/index.html");

#[test]
fn the_page_over_https_and_over_http_on_one_port() {
    let cert = self_signed();
    let server = start(with_tls(web_config(), &cert));
    let web = server.web_addr().expect("web on");
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut tls = connect(web, &cert);
    tls.send(request);
    let secure = read_to_close(&mut tls);
    let plain = http(web, request);
    assert!(
        secure.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"),
        "{secure}"
    );
    assert!(secure.contains("\r\nContent-Security-Policy: default-src 'none'; "));
    assert!(secure.ends_with(INDEX));
    // Byte for byte what the plain port says: TLS changes nothing inside.
    assert_eq!(secure, plain);
}

#[test]
fn a_wss_user_and_a_ws_user_chat_on_one_port() {
    let cert = self_signed();
    let server = start(with_tls(web_config(), &cert));
    let web = server.web_addr().expect("web on");
    let mut secure = RawWs::handshake(connect(web, &cert).stream);
    secure.send(&text(r#"{"type":"hello","nick":"sam"}"#));
    secure.expect_text(r#"{"type":"join","nick":"sam"}"#);
    let mut plain = RawWs::join(web, "pat");
    secure.expect_text(r#"{"type":"join","nick":"pat"}"#);
    secure.send(&text(r#"{"type":"chat","message":"sealed"}"#));
    for ws in [&mut secure, &mut plain] {
        ws.expect_text(r#"{"type":"chat","nick":"sam","message":"sealed"}"#);
    }
    plain.send(&text(r#"{"type":"chat","message":"open"}"#));
    for ws in [&mut secure, &mut plain] {
        ws.expect_text(r#"{"type":"chat","nick":"pat","message":"open"}"#);
    }
}

#[test]
fn without_a_certificate_the_web_port_stays_plain() {
    let server = start(web_config());
    let web = server.web_addr().expect("web on");
    // A TLS ClientHello's first bytes are not HTTP: a plain-only port answers 400.
    let got = http(web, b"\x16\x03\x01\x00\x05hello\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 400 "), "{got:?}");
}
