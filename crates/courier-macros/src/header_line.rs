//! Header names and `"Name: value"` lines, checked when the macro runs so that a typo is a
//! compile error rather than a request that fails at run time.

use syn::LitStr;

/// A fixed header of `#[headers("Accept: application/json")]`.
#[derive(Debug, Clone)]
pub(crate) struct HeaderLine {
    /// Lower case, as HTTP/2 sends it.
    pub(crate) name: String,
    pub(crate) value: String,
}

impl HeaderLine {
    pub(crate) fn parse(literal: &LitStr) -> syn::Result<HeaderLine> {
        let line = literal.value();
        let Some((name, value)) = line.split_once(':') else {
            return Err(syn::Error::new(
                literal.span(),
                format!(
                    "`{line}` is not a header: write `\"Name: value\"`, like `\"Accept: application/json\"`"
                ),
            ));
        };
        let name =
            header_name(name.trim()).map_err(|message| syn::Error::new(literal.span(), message))?;
        let value = value.trim();
        if let Some(bad) = value
            .chars()
            .find(|&c| c != '\t' && !(' '..='~').contains(&c))
        {
            return Err(syn::Error::new(
                literal.span(),
                format!(
                    "the value of header `{name}` has {bad:?}, which a header value cannot hold (visible ASCII, spaces and tabs only)"
                ),
            ));
        }
        Ok(HeaderLine {
            name,
            value: value.to_owned(),
        })
    }
}

/// Checks a header name (an RFC 9110 token) and returns it in lower case.
pub(crate) fn header_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("a header name cannot be empty".to_owned());
    }
    if let Some(bad) = name.chars().find(|&c| !is_token_character(c)) {
        return Err(format!(
            "`{name}` is not a header name: {bad:?} is not allowed (letters, digits and !#$%&'*+-.^_`|~ are)"
        ));
    }
    Ok(name.to_ascii_lowercase())
}

fn is_token_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> syn::Result<HeaderLine> {
        HeaderLine::parse(&LitStr::new(text, proc_macro2::Span::call_site()))
    }

    #[test]
    fn a_line_splits_at_the_first_colon_and_is_trimmed() {
        let header = line("Accept:  application/json ").unwrap();
        assert_eq!(
            (header.name.as_str(), header.value.as_str()),
            ("accept", "application/json")
        );
        let header = line("X-Time: 12:30").unwrap();
        assert_eq!(header.value, "12:30");
        let header = line("X-Empty:").unwrap();
        assert_eq!(header.value, "");
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (text, expected) in [
            ("Accept application/json", "is not a header"),
            (": x", "cannot be empty"),
            ("X Trace: 1", "is not a header name"),
            ("X-Trace: a\nb", "cannot hold"),
            ("X-Trace: é", "cannot hold"),
        ] {
            let error = line(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
