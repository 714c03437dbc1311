//! Cancellation: Dio's `CancelToken`, with reasons and child tokens.

use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

/// Why a request was cancelled, as given to [`CancelToken::cancel_with`].
///
/// ```
/// let token = courier::CancelToken::new();
/// token.cancel_with("search text changed");
/// assert_eq!(token.reason().unwrap().as_str(), "search text changed");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CancelReason(Arc<str>);

impl CancelReason {
    /// The reason as text.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// token.cancel_with("bye");
    /// assert_eq!(token.reason().unwrap().as_str(), "bye");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handle that cancels every request it is attached to.
///
/// Clone it freely: clones share one state. One token may be given to many requests (cancel
/// all of a screen's requests when it closes); a [`child`](CancelToken::child) token is
/// cancelled with its parent but can also be cancelled alone.
///
/// Cancellation is observed at every await of a request: while interceptors run, while
/// connecting, while waiting for the response head, while streaming the body, during a retry
/// back-off and while waiting for a token refresh. The request then fails with
/// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) and the connection is dropped.
///
/// ```
/// use courier::CancelToken;
///
/// let screen = CancelToken::new();
/// let search = screen.child();
/// search.cancel_with("query changed");
/// assert!(search.is_cancelled());
/// assert!(!screen.is_cancelled());
///
/// let other = screen.child();
/// screen.cancel_with("screen closed");
/// assert!(other.is_cancelled());
/// assert_eq!(other.reason().unwrap().as_str(), "screen closed");
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    token: CancellationToken,
    reason: OnceLock<CancelReason>,
    parent: Option<CancelToken>,
}

impl CancelToken {
    /// A new token that is not cancelled.
    ///
    /// ```
    /// assert!(!courier::CancelToken::new().is_cancelled());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A token cancelled when this one is, that can also be cancelled on its own.
    ///
    /// ```
    /// let parent = courier::CancelToken::new();
    /// let child = parent.child();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    /// ```
    pub fn child(&self) -> CancelToken {
        CancelToken {
            inner: Arc::new(Inner {
                token: self.inner.token.child_token(),
                reason: OnceLock::new(),
                parent: Some(self.clone()),
            }),
        }
    }

    /// Cancels without a reason.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled() && token.reason().is_none());
    /// ```
    pub fn cancel(&self) {
        self.inner.token.cancel();
    }

    /// Cancels with a reason that the failed requests' errors carry. The first reason wins.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// token.cancel_with("first");
    /// token.cancel_with("second");
    /// assert_eq!(token.reason().unwrap().as_str(), "first");
    /// ```
    pub fn cancel_with(&self, reason: impl Into<String>) {
        let reason = CancelReason(Arc::from(reason.into()));
        let _first_wins = self.inner.reason.set(reason);
        self.inner.token.cancel();
    }

    /// Whether this token or one of its ancestors was cancelled.
    ///
    /// ```
    /// assert!(!courier::CancelToken::new().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.inner.token.is_cancelled()
    }

    /// The reason of the nearest cancelled token (this one, else its parent, …).
    ///
    /// ```
    /// assert!(courier::CancelToken::new().reason().is_none());
    /// ```
    pub fn reason(&self) -> Option<CancelReason> {
        let mut current = Some(self);
        while let Some(token) = current {
            if token.inner.token.is_cancelled()
                && let Some(reason) = token.inner.reason.get()
            {
                return Some(reason.clone());
            }
            current = token.inner.parent.as_ref();
        }
        None
    }

    /// Completes when the token is cancelled.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = courier::CancelToken::new();
    /// token.cancel();
    /// token.cancelled().await;
    /// # }
    /// ```
    pub async fn cancelled(&self) {
        self.inner.token.cancelled().await;
    }

    /// The same wait, owning a clone of the token (for futures stored in structs).
    pub(crate) fn cancelled_owned(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.inner.token.clone().cancelled_owned()
    }

    /// The [`Error`](crate::Error) a request cancelled by this token fails with.
    pub(crate) fn error(&self) -> crate::Error {
        crate::Error::cancelled(self.reason())
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .field("reason", &self.reason())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_reason_prefers_its_own() {
        let parent = CancelToken::new();
        let child = parent.child();
        child.cancel_with("child");
        parent.cancel_with("parent");
        assert_eq!(child.reason().unwrap().as_str(), "child");
    }

    #[tokio::test]
    async fn cancelled_wakes_waiters_of_children() {
        let parent = CancelToken::new();
        let child = parent.child().child();
        let waiter = tokio::spawn(async move { child.cancelled().await });
        parent.cancel();
        waiter.await.unwrap();
    }
}
