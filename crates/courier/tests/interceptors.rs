//! The interceptor chain: order, Dio's next/resolve/reject, re-running `next`, the closure
//! hooks, and how bad statuses, cancellation and the total timeout reach interceptors.
//!
//! The transport is a [`MockTransport`]: its recorded requests show whether (and how often)
//! the chain reached the bottom.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use courier::mock::matchers::{header, path};
use courier::{
    CancelToken, Client, Error, ErrorKind, Interceptor, Mock, MockTransport, Next, Request,
    RequestFlow, Response, ResponseTemplate, Result, on_error, on_request, on_response,
};
use http::StatusCode;

/// Answers `/ok` with 200 and `/fail` with 500 `boom`; a request with `x-trail: 1` gets the
/// header back. Anything else is the mock's unmatched-request 404.
fn transport() -> MockTransport {
    let mock = MockTransport::new();
    Mock::given(path("/ok"))
        .and(header("x-trail", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-trail", "1")
                .body("ok"),
        )
        .named("ok, with the trail echoed")
        .mount(&mock);
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200).body("ok"))
        .named("ok")
        .mount(&mock);
    Mock::given(path("/fail"))
        .respond_with(ResponseTemplate::new(500).body("boom"))
        .named("fail")
        .mount(&mock);
    mock
}

/// The paths the transport received, in order.
fn received_paths(mock: &MockTransport) -> Vec<String> {
    mock.received_requests()
        .iter()
        .map(|request| request.url().path().to_owned())
        .collect()
}

/// Appends its name to a shared journal on the way in and on the way out.
struct Journal {
    name: &'static str,
    entries: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for Journal {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        self.entries
            .lock()
            .unwrap()
            .push(format!("{} in", self.name));
        let result = next.run(request).await;
        self.entries
            .lock()
            .unwrap()
            .push(format!("{} out", self.name));
        result
    }
}

fn client(
    transport: &MockTransport,
    build: impl FnOnce(courier::ClientBuilder) -> courier::ClientBuilder,
) -> Client {
    build(
        Client::builder()
            .base_url("https://api.example")
            .transport(transport.clone()),
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn interceptors_run_outermost_first_like_an_onion() {
    let entries = Arc::new(Mutex::new(Vec::new()));
    let transport = transport();
    let client = client(&transport, |builder| {
        builder
            .interceptor(Journal {
                name: "a",
                entries: entries.clone(),
            })
            .interceptor(Journal {
                name: "b",
                entries: entries.clone(),
            })
    });
    client.get("/ok").send().await.unwrap();
    assert_eq!(*entries.lock().unwrap(), ["a in", "b in", "b out", "a out"]);
}

#[tokio::test]
async fn resolve_answers_without_the_transport() {
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_request(|_request: Request| async {
            Ok(RequestFlow::Resolve(Response::new(
                StatusCode::OK,
                "from memory",
            )))
        }))
    });
    let response = client.get("/ok").send().await.unwrap();
    assert_eq!(response.url().as_str(), "https://api.example/ok");
    assert_eq!(response.text().await.unwrap(), "from memory");
    assert_eq!(received_paths(&transport), Vec::<String>::new());
}

#[tokio::test]
async fn reject_fails_without_the_transport() {
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_request(|_request: Request| async {
            Err::<RequestFlow, _>(Error::new(ErrorKind::InvalidRequest).with_message("no token"))
        }))
    });
    let error = client.get("/ok").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.to_string().contains("no token"));
    assert_eq!(received_paths(&transport), Vec::<String>::new());
}

#[tokio::test]
async fn next_can_run_again_with_a_copy_of_the_request() {
    struct RetryOnce;
    impl Interceptor for RetryOnce {
        async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
            let copy = request
                .try_clone()
                .expect("an in-memory request can be copied");
            match next.run(request).await {
                Err(error) if error.status() == Some(StatusCode::INTERNAL_SERVER_ERROR) => {
                    let mut copy = copy;
                    copy.url_mut().set_path("/ok");
                    next.run(copy).await
                }
                other => other,
            }
        }
    }
    let transport = transport();
    let client = client(&transport, |builder| builder.interceptor(RetryOnce));
    let response = client.post("/fail").body("payload").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(received_paths(&transport), ["/fail", "/ok"]);
    for request in transport.received_requests() {
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.body(), "payload", "the copy keeps the body");
    }
}

