//! `MockTransport` through the real client: routing, matchers, sequences, expectations,
//! recorded requests, timing under paused time, and injected faults.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier::mock::matchers::{
    any, body_bytes, body_json, body_string, header, header_exists, method, path, query_param,
    query_param_is_missing,
};
use courier::mock::{Fault, RecordedRequest};
use courier::{Client, ClientBuilder, ErrorKind, Mock, MockTransport, Progress, ResponseTemplate};
use futures_util::StreamExt;
use http::StatusCode;

fn client(mock: &MockTransport) -> Client {
    match builder(mock).build() {
        Ok(client) => client,
        Err(error) => panic!("the test client builds: {error}"),
    }
}

fn builder(mock: &MockTransport) -> ClientBuilder {
    Client::builder()
        .base_url("https://api.example")
        .transport(mock.clone())
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let Err(payload) = catch_unwind(AssertUnwindSafe(f)) else {
        panic!("expected a panic");
    };
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(String::new, ToString::to_string),
    }
}

/// The status of the response, or of the bad response kept in the error (0 for other errors).
async fn status_of(request: courier::RequestBuilder) -> u16 {
    match request.send().await {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.status().map_or(0, |status| status.as_u16()),
    }
}

// ----- Routing ------------------------------------------------------------------------

#[tokio::test]
async fn routes_by_method_and_path() {
    let mock = MockTransport::new();
    Mock::given(method("GET"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(200).body("list"))
        .mount(&mock);
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).body("created"))
        .mount(&mock);
    let client = client(&mock);

    let listed = client.get("/users").send().await.unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.text().await.unwrap(), "list");
    let created = client.post("/users").send().await.unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.text().await.unwrap(), "created");
    assert_eq!(status_of(client.delete("/users")).await, 404);
    assert_eq!(status_of(client.get("/users/1")).await, 404);
}

#[tokio::test]
async fn unmatched_requests_get_an_explaining_404_and_are_recorded() {
    let mock = MockTransport::new();
    Mock::given(path("/known"))
        .respond_with(ResponseTemplate::new(200))
        .named("the known route")
        .mount(&mock);
    let client = client(&mock);

    let error = client
        .get("/unknown")
        .query(&[("page", "2")])
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    let response = error.response().unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        response.url().as_str(),
        "https://api.example/unknown?page=2"
    );
    let body = String::from_utf8(response.buffered_body().unwrap().to_vec()).unwrap();
    assert!(body.contains("no mock matched"), "{body}");
    assert!(
        body.contains("GET https://api.example/unknown?page=2"),
        "{body}"
    );
    assert!(
        body.contains("`the known route` (mock #1: path /known)"),
        "{body}"
    );

    let received = mock.received_requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].url().path(), "/unknown");
}

#[tokio::test]
async fn unmatched_with_nothing_mounted_says_so() {
    let mock = MockTransport::new();
    let error = client(&mock).get("/x").send().await.unwrap_err();
    let body = error.response().unwrap().buffered_body().unwrap().clone();
    assert!(String::from_utf8_lossy(&body).contains("No mock is mounted"));
}

#[tokio::test]
async fn the_response_carries_the_request_url() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock);
    let response = client(&mock).get("/a/b?c=d").send().await.unwrap();
    assert_eq!(response.url().as_str(), "https://api.example/a/b?c=d");
}

#[tokio::test]
async fn mocks_are_tried_in_mount_order() {
    let mock = MockTransport::new();
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).body("first"))
        .mount(&mock);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).body("second"))
        .mount(&mock);
    let client = client(&mock);
    assert_eq!(
        client.get("/x").send().await.unwrap().text().await.unwrap(),
        "first"
    );
    assert_eq!(
        client.get("/y").send().await.unwrap().text().await.unwrap(),
        "second"
    );
}

// ----- Matchers -------------------------------------------------------------------------

#[tokio::test]
async fn method_matcher_accepts_strings_and_methods() {
    let mock = MockTransport::new();
    Mock::given(method(http::Method::PUT))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock);
    Mock::given(method("patch"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&mock);
    let client = client(&mock);
    assert_eq!(status_of(client.put("/a")).await, 204);
    assert_eq!(status_of(client.patch("/a")).await, 202);
    assert_eq!(status_of(client.get("/a")).await, 404);
}

