//! Cancellation against loopback servers: before sending, while waiting for the head,
//! mid-body (the server sees the connection close), through a parent token, many requests on
//! one token, and inside an interceptor's own await.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::raw::{RawServer, read_head, wait_closed, write_all};
use courier::{CancelToken, Client, ErrorKind, Interceptor, Next, Request, Response};
use tokio::sync::{Notify, mpsc};

/// How long a test waits for something that should happen promptly before failing (a guard
/// against hanging, not a measurement).
const GUARD: Duration = Duration::from_secs(10);

/// A server that reports each request head it reads and each connection the client closes,
/// and never answers.
async fn silent_server() -> (
    RawServer,
    mpsc::UnboundedReceiver<()>,
    mpsc::UnboundedReceiver<()>,
) {
    let (head_tx, heads) = mpsc::unbounded_channel();
    let (closed_tx, closed) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut stream| {
        let head_tx = head_tx.clone();
        let closed_tx = closed_tx.clone();
        async move {
            read_head(&mut stream).await;
            let _ = head_tx.send(());
            wait_closed(&mut stream).await;
            let _ = closed_tx.send(());
        }
    })
    .await;
    (server, heads, closed)
}

async fn within<T>(future: impl Future<Output = T>, what: &str) -> T {
    tokio::time::timeout(GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting: {what}"))
}

#[tokio::test]
async fn cancelled_before_send_nothing_reaches_the_server() {
    let heads = Arc::new(AtomicUsize::new(0));
    let seen = heads.clone();
    let server = RawServer::start(move |mut stream| {
        let seen = seen.clone();
        async move {
            read_head(&mut stream).await;
            seen.fetch_add(1, Ordering::SeqCst);
            write_all(
                &mut stream,
                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await;
        }
    })
    .await;
    let client = server.client();
    let token = CancelToken::new();
    token.cancel_with("too late");
    let error = client
        .get("never")
        .cancel_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert_eq!(error.cancel_reason().map(|r| r.as_str()), Some("too late"));
    assert_eq!(error.url().map(|u| u.path()), Some("/never"));

    // A request sent afterwards is the first the server sees.
    client.get("after").send().await.expect("a normal request");
    assert_eq!(heads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn cancelled_while_waiting_for_the_head_closes_the_connection() {
    let (server, mut heads, mut closed) = silent_server().await;
    let token = CancelToken::new();
    let request = tokio::spawn(server.client().get("slow").cancel_token(&token).send());
    within(heads.recv(), "the server reads the request").await;
    token.cancel();
    let error = within(request, "the request ends")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert!(error.cancel_reason().is_none());
    within(closed.recv(), "the server sees the connection close").await;
}

#[tokio::test]
async fn cancelled_mid_body_closes_the_connection() {
    let (sent_tx, mut sent) = mpsc::unbounded_channel();
    let (closed_tx, mut closed) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut stream| {
        let sent_tx = sent_tx.clone();
        let closed_tx = closed_tx.clone();
        async move {
            read_head(&mut stream).await;
            write_all(
                &mut stream,
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n",
            )
            .await;
            let _ = sent_tx.send(());
            wait_closed(&mut stream).await;
            let _ = closed_tx.send(());
        }
    })
    .await;
    let token = CancelToken::new();
    let mut response = server
        .client()
        .get("stream")
        .cancel_token(&token)
        .send()
        .await
        .expect("the head arrives");
    within(sent.recv(), "the server sends the first chunk").await;
    let first = response.chunk().await.expect("the first chunk");
    assert_eq!(first.as_deref(), Some(&b"first"[..]));

    token.cancel_with("stop streaming");
    let error = response.chunk().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert_eq!(
        error.cancel_reason().map(|r| r.as_str()),
        Some("stop streaming")
    );
    assert_eq!(error.url().map(|u| u.path()), Some("/stream"));
    // The response is still held: cancelling alone must release the connection.
    within(closed.recv(), "the server sees the connection close").await;
    assert!(response.chunk().await.expect("ended").is_none());
}

#[tokio::test]
async fn cancelling_a_parent_token_cancels_the_request() {
    let (server, mut heads, mut closed) = silent_server().await;
    let screen = CancelToken::new();
    let request = tokio::spawn(
        server
            .client()
            .get("child")
            .cancel_token(&screen.child())
            .send(),
    );
    within(heads.recv(), "the server reads the request").await;
    screen.cancel_with("screen closed");
    let error = within(request, "the request ends")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert_eq!(
        error.cancel_reason().map(|r| r.as_str()),
        Some("screen closed")
    );
    within(closed.recv(), "the server sees the connection close").await;
}

#[tokio::test]
async fn one_token_cancels_many_concurrent_requests() {
    const REQUESTS: usize = 5;
    let (server, mut heads, mut closed) = silent_server().await;
    let client = server.client();
    let token = CancelToken::new();
    let requests: Vec<_> = (0..REQUESTS)
        .map(|i| tokio::spawn(client.get(format!("r/{i}")).cancel_token(&token).send()))
        .collect();
    for _ in 0..REQUESTS {
        within(heads.recv(), "the server reads every request").await;
    }
    token.cancel_with("logout");
    for request in requests {
        let error = within(request, "each request ends")
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
        assert_eq!(error.cancel_reason().map(|r| r.as_str()), Some("logout"));
    }
    for _ in 0..REQUESTS {
        within(closed.recv(), "every connection closes").await;
    }
}

/// An interceptor that awaits something that never happens (a refresh that hangs).
struct Hangs(Arc<Notify>);

impl Interceptor for Hangs {
    async fn intercept(&self, request: Request, next: Next<'_>) -> courier::Result<Response> {
        self.0.notify_one();
        std::future::pending::<()>().await;
        next.run(request).await
    }
}

#[tokio::test]
async fn cancelled_inside_an_interceptors_own_await() {
    let (server, mut heads, _closed) = silent_server().await;
    let entered = Arc::new(Notify::new());
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .interceptor(Hangs(entered.clone()))
        .build()
        .expect("client builds");
    let token = CancelToken::new();
    let request = tokio::spawn(client.get("hung").cancel_token(&token).send());
    within(entered.notified(), "the interceptor starts waiting").await;
    token.cancel_with("gave up");
    let error = within(request, "the request ends")
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error:?}");
    assert_eq!(error.cancel_reason().map(|r| r.as_str()), Some("gave up"));
    assert_eq!(error.url().map(|u| u.path()), Some("/hung"));
    assert!(heads.try_recv().is_err(), "nothing reached the server");
}
