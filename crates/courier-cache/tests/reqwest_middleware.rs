//! courier's cache inside a reqwest-middleware client, against a loopback origin that counts
//! requests: hits, revalidation with a 304, invalidation, the offline fallback, and a
//! per-request policy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use courier_cache::{CacheMiddleware, CacheOptions, CachePolicy, MemoryStore};

struct Origin {
    url: String,
    requests: Arc<AtomicUsize>,
    conditional: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

async fn origin() -> Origin {
    let requests = Arc::new(AtomicUsize::new(0));
    let conditional = Arc::new(AtomicUsize::new(0));
    let (a, b, c) = (requests.clone(), requests.clone(), conditional.clone());
    let router = Router::new()
        .route(
            "/fresh",
            get(move || {
                a.fetch_add(1, Ordering::SeqCst);
                async { ([("cache-control", "max-age=600")], "fresh body") }
            }),
        )
        // Stale at once; may be served stale when allowed (`no-cache` would forbid it).
        .route(
            "/stale",
            get(|| async { ([("cache-control", "max-age=0")], "stale body") }),
        )
        .route(
            "/validated",
            get(move |headers: HeaderMap| {
                b.fetch_add(1, Ordering::SeqCst);
                let conditional = c.clone();
                async move {
                    if headers
                        .get("if-none-match")
                        .is_some_and(|tag| tag == "\"v1\"")
                    {
                        conditional.fetch_add(1, Ordering::SeqCst);
                        return (StatusCode::NOT_MODIFIED, [("etag", "\"v1\"")]).into_response();
                    }
                    (
                        [("cache-control", "no-cache"), ("etag", "\"v1\"")],
                        "validated body",
                    )
                        .into_response()
                }
            })
            .post(|| async { "changed" }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Origin {
        url,
        requests,
        conditional,
        task,
    }
}

fn client(options: CacheOptions) -> reqwest_middleware::ClientWithMiddleware {
    // courier's rustls set-up (ring, platform roots); reqwest is built without a default provider.
    let reqwest = courier::ReqwestTransport::client_builder()
        .unwrap()
        .no_proxy()
        .build()
        .unwrap();
    reqwest_middleware::ClientBuilder::new(reqwest)
        .with(CacheMiddleware::new(options.cache_status_header(true)).unwrap())
        .build()
}

#[tokio::test]
async fn a_fresh_response_is_served_from_the_cache() {
    let origin = origin().await;
    let client = client(CacheOptions::new(MemoryStore::new()));
    for expected in ["courier; fwd=miss; stored", "courier; hit"] {
        let response = client
            .get(format!("{}/fresh", origin.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-status"], expected);
        assert_eq!(response.text().await.unwrap(), "fresh body");
    }
    assert_eq!(origin.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_stale_response_is_revalidated_and_a_304_serves_the_stored_body() {
    let origin = origin().await;
    let client = client(CacheOptions::new(MemoryStore::new()));
    let url = format!("{}/validated", origin.url);
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.text().await.unwrap(), "validated body");
    let second = client.get(&url).send().await.unwrap();
    assert_eq!(second.status(), 200, "the 304 is the cache's business");
    assert!(
        second.headers()["cache-status"]
            .to_str()
            .unwrap()
            .contains("fwd-status=304")
    );
    assert_eq!(second.text().await.unwrap(), "validated body");
    assert_eq!(origin.requests.load(Ordering::SeqCst), 2);
    assert_eq!(origin.conditional.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_post_invalidates_and_a_per_request_policy_applies() {
    let origin = origin().await;
    let client = client(CacheOptions::new(MemoryStore::new()));
    let fresh = format!("{}/fresh", origin.url);
    client
        .get(&fresh)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Refresh for this request only: the origin is asked although the entry is fresh.
    let refreshed = client
        .get(&fresh)
        .with_extension(CachePolicy::Refresh)
        .send()
        .await
        .unwrap();
    refreshed.text().await.unwrap();
    assert_eq!(origin.requests.load(Ordering::SeqCst), 2);

    let validated = format!("{}/validated", origin.url);
    client
        .get(&validated)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let posted = client.post(&validated).send().await.unwrap();
    assert_eq!(posted.text().await.unwrap(), "changed");
    // Invalidated: a plain request again, not a revalidation.
    client
        .get(&validated)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(origin.conditional.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn when_the_origin_is_down_the_stored_response_answers_or_the_original_error_returns() {
    let origin = origin().await;
    let store = Arc::new(MemoryStore::new());
    let offline = client(
        CacheOptions::with_shared_store(store.clone())
            .hit_cache_on_network_failure(true)
            .max_stale(Duration::from_secs(3600)),
    );
    let plain = client(CacheOptions::with_shared_store(store));
    let url = format!("{}/stale", origin.url);
    offline
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    origin.task.abort();
    let _ = (&mut { origin.task }).await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let served = offline.get(&url).send().await.unwrap();
    assert_eq!(served.text().await.unwrap(), "stale body");
    let error = plain.get(&url).send().await.unwrap_err();
    assert!(
        matches!(error, reqwest_middleware::Error::Reqwest(ref error) if error.is_connect()),
        "reqwest's own error comes back: {error:?}"
    );
}