#[tokio::test]
async fn query_param_matchers() {
    let mock = MockTransport::new();
    Mock::given(query_param("q", "rust lang"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock);
    let client = client(&mock);
    let search = |query: &'static [(&'static str, &'static str)]| client.get("/s").query(query);
    assert_eq!(status_of(search(&[("q", "rust lang")])).await, 200);
    assert_eq!(
        status_of(search(&[("q", "rust lang"), ("page", "2")])).await,
        200
    );
    assert_eq!(status_of(search(&[("q", "go")])).await, 404);
    assert_eq!(
        status_of(search(&[("q", "rust lang"), ("cursor", "x")])).await,
        404
    );
}

#[tokio::test]
async fn header_matchers() {
    let mock = MockTransport::new();
    Mock::given(header("x-version", "2"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock);
    let client = client(&mock);
    let with = client.get("/").header("X-Version", "2").bearer_auth("t");
    assert_eq!(status_of(with).await, 200);
    let wrong_value = client.get("/").header("x-version", "3").bearer_auth("t");
    assert_eq!(status_of(wrong_value).await, 404);
    let anonymous = client.get("/").header("x-version", "2");
    assert_eq!(status_of(anonymous).await, 404);
}

#[tokio::test]
async fn body_json_matcher_compares_json_values() {
    #[derive(serde::Serialize)]
    struct Note {
        text: &'static str,
        done: bool,
    }
    let mock = MockTransport::new();
    Mock::given(body_json(&Note {
        text: "milk",
        done: false,
    }))
    .respond_with(ResponseTemplate::new(201))
    .mount(&mock);
    let client = client(&mock);
    let reordered = client
        .post("/notes")
        .body(r#"{ "done": false, "text": "milk" }"#);
    assert_eq!(status_of(reordered).await, 201);
    let other = client
        .post("/notes")
        .json(&serde_json::json!({"text": "eggs", "done": false}));
    assert_eq!(status_of(other).await, 404);
}

#[tokio::test]
async fn body_string_and_body_bytes_matchers() {
    let mock = MockTransport::new();
    Mock::given(body_string("hello"))
        .respond_with(ResponseTemplate::new(200).body("text"))
        .mount(&mock);
    Mock::given(body_bytes(vec![0u8, 159, 146, 150]))
        .respond_with(ResponseTemplate::new(200).body("bytes"))
        .mount(&mock);
    let client = client(&mock);
    let text = client.post("/").body("hello").send().await.unwrap();
    assert_eq!(text.text().await.unwrap(), "text");
    let bytes = client
        .post("/")
        .body(vec![0u8, 159, 146, 150])
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.text().await.unwrap(), "bytes");
    assert_eq!(status_of(client.post("/").body("hell")).await, 404);
}

#[tokio::test]
async fn a_streamed_request_body_is_collected_for_matching_and_recording() {
    let mock = MockTransport::new();
    Mock::given(body_string("abcdef"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock);
    let chunks = futures_util::stream::iter(["abc", "def"].map(Ok::<_, std::io::Error>));
    let response = client(&mock)
        .post("/upload")
        .body(courier::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(mock.received_requests()[0].body(), "abcdef");
}

#[tokio::test]
async fn closures_are_matchers() {
    let mock = MockTransport::new();
    Mock::given(|request: &RecordedRequest| request.url().path().ends_with(".png"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "image/png"))
        .mount(&mock);
    let client = client(&mock);
    let image = client.get("/logo.png").send().await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(status_of(client.get("/logo.svg")).await, 404);
}

// ----- Sequences and limits -------------------------------------------------------------

#[tokio::test]
async fn up_to_n_times_hands_over_to_the_next_mock() {
    let mock = MockTransport::new();
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&mock);
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&mock);
    let client = client(&mock);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(status_of(client.get("/flaky")).await);
    }
    assert_eq!(statuses, [503, 503, 200, 200]);
}

#[tokio::test]
async fn up_to_n_times_without_a_successor_falls_back_to_404() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .mount(&mock);
    let client = client(&mock);
    assert_eq!(status_of(client.get("/")).await, 200);
    let error = client.get("/").send().await.unwrap_err();
    let body = error.response().unwrap().buffered_body().unwrap().clone();
    assert!(String::from_utf8_lossy(&body).contains("no answers left after 1"));
}

#[tokio::test]
async fn a_sequence_replies_in_order_then_stops_matching() {
    let mock = MockTransport::new();
    Mock::given(path("/job"))
        .respond_with_sequence([
            ResponseTemplate::new(202).body("queued"),
            ResponseTemplate::new(202).body("running"),
            ResponseTemplate::new(200).body("done"),
        ])
        .expect(3)
        .mount(&mock);
    let client = client(&mock);
    for expected in ["queued", "running", "done"] {
        let response = client.get("/job").send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), expected);
    }
    assert_eq!(status_of(client.get("/job")).await, 404);
    mock.verify();
}

#[tokio::test]
async fn a_sequence_is_cut_short_by_up_to_n_times() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with_sequence([ResponseTemplate::new(201), ResponseTemplate::new(202)])
        .up_to_n_times(1)
        .mount(&mock);
    let client = client(&mock);
    assert_eq!(status_of(client.get("/")).await, 201);
    assert_eq!(status_of(client.get("/")).await, 404);
}

