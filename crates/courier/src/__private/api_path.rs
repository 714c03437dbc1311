//! A request path built from a `#[courier::api]` template such as `/users/{id}/posts`.
//!
//! A parameter's value is formatted with `Display` and percent-encoded as one path segment:
//! every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`. So a
//! `/` in a value cannot add a segment, a `?` or `#` cannot start a query or a fragment, and a
//! `:` cannot make the path look like an absolute URL that would bypass the base URL.
//!
//! Encoding is not enough for three values: a segment made by a parameter that is empty, `.`
//! or `..` (`%2E` and `%2E%2E` too, which URL parsers treat the same) would name another
//! resource (`/users/../admin` is `/admin`). Such a path is an
//! [`ErrorKind::InvalidRequest`] instead.

use std::fmt::{self, Display, Write};

use crate::error::{Error, ErrorKind, Result};

/// Builds a request path from literal pieces and parameter values, one piece at a time.
///
/// ```
/// use courier::__private::ApiPath;
///
/// let mut path = ApiPath::new();
/// path.push_literal("/files/");
/// path.push_value("name", &"a/b c");
/// assert_eq!(path.finish()?, "/files/a%2Fb%20c");
///
/// let mut path = ApiPath::new();
/// path.push_literal("/users/");
/// path.push_value("id", &"..");
/// path.push_literal("/posts");
/// assert_eq!(path.finish().unwrap_err().kind(), courier::ErrorKind::InvalidRequest);
/// # Ok::<(), courier::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ApiPath {
    path: String,
    /// Where the segment being written starts in `path`.
    segment_start: usize,
    /// The first parameter written into the current segment, if any: only segments that
    /// parameters made are checked, since a literal `..` is the template's own choice.
    segment_parameter: Option<&'static str>,
    /// Past a `?` or `#`: no more segments.
    in_suffix: bool,
    error: Option<Error>,
}

impl ApiPath {
    /// An empty path.
    ///
    /// ```
    /// assert_eq!(courier::__private::ApiPath::new().finish()?, "");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends template text as it is.
    ///
    /// ```
    /// let mut path = courier::__private::ApiPath::new();
    /// path.push_literal("/users?sort=name");
    /// assert_eq!(path.finish()?, "/users?sort=name");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn push_literal(&mut self, text: &str) {
        for character in text.chars() {
            if !self.in_suffix {
                match character {
                    '/' => self.end_segment(true),
                    '?' | '#' => {
                        self.end_segment(false);
                        self.in_suffix = true;
                    }
                    _ => {}
                }
            }
            self.path.push(character);
            if character == '/' && !self.in_suffix {
                self.segment_start = self.path.len();
            }
        }
    }

    /// Appends `value`, formatted with `Display` and percent-encoded as a path segment.
    ///
    /// ```
    /// let mut path = courier::__private::ApiPath::new();
    /// path.push_literal("/users/");
    /// path.push_value("id", &42);
    /// assert_eq!(path.finish()?, "/users/42");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn push_value(&mut self, name: &'static str, value: &dyn Display) {
        self.segment_parameter.get_or_insert(name);
        // Formatting into the encoder writes straight into the path: no temporary string.
        let mut encoder = SegmentEncoder(&mut self.path);
        if write!(encoder, "{value}").is_err() && self.error.is_none() {
            self.error = Some(
                Error::new(ErrorKind::InvalidRequest)
                    .with_message(format!("path parameter `{name}` failed to format")),
            );
        }
    }

    /// The path, or an [`ErrorKind::InvalidRequest`] when a parameter's value was empty, `.`
    /// or `..` as a whole segment, or failed to format.
    ///
    /// ```
    /// let mut path = courier::__private::ApiPath::new();
    /// path.push_literal("/users/");
    /// path.push_value("id", &"");
    /// let error = path.finish().unwrap_err();
    /// assert!(error.to_string().contains("`id`"));
    /// ```
    pub fn finish(mut self) -> Result<String> {
        self.end_segment(false);
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.path),
        }
    }

    /// Checks the segment that ends here; `more` says whether another segment follows.
    fn end_segment(&mut self, more: bool) {
        if let Some(name) = self.segment_parameter.take()
            && self.error.is_none()
        {
            let segment = &self.path[self.segment_start..];
            if is_dot_or_empty(segment) {
                let shown = if segment.is_empty() {
                    "an empty"
                } else {
                    "a dot"
                };
                self.error = Some(Error::new(ErrorKind::InvalidRequest).with_message(format!(
                    "path parameter `{name}` makes {shown} path segment (`{segment}`), \
                     which would change the resource the URL names"
                )));
            }
        }
        if !more {
            self.segment_start = self.path.len();
        }
    }
}

