//! What a download does with each response: a pure decision, no I/O.
//!
//! Resuming rests on two headers ([RFC 9110 §14]): `Range: bytes=N-` asks for the rest, and
//! `If-Range: <validator>` makes that request conditional: the server sends the range only if
//! the resource still matches the validator saved when the download started, and the whole
//! resource (200) otherwise. Without `If-Range`, appending the rest of a *changed* file to the
//! start of the old one would silently corrupt it.
//!
//! [RFC 9110 §14]: https://www.rfc-editor.org/rfc/rfc9110#section-14

use http::header::{ACCEPT_RANGES, CONTENT_RANGE, ETAG, HeaderName, LAST_MODIFIED};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::content_length::content_length;

/// What identifies the version of the resource a partial file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Validator {
    /// A strong entity tag, quotes included.
    ETag(String),
    /// A `Last-Modified` date, used when there is no strong entity tag.
    LastModified(String),
}

impl Validator {
    /// The validator of a response: its strong `ETag`, else its `Last-Modified`. A weak
    /// entity tag (`W/"…"`) may not be used in `If-Range` (RFC 9110 §13.1.5).
    pub(super) fn from_headers(headers: &HeaderMap) -> Option<Validator> {
        if let Some(etag) = strong_etag(headers) {
            return Some(Validator::ETag(etag.to_owned()));
        }
        header_text(headers, LAST_MODIFIED).map(|date| Validator::LastModified(date.to_owned()))
    }

    /// The `If-Range` value, or `None` if the text is not a valid header value (a corrupt
    /// sidecar).
    pub(super) fn if_range(&self) -> Option<HeaderValue> {
        let text = match self {
            Validator::ETag(text) | Validator::LastModified(text) => text,
        };
        HeaderValue::from_str(text).ok()
    }
}

/// Whether the server said it serves byte ranges.
pub(super) fn accepts_ranges(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_RANGES)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|unit| unit.trim().eq_ignore_ascii_case("bytes"))
}

/// A parsed `Content-Range: bytes first-last/complete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ContentRange {
    pub(super) first: u64,
    pub(super) last: u64,
    /// `None` for `/*` (length unknown).
    pub(super) complete: Option<u64>,
}

fn content_range_text(headers: &HeaderMap) -> Option<&str> {
    let text = headers.get(CONTENT_RANGE)?.to_str().ok()?.trim();
    let (unit, rest) = text.split_once(' ')?;
    unit.eq_ignore_ascii_case("bytes").then(|| rest.trim())
}

/// `bytes first-last/complete` (RFC 9110 §14.4); `None` when absent or malformed.
pub(super) fn content_range(headers: &HeaderMap) -> Option<ContentRange> {
    let (range, complete) = content_range_text(headers)?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let first = first.trim().parse().ok()?;
    let last = last.trim().parse().ok()?;
    let complete = match complete.trim() {
        "*" => None,
        length => Some(length.parse().ok()?),
    };
    if last < first || complete.is_some_and(|complete| last >= complete) {
        return None;
    }
    Some(ContentRange {
        first,
        last,
        complete,
    })
}

/// `bytes */complete`, sent with 416 Range Not Satisfiable.
pub(super) fn unsatisfied_length(headers: &HeaderMap) -> Option<u64> {
    content_range_text(headers)?
        .strip_prefix("*/")?
        .trim()
        .parse()
        .ok()
}

/// What to do with a response, given the `offset` bytes already in the partial file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// The body is the resource from its first byte (200, or 206 from 0): truncate the
    /// partial file and write it, saving the response's validator.
    Fresh { total: Option<u64> },
    /// The body continues the partial file (206 from `offset`, same validator): append.
    Append { total: Option<u64> },
    /// The partial file already holds the whole resource (416 with a complete length equal
    /// to `offset`, and no other entity tag).
    Complete { total: u64 },
    /// A range answer that cannot be used (a different start, a changed entity tag, a 416
    /// for another length or entity tag): drop the partial and ask again without `Range`.
    Restart,
    /// A status a download cannot use.
    Unusable,
}

