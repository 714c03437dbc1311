//! Dio's `callFollowingResponseInterceptor` / `callFollowingErrorInterceptor` flags:
//! `Response::skip_outer_hooks` and `Error::skip_outer_hooks` let a result pass the hooks
//! outside the interceptor that made it, and unmarked results reach them (Dio's `true`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use courier::mock::matchers::any;
use courier::{
    Client, Error, ErrorKind, Interceptor, Mock, MockTransport, Next, Request, RequestFlow,
    Response, ResponseTemplate, on_error, on_request, on_response,
};
use http::StatusCode;

/// How many times each outer hook ran.
#[derive(Clone, Default)]
struct Runs {
    on_response: Arc<AtomicUsize>,
    on_error: Arc<AtomicUsize>,
}

impl Runs {
    fn on_response(&self) -> usize {
        self.on_response.load(Ordering::SeqCst)
    }

    fn on_error(&self) -> usize {
        self.on_error.load(Ordering::SeqCst)
    }
}

/// A client whose outermost interceptors are counting `on_response` and `on_error` hooks (the
/// error hook recovers with a 299), then `inner`, then `mock`.
fn client(mock: &MockTransport, runs: &Runs, inner: impl Interceptor) -> Client {
    let response_runs = runs.on_response.clone();
    let error_runs = runs.on_error.clone();
    Client::builder()
        .base_url("https://api.example")
        .transport(mock.clone())
        .interceptor(on_response(move |response: Response| {
            response_runs.fetch_add(1, Ordering::SeqCst);
            async move { Ok(response) }
        }))
        .interceptor(on_error(move |_error: Error| {
            error_runs.fetch_add(1, Ordering::SeqCst);
            async move { Ok(Response::new(StatusCode::ACCEPTED, "recovered")) }
        }))
        .interceptor(inner)
        .build()
        .expect("the test client builds")
}

/// An `on_request` hook that answers every request itself, the answer marked or not.
fn resolve(skip_outer_hooks: bool) -> impl Interceptor {
    on_request(move |_request: Request| async move {
        let response = Response::new(StatusCode::OK, "local");
        let response = if skip_outer_hooks {
            response.skip_outer_hooks()
        } else {
            response
        };
        Ok(RequestFlow::Resolve(response))
    })
}

/// An `on_request` hook that refuses every request, the error marked or not.
fn reject(skip_outer_hooks: bool) -> impl Interceptor {
    on_request(move |_request: Request| async move {
        let error = Error::new(ErrorKind::InvalidRequest);
        Err(if skip_outer_hooks {
            error.skip_outer_hooks()
        } else {
            error
        })
    })
}

#[tokio::test]
async fn a_resolve_marked_to_skip_outer_hooks_passes_them_as_dio_resolve_does_by_default() {
    let mock = MockTransport::new();
    let runs = Runs::default();
    let response = client(&mock, &runs, resolve(true))
        .get("/a")
        .send()
        .await
        .expect("resolved locally");
    assert_eq!(response.text().await.expect("body"), "local");
    assert_eq!(
        runs.on_response(),
        0,
        "the outer on_response hook did not run"
    );
    assert!(mock.received_requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn an_unmarked_resolve_reaches_the_outer_hooks_as_call_following_true_does() {
    let mock = MockTransport::new();
    let runs = Runs::default();
    client(&mock, &runs, resolve(false))
        .get("/a")
        .send()
        .await
        .expect("resolved locally");
    assert_eq!(runs.on_response(), 1);
    assert!(mock.received_requests().is_empty());
}

#[tokio::test]
async fn a_reject_marked_to_skip_outer_hooks_passes_them_as_dio_reject_does_by_default() {
    let mock = MockTransport::new();
    let runs = Runs::default();
    let error = client(&mock, &runs, reject(true))
        .get("/a")
        .send()
        .await
        .expect_err("the outer on_error hook would have recovered");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.skips_outer_hooks());
    assert_eq!(runs.on_error(), 0);
}

#[tokio::test]
async fn an_unmarked_reject_reaches_the_outer_hooks_as_call_following_true_does() {
    let mock = MockTransport::new();
    let runs = Runs::default();
    let response = client(&mock, &runs, reject(false))
        .get("/a")
        .send()
        .await
        .expect("the outer on_error hook recovers");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(runs.on_error(), 1);
}

#[tokio::test]
async fn responses_from_the_transport_are_not_marked_and_reach_every_hook() {
    let mock = MockTransport::new();
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).body("from the network"))
        .expect(1)
        .mount(&mock);
    let runs = Runs::default();
    let response = client(&mock, &runs, resolve_nothing())
        .get("/a")
        .send()
        .await
        .expect("sent");
    assert!(!response.skips_outer_hooks());
    assert_eq!(runs.on_response(), 1);
}

/// An interceptor of one's own sees marked results (it wraps the rest of the chain) and can
/// honour the mark.
#[tokio::test]
async fn an_interceptor_of_ones_own_sees_the_mark_and_decides() {
    struct Stamp;
    impl Interceptor for Stamp {
        async fn intercept(&self, request: Request, next: Next<'_>) -> courier::Result<Response> {
            let mut response = next.run(request).await?;
            if !response.skips_outer_hooks() {
                response
                    .headers_mut()
                    .insert("x-stamped", http::HeaderValue::from_static("1"));
            }
            Ok(response)
        }
    }
    let mock = MockTransport::new();
    let client = Client::builder()
        .base_url("https://api.example")
        .transport(mock.clone())
        .interceptor(Stamp)
        .interceptor(resolve(true))
        .build()
        .expect("builds");
    let marked = client.get("/a").send().await.expect("resolved");
    assert!(marked.skips_outer_hooks());
    assert!(!marked.headers().contains_key("x-stamped"));
}

/// Passes every request on unchanged.
fn resolve_nothing() -> impl Interceptor {
    on_request(|request: Request| async move { Ok(RequestFlow::Next(request)) })
}
