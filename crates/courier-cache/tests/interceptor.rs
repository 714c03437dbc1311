//! The cache interceptor end to end through a courier client and `MockTransport` (which
//! counts what reaches the origin), on a virtual clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use courier::mock::matchers::{header, header_exists, method, path};
use courier::mock::{Fault, MockTransport};
use courier::{Client, ErrorKind, Mock, ResponseTemplate};
use courier_cache::{
    CacheInterceptor, CacheOptions, CachePolicy, CacheStatus, CacheStore, MemoryStore, MockClock,
};

struct Fixture {
    origin: MockTransport,
    clock: MockClock,
    store: Arc<MemoryStore>,
    client: Client,
}

fn fixture(configure: impl FnOnce(CacheOptions) -> CacheOptions) -> Fixture {
    let origin = MockTransport::new();
    let clock = MockClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let store = Arc::new(MemoryStore::new());
    let options = configure(CacheOptions::with_shared_store(store.clone()).clock(clock.clone()));
    let client = Client::builder()
        .base_url("https://api.example")
        .interceptor(CacheInterceptor::new(options))
        .transport(origin.clone())
        .build()
        .unwrap();
    Fixture {
        origin,
        clock,
        store,
        client,
    }
}

async fn get(fixture: &Fixture, url: &str) -> (CacheStatus, String) {
    let response = fixture.client.get(url).send().await.unwrap();
    let status = *response.extensions().get::<CacheStatus>().unwrap();
    (status, response.text().await.unwrap())
}

fn origin_calls(fixture: &Fixture) -> usize {
    fixture.origin.received_requests().len()
}

#[tokio::test]
async fn rfc9111_4_2_a_fresh_entry_is_served_without_the_origin_and_with_an_age() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v1"),
        )
        .mount(&fixture.origin);
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Miss { stored: true }, "v1".into())
    );
    fixture.clock.advance(Duration::from_secs(10));
    let response = fixture.client.get("/a").send().await.unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert_eq!(response.headers()["age"], "10");
    assert_eq!(response.text().await.unwrap(), "v1");
    assert_eq!(origin_calls(&fixture), 1);
}

#[tokio::test]
async fn rfc9111_4_3_a_stale_entry_is_revalidated_and_a_304_freshens_it() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .and(header_exists("if-none-match"))
        .respond_with(
            ResponseTemplate::new(304)
                .insert_header("etag", "\"v1\"")
                .insert_header("cache-control", "max-age=60"),
        )
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("body one"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(61));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Revalidated, "body one".into())
    );
    let conditional = &fixture.origin.received_requests()[1];
    assert_eq!(conditional.headers()["if-none-match"], "\"v1\"");
    // Freshened: fresh again without the origin.
    fixture.clock.advance(Duration::from_secs(30));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Hit, "body one".into())
    );
    assert_eq!(origin_calls(&fixture), 2);
}

#[tokio::test]
async fn rfc9111_4_3_4_a_304_adding_no_store_is_served_once_and_removes_the_entry() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .and(header_exists("if-none-match"))
        .respond_with(
            ResponseTemplate::new(304)
                .insert_header("etag", "\"v1\"")
                .insert_header("cache-control", "no-store"),
        )
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("body one"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(61));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Revalidated, "body one".into())
    );
    assert!(
        get_stored_body(&fixture).await.is_none(),
        "the origin withdrew permission to store"
    );
    // Not stored any more: the next request is a miss, not a revalidation.
    let (status, _) = get(&fixture, "/a").await;
    assert!(matches!(status, CacheStatus::Miss { .. }), "{status:?}");
    assert_eq!(origin_calls(&fixture), 3);
    assert!(
        !fixture.origin.received_requests()[2]
            .headers()
            .contains_key("if-none-match")
    );
}

#[tokio::test]
async fn rfc9111_4_3_3_a_200_during_revalidation_replaces_the_entry() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with_sequence([
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("old"),
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v2\"")
                .body("new"),
        ])
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(61));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Miss { stored: true }, "new".into())
    );
    assert_eq!(get(&fixture, "/a").await, (CacheStatus::Hit, "new".into()));
}

