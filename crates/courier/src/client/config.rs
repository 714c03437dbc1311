//! The settings a client applies to every request (Dio's `BaseOptions`).

use http::HeaderMap;
use url::Url;

use crate::request::RequestOptions;

/// Per-request defaults and the base URL. Transport-level settings (connect timeout, TLS,
/// compression) live with the transport.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    pub(crate) base_url: Option<Url>,
    pub(crate) default_headers: HeaderMap,
    /// Already `application/x-www-form-urlencoded`.
    pub(crate) default_query: String,
    /// Timeouts, validation and redirects every request starts from.
    pub(crate) default_options: RequestOptions,
    pub(crate) max_redirects: usize,
}
