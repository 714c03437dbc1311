//! The client against a real loopback server: the basics every other test builds on.

mod common;

use axum::Router;
use axum::routing::get;
use common::TestServer;

#[tokio::test]
async fn get_text_from_a_loopback_server() {
    let server = TestServer::start(Router::new().route("/hello", get(|| async { "hello" }))).await;
    let response = server.client().get("hello").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.url().as_str(), server.url("/hello"));
    assert_eq!(response.text().await.unwrap(), "hello");
}
