//! What counts as a secret, in one place: used by errors (their URL) and by the log interceptor.
//!
//! Headers: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and API-key style
//! headers (`X-Api-Key`, `Api-Key`, `X-Auth-Token`, …). Query parameters: `token`,
//! `access_token`, `refresh_token`, `id_token`, `api_key`, `apikey`, `key`, `password`,
//! `secret`, `client_secret`, `code`, `signature`, `sig`, plus a caller's own list.

use std::borrow::Cow;

use http::HeaderName;
use url::Url;

/// What replaces a secret value.
pub const REDACTED: &str = "REDACTED";

const SECRET_QUERY_PARAMETERS: &[&str] = &[
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "password",
    "passwd",
    "secret",
    "client_secret",
    "code",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-goog-signature",
];

/// Whether a query parameter's value must not be shown (matched case-insensitively, on the
/// built-in list and on `extra`).
///
/// ```
/// assert!(courier::redact::is_secret_query_parameter("Access_Token", &[]));
/// assert!(courier::redact::is_secret_query_parameter("session", &["session".into()]));
/// assert!(!courier::redact::is_secret_query_parameter("page", &[]));
/// ```
pub fn is_secret_query_parameter(name: &str, extra: &[String]) -> bool {
    SECRET_QUERY_PARAMETERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
        || extra.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

/// Whether a header's value must not be shown: credentials, cookies and API keys (and the
/// names in `extra`, case-insensitively).
///
/// ```
/// use http::header::{AUTHORIZATION, ACCEPT};
/// assert!(courier::redact::is_secret_header(&AUTHORIZATION, &[]));
/// assert!(courier::redact::is_secret_header(&http::HeaderName::from_static("x-api-key"), &[]));
/// assert!(!courier::redact::is_secret_header(&ACCEPT, &[]));
/// ```
pub fn is_secret_header(name: &HeaderName, extra: &[String]) -> bool {
    use http::header;
    if name == header::AUTHORIZATION
        || name == header::PROXY_AUTHORIZATION
        || name == header::COOKIE
        || name == header::SET_COOKIE
    {
        return true;
    }
    let name = name.as_str();
    // API-key style headers: X-Api-Key, Api-Key, X-Auth-Token, X-Access-Token, X-Csrf-Token, …
    let lowered_contains = |needle: &str| name.contains(needle);
    lowered_contains("api-key")
        || lowered_contains("apikey")
        || lowered_contains("token")
        || lowered_contains("secret")
        || lowered_contains("password")
        || name == "x-amz-security-token"
        || extra.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

/// A copy of `url` that is safe to show: the password is removed and the values of secret
/// query parameters are replaced by `REDACTED`.
///
/// ```
/// let url = url::Url::parse("https://me:pw@api.example/x?token=abc&page=2")?;
/// let shown = courier::redact::redact_url(&url);
/// assert_eq!(shown.as_str(), "https://me@api.example/x?token=REDACTED&page=2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn redact_url(url: &Url) -> Url {
    redact_url_with(url, &[])
}

/// [`redact_url`] with extra secret query parameter names.
///
/// ```
/// let url = url::Url::parse("https://api.example/x?session=abc")?;
/// let shown = courier::redact::redact_url_with(&url, &["session".to_string()]);
/// assert_eq!(shown.query(), Some("session=REDACTED"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn redact_url_with(url: &Url, extra: &[String]) -> Url {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _cannot_fail_on_http_urls = shown.set_password(None);
    }
    let has_secret = url
        .query_pairs()
        .any(|(name, _)| is_secret_query_parameter(&name, extra));
    if has_secret {
        let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = url
            .query_pairs()
            .map(|(name, value)| {
                if is_secret_query_parameter(&name, extra) {
                    (name, Cow::Borrowed(REDACTED))
                } else {
                    (name, value)
                }
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_query_parameter_is_redacted() {
        for name in [
            "token",
            "access_token",
            "refresh_token",
            "api_key",
            "key",
            "password",
            "secret",
            "code",
            "signature",
        ] {
            let url = Url::parse(&format!("https://a.example/?{name}=hunter2&q=1")).unwrap();
            let shown = redact_url(&url);
            assert!(
                !shown.as_str().contains("hunter2"),
                "{name} leaked: {shown}"
            );
            assert!(shown.as_str().contains("q=1"));
        }
    }

    proptest::proptest! {
        #[test]
        fn secret_values_never_survive_redaction(
            name in proptest::sample::select(SECRET_QUERY_PARAMETERS),
            value in "[A-Za-z0-9]{12,24}",
            other in "[a-z]{1,8}",
        ) {
            let url = Url::parse(&format!("https://a.example/p?{other}=1&{name}={value}")).unwrap();
            let shown = redact_url(&url);
            proptest::prop_assert!(!shown.as_str().contains(&value));
        }
    }

    #[test]
    fn url_without_secrets_is_unchanged() {
        let url = Url::parse("https://a.example/p?q=a%20b&x=%2F").unwrap();
        assert_eq!(redact_url(&url), url);
    }
}