/// Whether a range answer names another version than the one the partial file was written
/// from: another strong entity tag, or (for a partial file known by its date) another
/// `Last-Modified`. Validators are compared like with like; an answer without the partial
/// file's kind of validator is taken as the same version. If-Range already guards this; a
/// server that ignored it is caught here, for a `206` (whose bytes would be appended to
/// another version) as for a `416` (which would accept the other version's bytes as the
/// complete file).
fn changed(validator: Option<&Validator>, headers: &HeaderMap) -> bool {
    match validator {
        Some(Validator::ETag(ours)) => strong_etag(headers).is_some_and(|theirs| theirs != ours),
        Some(Validator::LastModified(ours)) => {
            header_text(headers, LAST_MODIFIED).is_some_and(|theirs| theirs != ours)
        }
        None => false,
    }
}

/// The trimmed, non-empty text of the header `name`.
fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|value: &HeaderValue| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The response's strong entity tag: a weak one (`W/"…"`) may not be used in `If-Range`
/// (RFC 9110 §13.1.5).
fn strong_etag(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, ETAG).filter(|etag| !etag.starts_with("W/"))
}

/// Decides how the response continues a download that has `offset` bytes on disk, whose
/// partial file was written from a resource identified by `validator`.
pub(super) fn decide(
    status: StatusCode,
    headers: &HeaderMap,
    offset: u64,
    validator: Option<&Validator>,
) -> Decision {
    match status {
        StatusCode::OK => Decision::Fresh {
            total: content_length(headers),
        },
        StatusCode::PARTIAL_CONTENT => {
            let Some(range) = content_range(headers) else {
                return Decision::Restart;
            };
            if range.first != offset {
                return Decision::Restart;
            }
            let total = range.complete;
            if offset == 0 {
                return Decision::Fresh { total };
            }
            if changed(validator, headers) {
                return Decision::Restart;
            }
            Decision::Append { total }
        }
        StatusCode::RANGE_NOT_SATISFIABLE => match unsatisfied_length(headers) {
            Some(total) if offset > 0 && total == offset && !changed(validator, headers) => {
                Decision::Complete { total }
            }
            _ => Decision::Restart,
        },
        _ => Decision::Unusable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    fn etag(text: &str) -> Validator {
        Validator::ETag(text.to_owned())
    }

    #[test]
    fn rfc9110_14_4_content_range_parses_and_rejects_nonsense() {
        let parsed = content_range(&headers(&[("content-range", "bytes 10-99/100")]));
        assert_eq!(
            parsed,
            Some(ContentRange {
                first: 10,
                last: 99,
                complete: Some(100)
            })
        );
        let unknown = content_range(&headers(&[("content-range", "bytes 0-4/*")]));
        assert_eq!(unknown.and_then(|range| range.complete), None);
        for bad in [
            "bytes 9-3/100",
            "bytes 0-100/100",
            "items 0-1/2",
            "bytes 0-x/2",
            "bytes */100",
        ] {
            let value = HeaderValue::from_str(bad).unwrap();
            let map: HeaderMap = [(CONTENT_RANGE, value)].into_iter().collect();
            assert_eq!(content_range(&map), None, "{bad}");
        }
        assert_eq!(
            unsatisfied_length(&headers(&[("content-range", "bytes */100")])),
            Some(100)
        );
    }

    #[test]
    fn rfc9110_13_1_5_weak_etags_are_not_validators() {
        let weak = headers(&[("etag", "W/\"a\""), ("last-modified", "Tue, 1 Jan 2030")]);
        assert_eq!(
            Validator::from_headers(&weak),
            Some(Validator::LastModified("Tue, 1 Jan 2030".into()))
        );
        let strong = headers(&[("etag", "\"a\""), ("last-modified", "x")]);
        assert_eq!(Validator::from_headers(&strong), Some(etag("\"a\"")));
        assert_eq!(
            Validator::from_headers(&headers(&[("etag", "W/\"a\"")])),
            None
        );
    }

    #[test]
    fn accept_ranges_bytes_is_a_token() {
        assert!(accepts_ranges(&headers(&[("accept-ranges", "Bytes")])));
        assert!(!accepts_ranges(&headers(&[("accept-ranges", "none")])));
        assert!(!accepts_ranges(&HeaderMap::new()));
    }

    #[test]
    fn a_200_starts_over_with_its_content_length() {
        let response = headers(&[("content-length", "100")]);
        assert_eq!(
            decide(StatusCode::OK, &response, 40, Some(&etag("\"a\""))),
            Decision::Fresh { total: Some(100) }
        );
    }

    #[test]
    fn a_206_from_the_offset_appends() {
        let response = headers(&[("content-range", "bytes 40-99/100"), ("etag", "\"a\"")]);
        assert_eq!(
            decide(
                StatusCode::PARTIAL_CONTENT,
                &response,
                40,
                Some(&etag("\"a\""))
            ),
            Decision::Append { total: Some(100) }
        );
    }

    #[test]
    fn a_206_from_elsewhere_or_for_another_etag_restarts() {
        let elsewhere = headers(&[("content-range", "bytes 0-99/100")]);
        assert_eq!(
            decide(StatusCode::PARTIAL_CONTENT, &elsewhere, 40, None),
            Decision::Restart
        );
        let changed = headers(&[("content-range", "bytes 40-99/100"), ("etag", "\"b\"")]);
        assert_eq!(
            decide(
                StatusCode::PARTIAL_CONTENT,
                &changed,
                40,
                Some(&etag("\"a\""))
            ),
            Decision::Restart
        );
        assert_eq!(
            decide(StatusCode::PARTIAL_CONTENT, &HeaderMap::new(), 40, None),
            Decision::Restart
        );
    }

    #[test]
    fn a_206_for_another_last_modified_date_restarts_and_the_same_date_appends() {
        let ours = Validator::LastModified("Mon, 02 Nov 2026 10:00:00 GMT".to_owned());
        let newer = headers(&[
            ("content-range", "bytes 40-99/100"),
            ("last-modified", "Tue, 03 Nov 2026 10:00:00 GMT"),
        ]);
        assert_eq!(
            decide(StatusCode::PARTIAL_CONTENT, &newer, 40, Some(&ours)),
            Decision::Restart
        );
        let same = headers(&[
            ("content-range", "bytes 40-99/100"),
            ("last-modified", "Mon, 02 Nov 2026 10:00:00 GMT"),
            // An entity tag the partial file was not known by does not count against it.
            ("etag", "\"new-to-us\""),
        ]);
        assert_eq!(
            decide(StatusCode::PARTIAL_CONTENT, &same, 40, Some(&ours)),
            Decision::Append { total: Some(100) }
        );
        let newer_416 = headers(&[
            ("content-range", "bytes */100"),
            ("last-modified", "Tue, 03 Nov 2026 10:00:00 GMT"),
        ]);
        assert_eq!(
            decide(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &newer_416,
                100,
                Some(&ours)
            ),
            Decision::Restart
        );
    }

    #[test]
    fn a_416_completes_only_when_the_partial_has_the_whole_length_of_the_same_version() {
        let response = headers(&[("content-range", "bytes */100")]);
        assert_eq!(
            decide(StatusCode::RANGE_NOT_SATISFIABLE, &response, 100, None),
            Decision::Complete { total: 100 }
        );
        assert_eq!(
            decide(StatusCode::RANGE_NOT_SATISFIABLE, &response, 120, None),
            Decision::Restart
        );
        assert_eq!(
            decide(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &HeaderMap::new(),
                100,
                None
            ),
            Decision::Restart
        );
        // A server that ignored If-Range: the bytes on disk are of another version.
        let changed = headers(&[("content-range", "bytes */100"), ("etag", "\"b\"")]);
        assert_eq!(
            decide(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &changed,
                100,
                Some(&etag("\"a\""))
            ),
            Decision::Restart
        );
        let same = headers(&[("content-range", "bytes */100"), ("etag", "\"a\"")]);
        assert_eq!(
            decide(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &same,
                100,
                Some(&etag("\"a\""))
            ),
            Decision::Complete { total: 100 }
        );
    }

    #[test]
    fn other_statuses_are_unusable() {
        assert_eq!(
            decide(StatusCode::NO_CONTENT, &HeaderMap::new(), 0, None),
            Decision::Unusable
        );
    }
}
