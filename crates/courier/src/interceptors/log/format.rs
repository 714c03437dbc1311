//! Rendering of URLs, headers, bodies and errors for the log, with every secret redacted.
//!
//! Each function returns text that is safe to write: secrets are replaced by
//! [`REDACTED`] using the definitions in [`crate::redact`], and the caller's extra names
//! ([`Secrets`]).

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::Write as _;

use http::{HeaderMap, HeaderName, header};
use url::Url;

use super::scrub;
use crate::redact::{REDACTED, is_secret_header, redact_form, redact_json};

/// JSON bodies longer than this are shown as text rather than parsed and pretty-printed:
/// the log shows at most `max_body_bytes` of it anyway, and parsing megabytes for a few
/// lines of output would make logging the slow part of a call.
const PRETTY_JSON_LIMIT: usize = 1 << 20;

/// The caller's own secret names, on top of the built-in lists of [`crate::redact`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    /// Header names whose values are hidden.
    pub(crate) headers: Vec<String>,
    /// Query parameters and body fields whose values are hidden.
    pub(crate) fields: Vec<String>,
}

/// What a body is, from its `Content-Type`: it decides how the body is shown, and whether a
/// response body is worth reading into memory at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// `application/json` or `…+json`: pretty-printed, secret fields redacted.
    Json,
    /// `application/x-www-form-urlencoded`: secret fields redacted.
    Form,
    /// `multipart/…`: never shown (parts are files, or fields nobody listed as secret).
    Multipart,
    /// `text/event-stream`: a response that may never end, so it is never read.
    EventStream,
    /// Images, audio, video, fonts, archives, `application/octet-stream`, …
    Binary,
    /// Any other type, or none: shown as text when it decodes as UTF-8.
    Other,
}

impl Media {
    /// The media of a message with these headers.
    pub(crate) fn of(headers: &HeaderMap) -> Media {
        let Some(value) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        else {
            return Media::Other;
        };
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/').unwrap_or((&essence, ""));
        if subtype == "json" || subtype.ends_with("+json") {
            Media::Json
        } else if essence == "application/x-www-form-urlencoded" {
            Media::Form
        } else if kind == "multipart" {
            Media::Multipart
        } else if essence == "text/event-stream" {
            Media::EventStream
        } else if subtype.ends_with("+xml") || kind == "text" {
            Media::Other
        } else if matches!(kind, "image" | "audio" | "video" | "font")
            || matches!(
                subtype,
                "octet-stream"
                    | "zip"
                    | "gzip"
                    | "x-gzip"
                    | "x-tar"
                    | "x-7z-compressed"
                    | "pdf"
                    | "wasm"
                    | "protobuf"
                    | "x-protobuf"
                    | "grpc"
                    | "msgpack"
                    | "x-msgpack"
                    | "cbor"
            )
        {
            Media::Binary
        } else {
            Media::Other
        }
    }

    /// Whether a response body of this media may be read into memory to be shown: not a
    /// stream that may never end, and not bytes that would only be shown as a size.
    pub(crate) fn is_shown(self) -> bool {
        !matches!(self, Media::EventStream | Media::Binary | Media::Multipart)
    }
}

/// `url` as it may be shown: no password, and the values of secret query parameters and
/// fragment fields replaced by `REDACTED`. Names are matched like body fields
/// ([`crate::redact::is_secret_field`]), and the rest keeps its original encoding.
pub(crate) fn url(url: &Url, secrets: &Secrets) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _cannot_fail_on_http_urls = shown.set_password(None);
    }
    if let Some(Cow::Owned(query)) = url.query().map(|q| redact_form(q, &secrets.fields)) {
        shown.set_query(Some(&query));
    }
    if let Some(Cow::Owned(fragment)) = url.fragment().map(|f| redact_form(f, &secrets.fields)) {
        shown.set_fragment(Some(&fragment));
    }
    shown.into()
}

/// A URL found in text (a `Location` header, an error message), absolute or relative,
/// redacted like [`url()`]. Text that is not an absolute URL keeps its form; only its
/// query and fragment are redacted.
pub(crate) fn url_text<'a>(text: &'a str, secrets: &Secrets) -> Cow<'a, str> {
    if let Ok(parsed) = Url::parse(text) {
        let shown = url(&parsed, secrets);
        return if shown == parsed.as_str() && parsed.as_str() == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(shown)
        };
    }
    let (before_fragment, fragment) = match text.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (text, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };
    let query = query.map(|q| redact_form(q, &secrets.fields));
    let fragment = fragment.map(|f| redact_form(f, &secrets.fields));
    let changed = matches!(query, Some(Cow::Owned(_))) || matches!(fragment, Some(Cow::Owned(_)));
    if !changed {
        return Cow::Borrowed(text);
    }
    let mut shown = path.to_owned();
    if let Some(query) = query {
        shown.push('?');
        shown.push_str(&query);
    }
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(&fragment);
    }
    Cow::Owned(shown)
}