/// Whether `segment` is empty or a dot segment, counting `%2E`/`%2e` as a dot as URL parsers
/// do.
fn is_dot_or_empty(segment: &str) -> bool {
    let dots = segment.replace("%2E", ".").replace("%2e", ".");
    matches!(dots.as_str(), "" | "." | "..")
}

/// Percent-encodes everything written to it except RFC 3986's unreserved characters.
struct SegmentEncoder<'a>(&'a mut String);

impl Write for SegmentEncoder<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                self.0.push(char::from(byte));
            } else {
                self.0.push('%');
                self.0.push(char::from(HEX[usize::from(byte >> 4)]));
                self.0.push(char::from(HEX[usize::from(byte & 0x0F)]));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(pieces: &[Result<&str, &str>]) -> Result<String> {
        let mut path = ApiPath::new();
        for piece in pieces {
            match piece {
                Ok(literal) => path.push_literal(literal),
                Err(value) => path.push_value("p", value),
            }
        }
        path.finish()
    }

    #[test]
    fn values_are_encoded_as_one_segment() {
        let table = [
            ("a/b c", "/x/a%2Fb%20c"),
            ("7", "/x/7"),
            ("AZaz09-._~", "/x/AZaz09-._~"),
            ("?#%", "/x/%3F%23%25"),
            ("mailto:a@b", "/x/mailto%3Aa%40b"),
            ("é", "/x/%C3%A9"),
            ("+&=;,", "/x/%2B%26%3D%3B%2C"),
            ("...", "/x/..."),
        ];
        for (value, expected) in table {
            assert_eq!(
                build(&[Ok("/x/"), Err(value)]).unwrap(),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn a_value_that_makes_an_empty_or_dot_segment_is_an_invalid_request() {
        for value in ["", ".", ".."] {
            for pieces in [
                vec![Ok("/users/"), Err(value)],
                vec![Ok("/users/"), Err(value), Ok("/posts")],
                vec![Ok("/users/"), Err(value), Ok("?a=b")],
                vec![Err(value), Ok("/posts")],
            ] {
                let error = build(&pieces).unwrap_err();
                assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{pieces:?}");
                assert!(error.to_string().contains("`p`"), "{error}");
            }
        }
        let error = build(&[Ok("/a/"), Err("."), Err(".")]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert!(build(&[Ok("/a/"), Err("."), Err(".."), Ok("/b")]).is_ok());
    }

    #[test]
    fn a_dot_or_empty_value_inside_a_longer_segment_is_fine() {
        assert_eq!(
            build(&[Ok("/files/"), Err(".."), Ok(".json")]).unwrap(),
            "/files/...json"
        );
        assert_eq!(
            build(&[Ok("/files/"), Err(""), Ok(".json")]).unwrap(),
            "/files/.json"
        );
        assert_eq!(build(&[Ok("/v"), Err("")]).unwrap(), "/v");
    }

    #[test]
    fn percent_encoded_dots_count_as_dots() {
        assert!(is_dot_or_empty("%2E"));
        assert!(is_dot_or_empty("%2e%2E"));
        assert!(is_dot_or_empty(".%2e"));
        assert!(!is_dot_or_empty("%2E%2E%2E"));
    }

    #[test]
    fn literal_dot_segments_are_left_to_the_template() {
        assert_eq!(build(&[Ok("/a/../b")]).unwrap(), "/a/../b");
    }

    #[test]
    fn nothing_after_a_query_starts_a_segment() {
        assert_eq!(
            build(&[Ok("/a/"), Err("x"), Ok("?next=/b/")]).unwrap(),
            "/a/x?next=/b/"
        );
    }

    #[test]
    fn a_value_whose_display_fails_is_an_invalid_request() {
        struct Failing;
        impl Display for Failing {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        let mut path = ApiPath::new();
        path.push_literal("/a/");
        path.push_value("bad", &Failing);
        let error = path.finish().unwrap_err();
        assert!(error.to_string().contains("`bad`"), "{error}");
    }
}
