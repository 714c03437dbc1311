//! Per-call options of `#[courier::api]` endpoints: a `CancelToken` (found by its type) and
//! `#[extension]` values that interceptors read.

use courier::mock::Fault;
use courier::mock::matchers::{header, path};
use courier::{
    CancelToken, Client, ErrorKind, Mock, MockTransport, RequestFlow, ResponseTemplate, Result,
    on_request,
};

/// Per-request data for the tenant interceptor below.
#[derive(Clone)]
struct Tenant(&'static str);

#[courier::api]
trait FeedApi {
    #[get("/slow")]
    async fn slow(&self, cancel: &CancelToken) -> Result<()>;

    #[get("/fast")]
    async fn fast(&self, cancel: Option<&CancelToken>) -> Result<()>;

    #[get("/fast")]
    async fn fast_owned(&self, cancel: CancelToken) -> Result<()>;

    #[get("/fast")]
    async fn fast_optional_owned(&self, cancel: Option<CancelToken>) -> Result<()>;

    #[get("/feed")]
    async fn feed(&self, #[extension] tenant: Tenant) -> Result<String>;

    #[get("/feed")]
    async fn maybe_feed(&self, #[extension] tenant: Option<Tenant>) -> Result<String>;
}

fn feed_api() -> (FeedApiClient, MockTransport) {
    let mock = MockTransport::new();
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::fault(Fault::Hang))
        .mount(&mock);
    Mock::given(path("/fast"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock);
    Mock::given(path("/feed"))
        .and(header("x-tenant", "acme"))
        .respond_with(ResponseTemplate::new(200).body("acme's feed"))
        .mount(&mock);
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).body("public feed"))
        .mount(&mock);
    // Reads the extension the endpoint inserted, as courier-cache reads a `CachePolicy`.
    let tenant_header = on_request(|mut request: courier::Request| async move {
        if let Some(Tenant(name)) = request.extensions().get::<Tenant>().cloned() {
            request
                .headers_mut()
                .insert("x-tenant", courier::http::HeaderValue::from_static(name));
        }
        Ok(RequestFlow::Next(request))
    });
    let client = Client::builder()
        .base_url("https://api.example")
        .interceptor(tenant_header)
        .transport(mock.clone())
        .build()
        .unwrap();
    (FeedApiClient::new(client), mock)
}

#[tokio::test(start_paused = true)]
async fn a_cancel_token_stops_a_call_in_flight() {
    let (api, mock) = feed_api();
    let token = CancelToken::new();
    let (result, ()) = tokio::join!(api.slow(&token), async {
        // Let the call reach the transport, where it hangs.
        while mock.received_requests().is_empty() {
            tokio::task::yield_now().await;
        }
        token.cancel_with("left the screen");
    });
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(
        error.cancel_reason().map(|reason| reason.as_str()),
        Some("left the screen")
    );
}

#[tokio::test]
async fn an_optional_or_owned_cancel_token_works_too() {
    let (api, _mock) = feed_api();
    let live = CancelToken::new();
    let cancelled = CancelToken::new();
    cancelled.cancel();
    api.fast(None).await.unwrap();
    api.fast(Some(&live)).await.unwrap();
    api.fast_owned(live.clone()).await.unwrap();
    api.fast_optional_owned(None).await.unwrap();
    for error in [
        api.fast(Some(&cancelled)).await.unwrap_err(),
        api.fast_owned(cancelled.clone()).await.unwrap_err(),
        api.fast_optional_owned(Some(cancelled.clone()))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::Cancelled);
    }
}

#[tokio::test]
async fn an_extension_reaches_the_interceptors() {
    let (api, _mock) = feed_api();
    assert_eq!(api.feed(Tenant("acme")).await.unwrap(), "acme's feed");
    assert_eq!(api.feed(Tenant("other")).await.unwrap(), "public feed");
    assert_eq!(
        api.maybe_feed(Some(Tenant("acme"))).await.unwrap(),
        "acme's feed"
    );
    assert_eq!(api.maybe_feed(None).await.unwrap(), "public feed");
}