/// One `name: value` line per header value, in the map's order. Secret headers show
/// `REDACTED`; headers that carry a URL have its secrets redacted.
pub(crate) fn headers(headers: &HeaderMap, secrets: &Secrets) -> String {
    if headers.is_empty() {
        return "(none)".to_owned();
    }
    let mut shown = String::new();
    for (name, value) in headers {
        if !shown.is_empty() {
            shown.push('\n');
        }
        let value: Cow<'_, str> = if is_secret_header(name, &secrets.headers) {
            Cow::Borrowed(REDACTED)
        } else {
            match value.to_str() {
                Ok(text) if carries_url(name) => url_text(text, secrets),
                Ok(text) => Cow::Borrowed(text),
                Err(_) => Cow::Owned(format!("<{} bytes, not ASCII>", value.len())),
            }
        };
        let _infallible = write!(shown, "{name}: {value}");
    }
    shown
}

fn carries_url(name: &HeaderName) -> bool {
    name == header::LOCATION
        || name == header::CONTENT_LOCATION
        || name == header::REFERER
        || name == header::ORIGIN
}

/// A body as it may be shown, at most `max_bytes` long (plus a marker saying how many bytes
/// were cut):
///
/// - JSON pretty-printed (keys sorted, as `serde_json` keeps them), with secret fields
///   redacted at every depth;
/// - a form with secret fields redacted;
/// - other UTF-8 as text (JSON-looking text is treated as JSON);
/// - anything else, and multipart, as a size.
pub(crate) fn body(bytes: &[u8], media: Media, max_bytes: usize, secrets: &Secrets) -> String {
    if bytes.is_empty() {
        return "<empty>".to_owned();
    }
    match media {
        Media::Multipart => return format!("<{} bytes multipart>", bytes.len()),
        Media::Binary => return binary(bytes.len()),
        Media::Json | Media::Form | Media::EventStream | Media::Other => {}
    }
    let looks_like_json = media == Media::Json
        || (media == Media::Other && matches!(bytes.trim_ascii_start().first(), Some(b'{' | b'[')));
    if looks_like_json && let Some(pretty) = pretty_json(bytes, secrets) {
        return truncate(pretty, max_bytes);
    }
    // Not JSON, or JSON that is invalid or too large to parse: shown as text (a lexer
    // redacts what looks like JSON).
    let Some((text, cut)) = text_prefix(bytes, max_bytes) else {
        return binary(bytes.len());
    };
    let text = if media == Media::Form {
        redact_form(text, &secrets.fields)
    } else if looks_like_json {
        scrub::json_text(text, secrets)
    } else {
        Cow::Borrowed(text)
    };
    let mut shown = escape_controls(&text);
    push_cut_marker(&mut shown, cut);
    shown
}

/// The size of a body that is not shown.
pub(crate) fn binary(len: usize) -> String {
    format!("<{len} bytes binary>")
}

