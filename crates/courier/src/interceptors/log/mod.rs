//! `LogInterceptor` (placeholder: being written).

use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::Response;

/// Logs requests.
#[derive(Debug, Clone, Default)]
pub struct LogInterceptor {}

impl LogInterceptor {
    /// Default settings.
    pub fn new() -> Self {
        Self {}
    }
}

impl Interceptor for LogInterceptor {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        next.run(request).await
    }
}
