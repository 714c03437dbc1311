//! A route: the matchers a request must meet, the reply, and how often it may and must
//! happen.

use std::fmt;

use super::matchers::Match;
use super::recorded::RecordedRequest;
use super::template::ResponseTemplate;
use super::times::Times;
use super::transport::MockTransport;

/// The first half of a mock: its matchers. [`respond_with`](Self::respond_with) completes it.
///
/// ```
/// use courier::mock::matchers::{method, path};
/// use courier::{Mock, ResponseTemplate};
/// let builder = Mock::given(method("DELETE")).and(path("/notes/1"));
/// let mock = builder.respond_with(ResponseTemplate::new(204));
/// # drop(mock);
/// ```
#[must_use = "a `MockBuilder` does nothing until `.respond_with(…)` and `.mount(&transport)`"]
pub struct MockBuilder {
    matchers: Vec<Box<dyn Match>>,
}

impl MockBuilder {
    /// Adds a matcher: the mock answers only requests that meet all of them.
    ///
    /// ```
    /// use courier::mock::matchers::{header_exists, method};
    /// let builder = courier::Mock::given(method("GET")).and(header_exists("authorization"));
    /// # drop(builder);
    /// ```
    pub fn and(mut self, matcher: impl Match) -> Self {
        self.matchers.push(Box::new(matcher));
        self
    }

    /// Answers every matching request with `template`.
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// let mock = courier::Mock::given(path("/health"))
    ///     .respond_with(courier::ResponseTemplate::new(200).body("ok"));
    /// # drop(mock);
    /// ```
    pub fn respond_with(self, template: ResponseTemplate) -> Mock {
        self.finish(Replies::Always(template))
    }

    /// Answers the first matching request with the first template, the second with the
    /// second, and so on. After the last template the mock **stops matching**, exactly as
    /// if it had been mounted with [`up_to_n_times`](Mock::up_to_n_times)`(templates.len())`:
    /// the next mounted mock answers, or the unmatched-request 404. To keep answering with
    /// the last reply, mount a second mock after this one. An empty sequence never matches.
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// use courier::{Client, Mock, MockTransport, ResponseTemplate};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = MockTransport::new();
    /// Mock::given(path("/job"))
    ///     .respond_with_sequence([
    ///         ResponseTemplate::new(200).body("queued"),
    ///         ResponseTemplate::new(200).body("running"),
    ///     ])
    ///     .mount(&mock);
    /// // Afterwards, "done" forever.
    /// Mock::given(path("/job")).respond_with(ResponseTemplate::new(200).body("done")).mount(&mock);
    ///
    /// let client = Client::builder().base_url("https://api.example").transport(mock).build()?;
    /// for expected in ["queued", "running", "done", "done"] {
    ///     assert_eq!(client.get("/job").send().await?.text().await?, expected);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn respond_with_sequence(
        self,
        templates: impl IntoIterator<Item = ResponseTemplate>,
    ) -> Mock {
        self.finish(Replies::Sequence(templates.into_iter().collect()))
    }

    fn finish(self, replies: Replies) -> Mock {
        Mock {
            matchers: self.matchers,
            replies,
            limit: None,
            expectation: None,
            name: None,
        }
    }
}

impl fmt::Debug for MockBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("matchers", &self.matchers)
            .finish()
    }
}

/// A route for a [`MockTransport`]: which requests it answers, with what, how many times it
/// may answer and how many times it must.
///
/// Read it as a sentence: `Mock::given(method("GET")).and(path("/users/7"))
/// .respond_with(template).expect(1).mount(&transport)`. Mocks are tried in the order they
/// were mounted; the first that matches (and has answers left) answers.
///
/// ```
/// use courier::mock::matchers::{method, path};
/// use courier::{Client, Mock, MockTransport, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// // The first call fails, the next ones succeed: the first mock answers once, then steps aside.
/// Mock::given(method("GET")).and(path("/flaky"))
///     .respond_with(ResponseTemplate::new(503))
///     .up_to_n_times(1)
///     .named("first attempt fails")
///     .expect(1)
///     .mount(&mock);
/// Mock::given(method("GET")).and(path("/flaky"))
///     .respond_with(ResponseTemplate::new(200))
///     .mount(&mock);
///
/// let client = Client::builder().base_url("https://api.example").transport(mock.clone()).build()?;
/// assert!(client.get("/flaky").send().await.is_err());
/// assert_eq!(client.get("/flaky").send().await?.status(), 200);
/// mock.verify();
/// # Ok(())
/// # }
/// ```
#[must_use = "a `Mock` does nothing until it is mounted: call `.mount(&transport)`"]
pub struct Mock {
    pub(super) matchers: Vec<Box<dyn Match>>,
    pub(super) replies: Replies,
    pub(super) limit: Option<u64>,
    pub(super) expectation: Option<Times>,
    pub(super) name: Option<String>,
}

