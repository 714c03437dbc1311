//! Helpers shared by the integration tests: a real HTTP server on `127.0.0.1:0`, a raw TCP
//! server for faults, and a TLS server with a self-signed certificate.
#![allow(dead_code)] // each test file uses a subset of these helpers

pub(crate) mod raw;
pub(crate) mod tls;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An axum server on an ephemeral loopback port, stopped when dropped.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Serves `router` on `127.0.0.1:0`.
    pub(crate) async fn start(router: axum::Router) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        TestServer {
            addr,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client whose base URL is this server.
    pub(crate) fn client(&self) -> courier::Client {
        courier::Client::builder()
            .base_url(self.url("/"))
            .no_proxy()
            .build()
            .expect("client builds")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}
