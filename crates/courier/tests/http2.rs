//! HTTP/2 over TLS against real loopback servers with a certificate generated here: ALPN
//! picks `h2` by default and `http/1.1` with `http1_only()` or when the server offers only
//! that, `http2_prior_knowledge()` offers only `h2`, concurrent requests share one
//! connection, and a streamed h2 body is read whole under a receive timeout.

mod common;

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use common::tls::{Alpn, TlsServer};
use courier::{Client, ClientBuilder, ErrorKind};
use http::Version;

/// Answers with the HTTP version the server saw, as `Debug` prints it (`HTTP/2.0`).
fn version_router() -> Router {
    Router::new().route(
        "/version",
        get(|version: Version| async move { format!("{version:?}") }),
    )
}

/// A TLS server answering `/version` (see [`version_router`]) that offers `alpn`.
async fn version_server(alpn: Alpn) -> TlsServer {
    TlsServer::start_with_alpn(version_router(), alpn).await
}

/// A client builder that trusts `server`'s self-signed certificate.
fn trusting(server: &TlsServer) -> ClientBuilder {
    Client::builder()
        .no_proxy()
        .add_root_certificate_pem(server.certificate_pem.as_bytes())
}

/// A default client, but for trusting `server`'s certificate.
fn trusting_client(server: &TlsServer) -> Client {
    trusting(server).build().expect("client builds")
}

/// A client that trusts `server`'s certificate and speaks only HTTP/2.
fn prior_knowledge_client(server: &TlsServer) -> Client {
    trusting(server)
        .http2_prior_knowledge()
        .build()
        .expect("client builds")
}

/// `(version the client saw, version the server saw)` for one GET of `/version`.
async fn versions(client: &Client, server: &TlsServer) -> (Version, String) {
    let response = client
        .get(server.url("/version"))
        .send()
        .await
        .expect("an answer");
    let version = response.version();
    (version, response.text().await.expect("the body"))
}

/// [`versions`] for `requests` concurrent GETs of `/version`.
async fn concurrent_versions(
    client: &Client,
    server: &TlsServer,
    requests: usize,
) -> Vec<(Version, String)> {
    futures_util::future::join_all((0..requests).map(|_| versions(client, server))).await
}

/// Asserts that both sides saw HTTP/2, given [`versions`]' answer.
fn assert_both_saw_http2((client_saw, server_saw): (Version, String)) {
    assert_eq!(client_saw, Version::HTTP_2);
    assert_eq!(server_saw, "HTTP/2.0");
}

/// Asserts that both sides saw HTTP/1.1, given [`versions`]' answer.
fn assert_both_saw_http1((client_saw, server_saw): (Version, String)) {
    assert_eq!(client_saw, Version::HTTP_11);
    assert_eq!(server_saw, "HTTP/1.1");
}

/// What [`TlsServer::negotiated_protocols`] holds after one handshake that agreed on `h2`.
fn h2() -> Vec<Option<String>> {
    vec![Some("h2".to_owned())]
}

/// What [`TlsServer::negotiated_protocols`] holds after one handshake that agreed on
/// `http/1.1`.
fn http1() -> Vec<Option<String>> {
    vec![Some("http/1.1".to_owned())]
}

#[tokio::test]
async fn the_default_client_negotiates_http2_by_alpn() {
    let server = version_server(Alpn::H2AndHttp1).await;
    let client = trusting_client(&server);
    assert_both_saw_http2(versions(&client, &server).await);
    assert_eq!(server.negotiated_protocols(), h2());
}

#[tokio::test]
async fn http1_only_speaks_http1_to_a_server_that_offers_h2() {
    let server = version_server(Alpn::H2AndHttp1).await;
    let client = trusting(&server)
        .http1_only()
        .build()
        .expect("client builds");
    assert_both_saw_http1(versions(&client, &server).await);
    assert_eq!(server.negotiated_protocols(), http1());
}

#[tokio::test]
async fn the_default_client_falls_back_to_http1_when_the_server_offers_only_http1() {
    let server = version_server(Alpn::Http1).await;
    let client = trusting_client(&server);
    assert_both_saw_http1(versions(&client, &server).await);
    assert_eq!(server.negotiated_protocols(), http1());
}

