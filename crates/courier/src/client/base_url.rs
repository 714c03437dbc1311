//! How a request's URL joins the client's base URL.
//!
//! courier appends: the path given to `get("…")` always goes *under* the base URL's path,
//! whether either side has a slash at the joint. Only an absolute URL (with a scheme) bypasses
//! the base. This is what most people expect from a base URL; RFC 3986 resolution (Dio's and
//! Retrofit's) instead drops the base's last segment when it lacks a trailing slash and
//! drops its whole path when the relative path starts with `/`, a frequent source of bugs.
//!
//! | base URL | path | result |
//! |---|---|---|
//! | `https://api.example/v1` | `users` | `https://api.example/v1/users` |
//! | `https://api.example/v1/` | `users` | `https://api.example/v1/users` |
//! | `https://api.example/v1` | `/users` | `https://api.example/v1/users` |
//! | `https://api.example/v1/` | `/users` | `https://api.example/v1/users` |
//! | `https://api.example` | `users/7?full=1` | `https://api.example/users/7?full=1` |
//! | `https://api.example/v1` | `` (empty) | `https://api.example/v1` |
//! | `https://api.example/v1` | `https://cdn.example/a.png` | `https://cdn.example/a.png` |

use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::redact::redact_invalid_url;

/// Joins `path` to `base` as the module docs describe, or parses `path` when there is no base.
pub(crate) fn join(base: Option<&Url>, path: &str) -> Result<Url> {
    if has_scheme(path) {
        return parse(path);
    }
    let Some(base) = base else {
        return parse(path).map_err(|error| {
            error.with_message(format!(
                "`{}` is not an absolute URL and the client has no base URL",
                redact_invalid_url(path)
            ))
        });
    };
    let (path_part, rest) = split_path(path);
    let mut joined = String::with_capacity(base.as_str().len() + path.len() + 1);
    // The base without its query and fragment (a base URL with a query is rejected by the
    // builder, so this is the whole base).
    joined.push_str(base.as_str().trim_end_matches('/'));
    let relative = path_part.trim_start_matches('/');
    if !relative.is_empty() {
        joined.push('/');
        joined.push_str(relative);
    } else if path_part.ends_with('/') && !path_part.is_empty() {
        joined.push('/');
    }
    joined.push_str(rest);
    parse(&joined)
}

/// Whether `text` starts with an RFC 3986 scheme followed by `:`.
///
/// One pass over the bytes up to the first colon: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`
/// then `:`. `users/a:b` is a path, not a scheme: a slash (like any other character outside
/// the scheme's) before the colon ends the scan.
fn has_scheme(text: &str) -> bool {
    let mut bytes = text.bytes();
    if !matches!(bytes.next(), Some(first) if first.is_ascii_alphabetic()) {
        return false;
    }
    for byte in bytes {
        match byte {
            b':' => return true,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'+' | b'-' | b'.' => {}
            _ => return false,
        }
    }
    false
}

/// Splits off the query and fragment.
fn split_path(path: &str) -> (&str, &str) {
    match path.find(['?', '#']) {
        Some(index) => path.split_at(index),
        None => (path, ""),
    }
}

