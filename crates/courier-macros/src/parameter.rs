//! An endpoint's parameters and what each one becomes in the request.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Attribute, Ident, LitStr, Meta, Pat, PatType, Type};

use crate::header_line::header_name;
use crate::type_shape::{is_named, option_inner, without_references};

/// Where a parameter's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// Into the `{name}` placeholders of the path.
    Path { name: String },
    /// `name=value` in the query; omitted when the value is `None`.
    Query { name: String },
    /// A whole serde struct or map of query parameters (`#[query(flatten)]`).
    QueryFlatten,
    /// A header; omitted when the value is `None`.
    Header { name: String },
    /// The body: JSON, a URL-encoded form or a multipart form.
    Body(BodyKind),
    /// A value put in the request's extensions (for interceptors, such as a cache policy).
    Extension,
    /// A `CancelToken` (recognised by its type) that cancels the call.
    Cancel,
}

/// How a body parameter is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Form,
    Multipart,
}

impl BodyKind {
    pub(crate) fn attribute_name(self) -> &'static str {
        match self {
            Self::Json => "body",
            Self::Form => "form",
            Self::Multipart => "multipart",
        }
    }
}

/// A parameter of an endpoint.
#[derive(Clone)]
pub(crate) struct Parameter {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// Set by an attribute; `None` until the endpoint resolves a bare parameter (a path
    /// placeholder of the same name, or a cancel token).
    pub(crate) role: Option<Role>,
    /// The role's attribute, or the parameter's name: what errors about the role underline.
    pub(crate) role_source: TokenStream,
}

/// The parameter attributes, for the message about an unknown one.
const ATTRIBUTES_HINT: &str = "`#[path]`, `#[query]`, `#[header(\"Name\")]`, `#[body]`, `#[form]`, `#[multipart]` or `#[extension]`";

impl Parameter {
    /// Reads a typed parameter, taking its attributes off `argument`.
    pub(crate) fn parse(argument: &mut PatType) -> syn::Result<Parameter> {
        let ident = match &*argument.pat {
            Pat::Ident(pattern) if pattern.subpat.is_none() => pattern.ident.clone(),
            pattern => {
                return Err(syn::Error::new_spanned(
                    pattern,
                    "an endpoint's parameter needs a plain name, like `id: u64`: the name binds it to the request",
                ));
            }
        };
        let mut role = None;
        let mut role_source = ident.to_token_stream();
        let mut errors = Vec::new();
        for attribute in std::mem::take(&mut argument.attrs) {
            match role_of(&ident, &attribute) {
                Ok(new_role) if role.is_none() => {
                    role = Some(new_role);
                    role_source = attribute.to_token_stream();
                }
                Ok(_) => errors.push(syn::Error::new_spanned(
                    &attribute,
                    format!(
                        "`{ident}` already has a role: give a parameter one of {ATTRIBUTES_HINT}"
                    ),
                )),
                Err(error) => errors.push(error),
            }
        }
        if let Some(error) = combine(errors) {
            return Err(error);
        }
        Ok(Parameter {
            ident,
            ty: (*argument.ty).clone(),
            role,
            role_source,
        })
    }

    /// The name as the request spells it: `r#type` is `type`.
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// Whether the type is a `CancelToken`, by reference, owned, or in an `Option`.
    pub(crate) fn is_cancel_token(&self) -> bool {
        let ty = option_inner(&self.ty).unwrap_or(&self.ty);
        is_named(without_references(ty), "CancelToken")
    }
}

fn role_of(ident: &Ident, attribute: &Attribute) -> syn::Result<Role> {
    let default_name = ident.unraw().to_string();
    let Some(name) = attribute.path().get_ident().map(Ident::to_string) else {
        return Err(unknown(attribute));
    };
    match name.as_str() {
        "path" => Ok(Role::Path {
            name: optional_name(attribute)?.map_or(default_name, |name| name.value()),
        }),
        "query" => query_role(attribute, default_name),
        "header" => {
            let (name, span) = match optional_name(attribute)? {
                Some(name) => (name.value(), name.span()),
                None => (default_name.replace('_', "-"), ident.span()),
            };
            let name = header_name(&name).map_err(|message| syn::Error::new(span, message))?;
            Ok(Role::Header { name })
        }
        "body" => no_arguments(attribute, Role::Body(BodyKind::Json)),
        "form" => no_arguments(attribute, Role::Body(BodyKind::Form)),
        "multipart" => no_arguments(attribute, Role::Body(BodyKind::Multipart)),
        "extension" => no_arguments(attribute, Role::Extension),
        _ => Err(unknown(attribute)),
    }
}

fn unknown(attribute: &Attribute) -> syn::Error {
    let name = attribute
        .path()
        .get_ident()
        .map_or_else(|| "this".to_owned(), |ident| format!("`#[{ident}]`"));
    syn::Error::new_spanned(
        attribute,
        format!(
            "{name} is not a parameter attribute of `#[courier::api]`: use {ATTRIBUTES_HINT}, or none for a path placeholder or a `CancelToken`"
        ),
    )
}

