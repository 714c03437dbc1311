//! An endpoint: one annotated method of the trait, checked and read into what the request
//! needs.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Pat, Signature, TraitItemFn};

use crate::header_line::HeaderLine;
use crate::http_method::HttpMethod;
use crate::parameter::{Parameter, Role, combine};
use crate::path_template::PathTemplate;
use crate::response_kind::Output;

/// A method of the trait.
pub(crate) enum TraitMethod {
    /// An annotated method: the macro writes its request.
    Endpoint(Box<Endpoint>),
    /// A method with a body and no HTTP attribute, kept in the trait as a provided method.
    Provided(Box<TraitItemFn>),
}

/// An annotated method.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// The attributes that are not the macro's (docs, `cfg`, lints), kept on what is
    /// generated.
    pub(crate) attrs: Vec<Attribute>,
    /// The signature without `async` and without parameter attributes.
    pub(crate) sig: Signature,
    pub(crate) method: HttpMethod,
    pub(crate) path: PathTemplate,
    pub(crate) headers: Vec<HeaderLine>,
    /// Every parameter after `&self`, each with its role.
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) output: Output,
}

impl TraitMethod {
    pub(crate) fn parse(mut item: TraitItemFn) -> syn::Result<TraitMethod> {
        let mut errors = Vec::new();
        let mut method = None;
        let mut headers = Vec::new();
        let mut attrs = Vec::new();
        for attribute in std::mem::take(&mut item.attrs) {
            if let Some(found) = HttpMethod::of_attribute(&attribute) {
                match &method {
                    None => match found.path_argument(&attribute) {
                        Ok(path) => method = Some((found, Some(path))),
                        Err(error) => {
                            errors.push(error);
                            method = Some((found, None));
                        }
                    },
                    Some((first, _)) => errors.push(syn::Error::new_spanned(
                        &attribute,
                        format!(
                            "`{}` already is a `#[{}]`: an endpoint has one HTTP method",
                            item.sig.ident,
                            first.attribute_name()
                        ),
                    )),
                }
            } else if attribute.path().is_ident("headers") {
                match header_lines(&attribute) {
                    Ok(lines) => headers.extend(lines),
                    Err(error) => errors.push(error),
                }
            } else {
                attrs.push(attribute);
            }
        }
        let Some((method, path)) = method else {
            if item.default.is_some() && headers.is_empty() && errors.is_empty() {
                item.attrs = attrs;
                return Ok(TraitMethod::Provided(Box::new(item)));
            }
            errors.push(syn::Error::new(
                item.sig.ident.span(),
                format!(
                    "`{}` needs an HTTP method attribute: `#[get(\"/path\")]`, `#[post(…)]`, `#[put(…)]`, `#[patch(…)]`, `#[delete(…)]` or `#[head(…)]`",
                    item.sig.ident
                ),
            ));
            return Err(combine(errors).unwrap_or_else(|| unreachable_error(&item)));
        };
        if let Some(block) = &item.default {
            errors.push(syn::Error::new(
                block.span(),
                "an endpoint has no body: `#[courier::api]` writes it; end the signature with `;`",
            ));
        }
        errors.extend(check_signature(&item.sig));
        let mut parameters = Vec::new();
        for input in item.sig.inputs.iter_mut() {
            if let FnArg::Typed(argument) = input {
                match Parameter::parse(argument) {
                    Ok(parameter) => parameters.push(parameter),
                    Err(error) => errors.push(error),
                }
                // A declaration without a body cannot have `mut` patterns; the name is all
                // that is used.
                if let Pat::Ident(pattern) = &mut *argument.pat {
                    pattern.mutability = None;
                    pattern.by_ref = None;
                }
            }
        }
        let output = Output::parse(&item.sig.output, item.sig.ident.span());
        let path = path.map(PathTemplate::parse);
        if let Some(Ok(path)) = &path {
            errors.extend(resolve_roles(&item.sig, path, &mut parameters));
        }
        let (output, path) = match (output, path) {
            (Ok(output), Some(Ok(path))) if errors.is_empty() => (output, path),
            (output, path) => {
                errors.extend(output.err());
                errors.extend(path.and_then(Result::err));
                return Err(combine(errors).unwrap_or_else(|| unreachable_error(&item)));
            }
        };
        item.sig.asyncness = None;
        Ok(TraitMethod::Endpoint(Box::new(Endpoint {
            attrs,
            sig: item.sig,
            method,
            path,
            headers,
            parameters,
            output,
        })))
    }
}

/// An error for a state the code above rules out (a missing path always comes with an
/// error); kept so that no path of the macro panics.
fn unreachable_error(item: &TraitItemFn) -> syn::Error {
    syn::Error::new(
        item.sig.ident.span(),
        "`#[courier::api]` could not read this endpoint",
    )
}

