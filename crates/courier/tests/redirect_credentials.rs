//! Credentials under names of their own (`X-Api-Key`, an `AuthInterceptor` header, a header
//! marked with `sensitive_header`) are not forwarded by a redirect to another origin, as
//! reqwest does for `Authorization`; within the origin they are kept.

mod common;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Redirect;
use axum::routing::get;
use common::TestServer;
use courier::Client;

/// Reports the credential headers it got.
async fn credentials(headers: HeaderMap) -> String {
    let shown: Vec<String> = ["x-api-key", "x-tenant", "x-auth"]
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(format!("{name}={value}"))
        })
        .collect();
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown.join(",")
    }
}

/// An origin whose `/away` redirects to `other`'s `/landing` and whose `/here` redirects to
/// its own `/landing`.
async fn origin(other: &TestServer) -> TestServer {
    let target = other.url("/landing");
    TestServer::start(
        Router::new()
            .route("/away", get(move || async move { Redirect::to(&target) }))
            .route("/here", get(|| async { Redirect::to("/landing") }))
            .route("/landing", get(credentials)),
    )
    .await
}

#[tokio::test]
async fn a_credential_looking_request_header_is_dropped_at_an_origin_change_only() {
    // Same host, another port: another origin.
    let other = TestServer::start(Router::new().route("/landing", get(credentials))).await;
    let server = origin(&other).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .build()
        .unwrap();

    let away = client
        .get("away")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(away.url().as_str(), other.url("/landing"));
    assert_eq!(away.redirects().len(), 1);
    assert_eq!(away.text().await.unwrap(), "none");

    let here = client
        .get("here")
        .header("x-api-key", "k3y")
        .send()
        .await
        .unwrap();
    assert_eq!(here.text().await.unwrap(), "x-api-key=k3y");
}

#[tokio::test]
async fn default_headers_marked_sensitive_are_dropped_at_an_origin_change() {
    let other = TestServer::start(Router::new().route("/landing", get(credentials))).await;
    let server = origin(&other).await;
    let client = Client::builder()
        .base_url(server.url("/"))
        .no_proxy()
        .default_header("x-api-key", "k3y") // looks like a credential: dropped by itself
        .default_header("x-tenant", "acme") // does not: marked below
        .sensitive_header("x-tenant")
        .build()
        .unwrap();
    let away = client.get("away").send().await.unwrap();
    assert_eq!(away.text().await.unwrap(), "none");
    let here = client.get("here").send().await.unwrap();
    assert_eq!(here.text().await.unwrap(), "x-api-key=k3y,x-tenant=acme");
}
