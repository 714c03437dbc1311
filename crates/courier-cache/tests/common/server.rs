//! A real origin for the end-to-end tests: an axum server on `127.0.0.1:0` that records every
//! request it receives and dates its responses from the test's virtual clock.
//!
//! The `Date` header comes from the same [`MockClock`] the cache reads, so advancing the clock
//! ages entries exactly as a real minute would: a 304 sent "61 seconds later" carries a `Date`
//! 61 seconds later, and the freshened entry's age starts again from zero.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use courier_cache::{Clock, MockClock};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the origin received: one request's method, path and headers.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
}

/// An axum origin on an ephemeral loopback port. Stopped by [`Origin::stop`] or when dropped.
pub(crate) struct Origin {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Origin {
    /// Serves `router` on `127.0.0.1:0`, recording requests and dating responses by `clock`.
    pub(crate) async fn start(router: Router, clock: MockClock) -> Origin {
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = received.clone();
        let router = router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let record = record.clone();
            let clock = clock.clone();
            async move {
                record
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Received {
                        method: request.method().clone(),
                        path: request.uri().path().to_owned(),
                        headers: request.headers().clone(),
                    });
                let mut response = next.run(request).await;
                // hyper adds a real-time `Date` only when the handler set none.
                let date = httpdate::fmt_http_date(clock.now());
                response.headers_mut().insert(
                    header::DATE,
                    HeaderValue::from_str(&date).expect("an HTTP-date is a header value"),
                );
                response
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("the origin serves");
        });
        Origin {
            addr,
            received,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Every request received so far, oldest first.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests for `path` (any method) reached the origin.
    pub(crate) fn hits(&self, path: &str) -> usize {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|received| received.path == path)
            .count()
    }

    /// Takes the origin offline: stops accepting, closes idle keep-alive connections and
    /// returns once the listening socket is closed, so the next connection is refused.
    pub(crate) async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the origin shuts down cleanly");
        }
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