#[tokio::test]
async fn bug_a_5xx_while_revalidating_a_must_revalidate_entry_is_not_served_stale() {
    let fixture = fixture(|options| {
        options
            .hit_cache_on_error_codes([500])
            .max_stale(Duration::from_secs(3600))
    });
    Mock::given(path("/a"))
        .respond_with_sequence([
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60, must-revalidate")
                .insert_header("etag", "\"v1\"")
                .body("old"),
            ResponseTemplate::new(500).body("down"),
        ])
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(61));
    let error = fixture.client.get("/a").send().await.unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
}

#[tokio::test]
async fn rfc5861_4_stale_if_error_serves_the_stale_entry_on_a_500() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with_sequence([
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60, stale-if-error=600")
                .insert_header("etag", "\"v1\"")
                .body("old"),
            ResponseTemplate::new(500).body("down"),
        ])
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(120));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Stale, "old".into())
    );
}

#[tokio::test]
async fn hit_cache_on_network_failure_serves_stale_within_max_stale_and_not_past_it() {
    let fixture = fixture(|options| {
        options
            .hit_cache_on_network_failure(true)
            .max_stale(Duration::from_secs(600))
    });
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("old"),
        )
        .up_to_n_times(1)
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::fault(Fault::ConnectionRefused))
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(300));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Stale, "old".into())
    );
    fixture.clock.advance(Duration::from_secs(2000));
    let error = fixture.client.get("/a").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
}

#[tokio::test]
async fn without_the_option_a_network_failure_is_an_error() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("old"),
        )
        .up_to_n_times(1)
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::fault(Fault::ConnectionRefused))
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(300));
    assert_eq!(
        fixture.client.get("/a").send().await.unwrap_err().kind(),
        ErrorKind::Connection
    );
}

#[tokio::test]
async fn hit_cache_on_error_codes_serves_stale_on_a_listed_status() {
    let fixture = fixture(|options| options.hit_cache_on_error_codes([503]));
    Mock::given(path("/a"))
        .respond_with_sequence([
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("old"),
            ResponseTemplate::new(503),
        ])
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(300));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Stale, "old".into())
    );
}

#[tokio::test]
async fn force_cache_serves_stored_entries_without_the_origin_and_stores_without_directives() {
    let fixture = fixture(|options| {
        options
            .policy(CachePolicy::ForceCache)
            .max_stale(Duration::from_secs(3600))
    });
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200).body("no directives"))
        .mount(&fixture.origin);
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Miss { stored: true }, "no directives".into())
    );
    fixture.clock.advance(Duration::from_secs(600));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Stale, "no directives".into())
    );
    assert_eq!(origin_calls(&fixture), 1);
}

#[tokio::test]
async fn refresh_always_asks_the_origin_and_refresh_force_cache_always_stores() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "no-store")
                .body("plain"),
        )
        .mount(&fixture.origin);
    let response = fixture
        .client
        .get("/a")
        .extension(CachePolicy::Refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Bypass { stored: false })
    );
    response.bytes().await.unwrap();
    let response = fixture
        .client
        .get("/a")
        .extension(CachePolicy::RefreshForceCache)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Bypass { stored: true })
    );
    response.bytes().await.unwrap();
    assert!(
        fixture
            .store
            .exists("GET https://api.example/a", fixture_now(&fixture))
            .await
            .unwrap()
    );
    assert_eq!(origin_calls(&fixture), 2);
}

fn fixture_now(fixture: &Fixture) -> SystemTime {
    use courier_cache::Clock;
    fixture.clock.now()
}

#[tokio::test]
async fn no_cache_never_reads_and_deletes_the_entry() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    let response = fixture
        .client
        .get("/a")
        .extension(CachePolicy::NoCache)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Bypass { stored: false })
    );
    response.bytes().await.unwrap();
    assert!(
        !fixture
            .store
            .exists("GET https://api.example/a", fixture_now(&fixture))
            .await
            .unwrap()
    );
    assert_eq!(origin_calls(&fixture), 2);
}

#[tokio::test]
async fn only_if_cached_answers_from_the_cache_or_fails_with_504() {
    let fixture = fixture(|options| options);
    let error = fixture
        .client
        .get("/a")
        .extension(CachePolicy::OnlyIfCached)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::GATEWAY_TIMEOUT));
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    let response = fixture
        .client
        .get("/a")
        .extension(CachePolicy::OnlyIfCached)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert_eq!(origin_calls(&fixture), 1);
}

