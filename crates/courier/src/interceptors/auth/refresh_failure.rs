//! [`RefreshFailure`]: one refresh's error, shared by every request that waited for it.

use std::fmt;
use std::sync::Arc;

use crate::error::Error;

/// The error of a failed refresh, as the source of each waiting request's own error: one
/// refresh fails a thousand requests, and each gets an [`Error`] of its own that points to
/// the one shared cause.
#[derive(Clone)]
pub(super) struct RefreshFailure(Arc<Error>);

impl RefreshFailure {
    pub(super) fn new(error: Arc<Error>) -> Self {
        Self(error)
    }
}

impl fmt::Debug for RefreshFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for RefreshFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token refresh: {}", self.0)
    }
}

impl std::error::Error for RefreshFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}
