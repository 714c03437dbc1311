//! The `next` target of RFC 8288 `Link` header fields.
//!
//! Small on purpose: pagination needs one relation, but needs it right where naive
//! splitting on `,` fails — commas inside `<…>` and quoted parameters, several relation
//! types in one `rel` (`rel="next last"`), several `Link` fields, relative references, and
//! case-insensitive relation names (RFC 8288 §2.1.1).

use http::HeaderMap;
use http::header::LINK;
use url::Url;

/// The target of the first link with relation type `next`, resolved against `base` (the
/// URL of the response that carried it); `None` when there is none.
pub(crate) fn next_link(headers: &HeaderMap, base: &Url) -> Option<Url> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(links)
        .find(|link| link.has_relation("next"))
        .and_then(|link| base.join(link.target).ok())
}

/// One link-value: `<target>` and its raw parameters.
struct LinkValue<'a> {
    target: &'a str,
    params: &'a str,
}

impl LinkValue<'_> {
    /// Whether the `rel` parameter lists `relation` (compared without regard to case).
    fn has_relation(&self, relation: &str) -> bool {
        split_outside_quotes(self.params, ';')
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("rel"))
            .is_some_and(|(_, value)| {
                value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|listed| listed.eq_ignore_ascii_case(relation))
            })
    }
}

/// The link-values of one `Link` field value.
fn links(value: &str) -> impl Iterator<Item = LinkValue<'_>> {
    let mut rest = value;
    std::iter::from_fn(move || {
        let start = rest.find('<')?;
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = after[..end].trim();
        let tail = &after[end + 1..];
        // The parameters run to the next comma outside quotes.
        let params_end = comma_outside_quotes(tail).unwrap_or(tail.len());
        let params = &tail[..params_end];
        rest = &tail[params_end..];
        Some(LinkValue { target, params })
    })
}

fn comma_outside_quotes(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (index, character) in text.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return Some(index),
            _ => {}
        }
    }
    None
}

fn split_outside_quotes(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..index]);
                start = index + character.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn next(values: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(LINK, HeaderValue::from_str(value).unwrap());
        }
        let base = Url::parse("https://api.example/repos/1/issues?page=1").unwrap();
        next_link(&headers, &base).map(String::from)
    }

    #[test]
    fn rfc8288_3_github_style() {
        assert_eq!(
            next(&[
                r#"<https://api.example/repos/1/issues?page=2>; rel="next", <https://api.example/repos/1/issues?page=9>; rel="last""#
            ])
            .as_deref(),
            Some("https://api.example/repos/1/issues?page=2")
        );
    }

    #[test]
    fn rfc8288_3_3_several_relation_types_and_case() {
        assert_eq!(
            next(&[r#"</p/3>; rel="last NEXT""#]).as_deref(),
            Some("https://api.example/p/3")
        );
        assert_eq!(
            next(&["</p/3>; rel=next"]).as_deref(),
            Some("https://api.example/p/3")
        );
    }

    #[test]
    fn rfc8288_3_commas_inside_targets_and_quotes_and_several_fields() {
        assert_eq!(
            next(&[r#"</a,b>; rel="prev"; title="x, y", </c?d=1,2>; rel="next""#]).as_deref(),
            Some("https://api.example/c?d=1,2")
        );
        assert_eq!(
            next(&[r#"</first>; rel="first""#, r#"<?page=2>; rel="next""#]).as_deref(),
            Some("https://api.example/repos/1/issues?page=2")
        );
    }

    #[test]
    fn no_next_link() {
        assert_eq!(next(&[]), None);
        assert_eq!(next(&[r#"</p/9>; rel="last""#]), None);
        assert_eq!(next(&[r#"</p/9>; title="next""#]), None);
        assert_eq!(next(&["garbage"]), None);
    }

    proptest! {
        #[test]
        fn never_panics(value in "\\PC{0,120}") {
            if let Ok(value) = HeaderValue::from_str(&value) {
                let mut headers = HeaderMap::new();
                headers.insert(LINK, value);
                let _ = next_link(&headers, &Url::parse("https://a.example/").unwrap());
            }
        }

        #[test]
        fn finds_next_among_other_links(others in proptest::collection::vec("[a-z]{1,8}", 0..5), position in 0usize..5) {
            let mut values: Vec<String> = others.iter().map(|rel| format!("</{rel}>; rel=\"x{rel}\"")).collect();
            let position = position.min(values.len());
            values.insert(position, "</the-next>; rel=\"next\"".to_owned());
            let joined = values.join(", ");
            let found = next(&[&joined]);
            prop_assert_eq!(found.as_deref(), Some("https://api.example/the-next"));
        }
    }
}
