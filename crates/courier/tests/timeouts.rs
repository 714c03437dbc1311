//! Timeouts against real loopback servers: connect, send, receive (before the head and
//! between body chunks), total, and per-request overrides of the client's defaults.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use common::raw::{RawServer, read_head, wait_closed, write_all};
use courier::{Client, ErrorKind};
use tokio::sync::mpsc;

const SHORT: Duration = Duration::from_millis(200);
const LONG: Duration = Duration::from_secs(30);

/// A loopback listener whose accept queue is full and never drained, so a new connection's
/// SYN is dropped by the kernel and `connect` hangs: a connect timeout without leaving the
/// machine. Returns the listener and the queued connections (both must stay alive).
fn stalled_listener() -> (socket2::Socket, Vec<std::net::TcpStream>, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let any_port: SocketAddr = "127.0.0.1:0".parse().expect("address");
    socket.bind(&any_port.into()).expect("bind");
    // A backlog of 0 lets the kernel queue one connection; the next SYNs are dropped.
    socket.listen(0).expect("listen");
    let addr = socket
        .local_addr()
        .expect("local address")
        .as_socket()
        .expect("an IP address");
    let mut queued = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => queued.push(stream),
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                return (socket, queued, addr);
            }
            Err(error) => panic!("unexpected connect error while filling the backlog: {error}"),
        }
    }
    panic!("the kernel kept accepting connections into a full backlog");
}

#[tokio::test]
async fn connect_timeout_when_the_server_never_completes_the_handshake() {
    let (_listener, _queued, addr) = tokio::task::spawn_blocking(stalled_listener)
        .await
        .expect("fill the backlog");
    let client = Client::builder()
        .no_proxy()
        .connect_timeout(SHORT)
        .build()
        .expect("client builds");
    let url = format!("http://{addr}/slow");
    let error = client.get(&url).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectTimeout, "{error:?}");
    assert!(error.is_timeout());
    assert_eq!(error.url().map(|u| u.as_str()), Some(url.as_str()));
}

#[tokio::test]
async fn send_timeout_when_the_server_stops_reading_the_body() {
    let (head_read, mut heads) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut stream| {
        let head_read = head_read.clone();
        async move {
            read_head(&mut stream).await;
            let _ = head_read.send(());
            // Never read the body: the socket buffers fill and the upload stalls.
            std::future::pending::<()>().await;
            drop(stream);
        }
    })
    .await;
    // 64 MiB, produced lazily: far more than loopback socket buffers hold.
    let chunks = futures_util::stream::iter(
        (0..1024).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 64 * 1024]))),
    );
    let error = server
        .client()
        .post("upload")
        .send_timeout(SHORT)
        .body(courier::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::SendTimeout, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/upload"));
    heads.recv().await.expect("the server read the head");
}

#[tokio::test]
async fn receive_timeout_before_the_response_head() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        wait_closed(&mut stream).await;
    })
    .await;
    let error = server
        .client()
        .get("silent")
        .receive_timeout(SHORT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/silent"));
}

#[tokio::test]
async fn receive_timeout_between_body_chunks() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n",
        )
        .await;
        wait_closed(&mut stream).await;
    })
    .await;
    let mut response = server
        .client()
        .get("stalls")
        .receive_timeout(SHORT)
        .send()
        .await
        .expect("the head arrives");
    let first = response.chunk().await.expect("the first chunk arrives");
    assert_eq!(first.as_deref(), Some(&b"hello"[..]));
    let error = response.chunk().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/stalls"));
}

#[tokio::test]
async fn total_timeout_across_a_trickling_body() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .await;
        // A chunk every 20 ms: never silent for the receive timeout, but never done either
        // (bounded, so the server stops by itself).
        for _ in 0..1000 {
            use tokio::io::AsyncWriteExt;
            if stream.write_all(b"1\r\nx\r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let response = server
        .client()
        .get("trickle")
        .receive_timeout(Duration::from_millis(400))
        .timeout(Duration::from_millis(500))
        .send()
        .await
        .expect("the head arrives");
    let error = response.bytes().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/trickle"));
}

/// A server that answers after `delay` of silence.
async fn answers_after(delay: Duration) -> RawServer {
    RawServer::start(move |mut stream| async move {
        read_head(&mut stream).await;
        tokio::time::sleep(delay).await;
        write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        )
        .await;
    })
    .await
}