/// What a mock answers with.
pub(super) enum Replies {
    Always(ResponseTemplate),
    Sequence(Vec<ResponseTemplate>),
}

impl Mock {
    /// Starts a mock with its first matcher.
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// let builder = courier::Mock::given(path("/users"));
    /// # drop(builder);
    /// ```
    pub fn given(matcher: impl Match) -> MockBuilder {
        MockBuilder {
            matchers: vec![Box::new(matcher)],
        }
    }

    /// Answers at most `n` requests, then stops matching so that later mocks (or the
    /// unmatched-request 404) answer. Default: no limit.
    ///
    /// ```
    /// use courier::mock::matchers::any;
    /// let once = courier::Mock::given(any())
    ///     .respond_with(courier::ResponseTemplate::new(429))
    ///     .up_to_n_times(1);
    /// # drop(once);
    /// ```
    pub fn up_to_n_times(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Expects to answer `times` requests: a count (`1`) or a range (`1..`, `..=3`,
    /// `2..=4`). Checked by [`MockTransport::verify`] and when the last handle on the
    /// transport is dropped; a failed expectation panics with the mock's name, the expected
    /// range and the actual count. Default: no expectation.
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// let at_least_once = courier::Mock::given(path("/ping"))
    ///     .respond_with(courier::ResponseTemplate::new(204))
    ///     .expect(1..);
    /// # drop(at_least_once);
    /// ```
    pub fn expect(mut self, times: impl Into<Times>) -> Self {
        self.expectation = Some(times.into());
        self
    }

    /// Names the mock in failure messages (default: its mount number and matchers).
    ///
    /// ```
    /// use courier::mock::matchers::path;
    /// let mock = courier::Mock::given(path("/token"))
    ///     .respond_with(courier::ResponseTemplate::new(200))
    ///     .named("token refresh")
    ///     .expect(1);
    /// # drop(mock);
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Registers the mock on `transport`, after the mocks already there.
    ///
    /// ```
    /// use courier::mock::matchers::any;
    /// let transport = courier::MockTransport::new();
    /// courier::Mock::given(any()).respond_with(courier::ResponseTemplate::new(200)).mount(&transport);
    /// ```
    pub fn mount(self, transport: &MockTransport) {
        transport.register(self);
    }

    /// Whether every matcher accepts `request`.
    pub(super) fn matches(&self, request: &RecordedRequest) -> bool {
        self.matchers.iter().all(|matcher| matcher.matches(request))
    }

    /// The template for the answer after `answered` earlier ones, or `None` when the mock
    /// has no answer left.
    pub(super) fn reply(&self, answered: u64) -> Option<&ResponseTemplate> {
        if self.limit.is_some_and(|limit| answered >= limit) {
            return None;
        }
        match &self.replies {
            Replies::Always(template) => Some(template),
            Replies::Sequence(templates) => templates.get(usize::try_from(answered).ok()?),
        }
    }

    /// How failure messages name the mock: `` `name` `` or `mock #2 (path /x and method GET)`.
    pub(super) fn label(&self, number: usize) -> String {
        let matchers = self
            .matchers
            .iter()
            .map(|matcher| matcher.describe())
            .collect::<Vec<_>>()
            .join(" and ");
        match &self.name {
            Some(name) => format!("`{name}` (mock #{number}: {matchers})"),
            None => format!("mock #{number} ({matchers})"),
        }
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let replies = match &self.replies {
            Replies::Always(_) => 1,
            Replies::Sequence(templates) => templates.len(),
        };
        f.debug_struct("Mock")
            .field("name", &self.name)
            .field("matchers", &self.matchers)
            .field("replies", &replies)
            .field("up_to_n_times", &self.limit)
            .field("expect", &self.expectation)
            .finish()
    }
}
