//! Path templates: `"/users/{id}/posts"` split into literal text and `{name}` placeholders.

use syn::LitStr;

/// One piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text sent as it is.
    Literal(String),
    /// `{name}`: the value of the path parameter `name`.
    Placeholder(String),
}

/// A parsed path template, with its literal kept for error spans.
#[derive(Clone)]
pub(crate) struct PathTemplate {
    pub(crate) literal: LitStr,
    pub(crate) pieces: Vec<Piece>,
}

impl PathTemplate {
    pub(crate) fn parse(literal: LitStr) -> syn::Result<PathTemplate> {
        let pieces =
            split(&literal.value()).map_err(|message| syn::Error::new(literal.span(), message))?;
        Ok(PathTemplate { literal, pieces })
    }

    /// The names of the placeholders, in order (a name used twice appears twice).
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Placeholder(name) => Some(name.as_str()),
            Piece::Literal(_) => None,
        })
    }
}

fn split(template: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut in_query = false;
    let mut rest = template;
    while let Some(character) = rest.chars().next() {
        rest = &rest[character.len_utf8()..];
        match character {
            '{' => {
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "unclosed `{{` in the path `{template}`: a placeholder is a parameter's name in braces, like `{{id}}`"
                    ));
                };
                let name = &rest[..end];
                rest = &rest[end + 1..];
                if !is_identifier(name) {
                    return Err(format!(
                        "`{{{name}}}` in the path `{template}` is not a placeholder: write a parameter's name in braces, like `{{id}}`"
                    ));
                }
                if in_query {
                    return Err(format!(
                        "`{{{name}}}` is in the query of the path `{template}`: placeholders go in the path; send query parameters with `#[query] {name}: …`"
                    ));
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Placeholder(name.to_owned()));
            }
            '}' => {
                return Err(format!(
                    "unmatched `}}` in the path `{template}`: a placeholder is a parameter's name in braces, like `{{id}}`"
                ));
            }
            '?' | '#' => {
                in_query = true;
                literal.push(character);
            }
            _ => literal.push(character),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// Whether `text` is a Rust identifier as a placeholder may name one (ASCII; `r#` not needed:
/// `{type}` names the parameter `r#type`).
fn is_identifier(text: &str) -> bool {
    let mut characters = text.chars();
    matches!(characters.next(), Some(first) if first.is_ascii_alphabetic() || first == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
}

#[cfg(test)]
mod tests {
    use super::*;
    use Piece::{Literal, Placeholder};

    fn pieces(template: &str) -> Vec<Piece> {
        split(template).unwrap()
    }

    #[test]
    fn placeholders_split_the_literal_text() {
        assert_eq!(
            pieces("/users/{id}/posts/{post_id}"),
            vec![
                Literal("/users/".into()),
                Placeholder("id".into()),
                Literal("/posts/".into()),
                Placeholder("post_id".into()),
            ]
        );
        assert_eq!(
            pieces("{a}{b}.json"),
            vec![
                Placeholder("a".into()),
                Placeholder("b".into()),
                Literal(".json".into())
            ]
        );
        assert_eq!(
            pieces("/users?sort=name"),
            vec![Literal("/users?sort=name".into())]
        );
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn malformed_placeholders_are_errors_that_say_how_to_write_one() {
        for (template, expected) in [
            ("/users/{id", "unclosed `{`"),
            ("/users/{", "unclosed `{`"),
            ("/users/id}", "unmatched `}`"),
            (
                "/users/{}",
                "`{}` in the path `/users/{}` is not a placeholder",
            ),
            ("/users/{user id}", "is not a placeholder"),
            ("/users/{1d}", "is not a placeholder"),
            ("/users/{_}", "is not a placeholder"),
            ("/search?q={q}", "is in the query"),
        ] {
            let error = split(template).unwrap_err();
            assert!(error.contains(expected), "{template}: {error}");
        }
    }
}