#[tokio::test]
async fn a_request_loosens_the_client_receive_timeout() {
    let server = answers_after(Duration::from_millis(400)).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .receive_timeout(Duration::from_millis(100))
        .build()
        .expect("client builds");
    let response = client
        .get("late")
        .receive_timeout(LONG)
        .send()
        .await
        .expect("the request's own timeout applies");
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn a_request_tightens_the_client_receive_timeout() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        wait_closed(&mut stream).await;
    })
    .await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .receive_timeout(LONG)
        .build()
        .expect("client builds");
    let error = client
        .get("silent")
        .receive_timeout(SHORT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout, "{error:?}");
    assert!(error.url().is_some());
}

#[tokio::test]
async fn a_request_tightens_the_client_total_timeout() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        wait_closed(&mut stream).await;
    })
    .await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .timeout(LONG)
        .build()
        .expect("client builds");
    let error = client
        .get("silent")
        .timeout(SHORT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert_eq!(error.url().map(|u| u.path()), Some("/silent"));
}

#[tokio::test]
async fn the_client_default_receive_timeout_applies() {
    let server = RawServer::start(|mut stream| async move {
        read_head(&mut stream).await;
        wait_closed(&mut stream).await;
    })
    .await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .receive_timeout(SHORT)
        .build()
        .expect("client builds");
    let error = client.get("silent").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout, "{error:?}");
}

/// A server that reads a whole `size`-byte body, then stays silent for `delay` (forever when
/// `None`) before answering.
async fn reads_body_then_waits(size: usize, delay: Option<Duration>) -> RawServer {
    RawServer::start(move |mut stream| async move {
        use tokio::io::AsyncReadExt;
        let (_, early) = read_head(&mut stream).await;
        let mut received = early.len();
        let mut chunk = vec![0u8; 64 * 1024];
        while received < size {
            let read = stream.read(&mut chunk).await.expect("read the body");
            assert!(read > 0, "the client closed mid-upload");
            received += read;
        }
        match delay {
            Some(delay) => tokio::time::sleep(delay).await,
            None => wait_closed(&mut stream).await,
        }
        write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
        )
        .await;
    })
    .await
}

#[tokio::test]
async fn receive_timeout_after_a_sized_upload() {
    const SIZE: usize = 256 * 1024;
    let server = reads_body_then_waits(SIZE, None).await;
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        server
            .client()
            .post("upload")
            .receive_timeout(SHORT)
            .body(vec![1u8; SIZE])
            .send(),
    )
    .await
    .expect("the receive timeout fires")
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout, "{error:?}");
}

#[tokio::test]
async fn a_slow_answer_after_a_sized_upload_is_not_a_send_timeout() {
    const SIZE: usize = 256 * 1024;
    let server = reads_body_then_waits(SIZE, Some(Duration::from_millis(400))).await;
    let response = server
        .client()
        .post("upload")
        .send_timeout(Duration::from_millis(100))
        .body(vec![1u8; SIZE])
        .send()
        .await
        .expect("the upload finished; the send timeout no longer applies");
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn a_slow_steady_upload_is_not_a_receive_timeout() {
    const CHUNKS: usize = 20;
    const CHUNK: usize = 1024;
    let server = reads_body_then_waits(CHUNKS * CHUNK, Some(Duration::ZERO)).await;
    // The client produces the body slowly: the upload outlasts the receive timeout, which
    // only starts once the body is sent.
    let chunks = futures_util::stream::unfold(0, |sent| async move {
        if sent == CHUNKS {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        Some((
            Ok::<_, std::io::Error>(Bytes::from(vec![7u8; CHUNK])),
            sent + 1,
        ))
    });
    let response = server
        .client()
        .post("upload")
        .receive_timeout(SHORT)
        .body(courier::Body::wrap_stream_with_length(
            chunks,
            (CHUNKS * CHUNK) as u64,
        ))
        .send()
        .await
        .expect("the receive timeout starts when the upload ends");
    assert_eq!(response.text().await.unwrap(), "ok");
}