#[tokio::test]
async fn concurrent_requests_share_one_http2_connection() {
    const REQUESTS: usize = 20;
    let server = version_server(Alpn::H2AndHttp1).await;
    let client = trusting_client(&server);
    // Until a handshake has agreed on h2, the pool cannot know the host speaks it, so each
    // request of a cold burst opens its own connection and the spares are dropped once one
    // wins (hyper's design, hyperium/hyper#1485): warm the pool up first.
    let (warm_up, _) = versions(&client, &server).await;
    assert_eq!(warm_up, Version::HTTP_2);

    let answers = concurrent_versions(&client, &server, REQUESTS).await;
    assert_eq!(answers.len(), REQUESTS);
    for answer in answers {
        assert_both_saw_http2(answer);
    }
    assert_eq!(server.accepted_connections(), 1, "one TCP connection");
    assert_eq!(server.negotiated_protocols(), h2(), "one TLS handshake");
}

#[tokio::test]
async fn http2_prior_knowledge_over_tls_speaks_http2() {
    let server = version_server(Alpn::H2AndHttp1).await;
    let client = prior_knowledge_client(&server);
    assert_both_saw_http2(versions(&client, &server).await);
    assert_eq!(server.negotiated_protocols(), h2());
}

#[tokio::test]
async fn http2_prior_knowledge_over_tls_fails_against_a_server_without_h2() {
    let server = version_server(Alpn::Http1).await;
    let client = prior_knowledge_client(&server);
    let error = client.get(server.url("/version")).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error:?}");
    // The client offers only `h2`, so the handshake itself fails and says why (offering
    // `http/1.1` too would agree on it, then end in a bare EOF after the h2 preface).
    let chain = format!("{error:?}");
    assert!(chain.contains("NoApplicationProtocol"), "{chain}");
    assert!(server.negotiated_protocols().is_empty());
}

#[tokio::test]
async fn with_prior_knowledge_even_a_cold_burst_shares_one_connection() {
    const REQUESTS: usize = 20;
    let server = version_server(Alpn::H2AndHttp1).await;
    let client = prior_knowledge_client(&server);
    // Knowing the host speaks h2 before connecting, the pool lets one request connect and
    // the others wait for that connection (without it, each opens its own: see above).
    let answers = concurrent_versions(&client, &server, REQUESTS).await;
    for (client_saw, _) in answers {
        assert_eq!(client_saw, Version::HTTP_2);
    }
    assert_eq!(server.accepted_connections(), 1, "one TCP connection");
    assert_eq!(server.negotiated_protocols(), h2(), "one TLS handshake");
}

#[tokio::test]
async fn a_streamed_http2_body_outlasting_the_receive_timeout_is_read_whole() {
    const CHUNKS: usize = 30;
    const CHUNK: usize = 16 * 1024;
    // A chunk every 20 ms: the body takes longer than the receive timeout, but the server
    // is never silent that long. 480 KiB also outgrows h2's initial 64 KiB flow-control
    // window, so the client must keep granting credit while it reads.
    let router = Router::new().route(
        "/stream",
        get(|| async {
            let chunks = futures_util::stream::unfold(0, |sent| async move {
                if sent == CHUNKS {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                Some((
                    Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; CHUNK])),
                    sent + 1,
                ))
            });
            axum::body::Body::from_stream(chunks)
        }),
    );
    let server = TlsServer::start_with_alpn(router, Alpn::H2AndHttp1).await;
    let client = trusting(&server)
        .receive_timeout(Duration::from_millis(300))
        .build()
        .expect("client builds");
    let response = client
        .get(server.url("/stream"))
        .send()
        .await
        .expect("the head arrives");
    assert_eq!(response.version(), Version::HTTP_2);
    let body = response
        .bytes()
        .await
        .expect("no receive timeout while chunks keep coming");
    assert_eq!(body.len(), CHUNKS * CHUNK);
    assert!(body.iter().all(|&byte| byte == b'x'));
}
