//! What counts as a secret, in one place: used by errors (their URL) and by the log interceptor.
//!
//! Headers: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and API-key style
//! headers (`X-Api-Key`, `Api-Key`, `X-Auth-Token`, …). Query parameters: `token`,
//! `access_token`, `refresh_token`, `id_token`, `api_key`, `apikey`, `key`, `password`,
//! `secret`, `client_secret`, `code`, `signature`, `sig`, plus a caller's own list, in the
//! query and in a fragment of `name=value` pairs.
//!
//! Text meant as a URL that does not parse (in an error message) keeps only its scheme,
//! host and path: its password is replaced and everything from its query on is left out.
//!
//! Body fields (form fields and JSON object keys, see [`is_secret_field`]) are matched more
//! broadly: the query parameter names compared ignoring case and punctuation (so
//! `refreshToken` matches `refresh_token`), and any name that contains `token`, `secret`,
//! `password`, `passwd`, `apikey`, `signature`, `credential`, `privatekey`, `authorization`
//! or `cookie`. A body is free-form and a missed secret costs more than a hidden
//! `token_type`.

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

/// Fragments that make a body field secret wherever they appear in its normalised name
/// (lower case, letters and digits only).
const SECRET_FIELD_FRAGMENTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "signature",
    "credential",
    "privatekey",
    "authorization",
    "cookie",
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

/// Whether `name` holds a credential (by [`is_secret_header`]) that a redirect to another
/// origin would keep: everything but the headers reqwest removes itself (`Authorization`,
/// `Cookie`, `Proxy-Authorization`). Such headers are marked
/// [sensitive](crate::RequestOptions::sensitive_headers) when given to the builders.
pub(crate) fn is_credential_kept_on_redirect(name: &HeaderName) -> bool {
    use http::header;
    name != header::AUTHORIZATION
        && name != header::PROXY_AUTHORIZATION
        && name != header::COOKIE
        && is_secret_header(name, &[])
}

/// A copy of `url` that is safe to show: the password is removed and the values of secret
/// query parameters are replaced by `REDACTED`, in the query and in a fragment of
/// `name=value` pairs (where OAuth's implicit flow puts `access_token`, also after a
/// single-page app's route: `#/callback?access_token=…`). A URL of a scheme other than
/// `http`, `https`, `ws` and `wss` (`mailto:…`, or `user:password@host` typed without `//`)
/// shows its scheme only.
///
/// ```
/// let url = url::Url::parse("https://me:pw@api.example/x?token=abc&page=2")?;
/// let shown = courier::redact::redact_url(&url);
/// assert_eq!(shown.as_str(), "https://me@api.example/x?token=REDACTED&page=2");
///
/// let callback = url::Url::parse("https://app.example/cb#access_token=abc&state=x")?;
/// let shown = courier::redact::redact_url(&callback);
/// assert_eq!(shown.fragment(), Some("access_token=REDACTED&state=x"));
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
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https" | "ws" | "wss") {
        // Not a web URL, whose parts could be told apart (`admin:pw@host` parses as the
        // scheme `admin` and an opaque rest, `admin:/pw@host` as a path): the scheme is all
        // that is safe to show.
        if let Ok(scheme_only) = Url::parse(&format!("{}:{REDACTED}", url.scheme())) {
            return scheme_only;
        }
    }
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
    if let Some(fragment) = url.fragment() {
        // `#a=1&b=2`, or a single-page app's route with its own query: `#/callback?a=1`.
        let (route, pairs) = match fragment.split_once('?') {
            Some((route, pairs)) => (Some(route), pairs),
            None => (None, fragment),
        };
        if let Cow::Owned(pairs) =
            redact_pairs(pairs, |name| is_secret_query_parameter(name, extra))
        {
            let fragment = match route {
                Some(route) => format!("{route}?{pairs}"),
                None => pairs,
            };
            shown.set_fragment(Some(&fragment));
        }
    }
    shown
}