/// `#[headers("Accept: application/json", "X-Api-Version: 2")]`.
fn header_lines(attribute: &Attribute) -> syn::Result<Vec<HeaderLine>> {
    let usage = "write `#[headers(\"Name: value\", …)]`";
    let syn::Meta::List(list) = &attribute.meta else {
        return Err(syn::Error::new_spanned(attribute, usage));
    };
    let literals = list
        .parse_args_with(
            syn::punctuated::Punctuated::<syn::LitStr, syn::Token![,]>::parse_terminated,
        )
        .map_err(|error| syn::Error::new(error.span(), format!("{error}: {usage}")))?;
    if literals.is_empty() {
        return Err(syn::Error::new_spanned(attribute, usage));
    }
    literals.iter().map(HeaderLine::parse).collect()
}

/// `async`, `&self` first, and nothing the generated method could not be.
fn check_signature(sig: &Signature) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!("an endpoint is an `async fn`: write `async fn {name}(…)`"),
        ));
    }
    if let Some(token) = &sig.constness {
        errors.push(syn::Error::new(token.span, "an endpoint cannot be `const`"));
    }
    if let Some(token) = &sig.unsafety {
        errors.push(syn::Error::new(
            token.span,
            "an endpoint cannot be `unsafe`",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "an endpoint cannot have an ABI",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "an endpoint cannot be variadic",
        ));
    }
    let usage = format!("an endpoint takes `&self` first: `async fn {name}(&self, …)`");
    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver))
            if receiver.reference.is_some()
                && receiver.mutability.is_none()
                && receiver.colon_token.is_none() => {}
        Some(FnArg::Receiver(receiver)) => errors.push(syn::Error::new_spanned(receiver, usage)),
        Some(FnArg::Typed(_)) | None => {
            errors.push(syn::Error::new(sig.paren_token.span.join(), usage));
        }
    }
    errors
}