/// `#[query]`, `#[query("per-page")]` or `#[query(flatten)]`.
fn query_role(attribute: &Attribute, default_name: String) -> syn::Result<Role> {
    let Meta::List(list) = &attribute.meta else {
        return match &attribute.meta {
            Meta::Path(_) => Ok(Role::Query { name: default_name }),
            _ => Err(syn::Error::new_spanned(attribute, QUERY_USAGE)),
        };
    };
    if let Ok(ident) = list.parse_args::<Ident>() {
        return if ident == "flatten" {
            Ok(Role::QueryFlatten)
        } else {
            Err(query_usage(ident.span()))
        };
    }
    let name = list
        .parse_args::<LitStr>()
        .map_err(|error| query_usage(error.span()))?;
    Ok(Role::Query { name: name.value() })
}

const QUERY_USAGE: &str = "write `#[query]` (named after the parameter), `#[query(\"name\")]`, or `#[query(flatten)]` for a struct or map of parameters";

fn query_usage(span: Span) -> syn::Error {
    syn::Error::new(span, QUERY_USAGE)
}

/// The name in `#[path("name")]` or `#[header("Name")]`, if given.
fn optional_name(attribute: &Attribute) -> syn::Result<Option<LitStr>> {
    let name = attribute.path().get_ident().map(Ident::to_string);
    let name = name.as_deref().unwrap_or("attribute");
    let usage = format!("write `#[{name}]` or `#[{name}(\"name\")]`");
    match &attribute.meta {
        Meta::Path(_) => Ok(None),
        Meta::List(list) => list
            .parse_args::<LitStr>()
            .map(Some)
            .map_err(|error| syn::Error::new(error.span(), format!("{error}: {usage}"))),
        Meta::NameValue(_) => Err(syn::Error::new_spanned(attribute, usage)),
    }
}

fn no_arguments(attribute: &Attribute, role: Role) -> syn::Result<Role> {
    match &attribute.meta {
        Meta::Path(_) => Ok(role),
        _ => Err(syn::Error::new_spanned(
            attribute,
            format!(
                "`#[{}]` takes no arguments",
                attribute
                    .path()
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default()
            ),
        )),
    }
}

/// Joins errors so that all of them are reported at once.
pub(crate) fn combine(errors: impl IntoIterator<Item = syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, error| {
        all.combine(error);
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameter(tokens: &str) -> syn::Result<Parameter> {
        let syn::FnArg::Typed(mut argument) = syn::parse_str(tokens).unwrap() else {
            panic!("not a typed parameter: {tokens}");
        };
        Parameter::parse(&mut argument)
    }

    fn role(tokens: &str) -> Option<Role> {
        parameter(tokens).unwrap().role
    }

    #[test]
    fn attributes_give_roles_named_after_the_parameter_unless_told() {
        let query = |name: &str| Some(Role::Query { name: name.into() });
        assert_eq!(role("#[query] per_page: u32"), query("per_page"));
        assert_eq!(role("#[query(\"per-page\")] n: u32"), query("per-page"));
        assert_eq!(role("#[query] r#type: &str"), query("type"));
        assert_eq!(role("#[query(flatten)] q: &Q"), Some(Role::QueryFlatten));
        assert_eq!(
            role("#[header] trace_id: &str"),
            Some(Role::Header {
                name: "trace-id".into()
            })
        );
        assert_eq!(
            role("#[header(\"X-Trace\")] t: &str"),
            Some(Role::Header {
                name: "x-trace".into()
            })
        );
        assert_eq!(
            role("#[path(\"user_id\")] id: u64"),
            Some(Role::Path {
                name: "user_id".into()
            })
        );
        assert_eq!(role("#[body] u: &U"), Some(Role::Body(BodyKind::Json)));
        assert_eq!(role("#[form] u: &U"), Some(Role::Body(BodyKind::Form)));
        assert_eq!(
            role("#[multipart] f: Form"),
            Some(Role::Body(BodyKind::Multipart))
        );
        assert_eq!(role("#[extension] p: Policy"), Some(Role::Extension));
        assert_eq!(role("id: u64"), None);
    }

    #[test]
    fn cancel_tokens_are_recognised_by_type() {
        for tokens in [
            "c: &CancelToken",
            "c: courier::CancelToken",
            "c: Option<&courier::CancelToken>",
            "c: Option<CancelToken>",
        ] {
            assert!(parameter(tokens).unwrap().is_cancel_token(), "{tokens}");
        }
        assert!(!parameter("c: &MyToken").unwrap().is_cancel_token());
    }

    #[test]
    fn bad_attributes_are_errors() {
        for (tokens, expected) in [
            (
                "#[cookie] c: &str",
                "`#[cookie]` is not a parameter attribute",
            ),
            ("#[body(json)] c: &U", "`#[body]` takes no arguments"),
            ("#[query(skip)] c: u8", "write `#[query]`"),
            ("#[query(1)] c: u8", "write `#[query]`"),
            ("#[header(\"X Y\")] c: &str", "is not a header name"),
            ("#[query] #[header] c: &str", "already has a role"),
            ("(a, b): (u8, u8)", "needs a plain name"),
        ] {
            let error = parameter(tokens).err().unwrap().to_string();
            assert!(error.contains(expected), "{tokens}: {error}");
        }
    }
}
