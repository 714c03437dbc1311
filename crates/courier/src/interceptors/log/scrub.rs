//! Redaction inside free text, where no parser applies: JSON that is truncated or invalid,
//! and URLs inside error messages.
//!
//! Both scanners only cut the text at ASCII bytes, so every slice stays on a character
//! boundary whatever the text holds.

use std::borrow::Cow;

use super::format::{Secrets, url_text};
use crate::redact::{REDACTED, is_secret_field};

/// JSON-like text with the value of every secret field (`"name": value`) replaced by
/// `"REDACTED"`. For bodies that did not parse: cut at `max_body_bytes`, or not JSON at all.
/// A value cut off by the end of the text is redacted up to the end.
pub(crate) fn json_text<'a>(text: &'a str, secrets: &Secrets) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    let mut shown = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'"' {
            at += 1;
            continue;
        }
        let key_end = string_end(bytes, at);
        // Without its closing quote when it has one (an ASCII byte, so a safe cut).
        let closed = key_end > at + 1 && bytes[key_end - 1] == b'"';
        let key = &text[at + 1..if closed { key_end - 1 } else { key_end }];
        let colon = skip_whitespace(bytes, key_end);
        if colon < bytes.len() && bytes[colon] == b':' && is_secret_field(key, &secrets.fields) {
            let value_start = skip_whitespace(bytes, colon + 1);
            let value_end = value_end(bytes, value_start);
            let is_null = text[value_start..value_end].trim() == "null";
            if value_end > value_start && !is_null {
                shown.push_str(&text[copied..value_start]);
                shown.push('"');
                shown.push_str(REDACTED);
                shown.push('"');
                copied = value_end;
            }
            at = value_end.max(key_end);
        } else {
            at = key_end;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    shown.push_str(&text[copied..]);
    Cow::Owned(shown)
}

/// The index after the string that opens at `start` (a `"`), or the end of the text.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The index after the JSON value that starts at `start`: a string, an object or array
/// (brackets balanced, strings skipped), or a scalar up to the next delimiter.
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        None => start,
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut at = start;
            while at < bytes.len() {
                match bytes[at] {
                    b'"' => {
                        at = string_end(bytes, at);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return at + 1;
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            bytes.len()
        }
        Some(_) => {
            let mut at = start;
            while at < bytes.len() && !matches!(bytes[at], b',' | b'}' | b']' | b'\n' | b'\r') {
                at += 1;
            }
            // Trailing spaces belong to the layout, not to the value.
            while at > start && bytes[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            at
        }
    }
}

/// Text with every `http://` or `https://` URL in it redacted (see [`url_text`]). A URL
/// ends at whitespace or at one of `)`, `]`, `>`, `"`, `'` and `` ` ``, the characters that
/// messages put around one.
pub(crate) fn urls_in_text<'a>(text: &'a str, secrets: &Secrets) -> Cow<'a, str> {
    let mut shown = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = next_url_start(&text[search..]) {
        let start = search + found;
        let len = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '>' | '"' | '\'' | '`'))
            .unwrap_or(text.len() - start);
        let end = start + len;
        if let Cow::Owned(redacted) = url_text(&text[start..end], secrets) {
            shown.push_str(&text[copied..start]);
            shown.push_str(&redacted);
            copied = end;
        }
        search = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    shown.push_str(&text[copied..]);
    Cow::Owned(shown)
}

fn next_url_start(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets {
            headers: Vec::new(),
            fields: vec!["session".into()],
        }
    }

    #[test]
    fn secret_values_of_every_shape_are_redacted() {
        let text = r#"{"token": "a\"b", "n": 1, "key": 42 , "nested": {"password": ["x", {"y": "]"}]}, "session": null, "sig":"#;
        assert_eq!(
            json_text(text, &secrets()),
            r#"{"token": "REDACTED", "n": 1, "key": "REDACTED" , "nested": {"password": "REDACTED"}, "session": null, "sig":"#
        );
    }

    #[test]
    fn values_cut_by_the_end_are_redacted() {
        assert_eq!(
            json_text(r#"{"a": "é", "refresh_token": "abc"#, &secrets()),
            r#"{"a": "é", "refresh_token": "REDACTED""#
        );
        assert_eq!(
            json_text(r#"{"password": {"a": "b""#, &secrets()),
            r#"{"password": "REDACTED""#
        );
    }

    #[test]
    fn text_without_secrets_is_borrowed() {
        assert!(matches!(
            json_text(r#"{"a": "token"}"#, &secrets()),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            urls_in_text("see http://a.example/?page=2 now", &secrets()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_url_in_a_message_is_redacted() {
        assert_eq!(
            urls_in_text(
                "redirect (https://a.example/?code=s1) to http://b.example/cb?session=s2&x=1",
                &secrets()
            ),
            "redirect (https://a.example/?code=REDACTED) to http://b.example/cb?session=REDACTED&x=1"
        );
    }
}