#[tokio::test]
async fn rfc9111_4_1_several_variants_of_one_url_coexist() {
    let fixture = fixture(|options| options);
    for language in ["en", "de"] {
        Mock::given(path("/a"))
            .and(header("accept-language", language))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("cache-control", "max-age=60")
                    .insert_header("vary", "accept-language")
                    .body(language),
            )
            .mount(&fixture.origin);
    }
    for language in ["en", "de", "en", "de"] {
        let response = fixture
            .client
            .get("/a")
            .header("accept-language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), language);
    }
    assert_eq!(origin_calls(&fixture), 2);
}

#[tokio::test]
async fn rfc9111_4_4_a_successful_post_invalidates_the_target_uri() {
    let fixture = fixture(|options| options);
    Mock::given(method("GET"))
        .and(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v"),
        )
        .mount(&fixture.origin);
    Mock::given(method("POST"))
        .and(path("/a"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.client.post("/a").body("x").send().await.unwrap();
    assert_eq!(
        get(&fixture, "/a").await.0,
        CacheStatus::Miss { stored: true }
    );
    assert_eq!(origin_calls(&fixture), 3);
}

#[tokio::test(start_paused = true)]
async fn concurrent_misses_for_one_key_send_one_request() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("once")
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&fixture.origin);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = fixture.client.clone();
        tasks.push(tokio::spawn(async move {
            client.get("/a").send().await.unwrap().text().await.unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), "once");
    }
    assert_eq!(origin_calls(&fixture), 1);
}

#[tokio::test]
async fn a_body_larger_than_the_entry_limit_streams_through_uncached() {
    let fixture = fixture(|options| options.max_entry_size(1024));
    Mock::given(path("/big"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body(vec![7u8; 4096]),
        )
        .mount(&fixture.origin);
    let response = fixture.client.get("/big").send().await.unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Miss { stored: false })
    );
    assert_eq!(response.bytes().await.unwrap().len(), 4096);
    fixture
        .client
        .get("/big")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(origin_calls(&fixture), 2);
}

#[tokio::test]
async fn rfc9211_the_cache_status_header_when_enabled() {
    let fixture = fixture(|options| options.cache_status_header(true));
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v"),
        )
        .mount(&fixture.origin);
    let first = fixture.client.get("/a").send().await.unwrap();
    assert_eq!(first.headers()["cache-status"], "courier; fwd=miss; stored");
    first.bytes().await.unwrap();
    let second = fixture.client.get("/a").send().await.unwrap();
    assert_eq!(second.headers()["cache-status"], "courier; hit");
}

#[tokio::test]
async fn rfc5861_3_stale_while_revalidate_serves_stale_and_refreshes_in_the_background() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with_sequence([
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60, stale-while-revalidate=600")
                .insert_header("etag", "\"v1\"")
                .body("old"),
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60, stale-while-revalidate=600")
                .insert_header("etag", "\"v2\"")
                .body("new"),
        ])
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(90));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Stale, "old".into())
    );
    // The background refresh stores the new body.
    for _ in 0..100 {
        if origin_calls(&fixture) == 2 && get_stored_body(&fixture).await.as_deref() == Some("new")
        {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(get(&fixture, "/a").await, (CacheStatus::Hit, "new".into()));
}

async fn get_stored_body(fixture: &Fixture) -> Option<String> {
    let entry = fixture
        .store
        .get("GET https://api.example/a", fixture_now(fixture))
        .await
        .ok()??;
    Some(String::from_utf8_lossy(&entry.body).into_owned())
}

#[tokio::test]
async fn a_304_rewrites_the_metadata_only() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .and(header_exists("if-none-match"))
        .respond_with(
            ResponseTemplate::new(304)
                .insert_header("etag", "\"v1\"")
                .insert_header("cache-control", "max-age=120"),
        )
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("kept"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    let before = fixture
        .store
        .get("GET https://api.example/a", fixture_now(&fixture))
        .await
        .unwrap()
        .unwrap();
    fixture.clock.advance(Duration::from_secs(61));
    get(&fixture, "/a").await;
    let after = fixture
        .store
        .get("GET https://api.example/a", fixture_now(&fixture))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.metadata.headers["cache-control"], "max-age=120");
    // The very same body buffer: the 304 did not rewrite it.
    assert_eq!(before.body.as_ptr(), after.body.as_ptr());
}

