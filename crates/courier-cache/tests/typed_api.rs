//! A `#[courier::api]` endpoint that takes a `CachePolicy` per call: `#[extension]` puts it in
//! the request's extensions, where the cache interceptor reads it (as it reads one set with
//! `RequestBuilder::extension`). Origin: `MockTransport`, which counts what reaches it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use courier::mock::matchers::path;
use courier::{Client, Mock, MockTransport, Response, ResponseTemplate, Result};
use courier_cache::{
    CacheInterceptor, CacheOptions, CachePolicy, CacheStatus, MemoryStore, MockClock,
};

#[courier::api]
trait NewsApi {
    /// The headlines, read as `policy` says.
    #[get("/headlines")]
    async fn headlines(&self, #[extension] policy: CachePolicy) -> Result<Response>;

    /// The headlines under the client's default policy, or `policy` when given.
    #[get("/headlines")]
    async fn headlines_with(&self, #[extension] policy: Option<CachePolicy>) -> Result<String>;
}

fn news() -> (NewsApiClient, MockTransport) {
    let origin = MockTransport::new();
    Mock::given(path("/headlines"))
        .respond_with_sequence((1..=5).map(|version| {
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body(format!("edition {version}"))
        }))
        .mount(&origin);
    let clock = MockClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let options = CacheOptions::with_shared_store(Arc::new(MemoryStore::new())).clock(clock);
    let client = Client::builder()
        .base_url("https://news.example")
        .interceptor(CacheInterceptor::new(options))
        .transport(origin.clone())
        .build()
        .unwrap();
    (NewsApiClient::new(client), origin)
}

async fn read(response: Response) -> (CacheStatus, String) {
    let status = *response.extensions().get::<CacheStatus>().unwrap();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_refresh_policy_parameter_goes_to_the_origin_despite_a_fresh_entry() {
    let (api, origin) = news();
    let (first, body) = read(api.headlines(CachePolicy::Request).await.unwrap()).await;
    assert_eq!(
        (first, body.as_str()),
        (CacheStatus::Miss { stored: true }, "edition 1")
    );

    let (cached, body) = read(api.headlines(CachePolicy::Request).await.unwrap()).await;
    assert_eq!((cached, body.as_str()), (CacheStatus::Hit, "edition 1"));
    assert_eq!(origin.received_requests().len(), 1);

    let (refreshed, body) = read(api.headlines(CachePolicy::Refresh).await.unwrap()).await;
    assert_ne!(refreshed, CacheStatus::Hit);
    assert_eq!(body, "edition 2");
    assert_eq!(origin.received_requests().len(), 2);

    // The refresh stored what it fetched.
    let (after, body) = read(api.headlines(CachePolicy::Request).await.unwrap()).await;
    assert_eq!((after, body.as_str()), (CacheStatus::Hit, "edition 2"));
    assert_eq!(origin.received_requests().len(), 2);
}

#[tokio::test]
async fn an_optional_policy_overrides_only_when_given() {
    let (api, origin) = news();
    assert_eq!(api.headlines_with(None).await.unwrap(), "edition 1");
    assert_eq!(api.headlines_with(None).await.unwrap(), "edition 1");
    assert_eq!(origin.received_requests().len(), 1);
    assert_eq!(
        api.headlines_with(Some(CachePolicy::Refresh))
            .await
            .unwrap(),
        "edition 2"
    );
    assert_eq!(origin.received_requests().len(), 2);
}
