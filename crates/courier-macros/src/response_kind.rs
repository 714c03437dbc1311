//! How an endpoint turns the response into its return value, read from `Result<T>`'s `T`.

use syn::{ReturnType, Type};

use crate::type_shape::{first_type_argument, is_named, is_unit};

/// What the endpoint returns in its `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseKind {
    /// `T: DeserializeOwned`, decoded from JSON: any type not listed below.
    Json,
    /// `Response`: the response itself, body unread.
    Response,
    /// `()`: the body is read to the end and dropped.
    Unit,
    /// `String`: the body as text.
    Text,
    /// `Bytes`: the body's bytes.
    Bytes,
}

/// An endpoint's return type: the whole `Result<T, E>` and its `T`.
#[derive(Clone)]
pub(crate) struct Output {
    pub(crate) result: Type,
    pub(crate) ok: Type,
    pub(crate) kind: ResponseKind,
}

impl Output {
    /// Reads `-> courier::Result<T>` (or any `Result<T, E>` with `E: From<courier::Error>`).
    pub(crate) fn parse(output: &ReturnType, name_span: proc_macro2::Span) -> syn::Result<Output> {
        let ReturnType::Type(_, result) = output else {
            return Err(syn::Error::new(
                name_span,
                "an endpoint returns `courier::Result<T>`: add `-> courier::Result<T>` (T is JSON-decoded, or `()`, `String`, `Bytes` or `courier::Response`)",
            ));
        };
        let Some(ok) = first_type_argument(result, "Result") else {
            return Err(syn::Error::new_spanned(
                result,
                "an endpoint returns `courier::Result<T>` (or a `Result<T, E>` whose `E: From<courier::Error>`)",
            ));
        };
        Ok(Output {
            result: (**result).clone(),
            ok: ok.clone(),
            kind: kind_of(ok),
        })
    }
}

fn kind_of(ty: &Type) -> ResponseKind {
    if is_unit(ty) {
        ResponseKind::Unit
    } else if is_named(ty, "Response") {
        ResponseKind::Response
    } else if is_named(ty, "String") {
        ResponseKind::Text
    } else if is_named(ty, "Bytes") {
        ResponseKind::Bytes
    } else {
        ResponseKind::Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(output: &str) -> ResponseKind {
        let output: ReturnType = syn::parse_str(output).unwrap();
        Output::parse(&output, proc_macro2::Span::call_site())
            .unwrap()
            .kind
    }

    #[test]
    fn the_ok_type_picks_how_the_body_is_read() {
        assert_eq!(kind("-> courier::Result<User>"), ResponseKind::Json);
        assert_eq!(kind("-> Result<Vec<User>, MyError>"), ResponseKind::Json);
        assert_eq!(kind("-> Result<courier::Response>"), ResponseKind::Response);
        assert_eq!(kind("-> Result<()>"), ResponseKind::Unit);
        assert_eq!(kind("-> Result<String>"), ResponseKind::Text);
        assert_eq!(kind("-> Result<bytes::Bytes>"), ResponseKind::Bytes);
        // An alias is not looked through: it is decoded as JSON.
        assert_eq!(kind("-> Result<Text>"), ResponseKind::Json);
    }

    #[test]
    fn anything_but_a_result_is_an_error() {
        for output in ["", "-> User", "-> Option<User>", "-> Result"] {
            let output: ReturnType = syn::parse_str(output).unwrap();
            let error = Output::parse(&output, proc_macro2::Span::call_site())
                .err()
                .unwrap();
            assert!(error.to_string().contains("courier::Result<T>"), "{error}");
        }
    }
}