fn pretty_json(bytes: &[u8], secrets: &Secrets) -> Option<String> {
    if bytes.len() > PRETTY_JSON_LIMIT {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    redact_json(&mut value, &secrets.fields);
    serde_json::to_string_pretty(&value).ok()
}

/// The longest UTF-8 prefix of `bytes` within `max_bytes`, and how many bytes follow it;
/// `None` when the bytes are not text (invalid UTF-8, or a NUL byte).
fn text_prefix(bytes: &[u8], max_bytes: usize) -> Option<(&str, usize)> {
    let limit = bytes.len().min(max_bytes);
    let text = match std::str::from_utf8(&bytes[..limit]) {
        Ok(text) => text,
        // The cut fell inside a character: keep the characters before it.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&bytes[..error.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    if text.contains('\0') {
        return None;
    }
    Some((text, bytes.len() - text.len()))
}

/// `text` cut to at most `max_bytes` (on a character boundary), with the marker.
fn truncate(mut text: String, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return escape_controls(&text);
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text.len() - end;
    text.truncate(end);
    let mut shown = escape_controls(&text);
    push_cut_marker(&mut shown, cut);
    shown
}

fn push_cut_marker(shown: &mut String, cut: usize) {
    if cut > 0 {
        let _infallible = write!(shown, "… [{cut} more bytes truncated]");
    }
}

/// Escapes control characters other than newline and tab, so that a body cannot rewrite
/// the terminal or forge the start of another log line with a carriage return.
fn escape_controls(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// An error and its causes, `: `-separated, with every URL in them redacted. Errors keep the
/// URL they are about (and reqwest's errors print theirs): `request_url`, the URL as sent,
/// is replaced wherever it appears, then any other URL is redacted where found.
pub(crate) fn error(
    error: &(dyn StdError + 'static),
    request_url: &Url,
    secrets: &Secrets,
) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _infallible = write!(text, ": {cause}");
        source = cause.source();
    }
    let shown_url = url(request_url, secrets);
    let text = text.replace(request_url.as_str(), &shown_url);
    scrub::urls_in_text(&text, secrets).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets {
            headers: vec!["x-session".into()],
            fields: vec!["session".into()],
        }
    }

    fn media(content_type: &str) -> Media {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        Media::of(&headers)
    }

    #[test]
    fn media_follows_the_content_type() {
        assert_eq!(media("application/json; charset=utf-8"), Media::Json);
        assert_eq!(media("application/problem+json"), Media::Json);
        assert_eq!(media("Application/X-WWW-Form-Urlencoded"), Media::Form);
        assert_eq!(media("multipart/form-data; boundary=x"), Media::Multipart);
        assert_eq!(media("text/event-stream"), Media::EventStream);
        assert_eq!(media("image/png"), Media::Binary);
        assert_eq!(media("image/svg+xml"), Media::Other);
        assert_eq!(media("application/octet-stream"), Media::Binary);
        assert_eq!(media("text/html"), Media::Other);
        assert_eq!(Media::of(&HeaderMap::new()), Media::Other);
    }

    #[test]
    fn url_redacts_query_fragment_and_password() {
        let raw =
            Url::parse("https://u:pw@a.example/p?accessToken=s1&page=2&session=s2#id_token=s3")
                .unwrap();
        assert_eq!(
            url(&raw, &secrets()),
            "https://u@a.example/p?accessToken=REDACTED&page=2&session=REDACTED#id_token=REDACTED"
        );
    }

    #[test]
    fn relative_urls_in_text_are_redacted() {
        assert_eq!(
            url_text("/callback?code=s1&state=x", &secrets()),
            "/callback?code=REDACTED&state=x"
        );
        assert!(matches!(
            url_text("/plain?a=b", &secrets()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn secret_headers_show_their_name_only() {
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, "Bearer s1".parse().unwrap());
        map.insert("x-session", "s2".parse().unwrap());
        map.insert(
            header::LOCATION,
            "https://a.example/?token=s3".parse().unwrap(),
        );
        map.insert(header::ACCEPT, "*/*".parse().unwrap());
        let shown = headers(&map, &secrets());
        assert_eq!(
            shown,
            "authorization: REDACTED\nx-session: REDACTED\nlocation: https://a.example/?token=REDACTED\naccept: */*"
        );
    }

    #[test]
    fn json_is_pretty_redacted_and_truncated() {
        let shown = body(
            br#"{"refresh_token":"s1","a":1}"#,
            Media::Json,
            4096,
            &secrets(),
        );
        // serde_json's map sorts the keys.
        assert_eq!(
            shown,
            "{\n  \"a\": 1,\n  \"refresh_token\": \"REDACTED\"\n}"
        );
        let shown = body(br#"{"a":"0123456789"}"#, Media::Json, 10, &secrets());
        assert_eq!(shown, "{\n  \"a\": \"… [13 more bytes truncated]");
    }

    #[test]
    fn invalid_json_is_text_with_secrets_redacted() {
        let shown = body(
            br#"{"password": "s1", "a": tru"#,
            Media::Json,
            4096,
            &secrets(),
        );
        assert_eq!(shown, r#"{"password": "REDACTED", "a": tru"#);
    }

    #[test]
    fn json_looking_text_is_pretty_printed() {
        let shown = body(br#" {"session":"s1"}"#, Media::Other, 4096, &secrets());
        assert_eq!(shown, "{\n  \"session\": \"REDACTED\"\n}");
    }

    #[test]
    fn forms_are_redacted_after_truncation() {
        let shown = body(b"a=1&password=hunter2", Media::Form, 16, &secrets());
        assert_eq!(shown, "a=1&password=REDACTED… [4 more bytes truncated]");
    }

    #[test]
    fn text_binary_and_empty_bodies() {
        assert_eq!(body(b"", Media::Other, 10, &secrets()), "<empty>");
        assert_eq!(
            body(b"\xff\xfe\x00", Media::Other, 10, &secrets()),
            "<3 bytes binary>"
        );
        assert_eq!(
            body(b"abc", Media::Binary, 10, &secrets()),
            "<3 bytes binary>"
        );
        assert_eq!(body(b"a\rb", Media::Other, 10, &secrets()), "a\\rb");
        // "é" is two bytes: a cut inside it keeps the character before.
        assert_eq!(
            body("aé".as_bytes(), Media::Other, 2, &secrets()),
            "a… [2 more bytes truncated]"
        );
    }

    #[test]
    fn errors_show_redacted_urls() {
        let raw = Url::parse("http://127.0.0.1:1/x?access_token=s1&session=s2&page=2").unwrap();
        let cause = std::io::Error::other(format!("error sending request for url ({raw})"));
        let shown = error(&cause, &raw, &secrets());
        assert_eq!(
            shown,
            "error sending request for url (http://127.0.0.1:1/x?access_token=REDACTED&session=REDACTED&page=2)"
        );
    }
}