// ----- Expectations ---------------------------------------------------------------------

#[tokio::test]
async fn verify_passes_when_every_expectation_is_met() {
    let mock = MockTransport::new();
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&mock);
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1..)
        .mount(&mock);
    Mock::given(path("/c"))
        .respond_with(ResponseTemplate::new(200))
        .expect(..=3)
        .mount(&mock);
    Mock::given(path("/d"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mock);
    let client = client(&mock);
    for url in ["/a", "/a", "/b", "/b", "/b"] {
        client.get(url).send().await.unwrap();
    }
    mock.verify();
}

#[tokio::test]
async fn verify_panics_listing_each_failed_expectation() {
    let mock = MockTransport::new();
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(200))
        .named("login")
        .expect(1)
        .mount(&mock);
    Mock::given(path("/ping"))
        .respond_with(ResponseTemplate::new(200))
        .expect(..=1)
        .mount(&mock);
    Mock::given(path("/fine"))
        .respond_with(ResponseTemplate::new(200))
        .named("fine")
        .expect(1)
        .mount(&mock);
    let client = client(&mock);
    client.get("/fine").send().await.unwrap();
    client.get("/ping").send().await.unwrap();
    client.get("/ping").send().await.unwrap();

    let message = panic_message(|| mock.verify());
    assert!(message.contains("2 of 3 mounted mocks"), "{message}");
    assert!(
        message.contains("`login` (mock #1: path /login): expected exactly 1 request, received 0"),
        "{message}"
    );
    assert!(
        message.contains("mock #2 (path /ping): expected at most 1 request, received 2"),
        "{message}"
    );
    assert!(!message.contains("`fine`"), "{message}");
    assert!(
        message.contains("1. GET https://api.example/fine"),
        "{message}"
    );
    // The failure was reported: dropping the transport (and the client) does not panic again.
    drop(client);
    drop(mock);
}

#[test]
#[should_panic(
    expected = "`token refresh` (mock #1: path /token): expected at least 1 request, received 0"
)]
fn dropping_the_last_handle_verifies() {
    let mock = MockTransport::new();
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(200))
        .named("token refresh")
        .expect(1..)
        .mount(&mock);
    let client = client(&mock);
    drop(mock);
    // The client still holds a clone: nothing is verified yet.
    drop(client);
}

#[tokio::test]
async fn dropping_a_clone_does_not_verify() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&mock);
    let client = client(&mock);
    drop(mock.clone());
    client.get("/").send().await.unwrap();
}

#[test]
fn no_verification_while_the_thread_is_already_panicking() {
    let message = panic_message(|| {
        let mock = MockTransport::new();
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&mock);
        panic!("the test's own failure");
    });
    // A second panic during unwinding would have aborted the process.
    assert_eq!(message, "the test's own failure");
}

#[tokio::test]
async fn reset_forgets_mocks_expectations_and_requests() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(5)
        .mount(&mock);
    let client = client(&mock);
    client.get("/").send().await.unwrap();
    mock.reset();
    assert!(mock.received_requests().is_empty());
    assert_eq!(status_of(client.get("/")).await, 404);
    mock.verify();
}

// ----- Recording and replies ------------------------------------------------------------

#[tokio::test]
async fn recorded_requests_keep_method_url_headers_and_body() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock);
    let client = builder(&mock)
        .default_header("x-app", "courier-tests")
        .build()
        .unwrap();
    client.get("/first").send().await.unwrap();
    client
        .post("/second")
        .query(&[("v", "1")])
        .json(&serde_json::json!({"n": 2}))
        .send()
        .await
        .unwrap();

    let received = mock.received_requests();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].method(), http::Method::GET);
    assert!(received[0].body().is_empty());
    assert_eq!(received[1].method(), http::Method::POST);
    assert_eq!(received[1].url().as_str(), "https://api.example/second?v=1");
    assert_eq!(received[1].headers()["x-app"], "courier-tests");
    assert_eq!(received[1].headers()["content-type"], "application/json");
    let sent: serde_json::Value = received[1].body_json().unwrap();
    assert_eq!(sent, serde_json::json!({"n": 2}));
}

#[tokio::test]
async fn clones_share_mocks_and_records_across_tasks() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(8)
        .mount(&mock);
    let client = client(&mock);
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.get(format!("/item/{n}")).send().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(mock.received_requests().len(), 8);
}

#[tokio::test]
async fn json_replies_set_the_content_type_and_length() {
    #[derive(serde::Deserialize)]
    struct User {
        id: u32,
        name: String,
    }
    let mock = MockTransport::new();
    Mock::given(path("/users/7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 7, "name": "Ada"})),
        )
        .mount(&mock);
    let response = client(&mock).get("/users/7").send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.content_length(), Some(21));
    let user: User = response.json().await.unwrap();
    assert_eq!((user.id, user.name.as_str()), (7, "Ada"));
}