#[tokio::test]
async fn a_cancelled_request_is_never_answered_from_the_cache_fallback() {
    let fixture = fixture(|options| options.hit_cache_on_network_failure(true));
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("old"),
        )
        .up_to_n_times(1)
        .mount(&fixture.origin);
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::fault(Fault::Hang))
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(120));
    let token = courier::CancelToken::new();
    let request = tokio::spawn({
        let client = fixture.client.clone();
        let token = token.clone();
        async move { client.get("/a").cancel_token(&token).send().await }
    });
    tokio::task::yield_now().await;
    token.cancel();
    assert_eq!(
        request.await.unwrap().unwrap_err().kind(),
        ErrorKind::Cancelled
    );
}

#[tokio::test]
async fn rfc9111_4_a_fresh_stored_get_answers_head_without_a_body() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("body"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    let response = fixture.client.head("/a").send().await.unwrap();
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Hit)
    );
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(origin_calls(&fixture), 1);
}

#[tokio::test]
async fn rfc9111_4_3_5_a_head_response_freshens_the_stored_get() {
    let fixture = fixture(|options| options);
    Mock::given(method("HEAD"))
        .and(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=600")
                .insert_header("etag", "\"v1\"")
                // A HEAD response announces the GET body's length (RFC 9110 §9.3.2).
                .insert_header("content-length", "4"),
        )
        .mount(&fixture.origin);
    Mock::given(method("GET"))
        .and(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .insert_header("etag", "\"v1\"")
                .body("body"),
        )
        .mount(&fixture.origin);
    get(&fixture, "/a").await;
    fixture.clock.advance(Duration::from_secs(120));
    let head = fixture.client.head("/a").send().await.unwrap();
    assert_eq!(
        head.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Bypass { stored: false })
    );
    // The stored GET is fresh again (max-age=600 from the HEAD).
    assert_eq!(get(&fixture, "/a").await, (CacheStatus::Hit, "body".into()));
    assert_eq!(origin_calls(&fixture), 2);
}

/// The coalescing promise, as a reader would check it: four tasks, one key, one origin
/// request.
#[tokio::test(start_paused = true)]
async fn four_tasks_one_key_one_origin_request() {
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v")
                .set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&fixture.origin);
    let results = futures_util::future::join_all((0..4).map(|_| {
        let client = fixture.client.clone();
        async move { client.get("/a").send().await.unwrap().text().await.unwrap() }
    }))
    .await;
    assert!(results.iter().all(|body| body == "v"));
    fixture.origin.verify();
}

#[tokio::test(start_paused = true)]
async fn a_follower_does_not_wait_forever_for_a_leader_whose_body_is_never_read() {
    // One task sends twice before reading either response: the first is the coalescing
    // leader, and its entry is stored only once its body is read, which this task will only
    // do after the second request returns.
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("v"),
        )
        .mount(&fixture.origin);
    let first = fixture.client.get("/a").send().await.unwrap();
    let second = fixture.client.get("/a").send().await.unwrap();
    assert_eq!(second.text().await.unwrap(), "v");
    assert_eq!(first.text().await.unwrap(), "v");
    assert_eq!(origin_calls(&fixture), 2);
}

#[tokio::test]
async fn an_entry_is_stored_once_its_announced_length_has_arrived_even_if_the_end_is_never_polled()
{
    // A proxy's server knows the length and stops reading there; the entry must not wait
    // for an end of stream nobody asks for.
    let fixture = fixture(|options| options);
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=60")
                .body("body one"),
        )
        .mount(&fixture.origin);
    let mut response = fixture.client.get("/a").send().await.unwrap();
    assert_eq!(response.content_length(), Some(8));
    let mut read = 0;
    while read < 8 {
        read += response.chunk().await.unwrap().unwrap().len();
    }
    drop(response);
    for _ in 0..100 {
        if get_stored_body(&fixture).await.is_some() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(get_stored_body(&fixture).await.as_deref(), Some("body one"));
    assert_eq!(
        get(&fixture, "/a").await,
        (CacheStatus::Hit, "body one".into())
    );
    assert_eq!(origin_calls(&fixture), 1);
}
