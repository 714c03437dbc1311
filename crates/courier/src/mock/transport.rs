//! The transport itself: shared state, matching in mount order, recording, verification.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use super::recorded::RecordedRequest;
use super::route::Mock;
use super::verify::{unmatched_request, unmet_expectations};
use crate::error::Result;
use crate::request::Request;
use crate::response::{Response, ResponseBody};
use crate::transport::Transport;

/// An in-process [`Transport`] for tests: requests are answered by the mounted
/// [`Mock`]s, never by a socket.
///
/// - **Routing**: mocks are tried in mount order; the first whose matchers all accept the
///   request, and which has answers left, answers it.
/// - **Unmatched requests** are answered `404 Not Found` with a `text/plain` body that says
///   no mock matched, shows the request line and lists the mounted mocks. With the default
///   `validate_status` that is an [`ErrorKind::BadResponse`](crate::ErrorKind::BadResponse)
///   whose [`response`](crate::Error::response) holds that text. They are recorded like
///   any other request.
/// - **Recording**: every request, matched or not, with its body read in full, is kept for
///   [`received_requests`](Self::received_requests).
/// - **Verification**: [`verify`](Self::verify) panics if a mock's
///   [`expect`](Mock::expect)ation is not met. It also runs when the last clone is dropped
///   (unless the thread is already panicking, or a failure was already reported).
///
/// `MockTransport` is a cheap `Clone` over an `Arc`: hand one clone to the client and keep
/// one to mount mocks and inspect requests; all clones share the same state.
///
/// ```
/// use courier::mock::matchers::{method, path};
/// use courier::{Client, Mock, MockTransport, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// Mock::given(method("GET")).and(path("/users/7"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(&serde_json::json!({"name": "Ada"})))
///     .expect(1)
///     .mount(&mock);
/// let client = Client::builder().base_url("https://api.example").transport(mock.clone()).build()?;
///
/// let user: serde_json::Value = client.get("/users/7").send().await?.json().await?;
/// assert_eq!(user["name"], "Ada");
///
/// let missing = client.get("/users/8").send().await.unwrap_err();
/// assert_eq!(missing.status(), Some(http::StatusCode::NOT_FOUND));
/// assert_eq!(mock.received_requests().len(), 2);
/// mock.verify();
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    shared: Arc<Shared>,
}

/// The state every clone shares; dropping the last clone verifies.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    mocks: Vec<Mounted>,
    received: Vec<RecordedRequest>,
    /// Mounts since creation (or the last reset), to number mocks in messages.
    mounted: usize,
    /// Set once a failed verification panicked, so dropping does not panic again.
    reported: bool,
}

/// A mock on a transport, with how many requests it answered.
pub(super) struct Mounted {
    pub(super) mock: Mock,
    pub(super) number: usize,
    pub(super) answered: u64,
}

impl MockTransport {
    /// A transport with no mocks: every request is answered with the unmatched-request 404.
    ///
    /// ```
    /// let mock = courier::MockTransport::new();
    /// let client = courier::Client::builder().transport(mock.clone()).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Every request received since creation (or the last [`reset`](Self::reset)), matched
    /// or not, in arrival order.
    ///
    /// ```
    /// use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = MockTransport::new();
    /// let client = Client::builder().base_url("https://api.example").transport(mock.clone()).build()?;
    /// let _ = client.post("/events").json(&serde_json::json!({"type": "click"})).send().await;
    ///
    /// let requests = mock.received_requests();
    /// assert_eq!(requests.len(), 1);
    /// let event: serde_json::Value = requests[0].body_json()?;
    /// assert_eq!(event["type"], "click");
    /// # Ok(())
    /// # }
    /// ```
    pub fn received_requests(&self) -> Vec<RecordedRequest> {
        self.lock().received.clone()
    }

    /// Checks every mounted mock's [`expect`](Mock::expect)ation.
    ///
    /// # Panics
    ///
    /// When at least one is not met, with a message that lists each failing mock (its name,
    /// the expected range and the actual count) and the requests received. Dropping the
    /// last clone does not panic again for the same failure.
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// use courier::{Mock, MockTransport, ResponseTemplate};
    /// let mock = MockTransport::new();
    /// Mock::given(path("/login"))
    ///     .respond_with(ResponseTemplate::new(200))
    ///     .named("login")
    ///     .expect(1)
    ///     .mount(&mock);
    ///
    /// let failure = std::panic::catch_unwind(|| mock.verify()).unwrap_err();
    /// let message = failure.downcast_ref::<String>().unwrap();
    /// assert!(message.contains("`login`"));
    /// assert!(message.contains("expected exactly 1 request, received 0"));
    /// ```
    pub fn verify(&self) {
        let mut state = self.lock();
        if let Some(message) = unmet_expectations(&state.mocks, &state.received) {
            state.reported = true;
            drop(state);
            panic!("{message}");
        }
    }

    /// Removes every mock (without verifying them) and forgets the received requests.
    ///
    /// ```
    /// use courier::mock::matchers::any;
    /// use courier::{Mock, MockTransport, ResponseTemplate};
    /// let mock = MockTransport::new();
    /// Mock::given(any()).respond_with(ResponseTemplate::new(200)).expect(1).mount(&mock);
    /// mock.reset();
    /// mock.verify(); // nothing mounted, nothing expected
    /// ```
    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    pub(super) fn register(&self, mock: Mock) {
        let mut state = self.lock();
        state.mounted += 1;
        let number = state.mounted;
        state.mocks.push(Mounted {
            mock,
            number,
            answered: 0,
        });
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A matcher that panicked poisons the lock; the state itself is still consistent.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Transport for MockTransport {
    async fn send(&self, request: Request) -> Result<Response> {
        let (method, url, headers, body, _extensions, _options) = request.into_parts();
        let body = body.collect().await.map_err(|error| error.or_url(&url))?;
        let recorded = RecordedRequest::new(method.clone(), url.clone(), headers, body);

        // Matching, counting and recording happen under one lock, so concurrent requests
        // cannot both take a mock's last answer. The reply is played after it is released.
        let outcome = {
            let mut state = self.lock();
            let template = state.mocks.iter_mut().find_map(|mounted| {
                let template = mounted.mock.reply(mounted.answered)?;
                if !mounted.mock.matches(&recorded) {
                    return None;
                }
                let template = template.clone();
                mounted.answered += 1;
                Some(template)
            });
            let outcome = match template {
                Some(template) => Ok(template),
                None => Err(unmatched_request(&recorded, &state.mocks)),
            };
            state.received.push(recorded);
            outcome
        };

        match outcome {
            Ok(template) => template.respond(&method, url).await,
            Err(explanation) => Ok(not_found(explanation, url)),
        }
    }
}

/// The answer to a request no mock matched.
fn not_found(explanation: String, url: url::Url) -> Response {
    let body = Bytes::from(explanation);
    let mut response = http::Response::new(ResponseBody::from(body.clone()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_http(response, url)
}

impl Drop for Shared {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if state.reported {
            return;
        }
        if let Some(message) = unmet_expectations(&state.mocks, &state.received) {
            panic!("{message}\n(verified when the last MockTransport handle was dropped)");
        }
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MockTransport")
            .field("mocks", &state.mocks.len())
            .field("received", &state.received.len())
            .finish()
    }
}
