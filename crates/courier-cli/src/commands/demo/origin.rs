//! The demo's origin: a small API on a loopback port that counts what reaches it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::oneshot;

/// Requests that reached the origin, per route.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) total: AtomicUsize,
    pub(super) flaky: AtomicUsize,
    /// Calls to `POST /auth/refresh`.
    pub(super) refreshes: AtomicUsize,
    /// The access token `/me` accepts now: `access-N` after the N-th refresh. The client
    /// starts with `access-0`, which the server has already expired.
    pub(super) token_generation: AtomicUsize,
}

/// A running origin; stopped (connections refused) by [`Origin::stop`] or on drop.
pub(super) struct Origin {
    pub(super) addr: SocketAddr,
    pub(super) counters: Arc<Counters>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Origin {
    pub(super) async fn start() -> anyhow::Result<Origin> {
        let counters = Arc::new(Counters::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let router = routes(counters.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Origin {
            addr,
            counters,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub(super) fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub(super) fn requests(&self) -> usize {
        self.counters.total.load(Ordering::SeqCst)
    }

    /// Stops serving: from now on connections are refused.
    pub(super) async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.ok();
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn routes(counters: Arc<Counters>) -> Router {
    let count = move |counters: &Counters| {
        counters.total.fetch_add(1, Ordering::SeqCst);
    };
    let (a, b, c, d) = (
        counters.clone(),
        counters.clone(),
        counters.clone(),
        counters.clone(),
    );
    let (e, f) = (counters.clone(), counters);
    Router::new()
        // Fresh for ten minutes.
        .route(
            "/countries",
            get(move || {
                count(&a);
                async { ([("cache-control", "max-age=600")], r#"["fr","jp","br"]"#) }
            }),
        )
        // Always revalidated; unchanged, so a 304.
        .route(
            "/profile",
            get(move |headers: HeaderMap| {
                count(&b);
                async move {
                    if headers
                        .get("if-none-match")
                        .is_some_and(|tag| tag.as_bytes() == b"\"v7\"")
                    {
                        return (StatusCode::NOT_MODIFIED, [("etag", "\"v7\"")]).into_response();
                    }
                    (
                        [("cache-control", "no-cache"), ("etag", "\"v7\"")],
                        r#"{"name":"Ada"}"#,
                    )
                        .into_response()
                }
            }),
        )
        // Stale at once (offline reading).
        .route(
            "/news",
            get(move || {
                count(&c);
                async {
                    (
                        [("cache-control", "max-age=0")],
                        r#"["courier 1.0 is out"]"#,
                    )
                }
            }),
        )
        // Only the current access token is accepted.
        .route(
            "/me",
            get(move |headers: HeaderMap| {
                count(&e);
                let expected = format!(
                    "Bearer access-{}",
                    e.token_generation.load(Ordering::SeqCst) + 1
                );
                async move {
                    let sent = headers.get("authorization").and_then(|v| v.to_str().ok());
                    if sent == Some(expected.as_str()) {
                        r#"{"name":"Ada"}"#.into_response()
                    } else {
                        StatusCode::UNAUTHORIZED.into_response()
                    }
                }
            }),
        )
        // Rotates the tokens: a new access token and a new (single-use) refresh token.
        .route(
            "/auth/refresh",
            post(move || {
                count(&f);
                f.refreshes.fetch_add(1, Ordering::SeqCst);
                let generation = f.token_generation.fetch_add(1, Ordering::SeqCst) + 2;
                async move {
                    axum::Json(serde_json::json!({
                        "access_token": format!("access-{generation}"),
                        "refresh_token": format!("refresh-{generation}"),
                        "expires_in": 3600
                    }))
                }
            }),
        )
        // 503 on the first request, then fine.
        .route(
            "/flaky",
            get(move || {
                count(&d);
                let attempt = d.flaky.fetch_add(1, Ordering::SeqCst);
                async move {
                    if attempt == 0 {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [("retry-after", "0")],
                            "busy",
                        )
                            .into_response()
                    } else {
                        "ok".into_response()
                    }
                }
            }),
        )
}