/// Gives each bare parameter its role (the path placeholder of its name, or cancellation by
/// type) and checks that the path, the parameters and the body agree.
fn resolve_roles(
    sig: &Signature,
    path: &PathTemplate,
    parameters: &mut [Parameter],
) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let placeholders: HashSet<&str> = path.placeholders().collect();
    for parameter in parameters.iter_mut() {
        if parameter.role.is_some() {
            continue;
        }
        let name = parameter.name();
        if placeholders.contains(name.as_str()) {
            parameter.role = Some(Role::Path { name });
        } else if parameter.is_cancel_token() {
            parameter.role = Some(Role::Cancel);
        } else {
            errors.push(syn::Error::new(
                parameter.ident.span(),
                format!(
                    "`{name}` is not used: put `{{{name}}}` in the path, or mark it `#[query]`, `#[header]`, `#[body]`, `#[form]`, `#[multipart]` or `#[extension]`"
                ),
            ));
        }
    }

    let mut bound = HashSet::new();
    for parameter in parameters.iter() {
        if let Some(Role::Path { name }) = &parameter.role {
            if !placeholders.contains(name.as_str()) {
                errors.push(syn::Error::new_spanned(
                    &parameter.role_source,
                    format!(
                        "`{}` fills `{{{name}}}`, which is not in the path `{}`",
                        parameter.ident,
                        path.literal.value()
                    ),
                ));
            } else if !bound.insert(name.clone()) {
                errors.push(syn::Error::new_spanned(
                    &parameter.role_source,
                    format!("another parameter already fills `{{{name}}}`"),
                ));
            }
        }
    }
    let mut reported = HashSet::new();
    for placeholder in path.placeholders() {
        if bound.contains(placeholder) || !reported.insert(placeholder) {
            continue;
        }
        let taken = parameters
            .iter()
            .find(|parameter| parameter.name() == placeholder && parameter.role.is_some());
        let message = match taken {
            Some(_) => format!(
                "`{{{placeholder}}}` in the path needs the parameter `{placeholder}`, which has another role: remove its attribute"
            ),
            None => format!(
                "`{{{placeholder}}}` in the path has no parameter: add a parameter `{placeholder}: …` to `fn {}`, or bind one with `#[path(\"{placeholder}\")]`",
                sig.ident
            ),
        };
        errors.push(syn::Error::new(path.literal.span(), message));
    }

    let mut body: Option<&Parameter> = None;
    let mut cancel: Option<&Parameter> = None;
    for parameter in parameters.iter() {
        match &parameter.role {
            Some(Role::Body(kind)) => match body {
                Some(first) => {
                    let Some(Role::Body(first_kind)) = &first.role else {
                        continue;
                    };
                    errors.push(syn::Error::new_spanned(
                        &parameter.role_source,
                        format!(
                            "a request has one body, and `{}` already is it (`#[{}]`): `{}` cannot be a `#[{}]` body too",
                            first.ident,
                            first_kind.attribute_name(),
                            parameter.ident,
                            kind.attribute_name()
                        ),
                    ));
                }
                None => body = Some(parameter),
            },
            Some(Role::Cancel) => match cancel {
                Some(first) => errors.push(syn::Error::new(
                    parameter.ident.span(),
                    format!(
                        "`{}` already is this endpoint's cancel token: an endpoint takes one",
                        first.ident
                    ),
                )),
                None => cancel = Some(parameter),
            },
            _ => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(tokens: &str) -> syn::Result<Endpoint> {
        match TraitMethod::parse(syn::parse_str(tokens)?)? {
            TraitMethod::Endpoint(endpoint) => Ok(*endpoint),
            TraitMethod::Provided(_) => panic!("not an endpoint: {tokens}"),
        }
    }

    fn error(tokens: &str) -> String {
        endpoint(tokens)
            .err()
            .unwrap()
            .into_iter()
            .map(|e| e.to_string() + "\n")
            .collect()
    }

    #[test]
    fn bare_parameters_fill_placeholders_and_cancel_tokens_are_found_by_type() {
        let endpoint = endpoint(
            r#"#[get("/users/{id}/posts/{type}")] async fn posts(&self, id: u64, r#type: &str, #[query] page: u32, cancel: &CancelToken) -> courier::Result<Vec<Post>>;"#,
        )
        .unwrap();
        let roles: Vec<_> = endpoint
            .parameters
            .iter()
            .map(|p| p.role.clone().unwrap())
            .collect();
        assert_eq!(
            roles,
            vec![
                Role::Path { name: "id".into() },
                Role::Path {
                    name: "type".into()
                },
                Role::Query {
                    name: "page".into()
                },
                Role::Cancel,
            ]
        );
        assert!(endpoint.sig.asyncness.is_none());
        assert!(endpoint.sig.inputs.iter().all(|input| match input {
            FnArg::Typed(argument) => argument.attrs.is_empty(),
            FnArg::Receiver(_) => true,
        }));
    }

    #[test]
    fn a_method_with_a_body_and_no_attribute_is_kept_as_it_is() {
        let method =
            TraitMethod::parse(syn::parse_str("/// Doc.\nfn helper(&self) -> u8 { 1 }").unwrap())
                .unwrap();
        assert!(matches!(method, TraitMethod::Provided(item) if item.attrs.len() == 1));
    }

    #[test]
    fn mistakes_are_reported_together() {
        let errors = error(
            r#"#[get("/users/{id}/{other}")] fn user(&mut self, idd: u64, #[body] a: &A, #[form] b: &B) -> User;"#,
        );
        for expected in [
            "an endpoint is an `async fn`",
            "takes `&self` first",
            "`idd` is not used",
            "a request has one body, and `a` already is it",
            "an endpoint returns `courier::Result<T>`",
        ] {
            assert!(errors.contains(expected), "{expected} in:\n{errors}");
        }
    }

    #[test]
    fn placeholders_and_path_parameters_must_agree() {
        let errors = error(
            r#"#[get("/users/{id}/{other}")] async fn user(&self, #[query] id: u64, #[path] extra: u8) -> courier::Result<()>;"#,
        );
        for expected in [
            "`{id}` in the path needs the parameter `id`, which has another role",
            "`{other}` in the path has no parameter",
            "`extra` fills `{extra}`, which is not in the path",
        ] {
            assert!(errors.contains(expected), "{expected} in:\n{errors}");
        }
    }

    #[test]
    fn method_attributes_are_checked() {
        for (tokens, expected) in [
            (
                r#"#[get] async fn a(&self) -> Result<()>;"#,
                "`#[get]` needs a path",
            ),
            (
                r#"#[get(1)] async fn a(&self) -> Result<()>;"#,
                "expected string literal",
            ),
            (
                r#"#[get("/a")] #[post("/a")] async fn a(&self) -> Result<()>;"#,
                "already is a `#[get]`",
            ),
            (
                r#"async fn a(&self) -> Result<()>;"#,
                "needs an HTTP method attribute",
            ),
            (
                r#"#[get("/a")] async fn a(&self) -> Result<()> {}"#,
                "an endpoint has no body",
            ),
            (
                r#"#[get("/a")] #[headers("Accept")] async fn a(&self) -> Result<()>;"#,
                "is not a header",
            ),
            (
                r#"#[get("/a")] async fn a(&self, a: &CancelToken, b: &CancelToken) -> Result<()>;"#,
                "already is this endpoint's cancel token",
            ),
            (
                r#"#[get("/a/{x}")] async fn a(&self, x: u8, #[path("x")] y: u8) -> Result<()>;"#,
                "another parameter already fills `{x}`",
            ),
        ] {
            let errors = error(tokens);
            assert!(errors.contains(expected), "{tokens}: {errors}");
        }
    }
}
