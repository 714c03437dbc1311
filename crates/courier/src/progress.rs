//! Upload and download progress reports.

use std::fmt;
use std::sync::Arc;

/// How far a transfer has come.
///
/// ```
/// let progress = courier::Progress { transferred: 50, total: Some(200) };
/// assert_eq!(progress.fraction(), Some(0.25));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes sent or received so far (for a resumed download, including the bytes already on
    /// disk).
    pub transferred: u64,
    /// The total, when known (from `Content-Length` or the body's own length).
    pub total: Option<u64>,
}

impl Progress {
    /// `transferred / total`, when the total is known and not zero.
    ///
    /// ```
    /// assert_eq!(courier::Progress { transferred: 1, total: None }.fraction(), None);
    /// ```
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(total) if total > 0 => Some(self.transferred as f64 / total as f64),
            _ => None,
        }
    }
}

/// A progress callback, shared by clones of a request.
#[derive(Clone)]
pub struct ProgressCallback(Arc<dyn Fn(Progress) + Send + Sync>);

impl ProgressCallback {
    /// Wraps a closure.
    ///
    /// ```
    /// let callback = courier::ProgressCallback::new(|p| println!("{} bytes", p.transferred));
    /// callback.report(courier::Progress { transferred: 3, total: None });
    /// ```
    pub fn new(callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        Self(Arc::new(callback))
    }

    /// Calls the closure.
    ///
    /// ```
    /// courier::ProgressCallback::new(|_| {}).report(courier::Progress { transferred: 0, total: Some(0) });
    /// ```
    pub fn report(&self, progress: Progress) {
        (self.0)(progress);
    }
}

impl fmt::Debug for ProgressCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressCallback")
    }
}
