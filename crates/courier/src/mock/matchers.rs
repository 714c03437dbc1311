//! Matchers (placeholder).

/// Matches a path.
#[derive(Debug)]
pub struct PathMatcher(String);

/// Matches a path.
pub fn path(path: impl Into<String>) -> PathMatcher {
    PathMatcher(path.into())
}