/// Parses `text`; an error shows it without its password, query and fragment (see
/// [`redact_invalid_url`]): it may hold secrets, and errors get logged.
fn parse(text: &str) -> Result<Url> {
    Url::parse(text).map_err(|error| {
        Error::with_source(ErrorKind::InvalidRequest, error)
            .with_message(format!("invalid URL `{}`", redact_invalid_url(text)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(base: &str, path: &str) -> String {
        let base = Url::parse(base).unwrap();
        join(Some(&base), path).unwrap().to_string()
    }

    #[test]
    fn a_scheme_is_alpha_then_alphanumerics_or_plus_minus_dot_then_a_colon() {
        for text in [
            "http://a.example/",
            "h:",
            "a+b.c-d9:x",
            "mailto:a@b",
            "HTTPS://A",
        ] {
            assert!(has_scheme(text), "{text}");
        }
        for text in [
            "",
            "abc",
            ":x",
            "1http://a",
            "users/a:b",
            "a b:c",
            "é:x",
            "a_b:c",
            "/a:b",
        ] {
            assert!(!has_scheme(text), "{text}");
        }
    }

    #[test]
    fn relative_paths_append_under_the_base_path() {
        let table = [
            (
                "https://api.example/v1",
                "users",
                "https://api.example/v1/users",
            ),
            (
                "https://api.example/v1/",
                "users",
                "https://api.example/v1/users",
            ),
            (
                "https://api.example/v1",
                "/users",
                "https://api.example/v1/users",
            ),
            (
                "https://api.example/v1/",
                "/users",
                "https://api.example/v1/users",
            ),
            (
                "https://api.example/v1//",
                "//users",
                "https://api.example/v1/users",
            ),
            (
                "https://api.example",
                "users/7?full=1",
                "https://api.example/users/7?full=1",
            ),
            ("https://api.example/", "/", "https://api.example/"),
            ("https://api.example/v1", "", "https://api.example/v1"),
            (
                "https://api.example/v1",
                "users/",
                "https://api.example/v1/users/",
            ),
            (
                "https://api.example/v1",
                "?page=2",
                "https://api.example/v1?page=2",
            ),
            (
                "https://api.example/v1",
                "a#frag",
                "https://api.example/v1/a#frag",
            ),
            (
                "https://api.example/v1",
                "a b",
                "https://api.example/v1/a%20b",
            ),
            (
                "https://api.example/v1",
                "users/a:b",
                "https://api.example/v1/users/a:b",
            ),
        ];
        for (base, path, expected) in table {
            assert_eq!(joined(base, path), expected, "{base} + {path}");
        }
    }

    #[test]
    fn absolute_urls_bypass_the_base() {
        assert_eq!(
            joined("https://api.example/v1", "https://cdn.example/a.png"),
            "https://cdn.example/a.png"
        );
        assert_eq!(
            joined("https://api.example/v1", "http://x.example"),
            "http://x.example/"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_input_joins_or_fails_cleanly(base in "https://[a-z]{1,8}\\.example(/[a-z0-9]{0,5}){0,3}/?", path in "\\PC{0,40}") {
            let base = Url::parse(&base).unwrap();
            let _either_way = join(Some(&base), &path);
        }

        #[test]
        fn relative_paths_stay_under_the_base_path(
            base in "https://api\\.example(/[a-z0-9]{1,5}){0,3}/?",
            slashes in "/{0,2}",
            relative in "[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,3}",
        ) {
            let base_url = Url::parse(&base).unwrap();
            let joined = join(Some(&base_url), &format!("{slashes}{relative}")).unwrap();
            let expected = format!("{}/{}", base.trim_end_matches('/'), relative);
            proptest::prop_assert_eq!(joined.as_str(), expected);
        }
    }

    #[test]
    fn without_a_base_a_relative_path_is_an_invalid_request() {
        let error = join(None, "/users").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert!(error.to_string().contains("no base URL"));
    }

    #[test]
    fn invalid_urls_show_no_secrets() {
        let base = Url::parse("https://api.example/v1").unwrap();
        for (base, text, shown) in [
            (
                None,
                "https://ada:s3cr3t@exa mple.com/me?token=s3cr3t&page=2",
                "invalid URL `https://ada:REDACTED@exa mple.com/me?…`",
            ),
            (
                Some(&base),
                "http://[::1/x?api_key=s3cr3t",
                "invalid URL `http://[::1/x?…`",
            ),
            (
                None,
                "/me?access_token=s3cr3t",
                "`/me?…` is not an absolute URL and the client has no base URL",
            ),
        ] {
            let error = join(base, text).unwrap_err();
            assert!(error.to_string().contains(shown), "{error}");
            assert!(!error.to_string().contains("s3cr3t"), "{error}");
            assert!(!format!("{error:?}").contains("s3cr3t"), "{error:?}");
        }
    }
}
