//! `multipart/form-data` bodies (placeholder: being written).

use crate::body::Body;

/// A multipart form.
#[derive(Debug, Default)]
pub struct Form {
    boundary: String,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self {
            boundary: format!("courier-{:016x}", fastrand::u64(..)),
        }
    }

    /// Adds a text field.
    pub fn text(self, _name: impl Into<String>, _value: impl Into<String>) -> Self {
        self
    }

    /// The `Content-Type` header value, with the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body.
    pub fn into_body(self) -> Body {
        Body::empty()
    }
}
