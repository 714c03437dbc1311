//! Cache keys: the primary key of a request (RFC 9111 §2: the method and the target URI),
//! normalised so equivalent URLs share an entry, or built by the application.
//!
//! dio_cache_interceptor keys by URL only; courier keys by method and normalised URL by
//! default, adds a digest of the body when POST responses are cached (`allow_post_method`),
//! and lets a closure add what the application knows matters (a tenant header, a user id).

use std::fmt;
use std::sync::Arc;

use courier::Request;
use sha2::{Digest, Sha256};
use url::Url;

/// Builds the primary cache key of a request. The default is [`default_key`].
///
/// ```
/// use courier_cache::KeyBuilder;
/// let by_tenant = KeyBuilder::new(|request: &courier::Request| {
///     let tenant = request.headers().get("x-tenant").and_then(|v| v.to_str().ok()).unwrap_or("-");
///     format!("{tenant} {}", courier_cache::key::default_key(request))
/// });
/// let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/x")?);
/// assert_eq!(by_tenant.key(&request), "- GET https://a.example/x");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct KeyBuilder(Option<BuildKey>);

type BuildKey = Arc<dyn Fn(&Request) -> String + Send + Sync>;

impl KeyBuilder {
    /// Uses `build` for every request.
    ///
    /// ```
    /// let fixed = courier_cache::KeyBuilder::new(|_: &courier::Request| "all".to_owned());
    /// ```
    pub fn new(build: impl Fn(&Request) -> String + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(build)))
    }

    /// The key of `request`.
    ///
    /// ```
    /// let request = courier::Request::new(http::Method::GET, url::Url::parse("HTTPS://A.example:443/x#top")?);
    /// assert_eq!(courier_cache::KeyBuilder::default().key(&request), "GET https://a.example/x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self, request: &Request) -> String {
        match &self.0 {
            Some(build) => build(request),
            None => default_key(request),
        }
    }
}

impl fmt::Debug for KeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "KeyBuilder(custom)"
        } else {
            "KeyBuilder(default)"
        })
    }
}

/// The default primary key: `METHOD normalised-URL`, plus ` body-sha256=<hex>` for a request
/// with a non-empty in-memory body (so two POSTs with different bodies never share an entry).
///
/// ```
/// let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/%7euser/?b=2&a=1")?);
/// assert_eq!(courier_cache::key::default_key(&request), "GET https://a.example/~user/?b=2&a=1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn default_key(request: &Request) -> String {
    let method = request.method().as_str();
    let url = without_fragment(request.url());
    // One allocation, sized for the common case (nothing to decode, no body digest).
    let mut key = String::with_capacity(method.len() + 1 + url.len());
    key.push_str(method);
    key.push(' ');
    push_normalised(&mut key, url);
    if let Some(body) = request.body().as_bytes()
        && !body.is_empty()
    {
        key.push_str(" body-sha256=");
        for byte in Sha256::digest(body) {
            key.push(char::from(HEX[usize::from(byte >> 4)]));
            key.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    key
}

/// Lower-case hexadecimal digits, for the body digest.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The URL normalised per RFC 3986 §6.2.2 (syntax-based normalisation) as caches may: the
/// scheme and host lower-cased and the default port dropped (both done by parsing), the
/// fragment removed, percent-encoded unreserved characters decoded and the remaining
/// percent-encodings upper-cased. The query order is kept: `?a=1&b=2` and `?b=2&a=1` may mean
/// different things to an origin.
///
/// ```
/// let url = url::Url::parse("http://Example.COM:80/a%2fb/%7Ex?q=%e2%82%ac#frag")?;
/// assert_eq!(courier_cache::key::normalised_url(&url), "http://example.com/a%2Fb/~x?q=%E2%82%AC");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn normalised_url(url: &Url) -> String {
    normalise_percent_encoding(without_fragment(url))
}

/// The serialised URL up to its fragment (what `set_fragment(None)` would leave), borrowed.
fn without_fragment(url: &Url) -> &str {
    &url[..url::Position::AfterQuery]
}

fn normalise_percent_encoding(text: &str) -> String {
    let mut normalised = String::with_capacity(text.len());
    push_normalised(&mut normalised, text);
    normalised
}

/// Appends `text` to `out` with its percent-encodings normalised (see [`normalised_url`]).
fn push_normalised(out: &mut String, text: &str) {
    // Most URLs have no percent-encoding at all: copy them in one go.
    if !text.contains('%') {
        out.push_str(text);
        return;
    }
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let (Some(high), Some(low)) =
                (hex_value(bytes[index + 1]), hex_value(bytes[index + 2]))
        {
            let decoded = high * 16 + low;
            if decoded.is_ascii_alphanumeric() || matches!(decoded, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(decoded));
            } else {
                out.push('%');
                out.push(char::from(bytes[index + 1].to_ascii_uppercase()));
                out.push(char::from(bytes[index + 2].to_ascii_uppercase()));
            }
            index += 3;
            continue;
        }
        out.push(char::from(bytes[index]));
        index += 1;
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(method: http::Method, url: &str, body: Option<&'static str>) -> String {
        let mut request = Request::new(method, Url::parse(url).unwrap());
        if let Some(body) = body {
            *request.body_mut() = courier::Body::from(body);
        }
        default_key(&request)
    }

    #[test]
    fn rfc9111_2_the_primary_key_is_method_and_target_uri() {
        assert_eq!(
            key(http::Method::GET, "https://a.example/x", None),
            "GET https://a.example/x"
        );
        assert_ne!(
            key(http::Method::GET, "https://a.example/x", None),
            key(http::Method::HEAD, "https://a.example/x", None)
        );
    }

    #[test]
    fn equivalent_urls_share_a_key() {
        assert_eq!(
            key(
                http::Method::GET,
                "HTTPS://A.EXAMPLE:443/%7Eu/%41?q=%2f#x",
                None
            ),
            key(http::Method::GET, "https://a.example/~u/A?q=%2F", None)
        );
    }

    #[test]
    fn different_bodies_get_different_keys() {
        let first = key(http::Method::POST, "https://a.example/search", Some("q=1"));
        let second = key(http::Method::POST, "https://a.example/search", Some("q=2"));
        assert_ne!(first, second);
        assert!(first.starts_with("POST https://a.example/search body-sha256="));
    }

    #[test]
    fn the_body_digest_is_lower_case_hex_sha256() {
        let digest: String = Sha256::digest(b"q=1")
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            key(
                http::Method::POST,
                "https://a.example/search#f",
                Some("q=1")
            ),
            format!("POST https://a.example/search body-sha256={digest}")
        );
    }

    #[test]
    fn a_truncated_percent_encoding_is_kept_as_it_is() {
        assert_eq!(normalise_percent_encoding("a%2"), "a%2");
        assert_eq!(normalise_percent_encoding("a%zz"), "a%zz");
        assert_eq!(normalise_percent_encoding("%"), "%");
    }
}