#[tokio::test]
async fn bad_statuses_reach_interceptors_as_errors_that_keep_the_response() {
    let seen = Arc::new(Mutex::new(None));
    let seen_by_hook = seen.clone();
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_error(move |error: Error| {
            let seen = seen_by_hook.clone();
            async move {
                let body = error.response().and_then(|r| r.buffered_body()).cloned();
                *seen.lock().unwrap() = Some((error.kind(), error.status(), body));
                Err(error)
            }
        }))
    });
    let error = client.get("/fail").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadResponse);
    let (kind, status, body) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(kind, ErrorKind::BadResponse);
    assert_eq!(status, Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(body.unwrap(), "boom");
}

#[tokio::test]
async fn on_error_can_resolve_a_failure() {
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_error(|error: Error| async move {
            if error.status() == Some(StatusCode::INTERNAL_SERVER_ERROR) {
                return Ok(Response::new(StatusCode::OK, "fallback"));
            }
            Err(error)
        }))
    });
    let response = client.get("/fail").send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "fallback");
}

#[tokio::test]
async fn on_response_can_change_or_reject_a_response() {
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_response(|mut response: Response| async move {
            if response.headers().contains_key("x-trail") {
                return Err(Error::new(ErrorKind::Decode).with_message("unexpected trail"));
            }
            response
                .headers_mut()
                .insert("x-seen", http::HeaderValue::from_static("1"));
            Ok(response)
        }))
    });
    let response = client.get("/ok").send().await.unwrap();
    assert_eq!(response.headers()["x-seen"], "1");
    let error = client
        .get("/ok")
        .header("x-trail", "1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn per_request_extensions_reach_interceptors() {
    #[derive(Clone)]
    struct Tag(&'static str);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_hook = seen.clone();
    let transport = transport();
    let client = client(&transport, |builder| {
        builder.interceptor(on_request(move |request: Request| {
            let seen = seen_by_hook.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push(request.extensions().get::<Tag>().map(|tag| tag.0));
                Ok(RequestFlow::Next(request))
            }
        }))
    });
    client
        .get("/ok")
        .extension(Tag("first"))
        .send()
        .await
        .unwrap();
    client.get("/ok").send().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), [Some("first"), None]);
}

/// An interceptor that waits forever, as a token refresh or back-off could.
struct WaitForever;

impl Interceptor for WaitForever {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        std::future::pending::<()>().await;
        next.run(request).await
    }
}

#[tokio::test]
async fn cancellation_stops_an_interceptor_that_is_waiting() {
    let transport = transport();
    let client = client(&transport, |builder| builder.interceptor(WaitForever));
    let token = CancelToken::new();
    let request = tokio::spawn({
        let client = client.clone();
        let token = token.clone();
        async move { client.get("/ok").cancel_token(&token).send().await }
    });
    tokio::task::yield_now().await;
    token.cancel_with("screen closed");
    let error = request.await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(error.cancel_reason().unwrap().as_str(), "screen closed");
    assert_eq!(received_paths(&transport), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn the_total_timeout_covers_interceptors() {
    let transport = transport();
    let client = client(&transport, |builder| {
        builder
            .timeout(Duration::from_secs(30))
            .interceptor(WaitForever)
    });
    let error = client.get("/ok").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.url().unwrap().as_str(), "https://api.example/ok");
}

#[tokio::test]
async fn an_already_cancelled_token_sends_nothing() {
    let transport = transport();
    let client = client(&transport, |builder| builder);
    let token = CancelToken::new();
    token.cancel();
    let error = client
        .get("/ok")
        .cancel_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_cancelled());
    assert_eq!(received_paths(&transport), Vec::<String>::new());
}

#[tokio::test]
async fn a_detached_next_runs_the_rest_of_the_chain_after_the_call_returned() {
    struct Background {
        done: Arc<tokio::sync::Notify>,
    }
    impl Interceptor for Background {
        async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
            let copy = request.try_clone().unwrap();
            let later = next.detach();
            let done = self.done.clone();
            tokio::spawn(async move {
                let response = later.run(copy).await;
                assert!(response.is_ok());
                done.notify_one();
            });
            Ok(Response::new(StatusCode::OK, "answered first"))
        }
    }
    let entries = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(tokio::sync::Notify::new());
    let transport = transport();
    let client = client(&transport, |builder| {
        builder
            .interceptor(Background { done: done.clone() })
            .interceptor(Journal {
                name: "inner",
                entries: entries.clone(),
            })
    });
    let response = client.get("/ok").send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "answered first");
    drop(client);
    done.notified().await;
    assert_eq!(received_paths(&transport), ["/ok"]);
    assert_eq!(*entries.lock().unwrap(), ["inner in", "inner out"]);
}
