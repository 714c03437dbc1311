//! Pagination against a real loopback server that counts requests: every strategy, the end
//! of a walk, laziness, errors and cancellation.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use common::TestServer;
use courier::{CancelToken, CursorPage, ErrorKind, Paginator};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;

/// Items 1..=7, served in pages of `per_page` by every scheme; counts requests.
#[derive(Clone, Default)]
struct Api {
    requests: Arc<AtomicUsize>,
}

const TOTAL: u64 = 7;

fn slice(start: u64, count: u64) -> Vec<u64> {
    (start + 1..=(start + count).min(TOTAL)).collect()
}

fn param(query: &HashMap<String, String>, name: &str, default: u64) -> u64 {
    query
        .get(name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

async fn server(api: Api) -> TestServer {
    let counted = |api: &Api| api.requests.fetch_add(1, Ordering::SeqCst);
    let a = api.clone();
    let b = api.clone();
    let c = api.clone();
    let d = api.clone();
    let e = api.clone();
    let router = Router::new()
        // GitHub style: `?page=N&per_page=3`, a JSON array, `Link` to the next page.
        .route(
            "/issues",
            get(move |Query(query): Query<HashMap<String, String>>| {
                counted(&a);
                async move {
                    let page = param(&query, "page", 1);
                    let per_page = param(&query, "per_page", 3);
                    let mut headers = HeaderMap::new();
                    if page * per_page < TOTAL {
                        let link = format!(
                            "</issues?page={}&per_page={per_page}>; rel=\"next\", </issues?page=9>; rel=\"last\"",
                            page + 1
                        );
                        headers.insert("link", link.parse().unwrap());
                    }
                    (headers, axum::Json(slice((page - 1) * per_page, per_page)))
                }
            }),
        )
        // The seed's cursor shape.
        .route(
            "/feed",
            get(move |Query(query): Query<HashMap<String, String>>| {
                counted(&b);
                async move {
                    let start = param(&query, "cursor", 0);
                    let data = slice(start, 3);
                    let next = start + 3;
                    axum::Json(json!({
                        "data": data,
                        "meta": {"next_cursor": next.to_string(), "has_more": next < TOTAL}
                    }))
                }
            }),
        )
        .route(
            "/numbers",
            get(move |Query(query): Query<HashMap<String, String>>| {
                counted(&c);
                async move {
                    let offset = param(&query, "offset", 0);
                    let limit = param(&query, "limit", 3);
                    axum::Json(json!({"results": slice(offset, limit)}))
                }
            }),
        )
        .route(
            "/pages",
            get(move |Query(query): Query<HashMap<String, String>>| {
                counted(&d);
                async move {
                    let page = param(&query, "page", 1);
                    axum::Json(slice((page - 1) * 3, 3))
                }
            }),
        )
        // Page 2 fails.
        .route(
            "/flaky",
            get(move |Query(query): Query<HashMap<String, String>>| {
                counted(&e);
                async move {
                    match param(&query, "page", 1) {
                        1 => axum::Json(vec![1, 2, 3]).into_response(),
                        _ => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
                    }
                }
            }),
        )
        .route("/slow", get(std::future::pending::<&'static str>));
    TestServer::start(router).await
}

#[derive(serde::Deserialize)]
struct Feed {
    data: Vec<u64>,
    meta: Meta,
}

#[derive(serde::Deserialize)]
struct Meta {
    next_cursor: Option<String>,
    has_more: bool,
}

#[tokio::test]
async fn rfc8288_link_header_pages_until_there_is_no_next() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let client = server.client();
    let pages: Vec<courier::Page<u64>> =
        Paginator::<u64>::link_header(client.get("issues").query(&[("per_page", 3)]))
            .pages()
            .try_collect()
            .await
            .unwrap();
    let items: Vec<Vec<u64>> = pages.iter().map(|page| page.items.clone()).collect();
    assert_eq!(items, [vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
    assert_eq!(pages[2].number, 2);
    assert_eq!(pages[1].url.query(), Some("page=2&per_page=3"));
    assert_eq!(api.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn cursor_pages_the_seeds_feed() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let items: Vec<u64> = Paginator::cursor(server.client().get("feed"), "cursor", |feed: Feed| {
        CursorPage {
            items: feed.data,
            next_cursor: feed.meta.next_cursor.filter(|_| feed.meta.has_more),
        }
    })
    .items()
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, (1..=TOTAL).collect::<Vec<_>>());
    assert_eq!(api.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn offset_stops_at_a_short_page() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let items: Vec<u64> =
        Paginator::<u64>::offset(server.client().get("numbers"), "offset", "limit", 3)
            .items_at("/results")
            .items()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(items, (1..=TOTAL).collect::<Vec<_>>());
    assert_eq!(api.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn page_numbers_stop_at_an_empty_page_or_a_short_one_when_the_size_is_known() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let items: Vec<u64> = Paginator::<u64>::page_number(server.client().get("pages"), "page", 1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len() as u64, TOTAL);
    // 3 + 3 + 1, then an empty fourth page.
    assert_eq!(api.requests.load(Ordering::SeqCst), 4);

    let api = Api::default();
    let server = self::server(api.clone()).await;
    let items: Vec<u64> = Paginator::<u64>::page_number(server.client().get("pages"), "page", 1)
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len() as u64, TOTAL);
    assert_eq!(api.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn pages_are_fetched_only_as_the_stream_is_read() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let first_two: Vec<u64> = Paginator::<u64>::link_header(server.client().get("issues"))
        .items()
        .take(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first_two, [1, 2]);
    assert_eq!(api.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn max_pages_caps_the_walk() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let pages = Paginator::<u64>::link_header(server.client().get("issues"))
        .max_pages(2)
        .pages()
        .count()
        .await;
    assert_eq!(pages, 2);
    assert_eq!(api.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_first_error_is_yielded_and_ends_the_stream() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let results: Vec<courier::Result<u64>> =
        Paginator::<u64>::page_number(server.client().get("flaky"), "page", 1)
            .items()
            .collect()
            .await;
    assert_eq!(results.len(), 4, "three items, then the error");
    let error = results[3].as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(api.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_cancelled_token_ends_the_walk_between_pages() {
    let api = Api::default();
    let server = server(api.clone()).await;
    let token = CancelToken::new();
    let mut items = Paginator::<u64>::link_header(server.client().get("issues"))
        .cancel_token(&token)
        .items();
    assert_eq!(items.next().await.unwrap().unwrap(), 1);
    token.cancel_with("screen closed");
    // The rest of the first page is already here.
    assert_eq!(items.next().await.unwrap().unwrap(), 2);
    assert_eq!(items.next().await.unwrap().unwrap(), 3);
    let error = items.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert!(items.next().await.is_none());
    assert_eq!(api.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn cancelling_abandons_a_page_in_flight() {
    let server = server(Api::default()).await;
    let token = CancelToken::new();
    let mut pages = Paginator::<u64>::link_header(server.client().get("slow"))
        .cancel_token(&token)
        .pages();
    let canceller = {
        let token = token.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            token.cancel();
        })
    };
    // The server never answers: only the cancellation can end this.
    let error = pages.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    canceller.await.unwrap();
}