/// Text that was meant as a URL but does not parse, in a form safe to put in an error
/// message: no parser can say which parts hold secrets, so the rules are cautious.
///
/// - A password is replaced by `REDACTED`. The scheme is the leading `name:` followed by
///   slashes (`/` or `\\`, however many: URL parsers accept `https:/` too); without one the
///   text is read from its start, so `ada:s3cr3t@host` hides `s3cr3t`. The userinfo is what
///   comes before the `@` of the authority (the text up to the first `/`, `\\`, `?` or
///   `#`). When it holds a `:` (a password), or the authority has no `@` but a `:` that does
///   not start a port (digits only), the text before the *last* `@` anywhere is the
///   userinfo instead, since a password holding `/`, `@`, `?` or `#` is a common reason for
///   a URL not to parse.
/// - Everything from the first `?`, `#`, `&`, `;` or `=` after the userinfo is left out and
///   replaced by `…`: that is where parameters start, whatever their names (the caller's own
///   secret names are not known here). A URL fails to parse because of its scheme, host or
///   port, which are kept, so the message still shows what is wrong.
pub(crate) fn redact_invalid_url(text: &str) -> String {
    let (scheme, rest) = text.split_at(scheme_len(text));
    let mut shown = String::with_capacity(text.len());
    shown.push_str(scheme);
    let mut rest = rest;
    if let Some(userinfo_end) = userinfo_end(rest) {
        let userinfo = &rest[..userinfo_end];
        match userinfo.split_once(':') {
            Some((user, _password)) => {
                shown.push_str(user);
                shown.push(':');
                shown.push_str(REDACTED);
            }
            None => shown.push_str(userinfo),
        }
        shown.push('@');
        rest = &rest[userinfo_end + 1..];
    }
    match rest.find(['?', '#', '&', ';', '=']) {
        Some(index) => {
            // The delimiter stays: it says what was left out (a query, a fragment, …).
            shown.push_str(&rest[..=index]);
            shown.push('…');
        }
        None => shown.push_str(rest),
    }
    shown
}

/// The length of the scheme at the start of `text` with its `:` and the slashes after it
/// (`https://`, `https:/`, `https:\\`); 0 when `text` does not start with a scheme
/// followed by at least one slash.
fn scheme_len(text: &str) -> usize {
    let name_len = text
        .bytes()
        .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
        .count();
    let starts_with_letter = text
        .bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_alphabetic());
    if !starts_with_letter || text.as_bytes().get(name_len) != Some(&b':') {
        return 0;
    }
    let slashes = text[name_len + 1..]
        .bytes()
        .take_while(|byte| matches!(byte, b'/' | b'\\'))
        .count();
    if slashes == 0 {
        0
    } else {
        name_len + 1 + slashes
    }
}

/// Where the userinfo of `rest` (the text after the scheme) ends: the index of its `@`, if
/// it has one (see [`redact_invalid_url`]).
fn userinfo_end(rest: &str) -> Option<usize> {
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    if let Some(at) = authority.rfind('@') {
        // A password may hold further `@` (and `/`): take the last one.
        return if authority[..at].contains(':') {
            rest.rfind('@')
        } else {
            Some(at)
        };
    }
    let (_, after_colon) = authority.split_once(':')?;
    let is_port = after_colon.bytes().all(|byte| byte.is_ascii_digit());
    if is_port { None } else { rest.rfind('@') }
}

/// Whether a body field (a form field or a JSON object key) holds a secret.
///
/// Names are normalised first (lower case, letters and digits only), so `refreshToken`,
/// `Refresh-Token` and `refresh_token` are the same name. A field is secret when its name
/// is a secret query parameter (see [`is_secret_query_parameter`]) or one of `extra`, or when
/// it contains `token`, `secret`, `password`, `passwd`, `apikey`, `signature`, `credential`,
/// `privatekey`, `authorization` or `cookie`.
///
/// ```
/// use courier::redact::is_secret_field;
/// assert!(is_secret_field("refreshToken", &[]));
/// assert!(is_secret_field("new_password", &[]));
/// assert!(is_secret_field("code", &[]));
/// assert!(is_secret_field("otp", &["OTP".to_string()]));
/// assert!(!is_secret_field("page", &[]));
/// ```
pub fn is_secret_field(name: &str, extra: &[String]) -> bool {
    let name = normalise_field(name);
    if name.is_empty() {
        return false;
    }
    SECRET_QUERY_PARAMETERS
        .iter()
        .any(|secret| normalise_field(secret) == name)
        || SECRET_FIELD_FRAGMENTS
            .iter()
            .any(|fragment| name.contains(fragment))
        || extra.iter().any(|secret| normalise_field(secret) == name)
}