#[tokio::test]
async fn headers_are_inserted_and_appended() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-one", "a")
                .insert_header("x-one", "b")
                .append_header("set-cookie", "a=1")
                .append_header("set-cookie", "b=2"),
        )
        .mount(&mock);
    let response = client(&mock).get("/").send().await.unwrap();
    assert_eq!(response.headers()["x-one"], "b");
    let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
}

#[tokio::test]
async fn an_invalid_template_fails_the_request_as_invalid() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).insert_header("bad header", "x"))
        .mount(&mock);
    let error = client(&mock).get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(
        error.to_string().contains("invalid ResponseTemplate"),
        "{error}"
    );
}

// ----- Timing (paused time: no real waiting) --------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_delay_longer_than_the_receive_timeout_is_a_receive_timeout() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&mock);
    let client = builder(&mock)
        .receive_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = client.get("/slow").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_delay_within_the_receive_timeout_is_waited_for() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .body("late")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&mock);
    let client = builder(&mock)
        .receive_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let response = client.get("/").send().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(response.text().await.unwrap(), "late");
}

#[tokio::test(start_paused = true)]
async fn a_chunk_gap_longer_than_the_receive_timeout_stalls_the_body() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_chunks(["a", "b"], Duration::from_secs(10)),
        )
        .mount(&mock);
    let client = builder(&mock)
        .receive_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut response = client.get("/").send().await.unwrap();
    assert_eq!(response.chunk().await.unwrap().unwrap(), "a");
    let error = response.chunk().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout);
}

#[tokio::test(start_paused = true)]
async fn chunk_gaps_within_the_receive_timeout_deliver_the_whole_body_with_progress() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_chunks(["ab", "cd", "ef"], Duration::from_secs(4)),
        )
        .mount(&mock);
    let client = builder(&mock)
        .receive_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let started = tokio::time::Instant::now();
    let response = client
        .get("/")
        .on_receive_progress(move |progress| seen.lock().unwrap().push(progress))
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_length(), Some(6));
    assert!(response.buffered_body().is_none(), "chunks are streamed");
    assert_eq!(response.bytes().await.unwrap(), "abcdef");
    assert_eq!(started.elapsed(), Duration::from_secs(8));
    let reports = reports.lock().unwrap().clone();
    let expected: Vec<Progress> = [2, 4, 6]
        .map(|transferred| Progress {
            transferred,
            total: Some(6),
        })
        .to_vec();
    assert_eq!(reports, expected);
}

// ----- Faults ---------------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::fault(Fault::ConnectionRefused))
        .mount(&mock);
    let error = client(&mock).get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.url().unwrap().as_str(), "https://api.example/");
    let source = std::error::Error::source(&error).unwrap();
    let io = source.downcast_ref::<std::io::Error>().unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(mock.received_requests().len(), 1);
}

#[tokio::test]
async fn connect_timeout_is_a_connect_timeout() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::fault(Fault::ConnectTimeout))
        .mount(&mock);
    let error = client(&mock).get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectTimeout);
    assert!(error.is_timeout());
}

#[tokio::test(start_paused = true)]
async fn a_hang_ends_with_the_receive_timeout() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::fault(Fault::Hang))
        .mount(&mock);
    let client = builder(&mock)
        .receive_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let error = client.get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ReceiveTimeout);
}

#[tokio::test(start_paused = true)]
async fn a_hang_ends_with_the_total_timeout() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::fault(Fault::Hang))
        .mount(&mock);
    let client = builder(&mock)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = client.get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(started.elapsed(), Duration::from_secs(60));
}

#[tokio::test]
async fn a_reset_mid_body_fails_while_reading_the_body() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .body("0123456789")
                .with_fault(Fault::ResetMidBody { after: 4 }),
        )
        .mount(&mock);
    let client = client(&mock);

    let response = client.get("/file").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(10));
    let error = response.bytes().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.url().unwrap().as_str(), "https://api.example/file");

    let mut stream = client.get("/file").send().await.unwrap().bytes_stream();
    assert_eq!(stream.next().await.unwrap().unwrap(), "0123");
    assert_eq!(
        stream.next().await.unwrap().unwrap_err().kind(),
        ErrorKind::Connection
    );
}

#[tokio::test(start_paused = true)]
async fn a_fault_waits_for_the_delay_first() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(
            ResponseTemplate::fault(Fault::ConnectionRefused).set_delay(Duration::from_secs(2)),
        )
        .mount(&mock);
    let started = tokio::time::Instant::now();
    let error = client(&mock).get("/").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}
