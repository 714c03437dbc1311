//! Certificate pinning against a real TLS server on loopback with a certificate generated
//! here (rcgen): the right pin passes, a wrong one fails as a bad certificate, a backup pin
//! works, and hosts without pins are unaffected.

mod common;

use axum::Router;
use axum::routing::get;
use common::tls::TlsServer;
use courier::{ApiError, Client, ErrorKind, PublicKeyPin};

/// Some other key's pin.
const WRONG_PIN: &str = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";

async fn tls_server() -> TlsServer {
    TlsServer::start(Router::new().route("/", get(|| async { "secure" }))).await
}

fn server_pin(server: &TlsServer) -> String {
    PublicKeyPin::of_certificate_pem(server.certificate_pem.as_bytes()).unwrap()[0].to_string()
}

/// A client trusting the server's self-signed certificate, with `pins` for `host`.
fn pinned_client(server: &TlsServer, host: &str, pins: &[&str]) -> Client {
    Client::builder()
        .no_proxy()
        .add_root_certificate_pem(server.certificate_pem.as_bytes())
        .pin_public_keys(host, pins)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn the_right_pin_passes() {
    let server = tls_server().await;
    let pin = server_pin(&server);
    let client = pinned_client(&server, "localhost", &[&pin]);
    let response = client
        .get(server.url("/"))
        .send()
        .await
        .expect("pinned key");
    assert_eq!(response.text().await.unwrap(), "secure");
}

#[tokio::test]
async fn a_wrong_pin_fails_as_a_bad_certificate_even_for_a_trusted_certificate() {
    let server = tls_server().await;
    let client = pinned_client(&server, "localhost", &[WRONG_PIN]);
    let error = client.get(server.url("/")).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadCertificate, "{error:?}");
    assert_eq!(ApiError::from(&error), ApiError::BadCertificate);
    let chain = format!("{:?}", error_chain(&error));
    assert!(chain.contains("PinMismatch"), "the error says why: {chain}");
    assert!(
        chain.contains(&server_pin(&server)),
        "and which key was presented: {chain}"
    );
}

#[tokio::test]
async fn a_backup_pin_is_enough() {
    let server = tls_server().await;
    let pin = server_pin(&server);
    let client = pinned_client(&server, "localhost", &[WRONG_PIN, &pin]);
    assert!(client.get(server.url("/")).send().await.is_ok());
}

#[tokio::test]
async fn wildcard_patterns_cover_the_host() {
    let server = tls_server().await;
    let wrong = pinned_client(&server, "**.localhost", &[WRONG_PIN]);
    assert_eq!(
        wrong.get(server.url("/")).send().await.unwrap_err().kind(),
        ErrorKind::BadCertificate
    );
    // `*.localhost` needs one more label: `localhost` itself is not pinned by it.
    let unpinned = pinned_client(&server, "*.localhost", &[WRONG_PIN]);
    assert!(unpinned.get(server.url("/")).send().await.is_ok());
}

#[tokio::test]
async fn hosts_without_pins_are_unaffected() {
    let server = tls_server().await;
    let client = pinned_client(&server, "api.example.com", &[WRONG_PIN]);
    let response = client
        .get(server.url("/"))
        .send()
        .await
        .expect("not pinned");
    assert_eq!(response.text().await.unwrap(), "secure");
}

#[tokio::test]
async fn a_pin_does_not_replace_verification() {
    // Pinned to the right key, but the certificate is not trusted: still rejected.
    let server = tls_server().await;
    let pin = server_pin(&server);
    let client = Client::builder()
        .no_proxy()
        .pin_public_keys("localhost", [pin])
        .build()
        .unwrap();
    let error = client.get(server.url("/")).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadCertificate);
}

#[test]
fn invalid_pins_are_reported_by_build() {
    for pins in [vec!["sha256/not base64!"], vec!["sha256/AAAA"], vec![]] {
        let error = Client::builder()
            .pin_public_keys("api.example.com", pins.clone())
            .build()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{pins:?}");
    }
}

#[test]
fn pins_with_another_transport_are_refused_rather_than_dropped() {
    let pin = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let error = Client::builder()
        .pin_public_keys("api.example.com", [pin])
        .transport(courier::MockTransport::new())
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.to_string().contains("pins"), "{error}");
    // The same pin is accepted by the default transport, which checks it.
    Client::builder()
        .pin_public_keys("api.example.com", [pin])
        .build()
        .expect("the default transport applies pins");
}

/// The error and its sources, as text.
fn error_chain(error: &courier::Error) -> Vec<String> {
    let mut chain = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    chain
}
