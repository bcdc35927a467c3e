//! `client --tls` end to end through the real `server` binary's TLS ports, driven by pipes:
//! both protocols with a pinned fingerprint, a CA-signed certificate trusted with `--ca`,
//! refusals that name the certificate's fingerprint, and a self-signed certificate that keeps
//! its fingerprint across a restart.

use crate::support::client::{untimed, Client, Server};
use std::path::PathBuf;
use std::process::Command;

fn leave(mut client: Client) {
    client.send("/quit");
    client.exits_ok();
}

/// A fresh directory under cargo's temporary directory for tests.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tls-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tls_server() -> (Server, String) {
    let server = Server::start_with(&["--json-any-port", "--tls-self-signed"]);
    let fingerprint = server.fingerprint.clone().expect("a fingerprint");
    (server, fingerprint)
}

#[test]
fn two_socket_clients_chat_over_tls_with_a_pinned_fingerprint() {
    let (server, fingerprint) = tls_server();
    let tls_port = server.tls_port.expect("a TLS port");
    let pinned = ["--tls", "--fingerprint", fingerprint.as_str()];
    let mut alice = Client::registered(tls_port, "alice", &pinned);
    // The fingerprint without colons, in lower case, is the same one.
    let bare = fingerprint.replace(':', "").to_lowercase();
    let mut carol = Client::registered(tls_port, "carol", &["--fingerprint", &bare]);
    let mut bob = Client::registered(server.port, "bob", &[]);
    alice.send("@bob hello over TLS");
    assert_eq!(
        untimed(&bob.expect("hello over TLS")),
        "alice (to you): hello over TLS"
    );
    assert_eq!(alice.expect("deliver"), "delivered to bob");
    bob.send("@carol hi carol");
    assert_eq!(untimed(&carol.expect("hi carol")), "bob (to you): hi carol");
    assert_eq!(bob.expect("deliver"), "delivered to carol");
    leave(alice);
    leave(bob);
    leave(carol);
}

#[test]
fn json_clients_chat_over_tls_with_a_pinned_fingerprint() {
    let (server, fingerprint) = tls_server();
    let json_tls = server.json_tls_port.expect("a JSON TLS port");
    let json = ["--protocol", "json"];
    let mut pat = Client::registered(
        json_tls,
        "pat",
        &["--protocol", "json", "--fingerprint", &fingerprint],
    );
    let mut chris = Client::registered(server.json_port.unwrap(), "chris", &json);
    assert_eq!(pat.expect("chris"), "*** chris has joined the chat");
    chris.send("hi pat");
    assert_eq!(chris.expect("deliver"), "delivered to ALL");
    assert_eq!(pat.expect("hi pat"), "chris: hi pat");
    pat.send("@chris psst, over TLS");
    assert_eq!(pat.expect("deliver"), "delivered to chris");
    assert_eq!(chris.expect("psst"), "pat -> chris: psst, over TLS");
    leave(pat);
    leave(chris);
}

/// Connects with `flags` to `port` and expects a refusal naming `fingerprint`: its one line.
fn refused(port: u16, flags: &[&str], fingerprint: &str) -> String {
    let mut eve = Client::start(port, "eve", flags);
    let line = eve.expect("cannot connect");
    assert!(line.contains(fingerprint), "{line}");
    let status = eve.wait();
    assert!(!status.success(), "{status}");
    line
}

#[test]
fn a_wrong_fingerprint_is_refused_and_the_right_one_shown() {
    let (server, fingerprint) = tls_server();
    let tls_port = server.tls_port.unwrap();
    let wrong = "00".repeat(32);
    let line = refused(tls_port, &["--fingerprint", &wrong], &fingerprint);
    assert!(
        line.contains("not the one given with --fingerprint"),
        "{line}"
    );
    // Trusting the web's roots, the self-signed certificate is refused the same way, with
    // the flag that would trust it; so is the JSON port.
    let trust = format!("--fingerprint {fingerprint}");
    let line = refused(tls_port, &["--tls"], &trust);
    assert!(line.contains("not trusted"), "{line}");
    let json_tls = server.json_tls_port.unwrap();
    refused(json_tls, &["--tls", "--protocol", "json"], &trust);
}

#[test]
fn a_self_signed_certificate_keeps_its_fingerprint_across_a_restart() {
    let data = scratch("restart");
    let flags = ["--tls-self-signed", "--data", data.to_str().unwrap()];
    let mut first = Server::start_with(&flags);
    let fingerprint = first.fingerprint.clone().unwrap();
    // What a client sees is what the server printed.
    refused(first.tls_port.unwrap(), &["--tls"], &fingerprint);
    first.kill();
    assert!(data.join("tls-cert.pem").exists() && data.join("tls-key.pem").exists());
    let again = Server::start_with(&flags);
    assert_eq!(again.fingerprint.as_deref(), Some(fingerprint.as_str()));
    let pinned = ["--fingerprint", fingerprint.as_str()];
    leave(Client::registered(again.tls_port.unwrap(), "dana", &pinned));
}

#[test]
fn a_ca_signed_certificate_is_trusted_with_ca() {
    let dir = scratch("ca");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    std::fs::write(dir.join("ca.pem"), ca.self_signed(&ca_key).unwrap().pem()).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (cert, key, ca) = (path("cert.pem"), path("key.pem"), path("ca.pem"));
    let server = Server::start_with(&["--tls-cert", &cert, "--tls-key", &key]);
    let tls_port = server.tls_port.unwrap();
    leave(Client::registered(tls_port, "erin", &["--ca", &ca]));
    // A CA file that is not one: a clear error before connecting.
    let mut bad = Client::start(tls_port, "erin", &["--ca", &key]);
    let line = bad.expect("--ca");
    assert!(line.contains("no certificate"), "{line}");
    assert!(!bad.wait().success());
}

#[test]
fn a_server_with_a_bad_certificate_file_says_so_and_exits() {
    let dir = scratch("bad");
    let junk = dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--json-port", "0"])
        .args(["--no-store", "--no-console", "--tls-cert"])
        .arg(&junk)
        .arg("--tls-key")
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("server: TLS: {}: no certificate in it", junk.display());
    assert!(err.contains(&want), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
