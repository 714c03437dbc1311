//! `MockTransport` (placeholder: being written).

pub mod matchers;

use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::response::Response;
use crate::transport::Transport;

/// An in-process transport for tests.
#[derive(Debug, Clone, Default)]
pub struct MockTransport {}

impl MockTransport {
    /// A mock with no routes.
    pub fn new() -> Self {
        Self {}
    }
}

impl Transport for MockTransport {
    async fn send(&self, request: Request) -> Result<Response> {
        Err(Error::new(ErrorKind::Connection).with_url(request.url()))
    }
}

/// A route.
#[derive(Debug)]
pub struct Mock {}

impl Mock {
    /// Starts a route.
    pub fn given(_matcher: matchers::PathMatcher) -> Self {
        Self {}
    }
    /// The reply.
    pub fn respond_with(self, _template: ResponseTemplate) -> Self {
        self
    }
    /// Registers.
    pub fn mount(self, _mock: &MockTransport) {}
}

/// A reply.
#[derive(Debug)]
pub struct ResponseTemplate {}

impl ResponseTemplate {
    /// A reply with a status.
    pub fn new(_status: u16) -> Self {
        Self {}
    }
    /// The body.
    pub fn body(self, _body: &'static str) -> Self {
        self
    }
}