fn normalise_field(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A copy of a form body or query string (`a=1&b=2`, `application/x-www-form-urlencoded`)
/// whose secret fields ([`is_secret_field`]) have their value replaced by `REDACTED`.
///
/// Everything else is kept byte for byte, percent-encoding included; names are decoded
/// before they are compared, so `refresh%5Ftoken` is caught too. A pair without `=` has no
/// value to hide and is kept.
///
/// ```
/// use courier::redact::redact_form;
/// let shown = redact_form("grant_type=refresh_token&refresh_token=abc%2Fdef", &[]);
/// assert_eq!(shown, "grant_type=refresh_token&refresh_token=REDACTED");
/// assert_eq!(redact_form("page=2&q=a+b", &[]), "page=2&q=a+b");
/// ```
pub fn redact_form<'a>(form: &'a str, extra: &[String]) -> Cow<'a, str> {
    redact_pairs(form, |name| is_secret_field(name, extra))
}

/// `name=value` pairs separated by `&`, with the value of each pair whose decoded name
/// `is_secret` replaced by `REDACTED`; everything else kept byte for byte.
fn redact_pairs(form: &str, is_secret: impl Fn(&str) -> bool) -> Cow<'_, str> {
    let is_secret_pair = |pair: &str| match pair.split_once('=') {
        Some((name, _)) => {
            let name = url::form_urlencoded::parse(name.as_bytes())
                .next()
                .map(|(name, _)| name)
                .unwrap_or_default();
            is_secret(&name)
        }
        None => false,
    };
    if !form.split('&').any(is_secret_pair) {
        return Cow::Borrowed(form);
    }
    let pairs: Vec<Cow<'_, str>> = form
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_pair(pair) => Cow::Owned(format!("{name}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// Replaces, at every depth, the value of each secret object field ([`is_secret_field`])
/// by the string `REDACTED`. `null` values are kept: "no token" is not a secret and often
/// the point of the log.
///
/// ```
/// use courier::redact::redact_json;
/// let mut body = serde_json::json!({
///     "access_token": "abc",
///     "user": { "name": "Ada", "password": "hunter2" },
///     "expires_in": 3600,
/// });
/// redact_json(&mut body, &[]);
/// assert_eq!(body, serde_json::json!({
///     "access_token": "REDACTED",
///     "user": { "name": "Ada", "password": "REDACTED" },
///     "expires_in": 3600,
/// }));
/// ```
pub fn redact_json(value: &mut serde_json::Value, extra: &[String]) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if !is_secret_field(name, extra) {
                    redact_json(field, extra);
                } else if !field.is_null() {
                    *field = serde_json::Value::String(REDACTED.to_owned());
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                redact_json(item, extra);
            }
        }
        _ => {}
    }
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
    fn an_opaque_url_shows_its_scheme_only() {
        // A base-relative `user:password@host` typed without `//` parses this way.
        let url = Url::parse("admin:pw@api.example/x").unwrap();
        assert_eq!(redact_url(&url).as_str(), "admin:REDACTED");
        let mail = Url::parse("mailto:someone@example.com?subject=token").unwrap();
        assert_eq!(redact_url(&mail).as_str(), "mailto:REDACTED");
        let one_slash = Url::parse("admin:/pw@api.example/x").unwrap();
        assert_eq!(redact_url(&one_slash).as_str(), "admin:REDACTED");
    }

    #[test]
    fn secret_fragment_fields_are_redacted() {
        let url = Url::parse("https://u:pw@a.example/cb?page=2#ACCESS_TOKEN=s1&state=x").unwrap();
        assert_eq!(
            redact_url(&url).as_str(),
            "https://u@a.example/cb?page=2#ACCESS_TOKEN=REDACTED&state=x"
        );
        let route = Url::parse("https://app.example/#/callback?access_token=s1&state=x").unwrap();
        assert_eq!(
            redact_url(&route).fragment(),
            Some("/callback?access_token=REDACTED&state=x")
        );
        let anchor = Url::parse("https://a.example/doc#section-2").unwrap();
        assert_eq!(redact_url(&anchor), anchor);
    }

    #[test]
    fn invalid_urls_keep_scheme_host_and_path_only() {
        let table = [
            // The query, wherever a secret may sit, is left out.
            (
                "https://exa mple.com/v1/users?token=s1&page=2",
                "https://exa mple.com/v1/users?…",
            ),
            ("http://[::1/x#access_token=s1", "http://[::1/x#…"),
            ("/users/7?api_key=s1", "/users/7?…"),
            (
                "https://a.example:99999/a&token=s1",
                "https://a.example:99999/a&…",
            ),
            ("https://a b/p;session=s1", "https://a b/p;…"),
            // A password, in the authority or holding the characters that end one.
            (
                "https://ada:s1@exa mple.com/",
                "https://ada:REDACTED@exa mple.com/",
            ),
            (
                "https://ada:s1/x@a.example/",
                "https://ada:REDACTED@a.example/",
            ),
            (
                "https://ada:s1#x?y@a.example/?q=1",
                "https://ada:REDACTED@a.example/?…",
            ),
            (
                "https://ada:s1=x@a.example:x/",
                "https://ada:REDACTED@a.example:x/",
            ),
            ("https://ada@exa mple.com/", "https://ada@exa mple.com/"),
            // A password holding `@` and `/`; schemes with one slash or a backslash; none.
            (
                "https://ada:p@s s/w0rd@exa mple.com/",
                "https://ada:REDACTED@exa mple.com/",
            ),
            (
                "https:/ada:s3cr3t@exa mple.com/",
                "https:/ada:REDACTED@exa mple.com/",
            ),
            (
                "https:\\\\ada:s3cr3t@exa mple.com/",
                "https:\\\\ada:REDACTED@exa mple.com/",
            ),
            (
                "https:ada:s3cr3t@exa mple.com/",
                "https:REDACTED@exa mple.com/",
            ),
            // A port is not a password; an `@` in the path is not userinfo.
            ("https://a.example:80a/x", "https://a.example:80a/x"),
            (
                "https://exa mple.com:8080/@me",
                "https://exa mple.com:8080/@me",
            ),
        ];
        for (text, expected) in table {
            assert!(Url::parse(text).is_err(), "{text} parses");
            assert_eq!(redact_invalid_url(text), expected, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn secrets_never_survive_in_invalid_urls(
            password in "[A-Za-z0-9/?#=&@]{0,6}S3CR3T[A-Za-z0-9/?#=&@]{0,6}",
            name in "[a-z_]{1,12}",
            value in "[A-Za-z0-9]{0,4}S3CR3T[A-Za-z0-9]{0,4}",
        ) {
            for text in [
                format!("https://ada:{password}@exa mple.com/p"),
                format!("https:/ada:{password}@exa mple.com/p"),
                format!("https:ada:{password}@exa mple.com/p"),
                format!("ada:{password}@exa mple.com/p"),
                format!("https://exa mple.com/p?{name}={value}"),
                format!("https://exa mple.com/p#{name}={value}"),
                format!("/p?page=2&{name}={value}"),
            ] {
                if Url::parse(&text).is_ok() {
                    // `ada:1/S3CR3T@…` is host `ada`, port 1: a URL, not this function's.
                    continue;
                }
                if text.starts_with("ada:/") || text.starts_with("ada:\\") {
                    // `ada://S3CR3T@…` reads as the scheme `ada` and the user `S3CR3T`.
                    continue;
                }
                let shown = redact_invalid_url(&text);
                proptest::prop_assert!(!shown.contains("S3CR3T"), "{} shown as {}", text, shown);
            }
        }
    }

    #[test]
    fn url_without_secrets_is_unchanged() {
        let url = Url::parse("https://a.example/p?q=a%20b&x=%2F").unwrap();
        assert_eq!(redact_url(&url), url);
    }

    #[test]
    fn every_query_parameter_is_also_a_secret_field() {
        for name in SECRET_QUERY_PARAMETERS {
            assert!(is_secret_field(name, &[]), "{name}");
            assert!(is_secret_field(&name.to_uppercase(), &[]), "{name}");
        }
    }

    #[test]
    fn camel_case_and_fragments_are_secret_fields() {
        for name in [
            "accessToken",
            "client-secret",
            "X-Api-Key",
            "currentPassword",
            "id",
        ] {
            assert_eq!(is_secret_field(name, &[]), name != "id", "{name}");
        }
        assert!(is_secret_field("session_id", &["sessionId".to_string()]));
    }

    #[test]
    fn form_redaction_decodes_names_and_keeps_the_rest() {
        let form = "a=1&refresh%5Ftoken=s%26cret&password&b=x%20y&PASSWORD=p";
        assert_eq!(
            redact_form(form, &[]),
            "a=1&refresh%5Ftoken=REDACTED&password&b=x%20y&PASSWORD=REDACTED"
        );
        assert!(matches!(redact_form("a=1&b=2", &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn json_redaction_reaches_arrays_and_keeps_null() {
        let mut body = serde_json::json!([{ "token": { "value": "t" }, "key": null }, "key"]);
        redact_json(&mut body, &[]);
        assert_eq!(
            body,
            serde_json::json!([{ "token": "REDACTED", "key": null }, "key"])
        );
    }
}
