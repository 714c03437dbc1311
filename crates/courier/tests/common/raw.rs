//! A raw TCP server for faults an HTTP framework will not produce: stalls, a connection
//! closed mid-body, a body never read.

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A loopback TCP server that runs `handler` on each accepted connection. Connections still
/// open when it is dropped are aborted.
pub(crate) struct RawServer {
    pub(crate) addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Serves on `127.0.0.1:0`, one task per connection.
    pub(crate) async fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            // Owned by the accept loop, so aborting the loop aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(handler(stream));
                        }
                        Err(_) => continue,
                    },
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        RawServer { addr, task }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client without a base URL or proxies.
    pub(crate) fn client(&self) -> courier::Client {
        courier::Client::builder()
            .base_url(self.url("/"))
            .no_proxy()
            .build()
            .expect("client builds")
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request head (up to the blank line); returns it as text and whatever body bytes
/// came in the same reads.
pub(crate) async fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return (String::from_utf8_lossy(&buffer).into_owned(), rest);
        }
        let read = stream
            .read(&mut chunk)
            .await
            .expect("read the request head");
        assert!(read > 0, "the client closed before sending a request head");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Writes `bytes` and flushes.
pub(crate) async fn write_all(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.expect("write to the client");
    stream.flush().await.expect("flush to the client");
}

/// Waits until the peer closes the connection (a read returns 0 or fails), discarding what
/// it sends meanwhile.
pub(crate) async fn wait_closed(stream: &mut TcpStream) {
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
